-- Existing history, so the inserts meet indexes of realistic size: 1,000,000 calls of 100 projects over the
-- last 30 days, and their hourly rollup.
INSERT INTO api_calls (team_id, key_id, endpoint_group, method, status, duration_ms, billable, units, at)
SELECT 1 + i % 100, 'phx_key_' || (1 + i % 100), (ARRAY['capture','query','persons','plugins','bootstrap'])[1 + i % 5],
       'GET', CASE WHEN i % 50 = 0 THEN 400 ELSE 200 END, 5, i % 50 <> 0, CASE WHEN i % 50 = 0 THEN 0 ELSE 1 END,
       now() - (i % 2592000) * interval '1 second'
FROM generate_series(1, 1000000) AS i;
INSERT INTO api_usage (team_id, endpoint_group, hour, calls, billable_calls, units)
SELECT team_id, endpoint_group, date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', count(*),
       count(*) FILTER (WHERE billable), sum(units)
FROM api_calls GROUP BY 1, 2, 3;
VACUUM ANALYZE api_calls;
VACUUM ANALYZE api_usage;

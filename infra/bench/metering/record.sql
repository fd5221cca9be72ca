-- The statement dev.quarry.metering.Meter runs once per call (RECORD_SQL), with pgbench variables for its
-- parameters: one of 100 projects, one of the 5 groups, a 200 (billable, 1 unit).
\set team random(1, 100)
\set g random(1, 5)
WITH call AS (INSERT INTO api_calls (team_id, key_id, endpoint_group, method, status, duration_ms, rows_returned, rows_read, db_ms, billable, units)
    SELECT :team, 'phx_bench_key', (ARRAY['capture','query','persons','plugins','bootstrap'])[:g], 'GET', 200, 3, NULL, NULL, NULL, true, 1 FROM (SELECT set_config('synchronous_commit', :sync, true)) AS commit_mode
    RETURNING team_id, endpoint_group, at, billable, units)
INSERT INTO api_usage AS u (team_id, endpoint_group, hour, calls, billable_calls, units)
SELECT team_id, endpoint_group, date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 1, CASE WHEN billable THEN 1 ELSE 0 END, units
FROM call WHERE team_id IS NOT NULL
ON CONFLICT (team_id, endpoint_group, hour) DO UPDATE SET calls = u.calls + 1,
    billable_calls = u.billable_calls + EXCLUDED.billable_calls, units = u.units + EXCLUDED.units;

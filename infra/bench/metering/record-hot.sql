-- As record.sql, but every call for the same project and group: all clients update one rollup row (worst case).
WITH call AS (INSERT INTO api_calls (team_id, key_id, endpoint_group, method, status, duration_ms, rows_returned, rows_read, db_ms, billable, units)
    SELECT 1, 'phx_bench_key', 'query', 'POST', 200, 3, 10, NULL, 2, true, 1 FROM (SELECT set_config('synchronous_commit', :sync, true)) AS commit_mode
    RETURNING team_id, endpoint_group, at, billable, units)
INSERT INTO api_usage AS u (team_id, endpoint_group, hour, calls, billable_calls, units)
SELECT team_id, endpoint_group, date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 1, CASE WHEN billable THEN 1 ELSE 0 END, units
FROM call WHERE team_id IS NOT NULL
ON CONFLICT (team_id, endpoint_group, hour) DO UPDATE SET calls = u.calls + 1,
    billable_calls = u.billable_calls + EXCLUDED.billable_calls, units = u.units + EXCLUDED.units;

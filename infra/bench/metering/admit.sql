-- What admission adds to a query or persons call (dev.quarry.metering.Limits): the plan and this month's
-- billable calls of the group (quota), then the key's rate-limit windows bumped. (Bucket names here use '-'
-- for the server's ':', which pgbench would read as a variable.)
\set team random(1, 100)
SELECT p.id, coalesce(t.capture_calls_per_month, p.capture_calls_per_month), coalesce(t.query_calls_per_month, p.query_calls_per_month),
  coalesce(t.persons_calls_per_month, p.persons_calls_per_month), coalesce(t.plugins_calls_per_month, p.plugins_calls_per_month),
  coalesce(t.bootstrap_calls_per_month, p.bootstrap_calls_per_month), coalesce(t.hogql_per_hour, p.hogql_per_hour),
  coalesce(t.query_per_minute, p.query_per_minute), coalesce(t.query_per_hour, p.query_per_hour),
  coalesce(t.persons_per_minute, p.persons_per_minute), coalesce(t.persons_per_hour, p.persons_per_hour),
  (SELECT coalesce(sum(u.billable_calls), 0) FROM api_usage u WHERE u.team_id = x.team_id AND u.endpoint_group = 'query'
     AND u.hour >= (date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'))::bigint,
  extract(epoch FROM (date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') + interval '1 month' - now())::float8
FROM (SELECT :team::bigint AS team_id) x LEFT JOIN team_plans t ON t.team_id = x.team_id
JOIN plans p ON p.id = coalesce(t.plan_id, 'default');
WITH expired AS (DELETE FROM rate_limit_counters WHERE key_id = 'phx_key_' || :team AND window_start < now() - interval '2 hours')
INSERT INTO rate_limit_counters AS c (key_id, bucket, window_start, n)
SELECT 'phx_key_' || :team, w.bucket, date_trunc(w.unit, now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 1
FROM unnest(ARRAY['query-minute','query-hour'], ARRAY['minute','hour']) AS w(bucket, unit),
     (SELECT set_config('synchronous_commit', 'off', true)) AS commit_mode
ON CONFLICT (key_id, bucket, window_start) DO UPDATE SET n = c.n + 1
RETURNING bucket, n, extract(epoch FROM window_start - now())::float8;

-- Staging rows for trigger-costs/measure.sh: 400 batches of 1,000 events of project 2 shaped like the capture bench's
-- (20 k distinct ids, $pageview / signed up, 6 properties), and bench_run(config, first, n): capture's own events
-- upsert (EventIngestor.insertEvents) of n batches, each in its own transaction, timed into bench_timing.
-- Needs a database migrated to the schema with projects 1 (the data, e.g. infra/bench/insights/generate.sql) and 2.
DROP TABLE IF EXISTS bench_stage;
CREATE TABLE bench_stage AS
SELECT n / 1000 AS batch, gen_random_uuid() AS u,
       CASE WHEN n % 4 = 0 THEN 'signed up' ELSE '$pageview' END AS e,
       'bench-user-' || ((n * 7919) % 20000) AS d,
       jsonb_build_object('$browser', (ARRAY['Chrome','Safari','Firefox','Edge'])[1 + n % 4], '$os', 'Mac OS X',
                          '$current_url', 'https://example.com/p/' || (n % 50), '$lib', 'posthog-node',
                          '$lib_version', '5.8.0', '$session_id', 's-' || (n / 40))::text AS p,
       timestamptz '2025-12-30 00:00:00+00' + make_interval(secs => n * 0.05) AS t,
       md5('2-person-' || ((n * 7919) % 20000))::uuid AS pid
FROM generate_series(0::bigint, 399999) AS n;
CREATE INDEX ON bench_stage (batch);
ANALYZE bench_stage;
CREATE TABLE IF NOT EXISTS bench_timing (config text, batch int, ms float8);
CREATE OR REPLACE PROCEDURE bench_run(config text, first int, n int) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; b int;
BEGIN
  FOR b IN first .. first + n - 1 LOOP
    t0 := clock_timestamp();
    INSERT INTO events (team_id, uuid, event, distinct_id, properties, timestamp, person_id, group_0, group_1, group_2, group_3, group_4)
    SELECT 2, u, e, d, p::jsonb, t, pid, '', '', '', '', '' FROM bench_stage WHERE batch = b
    ON CONFLICT (team_id, uuid, event, distinct_id, timestamp_day) DO UPDATE SET
      timestamp = EXCLUDED.timestamp, properties = EXCLUDED.properties, person_id = EXCLUDED.person_id,
      group_0 = EXCLUDED.group_0, group_1 = EXCLUDED.group_1, group_2 = EXCLUDED.group_2,
      group_3 = EXCLUDED.group_3, group_4 = EXCLUDED.group_4, created_at = now();
    INSERT INTO bench_timing VALUES (config, b, extract(epoch FROM clock_timestamp() - t0) * 1000);
    COMMIT;
  END LOOP;
END $$;

-- Insight benchmark data, generated in the database (no capture round trip), shaped exactly as capture writes it:
-- persons (created at their first event), person_distinct_ids, events with person_id and jsonb properties.
-- Deterministic: setseed + serial execution. Usage (psql variables, all optional except team):
--   psql ... -v team=1 -v events=10000000 -v persons=150000 -v days=90 -v seed=0.42 -f generate.sql
-- The last day of data is 2025-12-31 (UTC); benchmark queries use absolute dates inside the 90 days before it.
\set ON_ERROR_STOP on
\if :{?events} \else \set events 10000000 \endif
\if :{?persons} \else \set persons 150000 \endif
\if :{?days} \else \set days 90 \endif
\if :{?seed} \else \set seed 0.42 \endif
SET max_parallel_workers_per_gather = 0;
SELECT setseed(:seed);

DELETE FROM events WHERE team_id = :team;
DELETE FROM person_overrides WHERE team_id = :team;
DELETE FROM person_distinct_ids WHERE team_id = :team;
DELETE FROM persons WHERE team_id = :team;

CREATE TEMP TABLE bench_people AS
SELECT p, md5('bench-person-' || p)::uuid AS uuid, 'user-' || p AS distinct_id,
       (ARRAY['Chrome', 'Safari', 'Firefox', 'Edge', NULL])[1 + floor(random() * 5)::int] AS browser,
       CASE WHEN random() < 0.4 THEN 'user' || p || '@example.com' END AS email
FROM generate_series(0, :persons - 1) AS p;

-- events: persons are skewed (a few very active), times uniform over the days, five event names
CREATE TEMP TABLE bench_events AS
SELECT gen_random_uuid() AS uuid,
       CASE WHEN r < 0.60 THEN '$pageview' WHEN r < 0.80 THEN '$autocapture' WHEN r < 0.95 THEN '$pageleave'
            WHEN r < 0.98 THEN 'purchase' ELSE 'signed up' END AS event,
       p, ts
FROM (SELECT floor(power(random(), 2) * :persons)::int AS p, random() AS r,
             timestamptz '2026-01-01 00:00:00+00' - random() * (:days || ' days')::interval AS ts
      FROM generate_series(1, :events)) AS g;

INSERT INTO persons (team_id, uuid, created_at, properties, is_identified)
SELECT :team, bp.uuid, first.ts,
       jsonb_strip_nulls(jsonb_build_object('email', bp.email, '$browser', bp.browser)), bp.email IS NOT NULL
FROM bench_people bp JOIN (SELECT p, min(ts) AS ts FROM bench_events GROUP BY p) AS first USING (p);

INSERT INTO person_distinct_ids (team_id, distinct_id, person_id)
SELECT :team, bp.distinct_id, bp.uuid FROM bench_people bp WHERE EXISTS (SELECT 1 FROM persons x WHERE x.team_id = :team AND x.uuid = bp.uuid);

-- Loading speed (10 M rows in minutes, not an hour): the events table's indexes and primary key are dropped for the
-- insert and built again afterwards from their own definitions (a sorted build instead of 10 M random index
-- insertions each), with memory for the builds. The rollup triggers still run, once for the whole statement (they
-- are statement-level: one grouped insert each over the transition table), so the rollups are filled in bulk by
-- their own code. Nothing else reads the table during generation.
SET maintenance_work_mem = '1GB';
SET max_parallel_maintenance_workers = 1;
SET work_mem = '256MB';
CREATE TEMP TABLE bench_index_defs AS
SELECT 'ALTER TABLE events ADD CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid) AS def,
       'ALTER TABLE events DROP CONSTRAINT ' || quote_ident(c.conname) AS undo
FROM pg_constraint c WHERE c.conrelid = 'events'::regclass AND c.contype IN ('p', 'u')
UNION ALL
SELECT pg_get_indexdef(i.indexrelid), 'DROP INDEX ' || i.indexrelid::regclass
FROM pg_index i WHERE i.indrelid = 'events'::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
DO $$
DECLARE d record;
BEGIN
    FOR d IN SELECT undo FROM bench_index_defs LOOP
        EXECUTE d.undo;
    END LOOP;
END
$$;

INSERT INTO events (team_id, uuid, event, distinct_id, properties, timestamp, created_at, person_id, elements_chain)
SELECT :team, e.uuid, e.event, bp.distinct_id,
       jsonb_strip_nulls(jsonb_build_object('$browser', bp.browser,
           -- one session a person-day, its id a UUIDv7 as PostHog's SDKs make (the first 48 bits: the day's start in ms,
           -- at most a day before the session's events; then the version 7, the person, the variant 8)
           '$session_id', (lpad(to_hex((extract(epoch FROM date_trunc('day', e.ts)) * 1000)::bigint), 12, '0') || '7'
               || lpad(to_hex(bp.p % 4096), 3, '0') || '8' || lpad(to_hex(bp.p), 15, '0'))::uuid::text,
           'price', CASE WHEN e.event = 'purchase' THEN round((random() * 100)::numeric, 2) END)),
       e.ts, e.ts, bp.uuid, ''
FROM bench_events e JOIN bench_people bp USING (p);

DO $$
DECLARE d record;
BEGIN
    FOR d IN SELECT def FROM bench_index_defs LOOP
        EXECUTE d.def;
    END LOOP;
END
$$;

-- What autovacuum does for an insert-only table soon after (its insert threshold): visibility map set, statistics
-- fresh. Done here so that timed queries do not depend on whether it ran yet (index-only scans need the map).
VACUUM (ANALYZE) events;
-- Capture appends person-day deltas (V48_1); the app's periodic fold moves them into the folded rollups. Folded
-- here, so that timed queries read the folded state a running app keeps.
-- (A build from before V48_1, timed for a before/after, has the rollup tables themselves.)
SELECT to_regclass('events_person_days_delta') IS NOT NULL AS has_deltas \gset
\if :has_deltas
SELECT quarry_rollups_fold() AS folded_delta_rows;
VACUUM (ANALYZE) events_person_days_folded;
VACUUM (ANALYZE) events_person_months_folded;
VACUUM (ANALYZE) events_person_days_delta;
\else
VACUUM (ANALYZE) events_person_days;
VACUUM (ANALYZE) events_person_months;
\endif
ANALYZE persons;
ANALYZE person_distinct_ids;
SELECT count(*) AS events FROM events WHERE team_id = :team;

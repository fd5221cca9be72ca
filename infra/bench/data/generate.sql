-- Deterministic benchmark data for one project, shaped exactly as capture writes it (events with person_id,
-- persons, distinct ids). psql variables: team (project id), events (count), persons (count), days (span).
--   psql -v team=1 -v events=1000000 -v persons=50000 -v days=90 -f generate.sql
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO persons (team_id, uuid, created_at, properties, is_identified)
SELECT :team, md5(:team || '-person-' || i)::uuid,
       date_trunc('day', now()) - make_interval(days => :days) + make_interval(secs => (i * 7919 % (:days * 86400))),
       jsonb_build_object('email', 'user' || i || '@example.com',
                          'plan', (ARRAY['free', 'free', 'pro', 'enterprise'])[1 + i % 4],
                          'country', (ARRAY['US', 'GB', 'DE', 'FR', 'IN', 'BR'])[1 + i % 6]),
       i % 3 = 0
FROM generate_series(1::bigint, :persons) AS i;

INSERT INTO person_distinct_ids (team_id, distinct_id, person_id)
SELECT :team, 'user-' || i, md5(:team || '-person-' || i)::uuid FROM generate_series(1::bigint, :persons) AS i;

-- Each event belongs to a person chosen by a multiplicative hash, at a time after that person was created.
INSERT INTO events (team_id, uuid, event, distinct_id, properties, timestamp, person_id)
SELECT :team, md5(:team || '-event-' || i)::uuid,
       (ARRAY['$pageview', '$pageview', '$pageview', '$pageview', '$autocapture', '$autocapture', 'signed up',
              'purchase', '$identify', 'clicked pricing'])[1 + ((i * 31) + (i * 7 / :persons)) % 10],
       'user-' || p,
       jsonb_build_object('$browser', (ARRAY['Chrome', 'Chrome', 'Chrome', 'Safari', 'Safari', 'Firefox', 'Edge'])[1 + (i * 13) % 7],
                          '$os', (ARRAY['Mac OS X', 'Windows', 'Windows', 'iOS', 'Android', 'Linux'])[1 + (i * 17) % 6],
                          '$current_url', 'https://example.com/' || (ARRAY['', 'pricing', 'docs', 'blog', 'features'])[1 + (i * 19) % 5],
                          'amount', (i * 7) % 200),
       date_trunc('day', now()) - make_interval(days => :days)
           + make_interval(secs => ((p * 7919) % (:days * 86400)) + ((i * 104729) % GREATEST(1, (:days * 86400) - ((p * 7919) % (:days * 86400))))),
       md5(:team || '-person-' || p)::uuid
FROM (SELECT i, 1 + (i * 2654435761::bigint) % :persons AS p FROM generate_series(1::bigint, :events) AS i) AS s;
COMMIT;
ANALYZE events;
ANALYZE persons;
ANALYZE person_distinct_ids;

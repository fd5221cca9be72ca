-- Hand-written PostgreSQL for the same answers the API gives in run.sh (30 days 2025-12-02 … 2025-12-31, UTC).
-- psql variable: team.
\set ON_ERROR_STOP on
\timing on
\echo trends: daily $pageview count
SELECT date_trunc('day', timestamp AT TIME ZONE 'UTC') AS day, count(*) FROM events
WHERE team_id = :team AND event = '$pageview' AND timestamp >= '2025-12-02' AND timestamp < '2026-01-01' GROUP BY 1;
\echo trends: daily $pageview dau by $browser
SELECT date_trunc('day', e.timestamp AT TIME ZONE 'UTC') AS day, coalesce(e.properties ->> '$browser', 'null') AS b,
       count(DISTINCT coalesce(o.override_person_id, e.person_id))
FROM events e LEFT JOIN person_overrides o ON o.team_id = e.team_id AND o.old_person_id = e.person_id
WHERE e.team_id = :team AND e.event = '$pageview' AND e.timestamp >= '2025-12-02' AND e.timestamp < '2026-01-01' GROUP BY 1, 2;
\echo stickiness: persons by number of active days
SELECT n, count(*) FROM (SELECT person_id, count(DISTINCT (timestamp AT TIME ZONE 'UTC')::date) AS n FROM events
  WHERE team_id = :team AND event = '$pageview' AND timestamp >= '2025-12-02' AND timestamp < '2026-01-01'
  GROUP BY person_id) s GROUP BY n;
\echo lifecycle: daily statuses with window functions
WITH active AS (
  SELECT DISTINCT e.person_id, (e.timestamp AT TIME ZONE 'UTC')::date AS d FROM events e
  WHERE e.team_id = :team AND e.event = '$pageview' AND e.timestamp >= '2025-12-01' AND e.timestamp < '2026-01-01'),
seq AS (
  SELECT a.person_id, a.d, lag(a.d) OVER w AS prev, lead(a.d) OVER w AS next,
         (p.created_at AT TIME ZONE 'UTC')::date AS created
  FROM active a JOIN persons p ON p.team_id = :team AND p.uuid = a.person_id WINDOW w AS (PARTITION BY a.person_id ORDER BY a.d))
SELECT d, status, count(*) FROM (
  SELECT d, CASE WHEN prev = d - 1 THEN 'returning' WHEN prev IS NULL AND created = d THEN 'new' ELSE 'resurrecting' END AS status
  FROM seq WHERE d >= '2025-12-02'
  UNION ALL
  SELECT d + 1, 'dormant' FROM seq WHERE (next IS NULL OR next <> d + 1) AND d + 1 <= '2025-12-31') x
GROUP BY d, status;
\echo retention: recurring daily, 8 intervals ending 2025-12-31
WITH a AS (SELECT DISTINCT person_id, (timestamp AT TIME ZONE 'UTC')::date AS d FROM events
           WHERE team_id = :team AND event = '$pageview' AND timestamp >= '2025-12-24' AND timestamp < '2026-01-01')
SELECT c.d AS cohort, r.d - c.d AS k, count(DISTINCT c.person_id) FROM a c JOIN a r ON r.person_id = c.person_id AND r.d >= c.d
GROUP BY 1, 2;

-- Hand-written SQL baselines on the same data (psql -v team=N): the classic "first step 1, then the first step k
-- after step k-1 within 14 days of step 1" funnel (simpler than Part A 10: one attempt per person, no restarts),
-- and the events correlation over it. Not the same arithmetic as Quarry's scan; a floor for the cost.
\timing on
\echo funnel_3_step_classic
WITH e AS (SELECT person_id, event, timestamp FROM events
           WHERE team_id = :team AND event IN ('$pageview', 'signed up', 'purchase')
             AND timestamp >= date_trunc('day', now()) - interval '30 days'),
p1 AS (SELECT person_id, min(timestamp) AS t1 FROM e WHERE event = '$pageview' GROUP BY 1),
p2 AS (SELECT p1.person_id, p1.t1, min(e.timestamp) AS t2 FROM p1 JOIN e ON e.person_id = p1.person_id
       AND e.event = 'signed up' AND e.timestamp >= p1.t1 AND e.timestamp <= p1.t1 + interval '14 days' GROUP BY 1, 2),
p3 AS (SELECT p2.person_id, min(e.timestamp) AS t3 FROM p2 JOIN e ON e.person_id = p2.person_id
       AND e.event = 'purchase' AND e.timestamp >= p2.t2 AND e.timestamp <= p2.t1 + interval '14 days' GROUP BY 1)
SELECT (SELECT count(*) FROM p1) AS step1, (SELECT count(*) FROM p2) AS step2, (SELECT count(*) FROM p3) AS step3;

\echo funnel_3_step_scan_direct
-- Quarry's own scan function, called by hand (no HogQL, no person override join): the cost of the scan itself.
SELECT count(*) FILTER (WHERE r[1] >= 1), count(*) FILTER (WHERE r[1] >= 2), count(*) FILTER (WHERE r[1] >= 3)
FROM (SELECT person_id, quarry_funnel(
        array_agg(extract(epoch FROM timestamp)::float8 ORDER BY timestamp, CASE event WHEN '$pageview' THEN 1 WHEN 'signed up' THEN 2 ELSE 3 END),
        array_agg((CASE event WHEN '$pageview' THEN 1 WHEN 'signed up' THEN 2 ELSE 4 END)::bigint ORDER BY timestamp, CASE event WHEN '$pageview' THEN 1 WHEN 'signed up' THEN 2 ELSE 3 END),
        3, 1209600, 0, '') AS r
      FROM events WHERE team_id = :team AND event IN ('$pageview', 'signed up', 'purchase')
        AND timestamp >= date_trunc('day', now()) - interval '30 days'
      GROUP BY person_id) AS s;

\echo correlation_events_classic
WITH e AS (SELECT person_id, event, timestamp FROM events
           WHERE team_id = :team AND event IN ('$pageview', 'signed up', 'purchase')
             AND timestamp >= date_trunc('day', now()) - interval '30 days'),
p1 AS (SELECT person_id, min(timestamp) AS t1 FROM e WHERE event = '$pageview' GROUP BY 1),
p2 AS (SELECT p1.person_id, p1.t1, min(e.timestamp) AS t2 FROM p1 JOIN e ON e.person_id = p1.person_id
       AND e.event = 'signed up' AND e.timestamp >= p1.t1 AND e.timestamp <= p1.t1 + interval '14 days' GROUP BY 1, 2),
p3 AS (SELECT p2.person_id, min(e.timestamp) AS t3 FROM p2 JOIN e ON e.person_id = p2.person_id
       AND e.event = 'purchase' AND e.timestamp >= p2.t2 AND e.timestamp <= p2.t1 + interval '14 days' GROUP BY 1),
f AS (SELECT p1.person_id, p3.person_id IS NOT NULL AS success, p1.t1,
             coalesce(p3.t3, p1.t1 + interval '14 days') AS tend FROM p1 LEFT JOIN p3 USING (person_id))
SELECT ev.event, count(DISTINCT f.person_id) FILTER (WHERE f.success), count(DISTINCT f.person_id) FILTER (WHERE NOT f.success)
FROM events ev JOIN f ON f.person_id = ev.person_id
WHERE ev.team_id = :team AND ev.timestamp > f.t1 AND ev.timestamp < f.tend
  AND ev.event NOT IN ('$pageview', 'signed up', 'purchase')
GROUP BY ev.event;

-- The person-day deltas as one row per (team, event, local day) of a capture statement (issue 18 item 5: capture
-- speed; README "Capture, sixteenth round (person-day deltas)").
--
-- Before (V48_1): the events insert's AFTER INSERT statement trigger wrote one events_person_days_delta row per
-- (team, event, day, person) of the statement, each with its count and first/last time: at capture's batches of 100
-- almost one row (and one primary-key entry) per event, ~200 WAL bytes per event; and it found the project's zone by
-- joining the transition table's distinct teams to teams.
-- Now a delta row holds one (team, event, day) of one statement with two parallel arrays: the person id and the
-- timestamp of each of its events (element i is one event). count(*), min and max over the unnested elements are the
-- person-day's events, first_at and last_at, so every reader returns what it returned before. A statement that writes
-- one project's events (every capture batch) reads that project's zone once by its key instead of the join.
-- Measured in the held bench database (20,000 capture rows, statements of 100, each its own transaction, backend CPU
-- from /proc/self/stat, paired with the same inserts without the trigger): the trigger 5.5 -> 1.5 ms per 1,000
-- events (median of 12 pairs) into a bare events-shaped table, 6.3 -> -1.0 (8 pairs, noisy) into `events` itself;
-- WAL 207 -> 28 bytes per event.
--
-- Readers: the events_person_days / events_person_months views unnest the arrays (same columns, same rows); the fold
-- (quarry_rollups_fold(team, max_rows)) unnests the rows it moves; max_rows still counts delta rows (now one per
-- (event, day) of a statement: up to a batch's events each). The update/delete recompute removes the touched
-- persons' elements from the rows that hold them (those rows are deleted and their other elements written back as
-- new rows, in the same statement as before, so one snapshot). The timezone rebuild deletes a project's delta rows
-- by team as before. The unfolded rows of the old shape are folded first (exact: the fold adds counts, takes
-- min/max), under a lock that keeps capture out until this commits.

-- (in a DO block: LOCK needs a transaction block, which a script run statement by statement does not open)
DO $$
BEGIN
    LOCK TABLE events_person_days_delta IN ACCESS EXCLUSIVE MODE;
    PERFORM quarry_rollups_fold();
END
$$;

DROP VIEW events_person_days;
DROP VIEW events_person_months;
DROP TABLE events_person_days_delta;

-- toast_tuple_target: a row of a 100-event statement (100 uuids + 100 timestamps, ~2.4 kB) stays in the heap page
-- instead of going to the TOAST table; EXTERNAL: a larger row's arrays (random uuids, incompressible) are moved out
-- of line without a compression attempt.
CREATE TABLE events_person_days_delta (
    team_id    bigint NOT NULL,
    seq        bigint GENERATED ALWAYS AS IDENTITY,
    event      text NOT NULL,
    day        date NOT NULL,
    person_ids uuid[] NOT NULL,
    timestamps timestamptz[] NOT NULL,
    PRIMARY KEY (team_id, seq)
) WITH (toast_tuple_target = 8160);
ALTER TABLE events_person_days_delta ALTER COLUMN person_ids SET STORAGE EXTERNAL,
    ALTER COLUMN timestamps SET STORAGE EXTERNAL;

-- A folded row without unfolded elements is returned as it is; keys with unfolded elements are grouped with their
-- folded row (V48_2's plan, over the unnested elements).
CREATE VIEW events_person_days AS
SELECT f.team_id, f.event, f.day, f.person_id, f.events, f.first_at, f.last_at
FROM events_person_days_folded f
WHERE NOT EXISTS (SELECT 1 FROM events_person_days_delta d CROSS JOIN LATERAL unnest(d.person_ids) AS u(person_id)
                  WHERE d.team_id = f.team_id AND d.event = f.event AND d.day = f.day AND u.person_id = f.person_id)
UNION ALL
SELECT d.team_id, d.event, d.day, d.person_id, (count(*) + coalesce(max(f.events), 0))::bigint,
       least(min(d.at), min(f.first_at)), greatest(max(d.at), max(f.last_at))
FROM (SELECT d.team_id, d.event, d.day, u.person_id, u.at
      FROM events_person_days_delta d CROSS JOIN LATERAL unnest(d.person_ids, d.timestamps) AS u(person_id, at)) d
LEFT JOIN events_person_days_folded f
       ON f.team_id = d.team_id AND f.event = d.event AND f.day = d.day AND f.person_id = d.person_id
GROUP BY d.team_id, d.event, d.day, d.person_id;

CREATE VIEW events_person_months AS
SELECT f.team_id, f.event, f.month, f.person_id, f.days
FROM events_person_months_folded f
WHERE NOT EXISTS (SELECT 1 FROM events_person_days_delta d CROSS JOIN LATERAL unnest(d.person_ids) AS u(person_id)
                  WHERE d.team_id = f.team_id AND d.event = f.event AND quarry_month_of(d.day) = f.month
                    AND u.person_id = f.person_id)
UNION ALL
SELECT d.team_id, d.event, d.month, d.person_id, bit_or(d.bit) | coalesce(max(f.days), 0)
FROM (SELECT d.team_id, d.event, quarry_month_of(d.day) AS month, u.person_id, quarry_day_bit(d.day) AS bit
      FROM events_person_days_delta d CROSS JOIN LATERAL unnest(d.person_ids) AS u(person_id)) d
LEFT JOIN events_person_months_folded f
       ON f.team_id = d.team_id AND f.event = d.event AND f.month = d.month AND f.person_id = d.person_id
GROUP BY d.team_id, d.event, d.month, d.person_id;

GRANT SELECT ON events_person_days, events_person_months TO quarry_query_reader;

-- Capture: append the statement's events as one row per (team, event, local day).
CREATE OR REPLACE FUNCTION quarry_person_days_add() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lo bigint;
    hi bigint;
    zone text;
BEGIN
    SELECT min(team_id), max(team_id) INTO lo, hi FROM new_events;
    IF lo IS NULL THEN
        RETURN NULL; -- no row inserted (every event of the batch was already stored)
    END IF;
    IF lo = hi AND to_regclass('pg_temp.quarry_recomputed_days') IS NULL THEN
        -- one project (every capture batch): its zone read once, by key (after the zone lock: V60_1)
        SELECT quarry_team_zone(t.timezone) INTO zone FROM teams t WHERE t.id = lo;
        IF zone IS NOT NULL THEN
            INSERT INTO events_person_days_delta (team_id, event, day, person_ids, timestamps)
            SELECT n.team_id, n.event, (n.timestamp AT TIME ZONE zone)::date, array_agg(n.person_id),
                   array_agg(n.timestamp)
            FROM new_events n
            GROUP BY 1, 2, 3;
        END IF;
    ELSIF to_regclass('pg_temp.quarry_recomputed_days') IS NULL THEN
        INSERT INTO events_person_days_delta (team_id, event, day, person_ids, timestamps)
        SELECT n.team_id, n.event, (n.timestamp AT TIME ZONE z.zone)::date, array_agg(n.person_id),
               array_agg(n.timestamp)
        FROM new_events n
        JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
              WHERE t.id IN (SELECT DISTINCT team_id FROM new_events)) z ON z.id = n.team_id
        GROUP BY 1, 2, 3;
    ELSE
        -- keys this statement's update trigger recomputed already count these rows (V48_1's header)
        INSERT INTO events_person_days_delta (team_id, event, day, person_ids, timestamps)
        SELECT n.team_id, n.event, (n.timestamp AT TIME ZONE z.zone)::date, array_agg(n.person_id),
               array_agg(n.timestamp)
        FROM new_events n
        JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
              WHERE t.id IN (SELECT DISTINCT team_id FROM new_events)) z ON z.id = n.team_id
        WHERE NOT EXISTS (SELECT 1 FROM quarry_recomputed_days r
                          WHERE r.stamp = statement_timestamp() AND r.team_id = n.team_id AND r.event = n.event
                            AND r.person_id = n.person_id AND r.day = (n.timestamp AT TIME ZONE z.zone)::date)
        GROUP BY 1, 2, 3;
        DELETE FROM quarry_recomputed_days;
    END IF;
    RETURN NULL;
END
$$;

-- Updates and deletes (V57_1's body): the touched keys recomputed from the events; the delta rows holding a touched
-- key's elements are deleted and their other elements written back as new rows, in the same statement.
CREATE OR REPLACE FUNCTION quarry_person_days_recompute() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Statement-level triggers fire even when no row changed: every capture statement (INSERT ... ON CONFLICT DO
    -- UPDATE) fires this one, almost always with no updated row. Nothing to do then, and no lock to take.
    IF NOT EXISTS (SELECT 1 FROM old_events) THEN
        RETURN NULL;
    END IF;
    PERFORM quarry_rollups_lock_teams(ARRAY(SELECT DISTINCT team_id FROM old_events));
    CREATE TEMP TABLE IF NOT EXISTS quarry_touched_days (team_id bigint, event text, day date, person_id uuid)
        ON COMMIT DROP;
    INSERT INTO quarry_touched_days
    SELECT DISTINCT o.team_id, o.event, (o.timestamp AT TIME ZONE z.zone)::date, o.person_id
    FROM old_events o
    JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
          WHERE t.id IN (SELECT DISTINCT team_id FROM old_events)) z ON z.id = o.team_id;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO quarry_touched_days
        SELECT DISTINCT n.team_id, n.event, (n.timestamp AT TIME ZONE z.zone)::date, n.person_id
        FROM new_events n
        JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
              WHERE t.id IN (SELECT DISTINCT team_id FROM new_events)) z ON z.id = n.team_id;
    END IF;
    WITH k AS (SELECT DISTINCT * FROM quarry_touched_days),
         truth AS (
             SELECT e.team_id, e.event, k.day, e.person_id, count(*) AS events, min(e.timestamp) AS first_at,
                    max(e.timestamp) AS last_at
             FROM k
             JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
                   WHERE t.id IN (SELECT DISTINCT team_id FROM k)) z ON z.id = k.team_id
             JOIN events e ON e.team_id = k.team_id AND e.event = k.event AND e.person_id = k.person_id
                 AND (e.timestamp AT TIME ZONE z.zone)::date = k.day
             GROUP BY e.team_id, e.event, k.day, e.person_id),
         dropped AS (
             DELETE FROM events_person_days_delta d
             WHERE EXISTS (SELECT 1 FROM k WHERE k.team_id = d.team_id AND k.event = d.event AND k.day = d.day
                             AND k.person_id = ANY (d.person_ids))
             RETURNING d.team_id, d.event, d.day, d.person_ids, d.timestamps),
         kept AS (
             INSERT INTO events_person_days_delta (team_id, event, day, person_ids, timestamps)
             SELECT x.team_id, x.event, x.day, array_agg(u.person_id), array_agg(u.at)
             FROM dropped x CROSS JOIN LATERAL unnest(x.person_ids, x.timestamps) AS u(person_id, at)
             WHERE NOT EXISTS (SELECT 1 FROM k WHERE k.team_id = x.team_id AND k.event = x.event AND k.day = x.day
                                 AND k.person_id = u.person_id)
             GROUP BY x.team_id, x.event, x.day),
         gone AS (
             DELETE FROM events_person_days_folded f USING k
             WHERE f.team_id = k.team_id AND f.event = k.event AND f.day = k.day AND f.person_id = k.person_id
               AND NOT EXISTS (SELECT 1 FROM truth t WHERE t.team_id = k.team_id AND t.event = k.event
                                 AND t.day = k.day AND t.person_id = k.person_id))
    INSERT INTO events_person_days_folded AS f (team_id, event, day, person_id, events, first_at, last_at)
    SELECT * FROM truth ORDER BY 1, 2, 3, 4
    ON CONFLICT (team_id, event, day, person_id) DO UPDATE
        SET events = excluded.events, first_at = excluded.first_at, last_at = excluded.last_at;
    IF TG_OP = 'UPDATE' THEN
        CREATE TEMP TABLE IF NOT EXISTS quarry_recomputed_days (stamp timestamptz, team_id bigint, event text,
            day date, person_id uuid) ON COMMIT DROP;
        INSERT INTO quarry_recomputed_days SELECT DISTINCT statement_timestamp(), * FROM quarry_touched_days;
    END IF;
    DELETE FROM quarry_touched_days;
    RETURN NULL;
END
$$;

-- One project's chunk (V57_1): moves at most max_rows of its committed delta rows (lowest seq first) into the folded
-- tables, their elements unnested; returns how many delta rows it moved.
CREATE OR REPLACE FUNCTION quarry_rollups_fold(team bigint, max_rows bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    moved_rows bigint;
BEGIN
    PERFORM quarry_rollups_lock_teams(ARRAY[team]);
    WITH picked AS (
             SELECT d.seq FROM events_person_days_delta d WHERE d.team_id = team ORDER BY d.seq LIMIT max_rows),
         moved AS (
             DELETE FROM events_person_days_delta d USING picked p WHERE d.team_id = team AND d.seq = p.seq
             RETURNING d.team_id, d.event, d.day, d.person_ids, d.timestamps),
         elements AS (
             SELECT m.team_id, m.event, m.day, u.person_id, u.at
             FROM moved m CROSS JOIN LATERAL unnest(m.person_ids, m.timestamps) AS u(person_id, at)),
         days AS (
             INSERT INTO events_person_days_folded AS d (team_id, event, day, person_id, events, first_at, last_at)
             SELECT e.team_id, e.event, e.day, e.person_id, count(*), min(e.at), max(e.at)
             FROM elements e GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
             ON CONFLICT (team_id, event, day, person_id) DO UPDATE
                 SET events = d.events + excluded.events,
                     first_at = least(d.first_at, excluded.first_at),
                     last_at = greatest(d.last_at, excluded.last_at)),
         months AS (
             INSERT INTO events_person_months_folded AS mo (team_id, event, month, person_id, days)
             SELECT e.team_id, e.event, quarry_month_of(e.day), e.person_id, bit_or(quarry_day_bit(e.day))
             FROM elements e GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
             ON CONFLICT (team_id, event, month, person_id) DO UPDATE
                 SET days = mo.days | excluded.days
                 WHERE mo.days | excluded.days <> mo.days)
    SELECT count(*) INTO moved_rows FROM moved;
    RETURN moved_rows;
END
$$;

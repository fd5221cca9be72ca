-- The person rollups as append-only deltas (issue 18 item 5: capture speed).
--
-- Before: every capture statement upserted the person-day rollup (V18_3) and the activity bitmaps (V40_1) in its own
-- transaction, so two batches with the same persons on the same day waited on each other's rollup rows until
-- commit, and each batch paid two grouped upserts into primary keys (~70-100 ms per 1,000 events under load).
-- Now a capture statement appends its person-days to events_person_days_delta (a plain INSERT into a heap with no
-- index: no conflict check, no shared row), and a periodic job (quarry_rollups_fold, called by
-- dev.quarry.capture.RollupFolding) moves the delta rows into the folded tables in one transaction.
--
-- Readers keep their names and their answers: events_person_days and events_person_months are now views that return
-- the folded answer at any moment, grouping the folded rows with the rows not yet folded (sum/min/max of the
-- person-days; bit_or of the months, whose unfolded part is derived from the person-day deltas, so capture writes
-- one delta, not two). A reader's snapshot sees a fold either wholly or not at all (one transaction), so answers do
-- not move when a fold runs.
--
-- Updates and deletes of events (rare: capture only inserts, except an SDK retry of a stored event, which the
-- de-duplication upsert turns into an update) recompute the touched keys from the events into the folded tables and
-- drop those keys' deltas, in one statement (one snapshot: a concurrent batch's events and deltas are seen together
-- or not at all). They, the fold and a team's timezone rebuild take one transaction-level advisory lock, so they never
-- interleave.
--
-- In an INSERT ... ON CONFLICT DO UPDATE that both inserts and updates (a batch holding a re-sent event and a new
-- one), PostgreSQL fires the AFTER UPDATE statement trigger before the AFTER INSERT one: the recompute has then
-- already counted the new rows of the keys it touched, so it notes those keys (with the statement's timestamp) and
-- the insert trigger skips them. (Before this migration such a key was counted twice.)

ALTER TABLE events_person_days RENAME TO events_person_days_folded;
ALTER TABLE events_person_months RENAME TO events_person_months_folded;

CREATE TABLE events_person_days_delta (
    team_id    bigint NOT NULL,
    event      text NOT NULL,
    day        date NOT NULL,
    person_id  uuid NOT NULL,
    events     bigint NOT NULL,
    first_at   timestamptz NOT NULL,
    last_at    timestamptz NOT NULL
);

-- The key the fold, the recomputes and the timezone rebuild serialise on (any constant; 'quarry_rollups').
CREATE FUNCTION quarry_rollups_lock_key() RETURNS bigint LANGUAGE sql IMMUTABLE RETURN 7152069718365470001;

-- Day d of a month as the first day of that month (integer arithmetic on the date).
CREATE FUNCTION quarry_month_of(d date) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN d - (extract(day FROM d)::integer - 1);

CREATE VIEW events_person_days AS
SELECT team_id, event, day, person_id, sum(events)::bigint AS events, min(first_at) AS first_at,
       max(last_at) AS last_at
FROM (SELECT team_id, event, day, person_id, events, first_at, last_at FROM events_person_days_folded
      UNION ALL
      SELECT team_id, event, day, person_id, events, first_at, last_at FROM events_person_days_delta) r
GROUP BY team_id, event, day, person_id;

CREATE VIEW events_person_months AS
SELECT team_id, event, month, person_id, bit_or(days) AS days
FROM (SELECT team_id, event, month, person_id, days FROM events_person_months_folded
      UNION ALL
      SELECT team_id, event, quarry_month_of(day), person_id, quarry_day_bit(day) FROM events_person_days_delta) r
GROUP BY team_id, event, month, person_id;

-- Capture: append the statement's person-days.
CREATE OR REPLACE FUNCTION quarry_person_days_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.quarry_recomputed_days') IS NULL THEN
        INSERT INTO events_person_days_delta (team_id, event, day, person_id, events, first_at, last_at)
        SELECT n.team_id, n.event, (n.timestamp AT TIME ZONE z.zone)::date, n.person_id, count(*), min(n.timestamp),
               max(n.timestamp)
        FROM new_events n
        JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
              WHERE t.id IN (SELECT DISTINCT team_id FROM new_events)) z ON z.id = n.team_id
        GROUP BY 1, 2, 3, 4;
    ELSE
        -- keys this statement's update trigger recomputed already count these rows (see the header)
        INSERT INTO events_person_days_delta (team_id, event, day, person_id, events, first_at, last_at)
        SELECT n.team_id, n.event, (n.timestamp AT TIME ZONE z.zone)::date, n.person_id, count(*), min(n.timestamp),
               max(n.timestamp)
        FROM new_events n
        JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
              WHERE t.id IN (SELECT DISTINCT team_id FROM new_events)) z ON z.id = n.team_id
        WHERE NOT EXISTS (SELECT 1 FROM quarry_recomputed_days r
                          WHERE r.stamp = statement_timestamp() AND r.team_id = n.team_id AND r.event = n.event
                            AND r.person_id = n.person_id AND r.day = (n.timestamp AT TIME ZONE z.zone)::date)
        GROUP BY 1, 2, 3, 4;
        DELETE FROM quarry_recomputed_days;
    END IF;
    RETURN NULL;
END
$$;

-- Updates and deletes: the touched (team, event, local day, person) keys recomputed from the events.
CREATE OR REPLACE FUNCTION quarry_person_days_recompute() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Statement-level triggers fire even when no row changed: every capture statement (INSERT ... ON CONFLICT DO
    -- UPDATE) fires this one, almost always with no updated row. Nothing to do then, and no lock to take.
    IF NOT EXISTS (SELECT 1 FROM old_events) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(quarry_rollups_lock_key());
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
             DELETE FROM events_person_days_delta d USING k
             WHERE d.team_id = k.team_id AND d.event = k.event AND d.day = k.day AND d.person_id = k.person_id),
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

-- The bitmaps' unfolded part is derived from the person-day deltas: capture no longer writes them itself.
DROP TRIGGER events_person_months_insert ON events;
DROP FUNCTION quarry_person_months_add();

CREATE OR REPLACE FUNCTION quarry_person_months_recompute() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM old_events) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(quarry_rollups_lock_key());
    CREATE TEMP TABLE IF NOT EXISTS quarry_touched_months (team_id bigint, event text, month date, person_id uuid,
        zone text) ON COMMIT DROP;
    INSERT INTO quarry_touched_months
    SELECT DISTINCT o.team_id, o.event, quarry_month_of((o.timestamp AT TIME ZONE z.zone)::date), o.person_id, z.zone
    FROM old_events o
    JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
          WHERE t.id IN (SELECT DISTINCT team_id FROM old_events)) z ON z.id = o.team_id;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO quarry_touched_months
        SELECT DISTINCT n.team_id, n.event, quarry_month_of((n.timestamp AT TIME ZONE z.zone)::date), n.person_id,
               z.zone
        FROM new_events n
        JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
              WHERE t.id IN (SELECT DISTINCT team_id FROM new_events)) z ON z.id = n.team_id;
    END IF;
    -- The person-day deltas of these months may stay: the person-day trigger (same statement) dropped those of the
    -- touched days, the rest stand for events that still exist, and OR-ing their bits again changes nothing.
    WITH k AS (SELECT DISTINCT * FROM quarry_touched_months),
         truth AS (
             SELECT k.team_id, k.event, k.month, k.person_id,
                    bit_or(DISTINCT quarry_day_bit((e.timestamp AT TIME ZONE k.zone)::date)) AS days
             FROM k
             JOIN events e ON e.team_id = k.team_id AND e.event = k.event AND e.person_id = k.person_id
                 AND e.timestamp >= k.month::timestamp AT TIME ZONE k.zone
                 AND e.timestamp < (k.month + interval '1 month')::timestamp AT TIME ZONE k.zone
             GROUP BY k.team_id, k.event, k.month, k.person_id),
         gone AS (
             DELETE FROM events_person_months_folded m USING k
             WHERE m.team_id = k.team_id AND m.event = k.event AND m.month = k.month AND m.person_id = k.person_id
               AND NOT EXISTS (SELECT 1 FROM truth t WHERE t.team_id = k.team_id AND t.event = k.event
                                 AND t.month = k.month AND t.person_id = k.person_id))
    INSERT INTO events_person_months_folded AS m (team_id, event, month, person_id, days)
    SELECT * FROM truth ORDER BY 1, 2, 3, 4
    ON CONFLICT (team_id, event, month, person_id) DO UPDATE SET days = excluded.days;
    DELETE FROM quarry_touched_months;
    RETURN NULL;
END
$$;

-- A team's days and months move with its timezone: rebuild that team's folded rows, drop its deltas.
CREATE OR REPLACE FUNCTION quarry_person_days_rezone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text := quarry_team_zone(NEW.timezone);
BEGIN
    PERFORM pg_advisory_xact_lock(quarry_rollups_lock_key());
    DELETE FROM events_person_days_delta WHERE team_id = NEW.id;
    DELETE FROM events_person_days_folded WHERE team_id = NEW.id;
    INSERT INTO events_person_days_folded (team_id, event, day, person_id, events, first_at, last_at)
    SELECT team_id, event, (timestamp AT TIME ZONE zone)::date, person_id, count(*),
           min(timestamp), max(timestamp)
    FROM events WHERE team_id = NEW.id GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION quarry_person_months_rezone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text := quarry_team_zone(NEW.timezone);
BEGIN
    PERFORM pg_advisory_xact_lock(quarry_rollups_lock_key());
    DELETE FROM events_person_months_folded WHERE team_id = NEW.id;
    INSERT INTO events_person_months_folded (team_id, event, month, person_id, days)
    SELECT team_id, event, quarry_month_of(day), person_id, bit_or(quarry_day_bit(day))
    FROM (SELECT DISTINCT team_id, event, (timestamp AT TIME ZONE zone)::date AS day, person_id
          FROM events WHERE team_id = NEW.id) d
    GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END
$$;

-- The fold: moves every committed delta row into the folded tables in one statement (one snapshot, one
-- transaction); returns how many delta rows it moved. Delta rows of batches still in flight stay for the next fold.
CREATE FUNCTION quarry_rollups_fold() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    moved_rows bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(quarry_rollups_lock_key());
    WITH moved AS (DELETE FROM events_person_days_delta RETURNING *),
         days AS (
             INSERT INTO events_person_days_folded AS d (team_id, event, day, person_id, events, first_at, last_at)
             SELECT team_id, event, day, person_id, sum(events), min(first_at), max(last_at)
             FROM moved GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
             ON CONFLICT (team_id, event, day, person_id) DO UPDATE
                 SET events = d.events + excluded.events,
                     first_at = least(d.first_at, excluded.first_at),
                     last_at = greatest(d.last_at, excluded.last_at)),
         months AS (
             INSERT INTO events_person_months_folded AS m (team_id, event, month, person_id, days)
             SELECT team_id, event, quarry_month_of(day), person_id, bit_or(quarry_day_bit(day))
             FROM moved GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
             ON CONFLICT (team_id, event, month, person_id) DO UPDATE
                 SET days = m.days | excluded.days
                 WHERE m.days | excluded.days <> m.days)
    SELECT count(*) INTO moved_rows FROM moved;
    RETURN moved_rows;
END
$$;

-- HogQL and the insight runners read the views under their read-only role (V4), like the events.
GRANT SELECT ON events_person_days, events_person_months TO quarry_query_reader;

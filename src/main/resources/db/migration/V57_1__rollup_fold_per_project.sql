-- The rollup fold in bounded per-project chunks (issue 18 item 5).
--
-- Before: quarry_rollups_fold() moved every project's deltas in one statement under one advisory lock that the
-- rollups' update/delete recompute (a re-sent event that changes a row, an event delete) and a team's timezone
-- rebuild also took, so a large backlog (98.9 k delta rows took 10.9 s at load 28) held those writes of every project
-- for the whole fold.
-- Now the lock is per project (the two-key advisory lock space, so it never meets capture's one-key locks on distinct
-- ids), and quarry_rollups_fold(team, max_rows) folds at most max_rows of one project's deltas (oldest first) in its
-- caller's transaction; dev.quarry.capture.RollupFolding calls it per project in a loop, each call its own
-- transaction, so another project's recompute never waits for it and the same project's waits for one chunk at most.
-- Folding part of a key's deltas is exact: the folded row adds counts and takes min/max, and the views combine a
-- folded row with the deltas left.

-- Takes the rollup locks of the given projects (transaction-level), in ascending order so two callers never deadlock.
CREATE FUNCTION quarry_rollups_lock_teams(teams bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t bigint;
BEGIN
    FOREACH t IN ARRAY coalesce((SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(teams) AS x), '{}') LOOP
        PERFORM pg_advisory_xact_lock(715206971, hashint8(t));
    END LOOP;
END
$$;

-- One project's chunk: moves at most max_rows of its committed delta rows (lowest seq first) into the folded tables;
-- returns how many it moved (fewer than max_rows: nothing of that project is left to fold, unless batches commit
-- meanwhile).
CREATE FUNCTION quarry_rollups_fold(team bigint, max_rows bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    moved_rows bigint;
BEGIN
    PERFORM quarry_rollups_lock_teams(ARRAY[team]);
    WITH picked AS (
             SELECT d.seq FROM events_person_days_delta d WHERE d.team_id = team ORDER BY d.seq LIMIT max_rows),
         moved AS (
             DELETE FROM events_person_days_delta d USING picked p WHERE d.team_id = team AND d.seq = p.seq
             RETURNING d.team_id, d.event, d.day, d.person_id, d.events, d.first_at, d.last_at),
         days AS (
             INSERT INTO events_person_days_folded AS d (team_id, event, day, person_id, events, first_at, last_at)
             SELECT m.team_id, m.event, m.day, m.person_id, sum(m.events), min(m.first_at), max(m.last_at)
             FROM moved m GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
             ON CONFLICT (team_id, event, day, person_id) DO UPDATE
                 SET events = d.events + excluded.events,
                     first_at = least(d.first_at, excluded.first_at),
                     last_at = greatest(d.last_at, excluded.last_at)),
         months AS (
             INSERT INTO events_person_months_folded AS mo (team_id, event, month, person_id, days)
             SELECT m.team_id, m.event, quarry_month_of(m.day), m.person_id, bit_or(quarry_day_bit(m.day))
             FROM moved m GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
             ON CONFLICT (team_id, event, month, person_id) DO UPDATE
                 SET days = mo.days | excluded.days
                 WHERE mo.days | excluded.days <> mo.days)
    SELECT count(*) INTO moved_rows FROM moved;
    RETURN moved_rows;
END
$$;

-- Every project's deltas in the caller's transaction (kept for scripts and tests; the application folds per project
-- through RollupFolding). Projects one by one in ascending order, each under its own lock.
CREATE OR REPLACE FUNCTION quarry_rollups_fold() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    t bigint;
    moved_rows bigint := 0;
BEGIN
    FOR t IN SELECT DISTINCT team_id FROM events_person_days_delta ORDER BY 1 LOOP
        moved_rows := moved_rows + quarry_rollups_fold(t, 9223372036854775807);
    END LOOP;
    RETURN moved_rows;
END
$$;

-- The projects that have deltas to fold: a skip scan over the delta table's primary key (team_id, seq), one index
-- probe per project instead of reading every row.
CREATE FUNCTION quarry_rollups_pending_teams() RETURNS SETOF bigint LANGUAGE sql STABLE AS $$
    WITH RECURSIVE t AS (
        (SELECT team_id FROM events_person_days_delta ORDER BY team_id LIMIT 1)
        UNION ALL
        SELECT (SELECT d.team_id FROM events_person_days_delta d WHERE d.team_id > t.team_id ORDER BY d.team_id LIMIT 1)
        FROM t WHERE t.team_id IS NOT NULL)
    SELECT team_id FROM t WHERE team_id IS NOT NULL
$$;

-- The recomputes and the timezone rebuilds take the touched projects' locks instead of the one shared lock (bodies
-- otherwise as in V48_1).
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

CREATE OR REPLACE FUNCTION quarry_person_months_recompute() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM old_events) THEN
        RETURN NULL;
    END IF;
    PERFORM quarry_rollups_lock_teams(ARRAY(SELECT DISTINCT team_id FROM old_events));
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

CREATE OR REPLACE FUNCTION quarry_person_days_rezone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text := quarry_team_zone(NEW.timezone);
BEGIN
    PERFORM quarry_rollups_lock_teams(ARRAY[NEW.id]);
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
    PERFORM quarry_rollups_lock_teams(ARRAY[NEW.id]);
    DELETE FROM events_person_months_folded WHERE team_id = NEW.id;
    INSERT INTO events_person_months_folded (team_id, event, month, person_id, days)
    SELECT team_id, event, quarry_month_of(day), person_id, bit_or(quarry_day_bit(day))
    FROM (SELECT DISTINCT team_id, event, (timestamp AT TIME ZONE zone)::date AS day, person_id
          FROM events WHERE team_id = NEW.id) d
    GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END
$$;

-- quarry_rollups_lock_key() (the old shared lock) is no longer taken by anything here; a rollup added later must lock
-- its projects with quarry_rollups_lock_teams to exclude the fold.

-- Per-person activity bitmaps (issue 18): one row per team, event name, local month (the team's timezone, as the
-- person-day rollup V18_3 counts days) and person, whose `days` has bit d-1 set when the person did the event on day
-- d of that month (a bigint, so the readers' 64-bit arithmetic needs no casts). A 30-day lifecycle or stickiness
-- reads about two rows per person instead of one per person-day, and the per-person question ("active on which
-- days") is bit arithmetic instead of a grouping and a window sort.
--
-- person_id is the id stored on the events: merges are applied at read time through person_overrides (HogQL's
-- person_id), where the readers OR together the rows of the ids merged into one person, so a merge rewrites nothing
-- here. Deleting a person keeps its events and so its rows, as on events and events_person_days.
--
-- Kept by statement-level triggers of their own (not inside the person-day rollup's functions, so either upkeep can
-- change without the other): a capture statement adds one grouped upsert that writes only rows gaining a bit (a
-- person already active that day costs a lookup, no write); updates and deletes of events (rare: capture only
-- inserts) recompute the touched (team, event, month, person) keys from the events; a team's timezone change
-- rebuilds its rows.
CREATE TABLE events_person_months (
    team_id    bigint NOT NULL,
    event      text NOT NULL,
    month      date NOT NULL,
    person_id  uuid NOT NULL,
    days       bigint NOT NULL,
    PRIMARY KEY (team_id, event, month, person_id)
) WITH (fillfactor = 85);

-- Day d of a month as its bit in `days`.
CREATE FUNCTION quarry_day_bit(d date) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN 1::bigint << (extract(day FROM d)::integer - 1);

CREATE FUNCTION quarry_person_months_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- keys in a fixed order, so concurrent batches lock shared rows in the same order (no deadlock)
    INSERT INTO events_person_months AS m (team_id, event, month, person_id, days)
    SELECT team_id, event, date_trunc('month', day)::date, person_id, bit_or(quarry_day_bit(day))
    FROM (SELECT DISTINCT n.team_id, n.event, (n.timestamp AT TIME ZONE z.zone)::date AS day, n.person_id
          FROM new_events n
          JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
                WHERE t.id IN (SELECT DISTINCT team_id FROM new_events)) z ON z.id = n.team_id) d
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (team_id, event, month, person_id) DO UPDATE
        SET days = m.days | excluded.days
        WHERE m.days | excluded.days <> m.days;
    RETURN NULL;
END
$$;

CREATE FUNCTION quarry_person_months_recompute() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS quarry_touched_months (team_id bigint, event text, month date, person_id uuid,
        zone text) ON COMMIT DROP;
    INSERT INTO quarry_touched_months
    SELECT DISTINCT o.team_id, o.event, date_trunc('month', o.timestamp AT TIME ZONE z.zone)::date, o.person_id, z.zone
    FROM old_events o
    JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
          WHERE t.id IN (SELECT DISTINCT team_id FROM old_events)) z ON z.id = o.team_id;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO quarry_touched_months
        SELECT DISTINCT n.team_id, n.event, date_trunc('month', n.timestamp AT TIME ZONE z.zone)::date, n.person_id,
               z.zone
        FROM new_events n
        JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
              WHERE t.id IN (SELECT DISTINCT team_id FROM new_events)) z ON z.id = n.team_id;
    END IF;
    DELETE FROM events_person_months m USING quarry_touched_months k
    WHERE m.team_id = k.team_id AND m.event = k.event AND m.month = k.month AND m.person_id = k.person_id;
    INSERT INTO events_person_months (team_id, event, month, person_id, days)
    SELECT k.team_id, k.event, k.month, k.person_id, bit_or(DISTINCT quarry_day_bit((e.timestamp AT TIME ZONE k.zone)::date))
    FROM (SELECT DISTINCT * FROM quarry_touched_months) k
    JOIN events e ON e.team_id = k.team_id AND e.event = k.event AND e.person_id = k.person_id
        AND e.timestamp >= k.month::timestamp AT TIME ZONE k.zone
        AND e.timestamp < (k.month + interval '1 month')::timestamp AT TIME ZONE k.zone
    GROUP BY k.team_id, k.event, k.month, k.person_id
    ORDER BY 1, 2, 3, 4;
    DELETE FROM quarry_touched_months;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_person_months_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION quarry_person_months_add();
CREATE TRIGGER events_person_months_update AFTER UPDATE ON events
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION quarry_person_months_recompute();
CREATE TRIGGER events_person_months_delete AFTER DELETE ON events
    REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION quarry_person_months_recompute();

-- A team's months move with its timezone: rebuild that team's rows when it changes.
CREATE FUNCTION quarry_person_months_rezone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text := quarry_team_zone(NEW.timezone);
BEGIN
    DELETE FROM events_person_months WHERE team_id = NEW.id;
    INSERT INTO events_person_months (team_id, event, month, person_id, days)
    SELECT team_id, event, date_trunc('month', day)::date, person_id, bit_or(quarry_day_bit(day))
    FROM (SELECT DISTINCT team_id, event, (timestamp AT TIME ZONE zone)::date AS day, person_id
          FROM events WHERE team_id = NEW.id) d
    GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END
$$;
CREATE TRIGGER events_person_months_rezone AFTER UPDATE OF timezone ON teams
    FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION quarry_person_months_rezone();

-- Backfill from the person-day rollup, which holds exactly the active (team, event, local day, person) keys.
INSERT INTO events_person_months (team_id, event, month, person_id, days)
SELECT team_id, event, date_trunc('month', day)::date, person_id, bit_or(quarry_day_bit(day))
FROM events_person_days
GROUP BY 1, 2, 3, 4;
ANALYZE events_person_months;

-- HogQL and the insight runners read it under their read-only role (V4), like the events.
GRANT SELECT ON events_person_months TO quarry_query_reader;

-- The person-day rollup: per team, event name, day (in the team's timezone) and person, how many events and the
-- first and last one's time. Kept by statement-level triggers on events in the same transaction as the write (a
-- capture batch adds one grouped upsert), so it is always exactly the events table grouped. person_id is the id
-- stored on the events; merges are applied at read time through person_overrides like on events (HogQL's
-- person_id), so a merge needs no rewrite here. Deleting a person keeps its events and so its rows, as on events.
-- Insight runners read it for distinct-person questions (stickiness, lifecycle) when the answer is the same: whole
-- days in the team's timezone, series filtered by event name only.
CREATE TABLE events_person_days (
    team_id    bigint NOT NULL,
    event      text NOT NULL,
    day        date NOT NULL,
    person_id  uuid NOT NULL,
    events     bigint NOT NULL,
    first_at   timestamptz NOT NULL,
    last_at    timestamptz NOT NULL,
    PRIMARY KEY (team_id, event, day, person_id)
);
CREATE INDEX events_person_days_first ON events_person_days (team_id, event, first_at) INCLUDE (person_id);

-- The zone a team's days are counted in: its timezone when it is an IANA region name (Area/City) or UTC, which
-- PostgreSQL and Java read alike; anything else (offsets such as "+05:00", which the two read with opposite signs
-- in POSIX form, or a name this server does not know) counts as UTC, and the runners then do not use the rollup
-- for that team (dev.quarry.insights.PersonDays.usable). Never fails, so capture cannot fail on it.
CREATE FUNCTION quarry_team_zone(tz text) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF tz IS NULL OR tz !~ '^[A-Za-z]+(/[A-Za-z0-9_+-]+)+$' THEN
        RETURN 'UTC';
    END IF;
    PERFORM now() AT TIME ZONE tz;
    RETURN tz;
EXCEPTION WHEN OTHERS THEN
    RETURN 'UTC';
END
$$;

CREATE FUNCTION quarry_person_days_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- keys in a fixed order, so concurrent batches lock shared rows in the same order (no deadlock)
    INSERT INTO events_person_days AS d (team_id, event, day, person_id, events, first_at, last_at)
    SELECT n.team_id, n.event, (n.timestamp AT TIME ZONE z.zone)::date, n.person_id, count(*), min(n.timestamp),
           max(n.timestamp)
    FROM new_events n
    JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
          WHERE t.id IN (SELECT DISTINCT team_id FROM new_events)) z ON z.id = n.team_id
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (team_id, event, day, person_id) DO UPDATE
        SET events = d.events + excluded.events,
            first_at = least(d.first_at, excluded.first_at),
            last_at = greatest(d.last_at, excluded.last_at);
    RETURN NULL;
END
$$;

-- Updates and deletes of events (rare: capture only inserts) recompute the touched keys from events.
CREATE FUNCTION quarry_person_days_recompute() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS quarry_touched_days (team_id bigint, event text, day date, person_id uuid)
        ON COMMIT DROP;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO quarry_touched_days
        SELECT DISTINCT o.team_id, o.event, (o.timestamp AT TIME ZONE z.zone)::date, o.person_id
        FROM old_events o
        JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
              WHERE t.id IN (SELECT DISTINCT team_id FROM old_events)) z ON z.id = o.team_id;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO quarry_touched_days
        SELECT DISTINCT n.team_id, n.event, (n.timestamp AT TIME ZONE z.zone)::date, n.person_id
        FROM new_events n
        JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
              WHERE t.id IN (SELECT DISTINCT team_id FROM new_events)) z ON z.id = n.team_id;
    END IF;
    DELETE FROM events_person_days d USING quarry_touched_days k
    WHERE d.team_id = k.team_id AND d.event = k.event AND d.day = k.day AND d.person_id = k.person_id;
    INSERT INTO events_person_days (team_id, event, day, person_id, events, first_at, last_at)
    SELECT e.team_id, e.event, k.day, e.person_id, count(*), min(e.timestamp), max(e.timestamp)
    FROM (SELECT DISTINCT * FROM quarry_touched_days) k
    JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
          WHERE t.id IN (SELECT DISTINCT team_id FROM quarry_touched_days)) z ON z.id = k.team_id
    JOIN events e ON e.team_id = k.team_id AND e.event = k.event AND e.person_id = k.person_id
        AND (e.timestamp AT TIME ZONE z.zone)::date = k.day
    GROUP BY e.team_id, e.event, k.day, e.person_id
    ORDER BY 1, 2, 3, 4;
    DELETE FROM quarry_touched_days;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_person_days_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION quarry_person_days_add();
CREATE TRIGGER events_person_days_update AFTER UPDATE ON events
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION quarry_person_days_recompute();
CREATE TRIGGER events_person_days_delete AFTER DELETE ON events
    REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION quarry_person_days_recompute();

-- A team's days move with its timezone: rebuild that team's rows when it changes.
CREATE FUNCTION quarry_person_days_rezone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text := quarry_team_zone(NEW.timezone);
BEGIN
    DELETE FROM events_person_days WHERE team_id = NEW.id;
    INSERT INTO events_person_days (team_id, event, day, person_id, events, first_at, last_at)
    SELECT team_id, event, (timestamp AT TIME ZONE zone)::date, person_id, count(*),
           min(timestamp), max(timestamp)
    FROM events WHERE team_id = NEW.id GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END
$$;
CREATE TRIGGER events_person_days_rezone AFTER UPDATE OF timezone ON teams
    FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION quarry_person_days_rezone();

-- Backfill what is already there.
INSERT INTO events_person_days (team_id, event, day, person_id, events, first_at, last_at)
SELECT e.team_id, e.event, (e.timestamp AT TIME ZONE t.zone)::date, e.person_id, count(*),
       min(e.timestamp), max(e.timestamp)
FROM events e JOIN (SELECT id, quarry_team_zone(timezone) AS zone FROM teams) t ON t.id = e.team_id
GROUP BY 1, 2, 3, 4;
ANALYZE events_person_days;

-- HogQL and the insight runners read it under their read-only role (V4), like the events.
GRANT SELECT ON events_person_days TO quarry_query_reader;

-- Daily event counts per hot property value (issue 18 item 1: trends by a property at columnar speed).
--
-- One row per team, event, local day (team timezone, as the person-day rollup), hot property and value, with how many
-- events there are: Trends' total count by such a property (and its plain daily count: every event has one row per
-- property, value '' when the property is missing) then reads a few thousand rows instead of every event.
--
-- Kept like the person rollups (V48_1): capture's statements only append deltas (a plain INSERT, no shared row),
-- quarry_property_days_fold() (called with quarry_rollups_fold() by dev.quarry.capture.RollupFolding) moves them
-- into the folded table, and the view events_property_days is the folded rows plus the unfolded deltas, which readers
-- sum. As the rows are plain counts, updates and deletes of events append deltas too (-1 for the old row, +1 for the
-- new one), so nothing is recomputed from the events and an INSERT ... ON CONFLICT DO UPDATE that both inserts and
-- updates counts each row once (the insert trigger's table holds only the inserted rows). A key's count can reach 0
-- (every event of it deleted): readers skip values whose sum is 0, as the events would not show them.
--
-- The properties are the hot columns (V18_1) except $current_url, whose values are nearly one per event. A value
-- is stored as text, '' for a missing one (trends puts missing and empty values in one bucket); the key holds its
-- md5 so that a long value fits the index.

CREATE TABLE events_property_days_folded (
    team_id    bigint NOT NULL,
    event      text NOT NULL,
    day        date NOT NULL,
    property   text NOT NULL,
    value      text NOT NULL,
    value_md5  uuid GENERATED ALWAYS AS (md5(value)::uuid) STORED,
    events     bigint NOT NULL,
    PRIMARY KEY (team_id, event, property, day, value_md5)
);

CREATE TABLE events_property_days_delta (
    team_id    bigint NOT NULL,
    seq        bigint GENERATED ALWAYS AS IDENTITY,
    event      text NOT NULL,
    day        date NOT NULL,
    property   text NOT NULL,
    value      text NOT NULL,
    events     bigint NOT NULL,
    PRIMARY KEY (team_id, seq)
);

CREATE VIEW events_property_days AS
SELECT team_id, event, day, property, value, events FROM events_property_days_folded
UNION ALL
SELECT team_id, event, day, property, value, events FROM events_property_days_delta;

CREATE FUNCTION quarry_property_days_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO events_property_days_delta (team_id, event, day, property, value, events)
    SELECT n.team_id, n.event, (n.timestamp AT TIME ZONE z.zone)::date, p.property, coalesce(p.value, ''), count(*)
    FROM new_events n
    JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
          WHERE t.id IN (SELECT DISTINCT team_id FROM new_events)) z ON z.id = n.team_id
    CROSS JOIN LATERAL (VALUES ('$browser', n.mat_browser), ('$os', n.mat_os), ('$device_type', n.mat_device_type),
                               ('$pathname', n.mat_pathname), ('$host', n.mat_host),
                               ('$referring_domain', n.mat_referring_domain), ('utm_source', n.mat_utm_source),
                               ('utm_medium', n.mat_utm_medium), ('utm_campaign', n.mat_utm_campaign),
                               ('utm_content', n.mat_utm_content), ('utm_term', n.mat_utm_term)) p(property, value)
    GROUP BY 1, 2, 3, 4, 5;
    RETURN NULL;
END
$$;

CREATE FUNCTION quarry_property_days_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- statement triggers fire on every capture upsert, almost always with no row updated
    IF NOT EXISTS (SELECT 1 FROM old_events) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO events_property_days_delta (team_id, event, day, property, value, events)
        SELECT c.team_id, c.event, (c.timestamp AT TIME ZONE z.zone)::date, p.property, coalesce(p.value, ''),
               sum(c.sign)
        FROM (SELECT n.*, 1 AS sign FROM new_events n UNION ALL SELECT o.*, -1 AS sign FROM old_events o) c
        JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
              WHERE t.id IN (SELECT team_id FROM new_events UNION SELECT team_id FROM old_events)) z
          ON z.id = c.team_id
        CROSS JOIN LATERAL (VALUES ('$browser', c.mat_browser), ('$os', c.mat_os),
                                   ('$device_type', c.mat_device_type), ('$pathname', c.mat_pathname),
                                   ('$host', c.mat_host), ('$referring_domain', c.mat_referring_domain),
                                   ('utm_source', c.mat_utm_source), ('utm_medium', c.mat_utm_medium),
                                   ('utm_campaign', c.mat_utm_campaign), ('utm_content', c.mat_utm_content),
                                   ('utm_term', c.mat_utm_term)) p(property, value)
        GROUP BY 1, 2, 3, 4, 5
        HAVING sum(c.sign) <> 0;
    ELSE
        INSERT INTO events_property_days_delta (team_id, event, day, property, value, events)
        SELECT o.team_id, o.event, (o.timestamp AT TIME ZONE z.zone)::date, p.property, coalesce(p.value, ''),
               -count(*)
        FROM old_events o
        JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
              WHERE t.id IN (SELECT DISTINCT team_id FROM old_events)) z ON z.id = o.team_id
        CROSS JOIN LATERAL (VALUES ('$browser', o.mat_browser), ('$os', o.mat_os),
                                   ('$device_type', o.mat_device_type), ('$pathname', o.mat_pathname),
                                   ('$host', o.mat_host), ('$referring_domain', o.mat_referring_domain),
                                   ('utm_source', o.mat_utm_source), ('utm_medium', o.mat_utm_medium),
                                   ('utm_campaign', o.mat_utm_campaign), ('utm_content', o.mat_utm_content),
                                   ('utm_term', o.mat_utm_term)) p(property, value)
        GROUP BY 1, 2, 3, 4, 5;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_property_days_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION quarry_property_days_add();
CREATE TRIGGER events_property_days_update AFTER UPDATE ON events
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION quarry_property_days_change();
CREATE TRIGGER events_property_days_delete AFTER DELETE ON events
    REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION quarry_property_days_change();

-- The team's rows counted from its events in its zone: the backfill and the timezone rebuild. One pass over the
-- events with one grouping set per property (no row per event and property, as the capture triggers build for
-- their few rows): values are '' when missing (one bucket with empty ones, as in the triggers), and in a set the other
-- properties' columns are NULL, so the coalesce of all is the set's value.
CREATE FUNCTION quarry_property_days_count(team bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO events_property_days_folded (team_id, event, day, property, value, events)
    SELECT team_id, event, day,
           CASE WHEN GROUPING(mat_browser) = 0 THEN '$browser' WHEN GROUPING(mat_os) = 0 THEN '$os'
                WHEN GROUPING(mat_device_type) = 0 THEN '$device_type' WHEN GROUPING(mat_pathname) = 0 THEN '$pathname'
                WHEN GROUPING(mat_host) = 0 THEN '$host'
                WHEN GROUPING(mat_referring_domain) = 0 THEN '$referring_domain'
                WHEN GROUPING(mat_utm_source) = 0 THEN 'utm_source' WHEN GROUPING(mat_utm_medium) = 0 THEN 'utm_medium'
                WHEN GROUPING(mat_utm_campaign) = 0 THEN 'utm_campaign'
                WHEN GROUPING(mat_utm_content) = 0 THEN 'utm_content' ELSE 'utm_term' END,
           coalesce(mat_browser, mat_os, mat_device_type, mat_pathname, mat_host, mat_referring_domain, mat_utm_source,
                    mat_utm_medium, mat_utm_campaign, mat_utm_content, mat_utm_term),
           count(*)
    FROM (SELECT e.team_id, e.event, (e.timestamp AT TIME ZONE z.zone)::date AS day,
                 coalesce(e.mat_browser, '') AS mat_browser, coalesce(e.mat_os, '') AS mat_os,
                 coalesce(e.mat_device_type, '') AS mat_device_type, coalesce(e.mat_pathname, '') AS mat_pathname,
                 coalesce(e.mat_host, '') AS mat_host, coalesce(e.mat_referring_domain, '') AS mat_referring_domain,
                 coalesce(e.mat_utm_source, '') AS mat_utm_source, coalesce(e.mat_utm_medium, '') AS mat_utm_medium,
                 coalesce(e.mat_utm_campaign, '') AS mat_utm_campaign,
                 coalesce(e.mat_utm_content, '') AS mat_utm_content, coalesce(e.mat_utm_term, '') AS mat_utm_term
          FROM events e
          JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t WHERE t.id = team) z ON z.id = e.team_id
          WHERE e.team_id = team) s
    GROUP BY team_id, event, day, GROUPING SETS ((mat_browser), (mat_os), (mat_device_type), (mat_pathname),
                                                (mat_host), (mat_referring_domain), (mat_utm_source),
                                                (mat_utm_medium), (mat_utm_campaign), (mat_utm_content),
                                                (mat_utm_term));
$$;

-- A team's days move with its timezone: rebuild its rows, drop its deltas (under the fold's lock).
CREATE FUNCTION quarry_property_days_rezone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(quarry_rollups_lock_key());
    DELETE FROM events_property_days_delta WHERE team_id = NEW.id;
    DELETE FROM events_property_days_folded WHERE team_id = NEW.id;
    PERFORM quarry_property_days_count(NEW.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER events_property_days_rezone AFTER UPDATE OF timezone ON teams
    FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION quarry_property_days_rezone();

-- The fold: moves every committed delta row into the folded table (one statement), then drops the folded keys it
-- brought to 0; returns how many delta rows it moved.
CREATE FUNCTION quarry_property_days_fold() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    moved_rows bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(quarry_rollups_lock_key());
    CREATE TEMP TABLE IF NOT EXISTS quarry_property_days_emptied (team_id bigint, event text, property text,
        day date, value_md5 uuid) ON COMMIT DROP;
    WITH moved AS (DELETE FROM events_property_days_delta RETURNING *),
         folded AS (
             INSERT INTO events_property_days_folded AS f (team_id, event, day, property, value, events)
             SELECT team_id, event, day, property, value, sum(events)
             FROM moved GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 4, 3, md5(value)::uuid
             ON CONFLICT (team_id, event, property, day, value_md5) DO UPDATE SET events = f.events + excluded.events
             RETURNING f.team_id, f.event, f.property, f.day, f.value_md5, f.events),
         emptied AS (
             INSERT INTO quarry_property_days_emptied
             SELECT team_id, event, property, day, value_md5 FROM folded WHERE events = 0)
    SELECT count(*) INTO moved_rows FROM moved;
    DELETE FROM events_property_days_folded f USING quarry_property_days_emptied k
    WHERE f.team_id = k.team_id AND f.event = k.event AND f.property = k.property AND f.day = k.day
      AND f.value_md5 = k.value_md5 AND f.events = 0;
    DELETE FROM quarry_property_days_emptied;
    RETURN moved_rows;
END
$$;

-- Backfill what is already there.
DO $$
BEGIN
    PERFORM quarry_property_days_count(t.id) FROM teams t WHERE EXISTS (SELECT 1 FROM events e WHERE e.team_id = t.id);
END
$$;

-- HogQL and the insight runners read the view under their read-only role (V4), like the events.
GRANT SELECT ON events_property_days TO quarry_query_reader;

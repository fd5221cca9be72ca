-- The per-property daily counts' deltas as one row per (team, event, local day) of a statement (issue 18 item 5:
-- capture speed), as V111_1 did for the person-day deltas.
--
-- Before (V64_1): the events insert's AFTER INSERT statement trigger wrote one events_property_days_delta row per
-- (team, event, day, property, value) of the statement: at capture's batches of 100 events with a few dozen pages and
-- four browsers, ~130 rows and primary-key entries a batch; and it found the project's zone by joining the transition
-- table's distinct teams to teams.
-- Now a delta row holds one (team, event, day) of one statement with three parallel arrays: property, value and signed
-- count (element i is one (property, value) key and its count). The view unnests them, so every reader gets the rows
-- it got before. A statement that writes one project's events (every capture batch) reads that project's zone once
-- by its key.
--
-- The fold (quarry_property_days_fold(team, max_rows)) unnests the rows it moves; max_rows still counts delta rows
-- (now one per (event, day) of a statement). The update/delete trigger writes the same shape. The timezone rebuild
-- deletes a project's delta rows by team as before. The unfolded rows of the old shape are folded first (exact: the
-- fold adds counts), under a lock that keeps capture out until this commits.

-- (in a DO block: LOCK needs a transaction block, which a script run statement by statement does not open)
DO $$
BEGIN
    LOCK TABLE events_property_days_delta IN ACCESS EXCLUSIVE MODE;
    PERFORM quarry_property_days_fold();
END
$$;

DROP VIEW events_property_days;
DROP TABLE events_property_days_delta;

CREATE TABLE events_property_days_delta (
    team_id          bigint NOT NULL,
    seq              bigint GENERATED ALWAYS AS IDENTITY,
    event            text NOT NULL,
    day              date NOT NULL,
    properties       text[] NOT NULL,
    property_values  text[] NOT NULL,
    counts           bigint[] NOT NULL,
    PRIMARY KEY (team_id, seq)
);

CREATE VIEW events_property_days AS
SELECT team_id, event, day, property, value, events FROM events_property_days_folded
UNION ALL
SELECT d.team_id, d.event, d.day, u.property, u.value, u.events
FROM events_property_days_delta d
CROSS JOIN LATERAL unnest(d.properties, d.property_values, d.counts) AS u(property, value, events);

GRANT SELECT ON events_property_days TO quarry_query_reader;

-- Capture: the statement's events grouped by (event, day, the 11 hot columns) first, each group spread over the 11
-- properties and summed by key (V64_1), then one row per (team, event, day) with the keys as arrays.
CREATE OR REPLACE FUNCTION quarry_property_days_add() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lo bigint;
    hi bigint;
    zone text;
BEGIN
    SELECT min(team_id), max(team_id) INTO lo, hi FROM new_events;
    IF lo IS NULL THEN
        RETURN NULL; -- no row inserted
    END IF;
    IF lo = hi THEN
        -- one project (every capture batch): its zone read once, by key
        SELECT quarry_team_zone(t.timezone) INTO zone FROM teams t WHERE t.id = lo;
        IF zone IS NULL THEN
            RETURN NULL; -- no such project: the general statement below would join nothing either
        END IF;
        INSERT INTO events_property_days_delta (team_id, event, day, properties, property_values, counts)
        SELECT lo, k.event, k.day, array_agg(k.property), array_agg(k.value), array_agg(k.events)
        FROM (SELECT g.event, g.day, p.property, coalesce(p.value, '') AS value, sum(g.events)::bigint AS events
              FROM (SELECT n.event, (n.timestamp AT TIME ZONE zone)::date AS day, n.mat_browser, n.mat_os,
                           n.mat_device_type, n.mat_pathname, n.mat_host, n.mat_referring_domain, n.mat_utm_source,
                           n.mat_utm_medium, n.mat_utm_campaign, n.mat_utm_content, n.mat_utm_term,
                           count(*) AS events
                    FROM new_events n
                    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13) g
              CROSS JOIN LATERAL (VALUES ('$browser', g.mat_browser), ('$os', g.mat_os),
                                         ('$device_type', g.mat_device_type), ('$pathname', g.mat_pathname),
                                         ('$host', g.mat_host), ('$referring_domain', g.mat_referring_domain),
                                         ('utm_source', g.mat_utm_source), ('utm_medium', g.mat_utm_medium),
                                         ('utm_campaign', g.mat_utm_campaign), ('utm_content', g.mat_utm_content),
                                         ('utm_term', g.mat_utm_term)) p(property, value)
              GROUP BY 1, 2, 3, 4) k
        GROUP BY 1, 2, 3;
    ELSE
        INSERT INTO events_property_days_delta (team_id, event, day, properties, property_values, counts)
        SELECT k.team_id, k.event, k.day, array_agg(k.property), array_agg(k.value), array_agg(k.events)
        FROM (SELECT g.team_id, g.event, g.day, p.property, coalesce(p.value, '') AS value,
                     sum(g.events)::bigint AS events
              FROM (SELECT n.team_id, n.event, (n.timestamp AT TIME ZONE z.zone)::date AS day, n.mat_browser,
                           n.mat_os, n.mat_device_type, n.mat_pathname, n.mat_host, n.mat_referring_domain,
                           n.mat_utm_source, n.mat_utm_medium, n.mat_utm_campaign, n.mat_utm_content,
                           n.mat_utm_term, count(*) AS events
                    FROM new_events n
                    JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
                          WHERE t.id IN (SELECT DISTINCT team_id FROM new_events)) z ON z.id = n.team_id
                    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14) g
              CROSS JOIN LATERAL (VALUES ('$browser', g.mat_browser), ('$os', g.mat_os),
                                         ('$device_type', g.mat_device_type), ('$pathname', g.mat_pathname),
                                         ('$host', g.mat_host), ('$referring_domain', g.mat_referring_domain),
                                         ('utm_source', g.mat_utm_source), ('utm_medium', g.mat_utm_medium),
                                         ('utm_campaign', g.mat_utm_campaign), ('utm_content', g.mat_utm_content),
                                         ('utm_term', g.mat_utm_term)) p(property, value)
              GROUP BY 1, 2, 3, 4, 5) k
        GROUP BY 1, 2, 3;
    END IF;
    RETURN NULL;
END
$$;

-- Updates and deletes (V55_1's body): +1 for each new row's keys, -1 for each old row's, keys that net to 0 left out,
-- written in the array shape.
CREATE OR REPLACE FUNCTION quarry_property_days_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- statement triggers fire on every capture upsert, almost always with no row updated
    IF NOT EXISTS (SELECT 1 FROM old_events) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO events_property_days_delta (team_id, event, day, properties, property_values, counts)
        SELECT k.team_id, k.event, k.day, array_agg(k.property), array_agg(k.value), array_agg(k.events)
        FROM (SELECT c.team_id, c.event, (c.timestamp AT TIME ZONE z.zone)::date AS day, p.property,
                     coalesce(p.value, '') AS value, sum(c.sign)::bigint AS events
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
              HAVING sum(c.sign) <> 0) k
        GROUP BY 1, 2, 3;
    ELSE
        INSERT INTO events_property_days_delta (team_id, event, day, properties, property_values, counts)
        SELECT k.team_id, k.event, k.day, array_agg(k.property), array_agg(k.value), array_agg(k.events)
        FROM (SELECT o.team_id, o.event, (o.timestamp AT TIME ZONE z.zone)::date AS day, p.property,
                     coalesce(p.value, '') AS value, -count(*) AS events
              FROM old_events o
              JOIN (SELECT t.id, quarry_team_zone(t.timezone) AS zone FROM teams t
                    WHERE t.id IN (SELECT DISTINCT team_id FROM old_events)) z ON z.id = o.team_id
              CROSS JOIN LATERAL (VALUES ('$browser', o.mat_browser), ('$os', o.mat_os),
                                         ('$device_type', o.mat_device_type), ('$pathname', o.mat_pathname),
                                         ('$host', o.mat_host), ('$referring_domain', o.mat_referring_domain),
                                         ('utm_source', o.mat_utm_source), ('utm_medium', o.mat_utm_medium),
                                         ('utm_campaign', o.mat_utm_campaign), ('utm_content', o.mat_utm_content),
                                         ('utm_term', o.mat_utm_term)) p(property, value)
              GROUP BY 1, 2, 3, 4, 5) k
        GROUP BY 1, 2, 3;
    END IF;
    RETURN NULL;
END
$$;

-- One project's chunk (V64_1's contract): moves at most max_rows of its committed delta rows (lowest seq first) into
-- the folded table, their keys unnested and summed, drops the folded keys it brought to 0, and returns how many delta
-- rows it moved. Runs in its caller's transaction, under the project's lock.
CREATE OR REPLACE FUNCTION quarry_property_days_fold(team bigint, max_rows bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    moved_rows bigint;
    emptied_events text[];
    emptied_properties text[];
    emptied_days date[];
    emptied_md5s uuid[];
BEGIN
    PERFORM quarry_rollups_lock_teams(ARRAY[team]);
    WITH picked AS (
             SELECT d.seq FROM events_property_days_delta d WHERE d.team_id = team ORDER BY d.seq LIMIT max_rows),
         moved AS (
             DELETE FROM events_property_days_delta d USING picked p WHERE d.team_id = team AND d.seq = p.seq
             RETURNING d.event, d.day, d.properties, d.property_values, d.counts),
         keys AS (
             SELECT m.event, m.day, u.property, u.value, u.events
             FROM moved m CROSS JOIN LATERAL unnest(m.properties, m.property_values, m.counts)
                 AS u(property, value, events)),
         folded AS (
             INSERT INTO events_property_days_folded AS f (team_id, event, day, property, value, events)
             SELECT team, k.event, k.day, k.property, k.value, sum(k.events)
             FROM keys k GROUP BY 2, 3, 4, 5 ORDER BY 2, 4, 3, md5(k.value)::uuid
             ON CONFLICT (team_id, event, property, day, value_md5) DO UPDATE SET events = f.events + excluded.events
             RETURNING f.event, f.property, f.day, f.value_md5, f.events)
    SELECT (SELECT count(*) FROM moved),
           array_agg(event) FILTER (WHERE events = 0), array_agg(property) FILTER (WHERE events = 0),
           array_agg(day) FILTER (WHERE events = 0), array_agg(value_md5) FILTER (WHERE events = 0)
    INTO moved_rows, emptied_events, emptied_properties, emptied_days, emptied_md5s
    FROM folded;
    IF emptied_events IS NOT NULL THEN
        DELETE FROM events_property_days_folded f
        USING unnest(emptied_events, emptied_properties, emptied_days, emptied_md5s) AS k(event, property, day, value_md5)
        WHERE f.team_id = team AND f.event = k.event AND f.property = k.property AND f.day = k.day
          AND f.value_md5 = k.value_md5 AND f.events = 0;
    END IF;
    RETURN moved_rows;
END
$$;

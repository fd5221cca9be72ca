-- A timezone change and a concurrent capture batch of the same project, in either order, leave the rollups on the new
-- zone's days. Before: a batch that had inserted its events (and their person-days in the old zone) but not yet
-- committed was invisible to the rebuild the timezone change ran, so its rows kept the old zone's days for good.
-- Now every statement that writes events takes its projects' zone lock shared (a trigger that fires before the
-- rollups' triggers: same timing and level, name first in order), and a timezone change takes it exclusive before the
-- rebuild triggers run. So the rebuild waits for running batches to commit and then sees their rows, and a batch
-- that comes second waits for the change to commit and then computes its days in the new zone (the rollups'
-- statements after the wait take a new snapshot). Shared locks never wait for each other: batches are not serialised.

CREATE FUNCTION quarry_rollups_zone_lock_key() RETURNS integer LANGUAGE sql IMMUTABLE RETURN 715206972;

CREATE FUNCTION quarry_rollups_zone_share_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(quarry_rollups_zone_lock_key(), hashint8(t))
    FROM (SELECT DISTINCT team_id AS t FROM new_events) teams_written;
    RETURN NULL;
END
$$;

CREATE FUNCTION quarry_rollups_zone_share_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(quarry_rollups_zone_lock_key(), hashint8(t))
    FROM (SELECT DISTINCT team_id AS t FROM old_events) teams_written;
    RETURN NULL;
END
$$;

CREATE FUNCTION quarry_rollups_zone_exclusive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(quarry_rollups_zone_lock_key(), hashint8(NEW.id));
    RETURN NULL;
END
$$;

-- "events_0_…" sorts before every "events_person_…"/"events_property_…" rollup trigger, so it fires first.
CREATE TRIGGER events_0_zone_lock_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION quarry_rollups_zone_share_new();
CREATE TRIGGER events_0_zone_lock_update AFTER UPDATE ON events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION quarry_rollups_zone_share_new();
CREATE TRIGGER events_0_zone_lock_delete AFTER DELETE ON events
    REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION quarry_rollups_zone_share_old();
CREATE TRIGGER events_0_zone_lock_rezone AFTER UPDATE OF timezone ON teams
    FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION quarry_rollups_zone_exclusive();

-- A timezone change rebuilds the project's rollups in the PATCH's own transaction (V60_1's triggers): seconds to
-- minutes for a large project, on a connection of the shared pool. Ten concurrent changes of one project each held a
-- connection while they queued on the project's zone lock, and other projects' requests got 503s for want of a
-- connection (the breaker's finding). quarry_rezone_admit, called first in that transaction, admits one change per
-- project and two at once in all (transaction-level advisory try-locks, never a wait), and bounds what the admitted
-- change may take: its statements 120 s, its wait for the zone lock (capture batches in flight) 10 s. It answers
-- 'ok', 'project' (this project's change is already running) or 'busy' (two other changes are running); the caller
-- answers the last two with a 429 and changes nothing.

CREATE FUNCTION quarry_rezone_lock_key() RETURNS integer LANGUAGE sql IMMUTABLE RETURN 715206973;
CREATE FUNCTION quarry_rezone_slots_key() RETURNS integer LANGUAGE sql IMMUTABLE RETURN 715206974;

CREATE FUNCTION quarry_rezone_admit(team bigint) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF NOT pg_try_advisory_xact_lock(quarry_rezone_lock_key(), hashint8(team)) THEN
        RETURN 'project';
    END IF;
    IF NOT (pg_try_advisory_xact_lock(quarry_rezone_slots_key(), 0)
            OR pg_try_advisory_xact_lock(quarry_rezone_slots_key(), 1)) THEN
        RETURN 'busy';
    END IF;
    PERFORM set_config('statement_timeout', '120s', true);
    PERFORM set_config('lock_timeout', '10s', true);
    RETURN 'ok';
END
$$;

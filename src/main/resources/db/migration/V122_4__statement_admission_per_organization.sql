-- A running user statement also holds one of its organization's p_org_limit slots (the breaker's D4: two projects of
-- one organization, three 60 s statements each, held all six statement slots of an instance, and every other
-- project's first query waited up to a minute). Same form as the project's slots (V25_1): a transaction-level
-- advisory lock, two-int form, key1 = -1000000 - slot (apart from the project slots' -1 - slot), key2 = a hash of
-- the organization id, released when the transaction ends however it ends. No free slot raises QA429 with a message
-- that says which limit was met. PostHog limits concurrent queries per organization as well as per team.
CREATE FUNCTION quarry_admit_statement(p_team bigint, p_limit int, p_org_limit int) RETURNS int
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    org int;
    team_slot int := NULL;
BEGIN
    FOR slot IN 0 .. p_limit - 1 LOOP
        IF pg_try_advisory_xact_lock(-1 - slot, (p_team % 2147483647)::int) THEN
            team_slot := slot;
            EXIT;
        END IF;
    END LOOP;
    IF team_slot IS NULL THEN
        RAISE EXCEPTION 'project % runs % statements already', p_team, p_limit USING ERRCODE = 'QA429';
    END IF;
    SELECT hashtext(organization_id::text) INTO org FROM teams WHERE id = p_team;
    IF org IS NULL THEN
        RETURN team_slot;
    END IF;
    FOR slot IN 0 .. p_org_limit - 1 LOOP
        IF pg_try_advisory_xact_lock(-1000000 - slot, org) THEN
            RETURN team_slot;
        END IF;
    END LOOP;
    RAISE EXCEPTION 'organization runs % statements already', p_org_limit USING ERRCODE = 'QA429';
END
$$;
REVOKE ALL ON FUNCTION quarry_admit_statement(bigint, int, int) FROM PUBLIC;

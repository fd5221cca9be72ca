-- IN COHORT (and cohort property filters) name a cohort by id or name. Compiled without a lookup first, a query
-- asks the database for the cohort's id through these functions, which fail with SQLSTATE QC404 when the team has
-- no such cohort that is not deleted (PostHog answers 400 "Could not find cohort with ID 12"); the API maps QC404
-- to a 400. They read only the columns quarry_query_reader may read (V14_2) and run as the caller.
CREATE OR REPLACE FUNCTION quarry_cohort_ref(p_team bigint, p_id bigint) RETURNS bigint
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    found_id bigint;
BEGIN
    SELECT c.id INTO found_id FROM cohorts c WHERE c.team_id = p_team AND c.id = p_id AND NOT c.deleted;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'Could not find cohort with ID %', p_id USING ERRCODE = 'QC404';
    END IF;
    RETURN found_id;
END
$$;

CREATE OR REPLACE FUNCTION quarry_cohort_ref(p_team bigint, p_name text) RETURNS bigint
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    ids bigint[];
BEGIN
    SELECT array_agg(c.id ORDER BY c.id) INTO ids FROM cohorts c
        WHERE c.team_id = p_team AND c.name = p_name AND NOT c.deleted;
    IF ids IS NULL THEN
        RAISE EXCEPTION 'Could not find a cohort with the name ''%''', p_name USING ERRCODE = 'QC404';
    END IF;
    IF cardinality(ids) > 1 THEN
        RAISE EXCEPTION 'Found multiple cohorts with name ''%''', p_name USING ERRCODE = 'QC404';
    END IF;
    RETURN ids[1];
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION quarry_cohort_ref(bigint, bigint) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION quarry_cohort_ref(bigint, text) TO quarry_query_reader;
    END IF;
END
$$;

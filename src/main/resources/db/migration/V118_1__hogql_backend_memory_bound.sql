-- A bound on the backend's memory while a user's HogQL builds large values (a breaker's third pass, 2026-12-03).
-- V117_1 checks each built value against 64 MiB, but PostgreSQL frees a row's intermediate values only when the row is
-- done, and an ARRAY(SELECT ...) keeps every element until the array is made:
--   concat(C, C, ..., C) with 30 arguments each concat(repeat('x', 1000000), ... 60 times) (a 38 KB query) held
--   8.9 GB in one backend before PostgreSQL's own 1 GB cap on the result refused it;
--   arrayMap(x -> C, range(60)) held 3.6 GB, growing with the range (about 60 MB an element) until the 60 s timeout.
-- Each element and argument passed its own 64 MiB check. So:
-- 1. quarry_bounded, for a value of 256 KiB or more (rare in analytics; building one costs more than this check),
--    also measures the backend's memory (pg_backend_memory_contexts, about 70 us) and refuses past 1 GiB;
-- 2. quarry_bounded_element checks each element an arrayMap builds as quarry_bounded does, and the backend's memory at
--    every 1,024th element too, so an array of small elements is measured as it grows;
-- 3. the HogQL printer checks at most 1,000 built values a statement (CompileBudget.MAX_BUILT_VALUES), so values
--    under 256 KiB that are never measured stay under 1,000 x 256 KiB (twice that with PL/pgSQL's copies) in a row.
-- The memory is read through a SECURITY DEFINER function: the view is for superusers and pg_read_all_stats only. Where
-- the migrating role cannot read it (or PostgreSQL is older than 14), the function answers NULL and only the 64 MiB
-- checks remain.

DO $$
BEGIN
    IF to_regclass('pg_catalog.pg_backend_memory_contexts') IS NOT NULL
            AND has_table_privilege('pg_catalog.pg_backend_memory_contexts', 'SELECT') THEN
        EXECUTE $f$
            CREATE FUNCTION quarry_backend_memory() RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER
            SET search_path = pg_catalog AS
            'SELECT sum(total_bytes)::bigint FROM pg_catalog.pg_backend_memory_contexts'
        $f$;
    ELSE
        EXECUTE $f$
            CREATE FUNCTION quarry_backend_memory() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT NULL::bigint'
        $f$;
    END IF;
END
$$;

CREATE FUNCTION quarry_memory_bound() RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN 1073741824;

CREATE FUNCTION quarry_measured_value_size() RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN 262144;

CREATE FUNCTION quarry_check_backend_memory() RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF quarry_backend_memory() > quarry_memory_bound() THEN
        RAISE EXCEPTION 'quarry: the statement''s values use more than % bytes of memory', quarry_memory_bound()
            USING ERRCODE = '53200';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION quarry_bounded(v anyelement) RETURNS anyelement LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    size bigint := pg_column_size(v);
BEGIN
    IF size > quarry_value_bound() THEN
        RAISE EXCEPTION 'quarry: a value built by the statement is larger than % bytes', quarry_value_bound()
            USING ERRCODE = '53200';
    END IF;
    IF size >= quarry_measured_value_size() THEN
        PERFORM quarry_check_backend_memory();
    END IF;
    RETURN v;
END
$$;

CREATE FUNCTION quarry_bounded_element(v anyelement, ordinal bigint) RETURNS anyelement LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF ordinal % 1024 = 0 THEN
        PERFORM quarry_check_backend_memory();
    END IF;
    RETURN quarry_bounded(v);
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION quarry_backend_memory() TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION quarry_memory_bound() TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION quarry_measured_value_size() TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION quarry_check_backend_memory() TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION quarry_bounded_element(anyelement, bigint) TO quarry_query_reader;
    END IF;
END
$$;

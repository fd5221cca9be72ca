-- A budget for what one user statement may collect into arrays. PostgreSQL bounds neither an aggregate's state nor a
-- backend's memory: work_mem and temp_file_limit cover sorts and hashes, not array_agg, so a HogQL query such as
-- select length(groupArray(repeat('x', 1000000))) from events grew one backend past 7 GB until the kernel's OOM
-- killer ended it, and PostgreSQL's crash recovery cut every project's connections. ClickHouse stops such a query at
-- its memory limit (MEMORY_LIMIT_EXCEEDED). Here the HogQL printer, for users' statements (CompileSettings
-- .boundedCollections), passes every variable-width value an aggregate keeps per row (groupArray, groupUniqArray,
-- argMax, argMin; string_agg and json_agg through groupArray) through quarry_collected, which adds its bytes to a
-- transaction-local counter (each user statement runs in its own transaction, QueryExecutor) and raises SQLSTATE
-- 53200 past 256 MiB: the statement fails as a 400 memory_limit_exceeded (hogql.ValueErrors). Fixed-width values
-- (numbers, dates, uuids) are not counted: a row count is already bounded by the table. The functions set a setting,
-- so they are PARALLEL UNSAFE: a statement that calls them runs without parallel workers, which also keeps a worker's
-- own aggregate state (outside this counter) from growing beside the leader's.

CREATE FUNCTION quarry_collection_budget() RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN 268435456;

CREATE FUNCTION quarry_collect_bytes(n bigint) RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
DECLARE
    total bigint := coalesce(nullif(current_setting('quarry.collected_bytes', true), ''), '0')::bigint + coalesce(n, 0);
BEGIN
    IF total > quarry_collection_budget() THEN
        RAISE EXCEPTION 'quarry: the statement collected more than % bytes into arrays', quarry_collection_budget()
            USING ERRCODE = '53200';
    END IF;
    PERFORM set_config('quarry.collected_bytes', total::text, true);
END
$$;

-- text: its length in bytes as kept (a value read from a table may be compressed on disk; the aggregate keeps it whole)
CREATE FUNCTION quarry_collected(v text) RETURNS text LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
BEGIN
    PERFORM quarry_collect_bytes(octet_length(v));
    RETURN v;
END
$$;

CREATE FUNCTION quarry_collected(v anyelement) RETURNS anyelement LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
BEGIN
    PERFORM quarry_collect_bytes(pg_column_size(v));
    RETURN v;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION quarry_collection_budget() TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION quarry_collect_bytes(bigint) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION quarry_collected(text) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION quarry_collected(anyelement) TO quarry_query_reader;
    END IF;
END
$$;

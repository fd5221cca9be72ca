-- Two holes a breaker found in V116_1's collection budget, both one query growing a backend past 2 GB:
-- 1. JSON was counted at its stored size. pg_column_size of a property object read from the table is its compressed
--    (TOAST) size, but array_agg keeps every value detoasted: 1,100 events of {"p": "y" x 900000} were counted as
--    about 11 MB while about 1 GB was kept. A jsonb value now counts at the length of its text.
-- 2. Values that are not collected per row can still grow: arrayMap(x -> repeat('x', 1000000), range(700)) builds a
--    700 MB array in one row, and toString(groupArray(n)) over 60 M numbers (fixed-width values are not counted)
--    printed a 480 MB array into several GB of text. quarry_bounded refuses, with the same SQLSTATE 53200, a built
--    value (the result of groupArray, groupUniqArray, arrayMap, arrayConcat, arrayStringConcat in a user's HogQL)
--    of more than 64 MiB, before anything reads it further. A value is still built whole before it is checked
--    (PostgreSQL stops a single one at 1 GB); what is bounded is that no such value lives on to be multiplied.
-- The check is one call per built value (about 1 us), not per row collected.

CREATE FUNCTION quarry_collected(v jsonb) RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
BEGIN
    PERFORM quarry_collect_bytes(octet_length(v::text));
    RETURN v;
END
$$;

CREATE FUNCTION quarry_value_bound() RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN 67108864;

CREATE FUNCTION quarry_bounded(v anyelement) RETURNS anyelement LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF pg_column_size(v) > quarry_value_bound() THEN
        RAISE EXCEPTION 'quarry: a value built by the statement is larger than % bytes', quarry_value_bound()
            USING ERRCODE = '53200';
    END IF;
    RETURN v;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION quarry_collected(jsonb) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION quarry_value_bound() TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION quarry_bounded(anyelement) TO quarry_query_reader;
    END IF;
END
$$;

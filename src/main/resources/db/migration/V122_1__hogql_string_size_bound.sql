-- HogQL's repeat, leftPad and rightPad (and their -UTF8 twins): a call whose result would be longer than 1,000,000
-- characters is refused (a 400, too_large_string_size, dev.quarry.hogql.ValueErrors) instead of being cut at the
-- millionth character, which answered a wrong result without a word (length(repeat('a', 2000000)) was 1000000).
-- ClickHouse refuses such calls too, at its own bounds (repeat: 1,000,000 repetitions; the pads: a 1 GiB result).
-- quarry_repeat_times(length, times) returns the count to repeat (0 for a negative one, as before);
-- quarry_padded_length(length) the length to pad to. A NULL argument checks nothing.
CREATE FUNCTION quarry_repeat_times(piece_length integer, times integer) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF times > 1000000 OR (times > 0 AND times::bigint * piece_length > 1000000) THEN
        RAISE EXCEPTION 'quarry: string of more than 1000000 characters' USING ERRCODE = '22023';
    END IF;
    RETURN GREATEST(times, 0);
END
$$;

CREATE FUNCTION quarry_padded_length(len integer) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF len > 1000000 THEN
        RAISE EXCEPTION 'quarry: string of more than 1000000 characters' USING ERRCODE = '22023';
    END IF;
    RETURN len;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION quarry_repeat_times(integer, integer) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION quarry_padded_length(integer) TO quarry_query_reader;
    END IF;
END
$$;

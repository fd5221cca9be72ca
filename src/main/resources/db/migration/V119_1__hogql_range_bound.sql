-- HogQL's range(start, end, step): a call that would make more than 1,000,000 elements is refused (a 400,
-- argument_out_of_bound, dev.quarry.hogql.ValueErrors) instead of being cut at the millionth element, which answered
-- a wrong result without a word (length(range(1000001)) was 1000000). ClickHouse refuses such a call too, at its own
-- bound (function_range_max_elements_in_block, 500,000,000). Returns the last value the range may reach (end - 1),
-- so the printer's generate_series(start, quarry_range_last(start, end, step), step) keeps its form. Computed in
-- numeric, so that no bound overflows while it is checked. A NULL argument checks nothing (the range is then empty,
-- as before).
CREATE FUNCTION quarry_range_last(start bigint, stop bigint, step bigint) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF stop > start AND (stop::numeric - 1 - start) / step >= 1000000 THEN
        RAISE EXCEPTION 'quarry: range of more than 1000000 elements' USING ERRCODE = '22023';
    END IF;
    RETURN stop - 1;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION quarry_range_last(bigint, bigint, bigint) TO quarry_query_reader;
    END IF;
END
$$;

-- HogQL's formatReadableSize, formatReadableDecimalSize and formatReadableQuantity: ClickHouse's formatReadable —
-- the value divided by base while it is at least base in magnitude and a larger unit is left, then written with
-- two decimals and the unit (1024 → '1.00 KiB', 1e9 → '1.00 billion'); NaN and infinities as ClickHouse writes them.
CREATE FUNCTION hogql_format_readable(x float8, base float8, units text[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    i int := 1;
    v float8 := x;
BEGIN
    IF v IS NULL THEN
        RETURN NULL;
    END IF;
    IF v = 'NaN'::float8 THEN
        RETURN 'nan' || units[1];
    ELSIF v = 'Infinity'::float8 THEN
        RETURN 'inf' || units[1];
    ELSIF v = '-Infinity'::float8 THEN
        RETURN '-inf' || units[1];
    END IF;
    WHILE i < array_length(units, 1) AND abs(v) >= base LOOP
        v := v / base;
        i := i + 1;
    END LOOP;
    RETURN round(v::numeric, 2)::text || units[i];
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION hogql_format_readable(float8, float8, text[]) TO quarry_query_reader;
    END IF;
END
$$;

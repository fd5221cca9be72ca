-- ClickHouse's toInt8 … toUInt128 (PostHog's _toInt8 … _toUInt128, hogql.NarrowCasts): an integer past the target's
-- range wraps modulo 2^bits, a float is truncated toward zero, a string is read as a decimal integer.

-- v (an integer, numeric) wrapped into 8, 16 or 32 bits, signed or not, as a bigint: toInt8(200) is -56.
CREATE OR REPLACE FUNCTION hogql_wrap_narrow(v numeric, bits integer, signed boolean) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE WHEN signed AND r >= m / 2 THEN r - m ELSE r END)::bigint
    FROM (SELECT m, mod(mod(trunc(v), m) + m, m) AS r
          FROM (SELECT CASE bits WHEN 8 THEN 256::numeric WHEN 16 THEN 65536::numeric
                                 ELSE 4294967296::numeric END AS m) k) w
$$;

-- A float truncated toward zero, as numeric; NaN and infinities fail as ClickHouse's conversion does.
CREATE OR REPLACE FUNCTION hogql_float_to_integer(v float8) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v = 'NaN'::float8 OR v IN ('Infinity'::float8, '-Infinity'::float8)
        THEN hogql_raise('Unexpected inf or nan to integer conversion', 'cannot_convert_type', NULL::numeric)
        ELSE trunc(v::numeric) END
$$;

-- A string read as ClickHouse's toIntN reads it: an optional sign and decimal digits; anything else fails
-- (CANNOT_PARSE_TEXT), the text shown up to 100 characters.
CREATE OR REPLACE FUNCTION hogql_text_to_integer(v text, target text) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL THEN NULL
        WHEN v ~ '^[+-]?[0-9]{1,100}$' THEN v::numeric
        ELSE hogql_raise('Cannot parse string ''' || hogql_regex_shown(v) || ''' as ' || target
            || ': syntax error', 'cannot_parse_text', NULL::numeric) END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION hogql_wrap_narrow(numeric, integer, boolean) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION hogql_float_to_integer(float8) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION hogql_text_to_integer(text, text) TO quarry_query_reader;
    END IF;
END
$$;

-- ClickHouse's round / floor / ceil / trunc of an integer x to a multiple of s = 10^k (a negative precision), in the
-- integer's own 64-bit type with wrap-around (hogql.IntegerRounding): round adds s/2 after subtracting s from a
-- negative x, floor subtracts s - 1 from a negative x, ceil adds s - 1 to a non-negative one; then each truncates
-- toward zero to a multiple of s.
CREATE OR REPLACE FUNCTION hogql_round_int(x numeric, s numeric, signed boolean, mode text) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT div(CASE mode
                   WHEN 'round' THEN hogql_wrap(x - CASE WHEN x < 0 THEN s ELSE 0 END + div(s, 2), 64, signed)
                   WHEN 'floor' THEN CASE WHEN x < 0 THEN hogql_wrap(x - s + 1, 64, signed) ELSE x END
                   WHEN 'ceil' THEN CASE WHEN x >= 0 THEN hogql_wrap(x + s - 1, 64, signed) ELSE x END
                   ELSE x END, s) * s
$$;

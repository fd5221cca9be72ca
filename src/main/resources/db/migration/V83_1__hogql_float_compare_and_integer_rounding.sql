-- ClickHouse compares Float64 values as IEEE does: NaN is equal to nothing (itself included), unequal to everything,
-- and neither less nor greater than anything; PostgreSQL orders NaN above every number and equal to itself. The
-- printer calls these only where the answers differ (hogql.FloatOrder): = and != when both sides can be NaN, < and
-- <= when the right one can, > and >= when the left one can. A NULL operand gives NULL, as the plain operator does.
-- Each is one inlinable SQL expression.
CREATE OR REPLACE FUNCTION hogql_feq(a float8, b float8) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT a = b AND (a <> 'NaN'::float8 OR b IS NULL) $$;

CREATE OR REPLACE FUNCTION hogql_fne(a float8, b float8) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT a <> b OR (a = 'NaN'::float8 AND b IS NOT NULL) $$;

CREATE OR REPLACE FUNCTION hogql_flt(a float8, b float8) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT a < b AND (b <> 'NaN'::float8 OR a IS NULL) $$;

CREATE OR REPLACE FUNCTION hogql_fle(a float8, b float8) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT a <= b AND (b <> 'NaN'::float8 OR a IS NULL) $$;

CREATE OR REPLACE FUNCTION hogql_fgt(a float8, b float8) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT a > b AND (a <> 'NaN'::float8 OR b IS NULL) $$;

CREATE OR REPLACE FUNCTION hogql_fge(a float8, b float8) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT a >= b AND (a <> 'NaN'::float8 OR b IS NULL) $$;

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

-- ClickHouse's Float64 arithmetic is IEEE's: past the largest double a sum or product is inf, below the smallest it
-- is 0, where PostgreSQL's float8 operators fail ("value out of range: overflow" / "underflow"). The printer uses these
-- for + - * / of floats (and for sums and averages of floats): PostgreSQL's own operator when both operands are far
-- from the bounds (two comparisons with constants, inlined), the exact numeric result rounded to a double otherwise.

-- An exact numeric (numeric holds infinities and NaN since PostgreSQL 14) as the double IEEE rounding gives.
CREATE OR REPLACE FUNCTION hogql_float_of(n numeric) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN n = 'NaN'::numeric THEN 'NaN'::float8
                WHEN n > 1.7976931348623157e308 THEN 'Infinity'::float8
                WHEN n < -1.7976931348623157e308 THEN '-Infinity'::float8
                WHEN abs(n) < 2.4703282292062328e-324 THEN 0::float8
                ELSE n::float8 END
$$;

CREATE OR REPLACE FUNCTION hogql_fplus(a float8, b float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN abs(a) <= 8.988465674311579e307 AND abs(b) <= 8.988465674311579e307 THEN a + b
                ELSE hogql_float_of(a::numeric + b::numeric) END
$$;

CREATE OR REPLACE FUNCTION hogql_fminus(a float8, b float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN abs(a) <= 8.988465674311579e307 AND abs(b) <= 8.988465674311579e307 THEN a - b
                ELSE hogql_float_of(a::numeric - b::numeric) END
$$;

CREATE OR REPLACE FUNCTION hogql_fmultiply(a float8, b float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN (abs(a) BETWEEN 1e-150 AND 1e150 OR a = 0) AND (abs(b) BETWEEN 1e-150 AND 1e150 OR b = 0)
                THEN a * b
                WHEN a = 'NaN'::float8 OR b = 'NaN'::float8 THEN 'NaN'::float8
                WHEN (a = 0 OR b = 0) AND (abs(a) = 'Infinity'::float8 OR abs(b) = 'Infinity'::float8)
                THEN 'NaN'::float8
                WHEN abs(a) = 'Infinity'::float8 OR abs(b) = 'Infinity'::float8 THEN a * b
                ELSE hogql_float_of(a::numeric * b::numeric) END
$$;

-- a / b with b = 0 stays NULL as before (the printer's NULLIF); only the overflow and underflow change.
CREATE OR REPLACE FUNCTION hogql_fdivide(a float8, b float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN (abs(a) BETWEEN 1e-150 AND 1e150 OR a = 0) AND abs(b) BETWEEN 1e-150 AND 1e150 THEN a / b
                WHEN a = 'NaN'::float8 OR b = 'NaN'::float8 OR b = 0 THEN a / b
                WHEN abs(a) = 'Infinity'::float8 OR abs(b) = 'Infinity'::float8 THEN a / b
                ELSE hogql_float_of(a::numeric / b::numeric) END
$$;

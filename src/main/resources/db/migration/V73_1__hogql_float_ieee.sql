-- ClickHouse's Float64 functions are IEEE's: x / 0 is inf, -inf or nan (not NULL), and exp, exp2, exp10, pow, hypot,
-- sinh and cosh past the largest double are inf and below the smallest 0, where PostgreSQL's float8 functions fail
-- ("value out of range: overflow", "division by zero", "zero raised to a negative power is undefined"). The
-- printer calls these; each uses PostgreSQL's own function where the result is far from the bounds (comparisons
-- with constants, inlined) and an exact numeric result rounded to a double (hogql_float_of, V58_1) near them.
-- PostgreSQL orders NaN above every number, so NaN is tested before any bound.

-- a / b: IEEE's quotient; a zero divisor gives inf or -inf by the signs of a and of the zero (1 / -0.0 is -inf), and
-- 0 / 0 or NaN / 0 gives NaN.
CREATE OR REPLACE FUNCTION hogql_fdivide(a float8, b float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN (abs(a) BETWEEN 1e-150 AND 1e150 OR a = 0) AND abs(b) BETWEEN 1e-150 AND 1e150 THEN a / b
                WHEN b = 0 THEN CASE WHEN a IS NULL THEN NULL WHEN a = 0 OR a = 'NaN'::float8 THEN 'NaN'::float8
                                     WHEN (a > 0) = (get_byte(float8send(b), 0) < 128) THEN 'Infinity'::float8
                                     ELSE '-Infinity'::float8 END
                WHEN a = 'NaN'::float8 OR b = 'NaN'::float8 THEN 'NaN'::float8
                WHEN abs(a) = 'Infinity'::float8 OR abs(b) = 'Infinity'::float8 THEN a / b
                ELSE hogql_float_of(a::numeric / b::numeric) END
$$;

-- x modulo y of floats as ClickHouse computes it, x - trunc(x / y) * y in doubles: NaN for a zero or infinite divisor
-- (PostgreSQL's mod fails on a zero one).
CREATE OR REPLACE FUNCTION hogql_fmodulo(a float8, b float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT hogql_fminus(a, hogql_fmultiply(trunc(hogql_fdivide(a, b)), b))
$$;

-- e^x.
CREATE OR REPLACE FUNCTION hogql_fexp(x float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN x BETWEEN -700 AND 700 THEN exp(x)
                WHEN x = 'NaN'::float8 THEN x
                WHEN x > 710 THEN 'Infinity'::float8
                WHEN x < -746 THEN 0::float8
                ELSE hogql_float_of(exp(x::numeric)) END
$$;

-- x^y as C's pow: a negative base with a fractional exponent is NaN, 0 to a negative power inf, pow(x, 0) and
-- pow(1, y) are 1 even for NaN; past the bounds inf (signed by the base and an odd exponent) or 0.
CREATE OR REPLACE FUNCTION hogql_fpow(x float8, y float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN x IS NULL OR y IS NULL THEN NULL
                WHEN y = 0 OR x = 1 THEN 1::float8
                WHEN x = 'NaN'::float8 OR y = 'NaN'::float8 THEN 'NaN'::float8
                WHEN abs(x) = 'Infinity'::float8 OR abs(y) = 'Infinity'::float8 THEN power(x, y)
                WHEN x < 0 AND y <> trunc(y) THEN 'NaN'::float8
                WHEN x = 0 THEN CASE WHEN y > 0 THEN 0::float8 ELSE 'Infinity'::float8 END
                WHEN abs(hogql_fmultiply(y, ln(abs(x)))) < 700 THEN power(x, y)
                WHEN hogql_fmultiply(y, ln(abs(x))) > 710 THEN CASE WHEN x < 0 AND trunc(y / 2) <> y / 2 THEN '-Infinity'::float8
                                                    ELSE 'Infinity'::float8 END
                WHEN hogql_fmultiply(y, ln(abs(x))) < -746 THEN 0::float8
                ELSE hogql_float_of(CASE WHEN x < 0 AND trunc(y / 2) <> y / 2 THEN -1 ELSE 1 END
                                    * power(abs(x)::numeric, y::numeric)) END
$$;

-- sqrt(x² + y²) without the squares' overflow.
CREATE OR REPLACE FUNCTION hogql_fhypot(x float8, y float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN abs(x) < 1e150 AND abs(y) < 1e150 THEN sqrt(x * x + y * y)
                WHEN abs(x) = 'Infinity'::float8 OR abs(y) = 'Infinity'::float8 THEN 'Infinity'::float8
                WHEN x = 'NaN'::float8 OR y = 'NaN'::float8 THEN 'NaN'::float8
                ELSE hogql_float_of(sqrt(x::numeric * x::numeric + y::numeric * y::numeric)) END
$$;

-- sinh and cosh: e^|x| / 2 passes the largest double from |x| ≈ 710.5.
CREATE OR REPLACE FUNCTION hogql_fsinh(x float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN abs(x) <= 700 OR x = 'NaN'::float8 OR abs(x) = 'Infinity'::float8 THEN sinh(x)
                WHEN x > 711 THEN 'Infinity'::float8
                WHEN x < -711 THEN '-Infinity'::float8
                ELSE hogql_float_of((exp(x::numeric) - exp(-x::numeric)) / 2) END
$$;

CREATE OR REPLACE FUNCTION hogql_fcosh(x float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN abs(x) <= 700 OR x = 'NaN'::float8 OR abs(x) = 'Infinity'::float8 THEN cosh(x)
                WHEN abs(x) > 711 THEN 'Infinity'::float8
                ELSE hogql_float_of((exp(x::numeric) + exp(-x::numeric)) / 2) END
$$;

-- A Float64 as ClickHouse's toString writes the special values: inf, -inf, nan (PostgreSQL: Infinity, NaN).
CREATE OR REPLACE FUNCTION hogql_ftext(x float8) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN x = 'Infinity'::float8 THEN 'inf' WHEN x = '-Infinity'::float8 THEN '-inf'
                WHEN x = 'NaN'::float8 THEN 'nan' ELSE x::text END
$$;

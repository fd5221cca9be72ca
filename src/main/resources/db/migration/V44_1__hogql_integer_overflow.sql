-- ClickHouse's integer arithmetic wraps around (two's complement) instead of failing: Int64 and UInt64 results are
-- taken modulo 2^64, wider ones modulo 2^128 / 2^256. PostgreSQL's bigint arithmetic fails with "bigint out of range"
-- instead, so the printer uses these where a result can pass the type's bounds.

-- v (an integer) reduced modulo 2^bits into the signed ([-2^(bits-1), 2^(bits-1))) or unsigned ([0, 2^bits)) range.
CREATE OR REPLACE FUNCTION hogql_wrap_exact(v numeric, bits integer, signed boolean) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN r >= m / 2 AND signed THEN r - m ELSE r END
    FROM (SELECT m, mod(mod(trunc(v), m) + m, m) AS r
          FROM (SELECT CASE bits WHEN 64 THEN 18446744073709551616::numeric
                                 WHEN 128 THEN 340282366920938463463374607431768211456::numeric
                                 ELSE 115792089237316195423570985008687907853269984665640564039457584007913129639936::numeric
                       END AS m) k) w
$$;

-- The same, inlined into the statement: a 64-bit value already in range (nearly always) is returned as it is; only
-- one past the range pays for the reduction.
CREATE OR REPLACE FUNCTION hogql_wrap(v numeric, bits integer, signed boolean) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN bits = 64 AND CASE WHEN signed THEN v BETWEEN -9223372036854775808 AND 9223372036854775807
                                        ELSE v BETWEEN 0 AND 18446744073709551615 END
                THEN v ELSE hogql_wrap_exact(v, bits, signed) END
$$;

-- Int64 a + b, a - b, a * b wrapping as ClickHouse's: PostgreSQL's own operator when the result fits (the common
-- case: two comparisons with constants), exact numeric reduced modulo 2^64 when it would not.
CREATE OR REPLACE FUNCTION hogql_plus_i64(a bigint, b bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN CASE WHEN b >= 0 THEN a <= 9223372036854775807 - b ELSE a >= (-9223372036854775807 - 1) - b END
                THEN a + b ELSE hogql_wrap(a::numeric + b, 64, true)::bigint END
$$;

CREATE OR REPLACE FUNCTION hogql_minus_i64(a bigint, b bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN CASE WHEN b >= 0 THEN a >= (-9223372036854775807 - 1) + b ELSE a <= 9223372036854775807 + b END
                THEN a - b ELSE hogql_wrap(a::numeric - b, 64, true)::bigint END
$$;

CREATE OR REPLACE FUNCTION hogql_multiply_i64(a bigint, b bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN a BETWEEN -3037000499 AND 3037000499 AND b BETWEEN -3037000499 AND 3037000499
                THEN a * b ELSE hogql_wrap(a::numeric * b, 64, true)::bigint END
$$;

-- bitAnd / bitOr / bitXor of integers past 64 bits (ClickHouse: the result has the widest argument's bits, signed if
-- either is): two's complement in 32-bit pieces.
CREATE OR REPLACE FUNCTION hogql_bits_wide(a numeric, b numeric, op text, bits integer, signed boolean) RETURNS numeric
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    x numeric := hogql_wrap(a, bits, false);
    y numeric := hogql_wrap(b, bits, false);
    piece numeric := 4294967296;
    scale numeric := 1;
    out numeric := 0;
    p bigint;
    q bigint;
BEGIN
    FOR i IN 1 .. bits / 32 LOOP
        p := mod(x, piece)::bigint;
        q := mod(y, piece)::bigint;
        out := out + scale * (CASE op WHEN '&' THEN p & q WHEN '|' THEN p | q ELSE p # q END);
        x := div(x, piece);
        y := div(y, piece);
        scale := scale * piece;
    END LOOP;
    RETURN hogql_wrap(out, bits, signed);
END
$$;

-- The same three for operands that are costly to compute (a conversion, a JSON read…): each operand is read once,
-- so PostgreSQL still inlines them (it does not inline a function that would evaluate a costly argument twice), and
-- the exact sum is reduced modulo 2^64 into Int64: (x + 2^63 + 2^64) mod 2^64 - 2^63, x being at least -2^64.
CREATE OR REPLACE FUNCTION hogql_plus_i64_once(a bigint, b bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (mod(a::numeric + b + 27670116110564327424, 18446744073709551616) - 9223372036854775808)::bigint
$$;

CREATE OR REPLACE FUNCTION hogql_minus_i64_once(a bigint, b bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (mod(a::numeric - b + 27670116110564327424, 18446744073709551616) - 9223372036854775808)::bigint
$$;

CREATE OR REPLACE FUNCTION hogql_multiply_i64_once(a bigint, b bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (mod(mod(a::numeric * b + 9223372036854775808, 18446744073709551616) + 18446744073709551616,
                18446744073709551616) - 9223372036854775808)::bigint
$$;

-- toFloat / a Numeric property definition of long numbers (issue 19 §4, round 4). ClickHouse's float reader
-- (IO/readFloatText.h, accurateCastOrNull(x, 'Float64')) reads a number of any length and any exponent: past a double's
-- range it is inf ('1e1000' inf, '-1e1000' -inf), below half the smallest subnormal a zero of the value's sign
-- ('1e-1000' 0), and 40 digits are 1.2…e39. V101_1 read at most 30 digits on each side of the point and a three-digit
-- exponent, and gave NULL for the rest. The common short forms keep V101_1's inlined path; the rest is read here by its
-- digits and exponent (never by numeric on the whole text, which fails past 1e131072 or below 1e-16383).
CREATE OR REPLACE FUNCTION hogql_to_float_long(v text) RETURNS double precision
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    m text[];
    neg boolean;
    digits text;
    e numeric;
    mag numeric;
    x numeric;
BEGIN
    m := regexp_match(v, '^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$');
    IF m IS NULL OR (m[2] = '' AND coalesce(m[3], '') = '') THEN
        RETURN NULL;
    END IF;
    neg := m[1] = '-';
    digits := m[2] || coalesce(m[3], '');
    e := coalesce(m[4], '0')::numeric - length(coalesce(m[3], ''));   -- value = digits × 10^e
    digits := ltrim(digits, '0');
    IF digits = '' THEN
        RETURN CASE WHEN neg THEN '-0'::double precision ELSE 0::double precision END;
    END IF;
    mag := e + length(digits) - 1;                                      -- the value's decimal exponent
    IF mag > 400 THEN
        RETURN CASE WHEN neg THEN '-Infinity'::double precision ELSE 'Infinity'::double precision END;
    END IF;
    IF mag < -400 THEN
        RETURN CASE WHEN neg THEN '-0'::double precision ELSE 0::double precision END;
    END IF;
    digits := left(digits, 800);                                        -- past 800 digits nothing changes a double
    x := ((CASE WHEN neg THEN '-' ELSE '' END) || left(digits, 1) || '.' || coalesce(nullif(substr(digits, 2), ''), '0')
        || 'e' || mag::text)::numeric;
    IF abs(x) >= 1.7976931348623158079372897140530341507993413271003782693617377898e308 THEN
        RETURN CASE WHEN neg THEN '-Infinity'::double precision ELSE 'Infinity'::double precision END;
    END IF;
    IF abs(x) <= 2.4703282292062327208828439643411068618252990130716238221279284125e-324 THEN
        RETURN CASE WHEN neg THEN '-0'::double precision ELSE 0::double precision END;
    END IF;
    RETURN x::double precision;
END
$$;

CREATE OR REPLACE FUNCTION hogql_to_float(v text) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN v ~* '^[+-]?(inf|infinity)$' THEN
            CASE WHEN v LIKE '-%' THEN '-Infinity'::double precision ELSE 'Infinity'::double precision END
        WHEN v ~* '^[+-]?nan$' THEN 'NaN'::double precision
        WHEN v ~ '^[+-]?([0-9]{1,30}(\.[0-9]{0,30})?|\.[0-9]{1,30})([eE][+-]?[0-9]{1,3})?$' THEN
            CASE
                -- from the midpoint between the largest double and 2^1024 up, rounding gives infinity
                WHEN abs(v::numeric) >= 1.7976931348623158079372897140530341507993413271003782693617377898e308 THEN
                    CASE WHEN v::numeric < 0 THEN '-Infinity'::double precision ELSE 'Infinity'::double precision END
                -- up to half the smallest subnormal, rounding gives a zero of the value's sign
                WHEN v::numeric <> 0
                     AND abs(v::numeric) <= 2.4703282292062327208828439643411068618252990130716238221279284125e-324 THEN
                    CASE WHEN v LIKE '-%' THEN '-0'::double precision ELSE 0::double precision END
                ELSE v::double precision
            END
        -- longer digits or exponents (rare): read by their digits and exponent
        WHEN v ~ '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$' THEN hogql_to_float_long(v)
    END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION hogql_to_float_long(text) TO quarry_query_reader;
    END IF;
END
$$;

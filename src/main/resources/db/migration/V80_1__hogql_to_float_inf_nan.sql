-- toFloat / toFloat64OrNull as ClickHouse reads text into a Float64: "inf", "infinity" and "nan" (any case, with a
-- sign) are the IEEE values; a finite decimal past the double range is +-inf and one below half the smallest
-- subnormal is +-0, as IEEE rounding to nearest gives (V43_1 answered NULL for all of these). Garbage stays NULL
-- (PostHog prints toFloat as toFloat64OrNull).
CREATE OR REPLACE FUNCTION hogql_to_float(v text) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN v ~* '^\s*[+-]?(inf|infinity)\s*$' THEN
            CASE WHEN btrim(v) LIKE '-%' THEN '-Infinity'::double precision ELSE 'Infinity'::double precision END
        WHEN v ~* '^\s*[+-]?nan\s*$' THEN 'NaN'::double precision
        WHEN v ~ '^\s*[+-]?([0-9]{1,30}(\.[0-9]{0,30})?|\.[0-9]{1,30})([eE][+-]?[0-9]{1,3})?\s*$' THEN
            CASE
                -- from the midpoint between the largest double and 2^1024 up, rounding gives infinity
                WHEN abs(v::numeric) >= 1.7976931348623158079372897140530341507993413271003782693617377898e308 THEN
                    CASE WHEN v::numeric < 0 THEN '-Infinity'::double precision ELSE 'Infinity'::double precision END
                -- up to half the smallest subnormal, rounding gives a zero of the value's sign
                WHEN v::numeric <> 0
                     AND abs(v::numeric) <= 2.4703282292062327208828439643411068618252990130716238221279284125e-324 THEN
                    CASE WHEN btrim(v) LIKE '-%' THEN '-0'::double precision ELSE 0::double precision END
                ELSE v::double precision
            END
    END
$$;

-- Property values read as ClickHouse reads them (issue 19 §4, round 3).
--
-- toFloat / a Numeric property definition: PostHog prints toFloat(x) as accurateCastOrNull(x, 'Float64'), which reads
-- the whole text with ClickHouse's float reader (IO/readFloatText.h): an optional sign, digits with an optional point
-- and exponent, or inf / infinity / nan in any case — and nothing else, not even a space before or after the number
-- (the text must be read to its end: FunctionsConversion's isAllRead). So '  12  ' and '0x1A' are NULL, '1e3' is
-- 1000, 'inf' inf and 'nan' nan. V80_1 took spaces around the number.
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
    END
$$;

-- toDateTime of text / a DateTime property definition: PostHog prints toDateTime(x) of a string as
-- parseDateTime64BestEffortOrNull(x, 6, tz). Besides the dates and times V2 reads, that parser
-- (IO/parseDateTimeBestEffort.cpp) reads a text of digits alone (after leading spaces) by their count: 9 or 10 are
-- Unix seconds, with an optional fraction after a point ('1700000000' is 2023-11-14 22:13:20 UTC,
-- '1700000000.25' a quarter second later); 13, 16 and 19 are Unix milliseconds, microseconds and nanoseconds (the
-- first 10 digits the seconds); 8 are YYYYMMDD and 14 YYYYMMDDhhmmss (with an optional fraction) in the time zone.
-- The fraction is cut to microseconds (DateTime64(6)). Other counts (11, 12, …) are no time: NULL.
CREATE OR REPLACE FUNCTION hogql_to_timestamp(v text, tz text) RETURNS timestamptz
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    d text;
    secs text;
    frac text;
BEGIN
    IF v IS NULL THEN
        RETURN NULL;
    END IF;
    d := substring(v from '^ *([0-9]+(\.[0-9]{1,18})?)$');
    IF d IS NOT NULL THEN
        secs := substring(d from '^[0-9]+');
        frac := coalesce(substring(d from '\.([0-9]+)$'), '');
        IF length(secs) = 14 THEN
            RETURN (substr(secs, 1, 4) || '-' || substr(secs, 5, 2) || '-' || substr(secs, 7, 2) || ' '
                || substr(secs, 9, 2) || ':' || substr(secs, 11, 2) || ':' || substr(secs, 13, 2))::timestamp
                AT TIME ZONE tz + rpad(left(frac, 6), 6, '0')::bigint * interval '1 microsecond';
        ELSIF length(secs) = 8 AND frac = '' THEN
            RETURN (substr(secs, 1, 4) || '-' || substr(secs, 5, 2) || '-' || substr(secs, 7, 2))::timestamp
                AT TIME ZONE tz;
        ELSIF length(secs) IN (13, 16, 19) AND frac = '' THEN
            frac := substr(secs, 11);
            secs := left(secs, 10);
        ELSIF length(secs) NOT IN (9, 10) THEN
            RETURN NULL;
        END IF;
        RETURN to_timestamp(secs::bigint) + rpad(left(frac, 6), 6, '0')::bigint * interval '1 microsecond';
    END IF;
    IF v !~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?)?\s*(Z|[+-][0-9]{2}(:?[0-9]{2})?)?\s*$' THEN
        RETURN NULL;
    END IF;
    IF v ~ '(Z|[+-][0-9]{2}(:?[0-9]{2})?)\s*$' AND v ~ ':' THEN
        RETURN v::timestamptz;
    END IF;
    RETURN v::timestamp AT TIME ZONE tz;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$$;

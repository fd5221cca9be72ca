-- HogQL's toInt / toFloat are ClickHouse's accurateCastOrNull: a value the type holds converts, anything else is NULL.
-- The V2 guards were tighter than the types: at most 18 digits for Int64 (so 1000000000000000000 and
-- 9223372036854775807 were NULL) and a 2-digit exponent for Float64 (so 1e300 was NULL). Now every Int64 and every
-- finite Float64 converts; the guard's regular expression still runs first (a CASE evaluates in order), so no text
-- reaches a cast that would fail.
CREATE OR REPLACE FUNCTION hogql_to_int(v text) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v ~ '^\s*[+-]?[0-9]{1,19}\s*$' THEN
        CASE WHEN v::numeric BETWEEN -9223372036854775808 AND 9223372036854775807 THEN v::bigint END
    END
$$;

CREATE OR REPLACE FUNCTION hogql_to_float(v text) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v ~ '^\s*[+-]?([0-9]{1,30}(\.[0-9]{0,30})?|\.[0-9]{1,30})([eE][+-]?[0-9]{1,3})?\s*$' THEN
        CASE WHEN v::numeric = 0
                  OR abs(v::numeric) BETWEEN 2.2250738585072014e-308 AND 1.7976931348623157e308
             THEN v::double precision END
    END
$$;

-- ClickHouse's arr[i] / arrayElement(arr, i): positions from 1, and a negative one counts from the end (-1 is the
-- last element); out of range (and 0) is NULL here. The printer uses this only when the index is not a positive
-- constant (then it prints PostgreSQL's plain arr[i]).
CREATE OR REPLACE FUNCTION hogql_array_element(a anyarray, i integer) RETURNS anyelement
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT a[CASE WHEN i < 0 THEN cardinality(a) + 1 + i ELSE i END]
$$;

-- Safe conversions used by SQL the HogQL compiler generates. Each returns NULL for input it cannot convert,
-- so a query never fails on odd data. The numeric and uuid ones are plain SQL (inlinable, IMMUTABLE) guarded
-- by a regular expression that only admits text the cast accepts (bounded digit counts, so no overflow);
-- dates and JSON have too many ways to be invalid for a regex, so those catch the cast error in PL/pgSQL.
-- Works on PostgreSQL 15 and later.

CREATE OR REPLACE FUNCTION hogql_to_float(v text) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v ~ '^\s*[+-]?([0-9]{1,30}(\.[0-9]{0,30})?|\.[0-9]{1,30})([eE][+-]?[0-9]{1,2})?\s*$'
                THEN v::double precision END
$$;

CREATE OR REPLACE FUNCTION hogql_to_int(v text) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v ~ '^\s*[+-]?[0-9]{1,18}\s*$' THEN v::bigint END
$$;

CREATE OR REPLACE FUNCTION hogql_to_uuid(v text) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v ~ '^\s*[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\s*$'
                THEN trim(v)::uuid END
$$;

-- Text to timestamptz; text without an offset is read in the given time zone. Invalid → NULL.
CREATE OR REPLACE FUNCTION hogql_to_timestamp(v text, tz text) RETURNS timestamptz
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    IF v IS NULL OR v !~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?)?\s*(Z|[+-][0-9]{2}(:?[0-9]{2})?)?\s*$' THEN
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

CREATE OR REPLACE FUNCTION hogql_to_date(v text) RETURNS date
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF v IS NULL OR v !~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}' THEN
        RETURN NULL;
    END IF;
    RETURN substring(v from '^\s*([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})')::date;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION hogql_to_jsonb(v text) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN v::jsonb;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$$;

-- Regular-expression match that answers NULL instead of failing on an invalid pattern.
CREATE OR REPLACE FUNCTION hogql_match(v text, pattern text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN v ~ pattern;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$$;

-- ClickHouse extract(haystack, pattern): the first capture group (or the whole match); '' when none.
CREATE OR REPLACE FUNCTION hogql_regexp_extract(v text, pattern text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN coalesce((regexp_match(v, pattern))[1], '');
EXCEPTION WHEN OTHERS THEN
    RETURN '';
END
$$;

-- any(x): the first non-null value of the group (ClickHouse's any).
CREATE OR REPLACE FUNCTION hogql_any_step(state anyelement, v anyelement) RETURNS anyelement
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT state $$;

CREATE OR REPLACE AGGREGATE hogql_any(anyelement) (
    SFUNC = hogql_any_step,
    STYPE = anyelement,
    COMBINEFUNC = hogql_any_step,
    PARALLEL = SAFE
);

-- ClickHouse fails a query whose regular expression does not compile (CANNOT_COMPILE_REGEXP), and PostHog answers
-- it as a 400; these helpers used to catch the error and answer NULL / '' / no match, so a property filter with an
-- invalid `regex` pattern answered 200 with zero counts. They are now plain SQL: an invalid pattern fails the
-- statement with SQLSTATE 2201B (invalid_regular_expression), which the API maps to a 400. Being plain SQL they
-- start no subtransaction per row, so they are PARALLEL SAFE again (see V21_1) and PostgreSQL can inline them.
-- The results for valid patterns are unchanged.

CREATE OR REPLACE FUNCTION hogql_match(v text, pattern text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT v ~ pattern
$$;

CREATE OR REPLACE FUNCTION hogql_regexp_extract(v text, pattern text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce((regexp_match(v, pattern))[1], '')
$$;

CREATE OR REPLACE FUNCTION hogql_regexp_extract_group(v text, pattern text, idx integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce((regexp_match(v, '(' || pattern || ')'))[idx + 1], '')
$$;

CREATE OR REPLACE FUNCTION hogql_extract_all(v text, pattern text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(ARRAY(SELECT m[1] FROM regexp_matches(v, pattern, 'g') AS m), '{}')
$$;

CREATE OR REPLACE FUNCTION hogql_regexp_replace(v text, pattern text, replacement text, flags text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_replace(v, pattern, replace(replacement, '\0', '\&'), flags)
$$;

CREATE OR REPLACE FUNCTION hogql_regexp_split(v text, pattern text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_split_to_array(v, pattern)
$$;

CREATE OR REPLACE FUNCTION hogql_count_matches(v text, pattern text) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (SELECT count(*) FROM regexp_matches(v, pattern, 'g'))
$$;

-- A constant pattern (a property filter's value, a literal in match()) is checked once per statement through this
-- function (the compiler prints it as an uncorrelated subquery, an InitPlan run once when the first row needs it),
-- so the error names the pattern: "Invalid regular expression '(((': parentheses () not balanced". (A statement
-- that reads no row never evaluates it, and answers as it would with any pattern.)
-- Its EXCEPTION block is a subtransaction, which a parallel plan refuses (V21_1): PARALLEL UNSAFE, so only a
-- statement with a constant pattern stays serial.
CREATE OR REPLACE FUNCTION hogql_regex_pattern(pattern text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL UNSAFE AS $$
BEGIN
    IF pattern IS NOT NULL THEN
        PERFORM '' ~ pattern;
    END IF;
    RETURN pattern;
EXCEPTION WHEN invalid_regular_expression THEN
    RAISE EXCEPTION 'Invalid regular expression %: %', quote_literal(pattern),
        regexp_replace(SQLERRM, '^invalid regular expression: ', '') USING ERRCODE = '2201B';
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION hogql_regex_pattern(text) TO quarry_query_reader;
    END IF;
END
$$;

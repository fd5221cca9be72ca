-- ClickHouse compiles every regular expression with RE2, which has no backreferences (\1 … \9) and no lookahead or
-- lookbehind ((?= (?! (?<= (?<!): such a pattern fails the query (CANNOT_COMPILE_REGEXP) and PostHog answers 400.
-- A constant pattern is checked with RE2's own syntax before anything runs (hogql.RegexPatterns); this function
-- checks a pattern computed per row (a property, a concat(...)) as it is read: PostgreSQL's engine accepts
-- backreferences and runs them by backtracking, so a per-row '^(.*)(.*)(.*)\3\2\1$' over long URLs held a statement
-- slot until the statement timeout. A backslash and a digit 1-9 (not itself escaped: an even run of backslashes
-- before it) and an unescaped '(?=', '(?!', '(?<=', '(?<!' fail the statement with ClickHouse's code; other patterns
-- pass through unchanged (and PostgreSQL's own compile errors stay SQLSTATE 2201B, the API's cannot_compile_regexp).
-- Plain SQL over one PostgreSQL regex test, compiled once per statement (PostgreSQL caches compiled patterns).
CREATE OR REPLACE FUNCTION hogql_re2_row_pattern(pattern text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN pattern ~ '(^|[^\\])(\\\\)*(\\[1-9]|\(\?<?[=!])'
        THEN hogql_raise('Invalid regular expression ''' || pattern || ''': RE2 (ClickHouse''s regular '
            || 'expressions) has no backreferences (\1) and no lookahead or lookbehind ((?=…), (?<=…))',
            'cannot_compile_regexp', NULL::text)
        ELSE pattern END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION hogql_re2_row_pattern(text) TO quarry_query_reader;
    END IF;
END
$$;

-- The regex compile budget for a pattern read per row (issue 19 §4, the breaker's finding). RE2 (ClickHouse's engine)
-- refuses a pattern whose compiled program passes its memory budget ("pattern too large - compile failed",
-- CANNOT_COMPILE_REGEXP). PostgreSQL's compile grows roughly with the cube of the repetitions that may match nothing
-- (*, ?, {0,m}, the optional copies of {n,m}), and a pattern computed per row is compiled once per row: a per-row
-- concat(uuid, repeat('(a|aa)*', 120)) (≈ 20 ms a compile) held its statement to the 60 s timeout. Quarry caps those
-- repetitions at 32, counted as hogql.RegexPatterns.optionalRepetitions counts them (the same walk; a bounded
-- repetition of a group multiplies what the group holds), and refuses a pattern past it with RE2's words and
-- cannot_compile_regexp. The error shows the first 100 characters of a longer pattern and its length.

-- How an error shows a pattern: whole up to 100 characters, else its first 100, '…' and its length.
CREATE OR REPLACE FUNCTION hogql_regex_shown(pattern text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(pattern) <= 100 THEN pattern
        ELSE left(pattern, 100) || '… (' || length(pattern) || ' characters)' END
$$;

-- The repetitions that may match nothing, as the compiled program holds them (hogql.RegexPatterns.optionalRepetitions).
CREATE OR REPLACE FUNCTION hogql_regex_optional_repetitions(pattern text) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    ch text[] := regexp_split_to_array(pattern, '');
    n int := coalesce(array_length(ch, 1), 0);
    frame bigint[] := array_fill(0::bigint, ARRAY[n + 2]);
    depth int := 1; -- frame[1] is the top level
    last bigint := 0;
    i int := 1;
    j int;
    c text;
    body text;
    lo bigint;
    hi bigint;
    own bigint;
    cap constant bigint := 4611686018427387903;
    total bigint := 0;
BEGIN
    WHILE i <= n LOOP
        c := ch[i];
        IF c = '\' THEN
            last := 0; i := i + 2;
        ELSIF c = '[' THEN
            j := i + 1;
            IF j <= n AND ch[j] = '^' THEN j := j + 1; END IF;
            IF j <= n AND ch[j] = ']' THEN j := j + 1; END IF;
            WHILE j <= n AND ch[j] <> ']' LOOP
                IF ch[j] = '\' THEN
                    j := j + 1;
                ELSIF ch[j] = '[' AND j < n AND ch[j + 1] = ':' THEN
                    j := coalesce(nullif(strpos(array_to_string(ch[j + 2:n], ''), ':]'), 0) + j + 2, j);
                END IF;
                j := j + 1;
            END LOOP;
            last := 0; i := j + 1;
        ELSIF c = '(' THEN
            i := i + 1;
            IF i <= n AND ch[i] = '?' THEN
                i := i + 1;
                IF (i <= n AND ch[i] = '<') OR (i < n AND ch[i] = 'P' AND ch[i + 1] = '<') THEN
                    j := strpos(array_to_string(ch[i:n], ''), '>');
                    i := CASE WHEN j = 0 THEN n + 1 ELSE i + j END;
                ELSE
                    WHILE i <= n AND (ch[i] ~ '^[[:alpha:]]$' OR ch[i] = '-') LOOP i := i + 1; END LOOP;
                    IF i <= n AND ch[i] = ')' THEN
                        i := i + 1; last := -1; CONTINUE;
                    END IF;
                    IF i <= n AND ch[i] = ':' THEN i := i + 1; END IF;
                END IF;
            END IF;
            depth := depth + 1; frame[depth] := 0; last := -1;
        ELSIF c = ')' THEN
            IF depth > 1 THEN last := frame[depth]; depth := depth - 1; ELSE last := 0; END IF;
            frame[depth] := least(cap, frame[depth] + last);
            i := i + 1;
        ELSIF c = '|' THEN
            last := -1; i := i + 1;
        ELSIF c IN ('*', '?', '+') THEN
            IF last >= 0 AND c <> '+' THEN frame[depth] := least(cap, frame[depth] + 1); END IF;
            last := -1; i := i + 1;
            IF i <= n AND ch[i] IN ('?', '+') THEN i := i + 1; END IF;
        ELSIF c = '{' THEN
            j := strpos(array_to_string(ch[i:n], ''), '}');
            body := CASE WHEN j = 0 THEN '' ELSE array_to_string(ch[i + 1:i + j - 2], '') END;
            IF last >= 0 AND body ~ '^[0-9]{1,9}(,[0-9]{0,9})?$' THEN
                lo := split_part(body, ',', 1)::bigint;
                IF strpos(body, ',') = 0 THEN
                    hi := lo; own := 0;
                ELSIF split_part(body, ',', 2) = '' THEN
                    hi := greatest(lo, 1); own := 1;
                ELSE
                    hi := split_part(body, ',', 2)::bigint; own := greatest(0, hi - lo);
                END IF;
                frame[depth] := least(cap, frame[depth] + least(cap, last * (greatest(hi, 1) - 1)) + own);
                last := -1; i := i + j;
                IF i <= n AND ch[i] IN ('?', '+') THEN i := i + 1; END IF;
            ELSE
                last := 0; i := i + 1;
            END IF;
        ELSE
            last := 0; i := i + 1;
        END IF;
    END LOOP;
    FOR j IN 1..depth LOOP total := least(cap, total + frame[j]); END LOOP;
    RETURN total;
END
$$;

-- V91_1's check, and the budget: a pattern with no '{' and at most 32 of '*' and '?' cannot pass the budget (each
-- repetition that may match nothing needs one of them), so only other patterns are walked.
CREATE OR REPLACE FUNCTION hogql_re2_row_pattern(pattern text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN pattern ~ '(^|[^\\])(\\\\)*(\\[1-9]|\(\?<?[=!])'
        THEN hogql_raise('Invalid regular expression ''' || hogql_regex_shown(pattern) || ''': RE2 (ClickHouse''s '
            || 'regular expressions) has no backreferences (\1) and no lookahead or lookbehind ((?=…), (?<=…))',
            'cannot_compile_regexp', NULL::text)
        WHEN (strpos(pattern, '{') > 0 OR length(pattern) - length(translate(pattern, '*?', '')) > 32)
            AND hogql_regex_optional_repetitions(pattern) > 32
        THEN hogql_raise('Invalid regular expression ''' || hogql_regex_shown(pattern) || ''': pattern too large - '
            || 'compile failed (' || (SELECT CASE WHEN r > 1000000 THEN 'over 1000000' ELSE r::text END
                FROM hogql_regex_optional_repetitions(pattern) r)
            || ' repetitions that may match nothing; at most 32)', 'cannot_compile_regexp', NULL::text)
        ELSE pattern END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION hogql_regex_shown(text) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION hogql_regex_optional_repetitions(text) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION hogql_re2_row_pattern(text) TO quarry_query_reader;
    END IF;
END
$$;

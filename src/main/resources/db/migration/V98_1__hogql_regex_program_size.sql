-- The regex program budget for a pattern read per row (issue 19 §4, round 2). RE2 (ClickHouse's engine) refuses a
-- pattern whose program passes its memory budget ("pattern too large - compile failed", CANNOT_COMPILE_REGEXP): about
-- 699,000 instructions (two thirds of max_mem's 8 MiB over the 8-byte Prog::Inst; re2/re2.cc, re2/compile.cc).
-- PostgreSQL's compile of a long pattern costs far more than RE2's — it grows with the square of the class atoms — and
-- a pattern computed per row is compiled once per row: a per-row concat(uuid, repeat('[ab]{1}x', 20000)), which has no
-- optional repetition for V94_1 to count, took ≈ 5 s a compile and held its statement to the 60 s timeout. Quarry
-- caps the program size of a pattern read per row at 2000 units (hogql.RegexPatterns.programSize: each character 1,
-- each bracket expression, escape or '.' 9 more, a counted repetition holding its atom or group as often as its upper
-- bound) and refuses a pattern past it with RE2's words and cannot_compile_regexp. A pattern longer than 2000
-- characters is refused without the walk (the size is never below the length); a pattern with no '{' whose length
-- plus 9 for each '[', '\' and '.' stays within the cap passes without it too.

-- The program size (hogql.RegexPatterns.programSize, the same walk).
CREATE OR REPLACE FUNCTION hogql_regex_program_size(pattern text) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    ch text[] := regexp_split_to_array(pattern, '');
    n int := coalesce(array_length(ch, 1), 0);
    frame bigint[] := array_fill(0::bigint, ARRAY[n + 2]);
    depth int := 1; -- frame[1] is the top level
    last bigint := -1;
    i int := 1;
    j int;
    c text;
    body text;
    lo bigint;
    hi bigint;
    cap constant bigint := 4611686018427387903;
    total bigint := 0;
BEGIN
    WHILE i <= n LOOP
        c := ch[i];
        IF c = '\' THEN
            j := least(n + 1, i + 2);
            last := j - i + 9; frame[depth] := least(cap, frame[depth] + last); i := j;
        ELSIF c = '[' THEN
            j := i + 1;
            IF j <= n AND ch[j] = '^' THEN j := j + 1; END IF;
            IF j <= n AND ch[j] = ']' THEN j := j + 1; END IF;
            WHILE j <= n AND ch[j] <> ']' LOOP
                IF ch[j] = '\' THEN
                    j := j + 1;
                ELSIF ch[j] = '[' AND j < n AND ch[j + 1] = ':' THEN
                    j := coalesce(nullif(strpos(substr(pattern, j + 2), ':]'), 0) + j + 2, j);
                END IF;
                j := j + 1;
            END LOOP;
            j := least(n + 1, j + 1);
            last := j - i + 9; frame[depth] := least(cap, frame[depth] + last); i := j;
        ELSIF c = '.' THEN
            last := 10; frame[depth] := least(cap, frame[depth] + last); i := i + 1;
        ELSIF c = '(' THEN
            depth := depth + 1; frame[depth] := 1; last := -1; i := i + 1;
        ELSIF c = ')' THEN
            IF depth > 1 THEN
                last := least(cap, frame[depth] + 1); depth := depth - 1;
            ELSE
                last := 1;
            END IF;
            frame[depth] := least(cap, frame[depth] + last);
            i := i + 1;
        ELSIF c = '{' THEN
            j := strpos(substr(pattern, i), '}');
            body := CASE WHEN j = 0 THEN '' ELSE substr(pattern, i + 1, j - 2) END;
            IF last >= 0 AND body ~ '^[0-9]{1,9}(,[0-9]{0,9})?$' THEN
                lo := split_part(body, ',', 1)::bigint;
                hi := CASE WHEN split_part(body, ',', 2) = '' THEN lo ELSE split_part(body, ',', 2)::bigint END;
                frame[depth] := least(cap, frame[depth] + least(cap, last * (greatest(hi, 1) - 1)) + j);
                last := -1; i := i + j;
            ELSE
                last := 1; frame[depth] := least(cap, frame[depth] + 1); i := i + 1;
            END IF;
        ELSIF c IN ('*', '+', '?', '|') THEN
            last := -1; frame[depth] := least(cap, frame[depth] + 1); i := i + 1;
        ELSE
            last := 1; frame[depth] := least(cap, frame[depth] + 1); i := i + 1;
        END IF;
    END LOOP;
    FOR j IN 1..depth LOOP total := least(cap, total + frame[j]); END LOOP;
    RETURN total;
END
$$;

-- V94_1's walk, unchanged but for how it reads what follows a '{' or a '[:': it sliced the character array and joined
-- the slice back into text at each one, so a pattern of 100 counted repetitions took ≈ 26 ms a row to walk (load 26)
-- where PostgreSQL compiles it in ≈ 0.5 ms; substr over the text reads the same characters.
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
                    j := coalesce(nullif(strpos(substr(pattern, j + 2), ':]'), 0) + j + 2, j);
                END IF;
                j := j + 1;
            END LOOP;
            last := 0; i := j + 1;
        ELSIF c = '(' THEN
            i := i + 1;
            IF i <= n AND ch[i] = '?' THEN
                i := i + 1;
                IF (i <= n AND ch[i] = '<') OR (i < n AND ch[i] = 'P' AND ch[i + 1] = '<') THEN
                    j := strpos(substr(pattern, i), '>');
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
            j := strpos(substr(pattern, i), '}');
            body := CASE WHEN j = 0 THEN '' ELSE substr(pattern, i + 1, j - 2) END;
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

-- The message for a pattern past the cap (hogql.RegexPatterns.programTooLarge); a pattern refused by its length alone
-- shows that length as a lower bound ("at least 160036").
CREATE OR REPLACE FUNCTION hogql_regex_program_too_large(pattern text, size bigint, exact boolean) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 'Invalid regular expression ''' || hogql_regex_shown(pattern) || ''': pattern too large - compile failed '
        || '(program size ' || CASE WHEN NOT exact THEN 'at least ' ELSE '' END
        || CASE WHEN size > 1000000 THEN 'over 1000000' ELSE size::text END || '; at most 2000)'
$$;

-- V94_1's checks (backreferences and lookarounds, the repetitions that may match nothing), and the program size.
CREATE OR REPLACE FUNCTION hogql_re2_row_pattern(pattern text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(pattern) > 2000
        THEN hogql_raise(hogql_regex_program_too_large(pattern, length(pattern), false), 'cannot_compile_regexp',
            NULL::text)
        WHEN pattern ~ '(^|[^\\])(\\\\)*(\\[1-9]|\(\?<?[=!])'
        THEN hogql_raise('Invalid regular expression ''' || hogql_regex_shown(pattern) || ''': RE2 (ClickHouse''s '
            || 'regular expressions) has no backreferences (\1) and no lookahead or lookbehind ((?=…), (?<=…))',
            'cannot_compile_regexp', NULL::text)
        WHEN (strpos(pattern, '{') > 0 OR length(pattern) - length(translate(pattern, '*?', '')) > 32)
            AND hogql_regex_optional_repetitions(pattern) > 32
        THEN hogql_raise('Invalid regular expression ''' || hogql_regex_shown(pattern) || ''': pattern too large - '
            || 'compile failed (' || (SELECT CASE WHEN r > 1000000 THEN 'over 1000000' ELSE r::text END
                FROM hogql_regex_optional_repetitions(pattern) r)
            || ' repetitions that may match nothing; at most 32)', 'cannot_compile_regexp', NULL::text)
        WHEN (strpos(pattern, '{') > 0
                OR length(pattern) + 9 * (length(pattern) - length(translate(pattern, '[\.', ''))) > 2000)
            AND hogql_regex_program_size(pattern) > 2000
        THEN hogql_raise(hogql_regex_program_too_large(pattern, hogql_regex_program_size(pattern), true),
            'cannot_compile_regexp', NULL::text)
        ELSE pattern END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION hogql_regex_program_size(text) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION hogql_regex_optional_repetitions(text) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION hogql_regex_program_too_large(text, bigint, boolean) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION hogql_re2_row_pattern(text) TO quarry_query_reader;
    END IF;
END
$$;

-- More HogQL helper functions (issue 19): regular expressions and decoders that answer a value instead of failing
-- the statement on an invalid pattern or input, as the HogQL functions built on them promise.

-- ClickHouse regexpExtract(haystack, pattern, index): group `idx` (0 = the whole match); '' when there is none.
CREATE OR REPLACE FUNCTION hogql_regexp_extract_group(v text, pattern text, idx integer) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN coalesce((regexp_match(v, '(' || pattern || ')'))[idx + 1], '');
EXCEPTION WHEN OTHERS THEN
    RETURN '';
END
$$;

-- ClickHouse extractAll(haystack, pattern): every match (the first group when the pattern has one).
CREATE OR REPLACE FUNCTION hogql_extract_all(v text, pattern text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN coalesce(ARRAY(SELECT m[1] FROM regexp_matches(v, pattern, 'g') AS m), '{}');
EXCEPTION WHEN OTHERS THEN
    RETURN '{}';
END
$$;

-- ClickHouse replaceRegexpAll / replaceRegexpOne: \0 in the replacement is the whole match (PostgreSQL's \&).
CREATE OR REPLACE FUNCTION hogql_regexp_replace(v text, pattern text, replacement text, flags text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN regexp_replace(v, pattern, replace(replacement, '\0', '\&'), flags);
EXCEPTION WHEN OTHERS THEN
    RETURN v;
END
$$;

-- ClickHouse splitByRegexp(pattern, s).
CREATE OR REPLACE FUNCTION hogql_regexp_split(v text, pattern text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN regexp_split_to_array(v, pattern);
EXCEPTION WHEN OTHERS THEN
    RETURN ARRAY[v];
END
$$;

-- ClickHouse countMatches(haystack, pattern): non-overlapping matches.
CREATE OR REPLACE FUNCTION hogql_count_matches(v text, pattern text) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT count(*) FROM regexp_matches(v, pattern, 'g'));
EXCEPTION WHEN OTHERS THEN
    RETURN 0;
END
$$;

-- base64 text → text; '' when the input is not base64 of UTF-8 (ClickHouse's tryBase64Decode).
CREATE OR REPLACE FUNCTION hogql_base64_decode(v text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN convert_from(decode(v, 'base64'), 'UTF8');
EXCEPTION WHEN OTHERS THEN
    RETURN '';
END
$$;

-- ClickHouse decodeURLComponent: %XX sequences (UTF-8) decoded; the input unchanged when they are not valid.
CREATE OR REPLACE FUNCTION hogql_url_decode(v text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    out bytea := '';
    i integer := 1;
    n integer := length(v);
    c text;
BEGIN
    IF v IS NULL THEN
        RETURN NULL;
    END IF;
    WHILE i <= n LOOP
        c := substr(v, i, 1);
        IF c = '%' AND i + 2 <= n AND substr(v, i + 1, 2) ~ '^[0-9A-Fa-f]{2}$' THEN
            out := out || decode(substr(v, i + 1, 2), 'hex');
            i := i + 3;
        ELSE
            out := out || convert_to(c, 'UTF8');
            i := i + 1;
        END IF;
    END LOOP;
    RETURN convert_from(out, 'UTF8');
EXCEPTION WHEN OTHERS THEN
    RETURN v;
END
$$;

-- ClickHouse encodeURLComponent: everything but unreserved characters (A-Z a-z 0-9 - _ . ~) as %XX of UTF-8.
CREATE OR REPLACE FUNCTION hogql_url_encode(v text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL THEN NULL ELSE coalesce((
        SELECT string_agg(CASE WHEN ch ~ '^[A-Za-z0-9._~-]$' THEN ch
                               ELSE upper(regexp_replace(encode(convert_to(ch, 'UTF8'), 'hex'), '(..)', '%\1', 'g'))
                          END, '' ORDER BY ord)
        FROM regexp_split_to_table(v, '') WITH ORDINALITY AS t(ch, ord)), '') END
$$;

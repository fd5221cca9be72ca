-- HogQL's integer arguments keep NULL, as ClickHouse passes NULL through every function: repeat('a', NULL),
-- leftPad('a', NULL), substring('abc', 1, NULL), left('abc', NULL) are NULL. The printer clamped such an argument
-- with LEAST(GREATEST(n, -2147483647), 2147483647), and PostgreSQL's LEAST and GREATEST skip NULLs, so a NULL count
-- became -2147483647 (repeat gave '', the pads ''). quarry_int4 is that clamp with NULL kept; it stays an inlinable
-- SQL function (not STRICT, whose body would have to be strict to be inlined).
CREATE FUNCTION quarry_int4(n numeric) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN n IS NULL THEN NULL ELSE LEAST(GREATEST(trunc(n), -2147483647), 2147483647)::int END
$$;

CREATE FUNCTION quarry_int4(n double precision) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN n IS NULL THEN NULL ELSE LEAST(GREATEST(trunc(n), -2147483647), 2147483647)::int END
$$;

-- repeat's count: NULL stays NULL (it was GREATEST(NULL, 0) = 0).
CREATE OR REPLACE FUNCTION quarry_repeat_times(piece_length integer, times integer) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF times IS NULL THEN
        RETURN NULL;
    END IF;
    IF times > 1000000 OR (times > 0 AND times::bigint * piece_length > 1000000) THEN
        RAISE EXCEPTION 'quarry: string of more than 1000000 characters' USING ERRCODE = '22023';
    END IF;
    RETURN GREATEST(times, 0);
END
$$;

-- Bytes that are one contiguous range of valid UTF-8 text (a cut of it at any two byte positions) as text: each
-- continuation byte the range starts with is one U+FFFD, a character the range's end cuts short is one U+FFFD, as
-- hogql_utf8_lenient reads them; the rest is valid and converted at once. hogql_utf8_lenient reads any bytes, one byte
-- at a time into a growing string, which is quadratic: a 1,000,000-byte leftPad with 'é' took 12 s.
CREATE FUNCTION hogql_utf8_cut(b bytea) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    n integer := octet_length(b);
    head integer := 0;
    last_lead integer;
    need integer;
    body_end integer;
BEGIN
    IF b IS NULL THEN
        RETURN NULL;
    END IF;
    WHILE head < n AND head < 3 AND get_byte(b, head) BETWEEN 128 AND 191 LOOP
        head := head + 1;
    END LOOP;
    body_end := n;
    last_lead := n - 1;
    WHILE last_lead >= head AND last_lead > n - 4 AND get_byte(b, last_lead) BETWEEN 128 AND 191 LOOP
        last_lead := last_lead - 1;
    END LOOP;
    IF last_lead >= head THEN
        need := CASE WHEN get_byte(b, last_lead) < 128 THEN 1 WHEN get_byte(b, last_lead) BETWEEN 194 AND 223 THEN 2
                     WHEN get_byte(b, last_lead) BETWEEN 224 AND 239 THEN 3 ELSE 4 END;
        IF need > n - last_lead THEN
            body_end := last_lead;
        END IF;
    END IF;
    RETURN repeat(U&'\FFFD', head) || convert_from(substring(b FROM head + 1 FOR body_end - head), 'UTF8')
           || CASE WHEN body_end < n THEN U&'\FFFD' ELSE '' END;
END
$$;

-- The first `bytes` bytes of fill repeated (bytes > 0, fill not empty).
CREATE FUNCTION hogql_pad_fill(fill text, bytes integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT repeat(fill, bytes / octet_length(fill))
           || hogql_utf8_cut(substring(convert_to(fill, 'UTF8') FROM 1 FOR bytes % octet_length(fill)))
$$;

-- leftPad / rightPad in bytes (V58_2), now linear: the fill's whole repetitions as text and only the cut one through
-- hogql_utf8_cut; a NULL length gives NULL.
CREATE OR REPLACE FUNCTION hogql_pad_bytes(s text, len integer, fill text, left_side boolean) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN len IS NULL THEN NULL
                WHEN octet_length(s) = char_length(s) AND octet_length(fill) = char_length(fill) THEN
                    CASE WHEN left_side THEN lpad(s, GREATEST(len, 0), fill) ELSE rpad(s, GREATEST(len, 0), fill) END
                WHEN octet_length(s) >= len THEN hogql_utf8_cut(substring(convert_to(s, 'UTF8') FROM 1 FOR GREATEST(len, 0)))
                WHEN fill = '' THEN s
                WHEN left_side THEN hogql_pad_fill(fill, len - octet_length(s)) || s
                ELSE s || hogql_pad_fill(fill, len - octet_length(s))
           END
$$;

-- substring / substringUTF8 (V67_1): a NULL offset or an explicit NULL length gives NULL; the printer passes 2147483647 for "to the
-- end" (the slices count in bigint). A cut through a character reads through hogql_utf8_cut, linear.
CREATE OR REPLACE FUNCTION hogql_substring_utf8(s text, off integer, len integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN off IS NULL OR len IS NULL THEN NULL
                WHEN off = 0 THEN ''
                ELSE substr(s, (hogql_slice_start(char_length(s), off) + 1)::int,
                            GREATEST(hogql_slice_end(char_length(s), off, len)
                                     - hogql_slice_start(char_length(s), off), 0)::int)
           END
$$;

CREATE OR REPLACE FUNCTION hogql_substring_bytes(s text, off integer, len integer) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN off IS NULL OR len IS NULL THEN NULL
                WHEN off = 0 THEN ''
                WHEN octet_length(s) = char_length(s) THEN hogql_substring_utf8(s, off, len)
                ELSE hogql_utf8_cut(substring(convert_to(s, 'UTF8')
                         FROM (hogql_slice_start(octet_length(s), off) + 1)::int
                         FOR GREATEST(hogql_slice_end(octet_length(s), off, len)
                                      - hogql_slice_start(octet_length(s), off), 0)::int))
           END
$$;

-- position(haystack, needle, start) in bytes (V58_2): a NULL start gives NULL (it fell to the slow path's 0).
CREATE OR REPLACE FUNCTION hogql_position_bytes(h text, n text, start integer) RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN start IS NULL THEN NULL
                WHEN start < 1 THEN 0::bigint
                WHEN start = 1 AND octet_length(h) = char_length(h) THEN strpos(h, n)::bigint
                ELSE hogql_position_bytes_slow(h, n, start) END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION quarry_int4(numeric) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION quarry_int4(double precision) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION hogql_utf8_cut(bytea) TO quarry_query_reader;
        GRANT EXECUTE ON FUNCTION hogql_pad_fill(text, integer) TO quarry_query_reader;
    END IF;
END
$$;

-- ClickHouse's substring, reverse, position, leftPad / rightPad count bytes of the UTF-8 text (their -UTF8 twins count
-- characters); lower and upper change ASCII letters only. PostgreSQL's text functions count characters, so for text
-- that is not all ASCII these work on the bytes. A cut through a character leaves bytes that are not UTF-8, which a
-- PostgreSQL text cannot hold: each such piece becomes U+FFFD, as a lenient UTF-8 decoder shows it. For ASCII text
-- (one byte per character) every function is PostgreSQL's own, checked by octet_length = char_length.

-- Bytes as text, each piece that is not UTF-8 (a lone continuation byte, a sequence cut short) one U+FFFD.
CREATE OR REPLACE FUNCTION hogql_utf8_lenient(b bytea) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    out text := '';
    n integer := octet_length(b);
    i integer := 1;
    lead integer;
    need integer;
    k integer;
BEGIN
    IF b IS NULL THEN
        RETURN NULL;
    END IF;
    WHILE i <= n LOOP
        lead := get_byte(b, i - 1);
        need := CASE WHEN lead < 128 THEN 1 WHEN lead BETWEEN 194 AND 223 THEN 2 WHEN lead BETWEEN 224 AND 239 THEN 3
                     WHEN lead BETWEEN 240 AND 244 THEN 4 ELSE 0 END;
        IF need = 0 THEN
            out := out || U&'\FFFD';
            i := i + 1;
            CONTINUE;
        END IF;
        k := 1;
        WHILE k < need AND i + k <= n AND get_byte(b, i + k - 1) BETWEEN 128 AND 191 LOOP
            k := k + 1;
        END LOOP;
        IF k = need THEN
            out := out || convert_from(substring(b FROM i FOR need), 'UTF8');
        ELSE
            out := out || U&'\FFFD';
        END IF;
        i := i + k;
    END LOOP;
    RETURN out;
END
$$;

-- substring(s, offset[, length]) in bytes: offset from 1, a negative one counts from the end, 0 gives ''; length
-- (null: to the end) at least 0.
CREATE OR REPLACE FUNCTION hogql_substring_bytes(s text, off integer, len integer) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN off = 0 THEN ''
                WHEN octet_length(s) = char_length(s) THEN
                    CASE WHEN len IS NULL THEN substr(s, CASE WHEN off > 0 THEN off ELSE char_length(s) + 1 + off END)
                         ELSE substr(s, CASE WHEN off > 0 THEN off ELSE char_length(s) + 1 + off END, GREATEST(len, 0))
                    END
                ELSE hogql_utf8_lenient(CASE WHEN len IS NULL
                    THEN substring(convert_to(s, 'UTF8') FROM CASE WHEN off > 0 THEN off ELSE octet_length(s) + 1 + off END)
                    ELSE substring(convert_to(s, 'UTF8') FROM CASE WHEN off > 0 THEN off ELSE octet_length(s) + 1 + off END
                                   FOR GREATEST(len, 0)) END)
           END
$$;

-- reverse(s): the bytes in reverse order. (The ASCII test and the slow path are apart so that PostgreSQL inlines
-- the first: a body with a sub-select is not inlined.)
CREATE OR REPLACE FUNCTION hogql_reverse_bytes_slow(s text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT hogql_utf8_lenient((SELECT string_agg(substring(b FROM i FOR 1), ''::bytea ORDER BY i DESC)
                               FROM (SELECT convert_to(s, 'UTF8') AS b) x, generate_series(1, octet_length(s)) i))
$$;

CREATE OR REPLACE FUNCTION hogql_reverse_bytes(s text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN octet_length(s) = char_length(s) THEN reverse(s) ELSE hogql_reverse_bytes_slow(s) END
$$;

-- position(haystack, needle[, start]): the byte position of the first needle from byte start on, 0 when none.
CREATE OR REPLACE FUNCTION hogql_position_bytes_slow(h text, n text, start integer) RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p > 0 THEN p + start - 1 ELSE 0 END::bigint
    FROM (SELECT position(convert_to(n, 'UTF8') IN substring(convert_to(h, 'UTF8') FROM start)) AS p) x
$$;

CREATE OR REPLACE FUNCTION hogql_position_bytes(h text, n text, start integer) RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN start < 1 THEN 0::bigint
                WHEN start = 1 AND octet_length(h) = char_length(h) THEN strpos(h, n)::bigint
                ELSE hogql_position_bytes_slow(h, n, start) END
$$;

-- leftPad / rightPad (s, length, fill): s padded with fill, or cut, to length bytes.
CREATE OR REPLACE FUNCTION hogql_pad_bytes(s text, len integer, fill text, left_side boolean) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN octet_length(s) = char_length(s) AND octet_length(fill) = char_length(fill) THEN
                    CASE WHEN left_side THEN lpad(s, GREATEST(len, 0), fill) ELSE rpad(s, GREATEST(len, 0), fill) END
                WHEN octet_length(s) >= len THEN hogql_utf8_lenient(substring(convert_to(s, 'UTF8') FROM 1 FOR GREATEST(len, 0)))
                WHEN fill = '' THEN s
                ELSE hogql_utf8_lenient(CASE WHEN left_side
                    THEN substring(convert_to(repeat(fill, len / octet_length(fill) + 1), 'UTF8') FROM 1 FOR len - octet_length(s))
                         || convert_to(s, 'UTF8')
                    ELSE convert_to(s, 'UTF8')
                         || substring(convert_to(repeat(fill, len / octet_length(fill) + 1), 'UTF8') FROM 1 FOR len - octet_length(s))
                    END)
           END
$$;

-- lower / upper of ASCII letters only (ClickHouse's; lowerUTF8 / upperUTF8 fold every letter). PostgreSQL's lower is
-- that for ASCII text; translate, about ten times slower, only runs for text that is not all ASCII.
CREATE OR REPLACE FUNCTION hogql_lower_ascii(s text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN octet_length(s) = char_length(s) THEN lower(s COLLATE "C")
                ELSE translate(s, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') END
$$;

CREATE OR REPLACE FUNCTION hogql_upper_ascii(s text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN octet_length(s) = char_length(s) THEN upper(s COLLATE "C")
                ELSE translate(s, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') END
$$;

-- ClickHouse's substring(s, offset, length) and substringUTF8 with every sign of offset and length (GatherUtils'
-- slices): a positive offset counts from 1, a negative one from the end (before the start, the window is cut at the
-- start), 0 gives ''; a negative length stops that many units before the end, e.g. substring('hello', 2, -1) = 'ell'
-- and substring('hello', -4, -1) = 'ell' (V58_2 answered '' for any negative length). Units are bytes for substring,
-- characters for substringUTF8. The bounds are two inlined expressions, so each call stays one inlined expression.

-- The 0-based first unit of the slice of a string of n units.
CREATE OR REPLACE FUNCTION hogql_slice_start(n bigint, off bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT GREATEST(LEAST(CASE WHEN off > 0 THEN off - 1 ELSE n + off END, n), 0)
$$;

-- The 0-based unit after the slice's last one (length null: to the end).
CREATE OR REPLACE FUNCTION hogql_slice_end(n bigint, off bigint, len bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT LEAST(CASE WHEN len IS NULL THEN n
                      WHEN len >= 0 THEN CASE WHEN off > 0 THEN off - 1 ELSE n + off END + len
                      ELSE n + len END, n)
$$;

-- substringUTF8(s, offset[, length]) in characters.
CREATE OR REPLACE FUNCTION hogql_substring_utf8(s text, off integer, len integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN off = 0 THEN ''
                ELSE substr(s, (hogql_slice_start(char_length(s), off) + 1)::int,
                            GREATEST(hogql_slice_end(char_length(s), off, len)
                                     - hogql_slice_start(char_length(s), off), 0)::int)
           END
$$;

-- substring(s, offset[, length]) in bytes (a cut through a character shows as U+FFFD, see V58_2).
CREATE OR REPLACE FUNCTION hogql_substring_bytes(s text, off integer, len integer) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN off = 0 THEN ''
                WHEN octet_length(s) = char_length(s) THEN hogql_substring_utf8(s, off, len)
                ELSE hogql_utf8_lenient(substring(convert_to(s, 'UTF8')
                         FROM (hogql_slice_start(octet_length(s), off) + 1)::int
                         FOR GREATEST(hogql_slice_end(octet_length(s), off, len)
                                      - hogql_slice_start(octet_length(s), off), 0)::int))
           END
$$;

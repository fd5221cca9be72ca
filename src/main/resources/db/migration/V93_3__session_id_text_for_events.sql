-- An event's session id as the canonical text of its UUID, for the events' side of the session join and filters
-- (V93_1 computed quarry_session_key there: a regular expression and a cast an event, which made a breakdown by a
-- session property slower than V89_1's lower()). The 32-hex-digit form is given its hyphens, every form is
-- lower-cased; any other text is returned lower-cased as it is, and matches no session, whose ids are all the
-- canonical text of a version-7 UUID (hogql_sessions.session_id). NULL when the event has no $session_id.
CREATE FUNCTION quarry_session_text(sid text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(CASE WHEN length(sid) = 32
                      THEN substr(sid, 1, 8) || '-' || substr(sid, 9, 4) || '-' || substr(sid, 13, 4) || '-'
                           || substr(sid, 17, 4) || '-' || substr(sid, 21)
                      ELSE sid END)
$$;

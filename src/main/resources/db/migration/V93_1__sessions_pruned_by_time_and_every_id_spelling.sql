-- HogQL's `sessions` table pruned by time as PostHog prunes its raw sessions, and every spelling of a session id that
-- PostHog keys (issue 19).
--
-- Session ids (PostHog: posthog/models/raw_sessions/sessions_v2.py keys raw sessions by toUInt128(toUUID($session_id))
-- and keeps the events whose id parses as a UUID (accurateCastOrNull(..., 'UUID')) of version 7; ClickHouse reads a
-- UUID written with its four hyphens or as 32 hex digits without any, in either case): quarry_session_key gives that
-- UUID, NULL for any other text (no session). "0190A…", "0190a…" and "0190a…" without hyphens are one session, and
-- `session_id` / `id` answer its canonical text (lower case, hyphenated: PostHog's toString(reinterpretAsUUID(...))).
-- One regular expression per event, as before (V89_1), and the cast.
--
-- Pruning (PostHog: posthog/hogql/database/schema/util/where_clause_extractor.py, SessionMinTimestampWhereClause-
-- ExtractorV2): a UUIDv7's first 48 bits are the session's start in ms; PostHog reads only the raw sessions whose id's
-- time, in whole seconds, is within SESSION_BUFFER_DAYS = 3 days of the outer query's range on $start_timestamp,
-- $end_timestamp or the events' timestamp (`t + 3 days >= lo`, `t - 3 days <= hi`), which it can do because a
-- session lasts less than 24 hours (the SDKs start a new session after 24 h: posthog-js's session length limit).
-- hogql_sessions_between(lo, hi) is the sessions of the ids so placed (either bound NULL: unbounded), computed from
-- the events between lo - 4 days and hi + 4 days (a session's events lie within a day of its id's time), so that the
-- scan reads the range's days only (events_team_time). A session whose events all lie within a day of its id's time
-- (every session PostHog's SDKs make) has the same row here as in the unpruned view; others may be cut, as PostHog
-- cuts them. The printer (hogql.SessionRanges) passes the outer query's bounds. A SQL function of one SELECT, so
-- that PostgreSQL inlines it and the team guard reaches the events' scan, as through the view.

-- The session key of a $session_id: the UUID of a version-7 id written with hyphens or as 32 hex digits, else NULL.
CREATE FUNCTION quarry_session_key(sid text) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(sid) IN (32, 36)
                     AND sid ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?7[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$'
                THEN sid::uuid END
$$;

-- The smallest session key whose id time, in whole seconds, is at or after t (after = false), or the smallest one
-- past t's second (after = true: an exclusive upper bound): the time's ms in the first 48 bits, zeros after.
CREATE FUNCTION quarry_session_key_at(t timestamptz, after boolean) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (lpad(to_hex(LEAST(GREATEST(
                (CASE WHEN after THEN floor(extract(epoch FROM t)) + 1 ELSE ceil(extract(epoch FROM t)) END)::bigint
                    * 1000, 0), 281474976710655)), 12, '0') || '00000000000000000000')::uuid
$$;

DROP VIEW hogql_sessions;

CREATE FUNCTION hogql_sessions_between(lo timestamptz, hi timestamptz) RETURNS TABLE (
    team_id bigint, session_key uuid, session_id text, id text, distinct_id text,
    "$start_timestamp" timestamptz, "$end_timestamp" timestamptz,
    "$entry_current_url" text, "$entry_pathname" text, "$entry_hostname" text,
    "$end_current_url" text, "$end_pathname" text, "$end_hostname" text,
    "$exit_current_url" text, "$exit_pathname" text, "$num_uniq_urls" bigint,
    "$entry_referring_domain" text, "$entry_referrer" text, "$entry_utm_source" text, "$entry_utm_campaign" text,
    "$entry_utm_medium" text, "$entry_utm_term" text, "$entry_utm_content" text, "$entry_gclid" text,
    "$entry_gad_source" text, "$entry_fbclid" text, "$entry_msclkid" text,
    "$pageview_count" bigint, "$autocapture_count" bigint, "$screen_count" bigint,
    "$session_duration" bigint, duration bigint, "$channel_type" text, "$is_bounce" boolean)
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT s.team_id,
       s.session_key,
       s.session_key::text AS session_id,
       s.session_key::text AS id,
       s.distinct_id,
       s."$start_timestamp",
       s."$end_timestamp",
       s."$entry_current_url",
       CASE WHEN s."$entry_current_url" IS NULL THEN NULL ELSE coalesce(substring(s."$entry_current_url"
           from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*([^?#]*)'), '') END AS "$entry_pathname",
       CASE WHEN s."$entry_current_url" IS NULL THEN NULL ELSE coalesce(substring(s."$entry_current_url"
           from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@]*@)?([^/?#:]*)'), '') END AS "$entry_hostname",
       s."$end_current_url",
       CASE WHEN s."$end_current_url" IS NULL THEN NULL ELSE coalesce(substring(s."$end_current_url"
           from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*([^?#]*)'), '') END AS "$end_pathname",
       CASE WHEN s."$end_current_url" IS NULL THEN NULL ELSE coalesce(substring(s."$end_current_url"
           from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@]*@)?([^/?#:]*)'), '') END AS "$end_hostname",
       s."$end_current_url" AS "$exit_current_url",
       CASE WHEN s."$end_current_url" IS NULL THEN NULL ELSE coalesce(substring(s."$end_current_url"
           from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*([^?#]*)'), '') END AS "$exit_pathname",
       s."$num_uniq_urls",
       s."$entry_referring_domain",
       s."$entry_referrer",
       s."$entry_utm_source",
       s."$entry_utm_campaign",
       s."$entry_utm_medium",
       s."$entry_utm_term",
       s."$entry_utm_content",
       s."$entry_gclid",
       s."$entry_gad_source",
       s."$entry_fbclid",
       s."$entry_msclkid",
       s."$pageview_count",
       s."$autocapture_count",
       s."$screen_count",
       s."$session_duration",
       s."$session_duration" AS duration,
       quarry_channel_type(s."$entry_utm_campaign", s."$entry_utm_medium", s."$entry_utm_source",
           s."$entry_referring_domain", s."$entry_gclid" IS NOT NULL, s."$entry_fbclid" IS NOT NULL,
           s."$entry_gad_source") AS "$channel_type",
       CASE WHEN s."$pageview_count" = 0 THEN NULL
            ELSE NOT (s."$pageview_count" > 1 OR s."$autocapture_count" > 0 OR s."$session_duration" >= 10) END
           AS "$is_bounce"
FROM (
    SELECT e.team_id,
           quarry_session_key(e.properties ->> '$session_id') AS session_key,
           (array_agg(e.distinct_id ORDER BY e.timestamp DESC, e.uuid DESC))[1] AS distinct_id,
           min(e.timestamp) AS "$start_timestamp",
           max(e.timestamp) AS "$end_timestamp",
           nullif((array_agg(e.mat_current_url ORDER BY e.timestamp, e.uuid))[1], '') AS "$entry_current_url",
           nullif((array_agg(e.mat_current_url ORDER BY e.timestamp DESC, e.uuid DESC))[1], '') AS "$end_current_url",
           count(DISTINCT nullif(e.mat_current_url, '')) AS "$num_uniq_urls",
           nullif((array_agg(e.mat_referring_domain ORDER BY e.timestamp, e.uuid))[1], '') AS "$entry_referring_domain",
           nullif((array_agg(e.properties ->> '$referrer' ORDER BY e.timestamp, e.uuid))[1], '') AS "$entry_referrer",
           nullif((array_agg(e.mat_utm_source ORDER BY e.timestamp, e.uuid))[1], '') AS "$entry_utm_source",
           nullif((array_agg(e.mat_utm_campaign ORDER BY e.timestamp, e.uuid))[1], '') AS "$entry_utm_campaign",
           nullif((array_agg(e.mat_utm_medium ORDER BY e.timestamp, e.uuid))[1], '') AS "$entry_utm_medium",
           nullif((array_agg(e.mat_utm_term ORDER BY e.timestamp, e.uuid))[1], '') AS "$entry_utm_term",
           nullif((array_agg(e.mat_utm_content ORDER BY e.timestamp, e.uuid))[1], '') AS "$entry_utm_content",
           nullif((array_agg(e.properties ->> 'gclid' ORDER BY e.timestamp, e.uuid))[1], '') AS "$entry_gclid",
           nullif((array_agg(e.properties ->> 'gad_source' ORDER BY e.timestamp, e.uuid))[1], '') AS "$entry_gad_source",
           nullif((array_agg(e.properties ->> 'fbclid' ORDER BY e.timestamp, e.uuid))[1], '') AS "$entry_fbclid",
           nullif((array_agg(e.properties ->> 'msclkid' ORDER BY e.timestamp, e.uuid))[1], '') AS "$entry_msclkid",
           count(*) FILTER (WHERE e.event = '$pageview') AS "$pageview_count",
           count(*) FILTER (WHERE e.event = '$autocapture') AS "$autocapture_count",
           count(*) FILTER (WHERE e.event = '$screen') AS "$screen_count",
           floor(extract(epoch FROM max(e.timestamp)))::bigint - floor(extract(epoch FROM min(e.timestamp)))::bigint
               AS "$session_duration"
    FROM events e
    WHERE quarry_session_key(e.properties ->> '$session_id') IS NOT NULL
      AND (lo IS NULL OR (e.timestamp >= lo - interval '4 days'
           AND quarry_session_key(e.properties ->> '$session_id') >= quarry_session_key_at(lo - interval '3 days', false)))
      AND (hi IS NULL OR (e.timestamp <= hi + interval '4 days 1 second'
           AND quarry_session_key(e.properties ->> '$session_id') < quarry_session_key_at(hi + interval '3 days', true)))
    GROUP BY e.team_id, quarry_session_key(e.properties ->> '$session_id')
) s
$$;

CREATE VIEW hogql_sessions AS SELECT * FROM hogql_sessions_between(NULL, NULL);

GRANT SELECT ON hogql_sessions TO quarry_query_reader;

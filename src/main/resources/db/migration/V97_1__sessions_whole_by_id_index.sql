-- Whole sessions (issue 19): a session row aggregates every event of its id, as PostHog's raw sessions do
-- (posthog/models/raw_sessions/sessions_v2.py: an AggregatingMergeTree keyed by the session id, each event's state
-- merged into its session's row, so a session whose events are days apart holds all of them; the pruning in
-- posthog/hogql/database/schema/util/where_clause_extractor.py only chooses which ids are read, by the id's time
-- within SESSION_BUFFER_DAYS = 3 of the outer range). V93_1/V93_2 read the events within 4 days of the range, so a
-- session whose events spread further (a server SDK that sets $session_id itself: events 6 days apart, PostHog's
-- $session_duration 518,395, Quarry's 3,595) was aggregated from the window's events only.
--
-- Now the ids are chosen by their time and their events read by the id. Each event keeps its session key
-- (quarry_session_key of its $session_id: the UUID of a version-7 id written with hyphens or as 32 hex digits, else
-- NULL) in a stored generated column, events.session_key, indexed with the team for the events that have one; a
-- UUIDv7's first 48 bits are its time, so "the ids whose time is within 3 days of the range" is one range of that
-- index, and the range holds every event of each such id, whenever it happened. The key is computed once an event, at
-- capture, where each read computed it once an event read (a regular expression and a cast: at 1 M events, the
-- 377 k events of a 30-day range, load 17, 8.0 s of the 13.3 s statement). The index's rows come in key order, so
-- the grouping needs no sort of the whole input (only each session's events, by time), and it carries the events'
-- timestamp, so a read that needs only the sessions' times ($start_timestamp, $end_timestamp, $session_duration:
-- counts, durations, duration filters) is an index-only scan (that statement: 0.8-1.2 s). Unbounded (lo and hi NULL:
-- the view hogql_sessions) reads every session, as before.
--
-- Every ordered aggregate now orders by (timestamp, uuid), the last values taken as the array's last element instead
-- of a descending aggregate: PostgreSQL (16+) then sorts the input once for all of them (presorted aggregates) where
-- it sorted each aggregate's input on its own. Same values: the first of the descending order is the last of the
-- ascending one (timestamp, uuid is a total order of a session's events).
--
-- Adding a stored generated column rewrites the events table once (as V18_1's hot property columns did). Capture pays
-- the key (a regular expression and a cast) and one index entry an event with a session id; events without one are
-- not in the (partial) index.

ALTER TABLE events ADD COLUMN session_key uuid
    GENERATED ALWAYS AS (quarry_session_key(properties ->> '$session_id')) STORED;

CREATE INDEX events_team_session_key ON events (team_id, session_key) INCLUDE (timestamp)
    WHERE session_key IS NOT NULL;

CREATE OR REPLACE FUNCTION hogql_sessions_between(lo timestamptz, hi timestamptz) RETURNS TABLE (
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
           e.session_key,
           (array_agg(e.distinct_id ORDER BY e.timestamp, e.uuid))[count(*)] AS distinct_id,
           min(e.timestamp) AS "$start_timestamp",
           max(e.timestamp) AS "$end_timestamp",
           nullif((array_agg(e.mat_current_url ORDER BY e.timestamp, e.uuid))[1], '') AS "$entry_current_url",
           nullif((array_agg(e.mat_current_url ORDER BY e.timestamp, e.uuid))[count(*)], '') AS "$end_current_url",
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
    -- the ids whose time is within 3 days of the range (an unbounded side: every id), every event of each; a CASE,
    -- not coalesce: quarry_session_key_at(NULL) is the zero key (GREATEST skips a NULL). Both bounds are constant
    -- or stable for the statement, so they bound the index scan.
    WHERE e.session_key IS NOT NULL
      AND e.session_key >= CASE WHEN lo IS NULL THEN '00000000-0000-0000-0000-000000000000'::uuid
                                ELSE quarry_session_key_at(lo - interval '3 days', false) END
      AND e.session_key < CASE WHEN hi IS NULL THEN 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
                               ELSE quarry_session_key_at(hi + interval '3 days', true) END
    GROUP BY e.team_id, e.session_key
) s
$$;

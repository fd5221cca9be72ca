-- HogQL's `sessions` table (issue 19): one row per team and `$session_id`, as PostHog's sessions table (v2) exposes
-- it, computed from the team's events when read.
--
-- A plain view, no rollup kept at capture: capture's cost per event is budgeted (issue 18), and the HogQL printer's
-- team guard (`sessions.team_id = $1`) is on a grouping column, so PostgreSQL moves it into the scan of events and
-- reads the team's events only (through events_team_time). Columns a statement does not read are dropped by the
-- planner, so `select count() from sessions` does not build the url columns.
--
-- PostHog's meanings (posthog/hogql/database/schema/sessions_v2.py):
--  * only events whose `$session_id` is a UUIDv7 (as PostHog's SDKs make them) belong to a session: PostHog's
--    raw sessions keep only those (toUInt128(toUUID($session_id)), version nibble 7); ids are kept as sent;
--  * `$entry_*` is the first event's value (argMin over the timestamp; '' or missing is NULL — an event without a
--    url first makes the entry url NULL, as PostHog's argMin of JSONExtractString), `$end_*` the last event's
--    (argMax), `distinct_id` the last event's;
--  * `$session_duration` is dateDiff('second', start, end): whole seconds between the two, counted as ClickHouse
--    does (difference of the unix seconds, each truncated);
--  * `$pageview_count` / `$autocapture_count` / `$screen_count` count `$pageview` / `$autocapture` / `$screen`
--    events;
--  * `$is_bounce` is NULL without a pageview, otherwise NOT (more than one pageview OR any autocapture OR the
--    duration at least 10 s, PostHog's default bounce-rate duration);
--  * `$entry_pathname` / `$entry_hostname` are path() / domain() of the entry url (NULL when it is), same for end.
-- Ties on the timestamp are broken by the event uuid so that the answer does not depend on the plan.

CREATE VIEW hogql_sessions AS
SELECT s.team_id,
       s.session_id,
       s.session_id AS id,
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
       CASE WHEN s."$pageview_count" = 0 THEN NULL
            ELSE NOT (s."$pageview_count" > 1 OR s."$autocapture_count" > 0 OR s."$session_duration" >= 10) END
           AS "$is_bounce"
FROM (
    SELECT e.team_id,
           e.properties ->> '$session_id' AS session_id,
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
    WHERE e.properties ->> '$session_id' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$'
    GROUP BY e.team_id, e.properties ->> '$session_id'
) s;

GRANT SELECT ON hogql_sessions TO quarry_query_reader;

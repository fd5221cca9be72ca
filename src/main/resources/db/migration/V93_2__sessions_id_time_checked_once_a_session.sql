-- The sessions' id-time condition (V93_1) moved from each event to each session: in V93_1 the key comparisons sat in
-- the events' WHERE, so the key (a regular expression and a cast) was computed up to four times an event and the
-- bounds once an event; a condition holding a subquery stays in HAVING (PostgreSQL moves HAVING conditions without
-- aggregates or subqueries into WHERE), where the key is the grouping key already computed, and the subquery (the
-- bound) runs once. The events' scan keeps its time window and the key's NOT NULL test. Same rows as V93_1.
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
      AND (lo IS NULL OR e.timestamp >= lo - interval '4 days')
      AND (hi IS NULL OR e.timestamp <= hi + interval '4 days 1 second')
    GROUP BY e.team_id, quarry_session_key(e.properties ->> '$session_id')
    -- the id's time, once a session (a condition with a subquery stays in HAVING, where the key is computed once)
    HAVING (lo IS NULL OR quarry_session_key(e.properties ->> '$session_id')
                >= (SELECT quarry_session_key_at(lo - interval '3 days', false)))
       AND (hi IS NULL OR quarry_session_key(e.properties ->> '$session_id')
                < (SELECT quarry_session_key_at(hi + interval '3 days', true)))
) s
$$;

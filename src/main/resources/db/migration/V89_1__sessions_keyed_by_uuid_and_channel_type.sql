-- HogQL's `sessions` table keyed as PostHog keys it, and its `$channel_type` (issue 19).
--
-- Session ids (PostHog: posthog/models/raw_sessions/sessions_v2.py keys raw sessions by
-- toUInt128(toUUID($session_id)), keeping version-7 ids only; posthog/hogql/database/schema/sessions_v2.py answers
-- `session_id` / `id` as toString(reinterpretAsUUID(session_id_v7)), the UUID's canonical text):
--  * a session is keyed by lower(id) of the hyphenated UUIDv7 form (either case), which is the UUID's canonical text:
--    "0190A…" and "0190a…" are one session, and `session_id` answers the lower-case form. (ClickHouse's toUUID also
--    reads 32 hex digits without hyphens; normalising that form too cost 2–3.6× on every sessions read at 1 M events
--    — a regular expression and a second JSON read per event — so it is left out: such ids make no session.)
--  * an event's key for the join and the filters is lower(its $session_id): an id that is no UUIDv7 matches none.
--
-- $channel_type (posthog/hogql/database/schema/channel_type.py, default rules, no custom rules): computed from the
-- session's entry utm_campaign / utm_medium / utm_source (lower-cased, '' and 'null' as NULL), entry referring
-- domain, whether it has a gclid / fbclid, and its gad_source. The lookups of PostHog's ClickHouse dictionary
-- (hogql_lookupPaidSourceType & co: the value itself, then cutToFirstSignificantSubdomain of it, kind 'source';
-- mediums exactly) read quarry_channel_lookup below.

-- ClickHouse's cutToFirstSignificantSubdomain on a host: the labels from the first significant one on
-- ("www.google.com" → "google.com", "news.bbc.co.uk" → "bbc.co.uk"): the last two labels, or the last three when
-- the second-level one is com, net, org or co; '' for a single label. One expression (inlined by the planner).
CREATE FUNCTION quarry_first_significant(host text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN strpos(host, '.') = 0 THEN ''
        WHEN split_part(host, '.', -2) IN ('com', 'net', 'org', 'co') AND split_part(host, '.', -3) <> ''
            THEN split_part(host, '.', -3) || '.' || split_part(host, '.', -2) || '.' || split_part(host, '.', -1)
        ELSE split_part(host, '.', -2) || '.' || split_part(host, '.', -1)
    END
$$;

-- PostHog's channel definitions for the lookups (its ClickHouse dictionary channel_definition_dict, built from
-- posthog/models/channel_type/channel_definitions.json: domain, kind, type if paid, type if organic), keyed
-- "kind:value". Mediums as PostHog lists them (GA4's); sources: the common search, social, video, shopping and email
-- domains, a subset of PostHog's list (which is not copied here). One expression over two constant objects, inlined
-- by the planner (rows read per call cost ≈ 10 ms a session).
CREATE FUNCTION quarry_channel_lookup(value text, kind text, paid boolean) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE WHEN paid THEN
         '{"medium:banner": "Display", "medium:cpm": "Display", "medium:display": "Display",
          "medium:expandable": "Display", "medium:interstitial": "Display", "medium:sm": "Paid Social",
          "medium:social": "Paid Social", "medium:social media": "Paid Social",
          "medium:social network": "Paid Social", "medium:social-media": "Paid Social",
          "medium:social-network": "Paid Social", "medium:video": "Paid Video", "source:google": "Paid Search",
          "source:google.com": "Paid Search", "source:google.co.uk": "Paid Search",
          "source:google.de": "Paid Search", "source:google.fr": "Paid Search", "source:bing": "Paid Search",
          "source:bing.com": "Paid Search", "source:yahoo": "Paid Search", "source:yahoo.com": "Paid Search",
          "source:duckduckgo": "Paid Search", "source:duckduckgo.com": "Paid Search", "source:baidu": "Paid Search",
          "source:baidu.com": "Paid Search", "source:yandex": "Paid Search", "source:yandex.ru": "Paid Search",
          "source:ecosia.org": "Paid Search", "source:facebook": "Paid Social", "source:facebook.com": "Paid Social",
          "source:fb": "Paid Social", "source:instagram": "Paid Social", "source:instagram.com": "Paid Social",
          "source:twitter": "Paid Social", "source:twitter.com": "Paid Social", "source:t.co": "Paid Social",
          "source:x.com": "Paid Social", "source:linkedin": "Paid Social", "source:linkedin.com": "Paid Social",
          "source:reddit": "Paid Social", "source:reddit.com": "Paid Social", "source:pinterest": "Paid Social",
          "source:pinterest.com": "Paid Social", "source:tiktok": "Paid Social", "source:tiktok.com": "Paid Social",
          "source:youtube": "Paid Video", "source:youtube.com": "Paid Video", "source:vimeo": "Paid Video",
          "source:vimeo.com": "Paid Video", "source:twitch": "Paid Video", "source:twitch.tv": "Paid Video",
          "source:amazon": "Paid Shopping", "source:amazon.com": "Paid Shopping", "source:ebay": "Paid Shopping",
          "source:ebay.com": "Paid Shopping"}'::jsonb
    ELSE
         '{"medium:affiliate": "Affiliate", "medium:app": "Referral", "medium:audio": "Audio",
          "medium:banner": "Display", "medium:cpm": "Display", "medium:display": "Display", "medium:e mail": "Email",
          "medium:e-mail": "Email", "medium:e_mail": "Email", "medium:email": "Email",
          "medium:expandable": "Display", "medium:interstitial": "Display", "medium:link": "Referral",
          "medium:mobile": "Push", "medium:notification": "Push", "medium:partnership": "Affiliate",
          "medium:partnerships": "Affiliate", "medium:push": "Push", "medium:referral": "Referral",
          "medium:sm": "Organic Social", "medium:social": "Organic Social", "medium:social media": "Organic Social",
          "medium:social network": "Organic Social", "medium:social-media": "Organic Social",
          "medium:social-network": "Organic Social", "medium:video": "Organic Video",
          "source:google": "Organic Search", "source:google.com": "Organic Search",
          "source:google.co.uk": "Organic Search", "source:google.de": "Organic Search",
          "source:google.fr": "Organic Search", "source:bing": "Organic Search", "source:bing.com": "Organic Search",
          "source:yahoo": "Organic Search", "source:yahoo.com": "Organic Search",
          "source:duckduckgo": "Organic Search", "source:duckduckgo.com": "Organic Search",
          "source:baidu": "Organic Search", "source:baidu.com": "Organic Search", "source:yandex": "Organic Search",
          "source:yandex.ru": "Organic Search", "source:ecosia.org": "Organic Search",
          "source:facebook": "Organic Social", "source:facebook.com": "Organic Social",
          "source:fb": "Organic Social", "source:instagram": "Organic Social",
          "source:instagram.com": "Organic Social", "source:twitter": "Organic Social",
          "source:twitter.com": "Organic Social", "source:t.co": "Organic Social", "source:x.com": "Organic Social",
          "source:linkedin": "Organic Social", "source:linkedin.com": "Organic Social",
          "source:reddit": "Organic Social", "source:reddit.com": "Organic Social",
          "source:pinterest": "Organic Social", "source:pinterest.com": "Organic Social",
          "source:tiktok": "Organic Social", "source:tiktok.com": "Organic Social",
          "source:youtube": "Organic Video", "source:youtube.com": "Organic Video", "source:vimeo": "Organic Video",
          "source:vimeo.com": "Organic Video", "source:twitch": "Organic Video", "source:twitch.tv": "Organic Video",
          "source:amazon": "Organic Shopping", "source:amazon.com": "Organic Shopping",
          "source:ebay": "Organic Shopping", "source:ebay.com": "Organic Shopping",
          "source:mail.google.com": "Email", "source:outlook.live.com": "Email", "source:mail.yahoo.com": "Email"}'::jsonb
    END) ->> (kind || ':' || value)
$$;

-- hogql_lookupPaidSourceType / hogql_lookupOrganicSourceType: the value, then its first significant subdomain.
CREATE FUNCTION quarry_channel_source(value text, paid boolean) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(quarry_channel_lookup(coalesce(value, ''), 'source', paid),
                    quarry_channel_lookup(quarry_first_significant(coalesce(value, '')), 'source', paid))
$$;

-- A placeholder as PostHog fills it for sessions: '' and 'null' as NULL, lower-cased for campaign, medium, source.
CREATE FUNCTION quarry_channel_text(value text, lowered boolean) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN lowered THEN lower(nullif(nullif(value, ''), 'null')) ELSE nullif(nullif(value, ''), 'null') END
$$;

-- PostHog's default channel rules (channel_type.py's multiIf) on the placeholders (quarry_channel_text; the
-- referring domain as it is; has_gclid / has_fbclid whether the entry gclid / fbclid is set). A NULL condition is
-- false, as in ClickHouse's multiIf. One expression, so that the planner inlines it.
CREATE FUNCTION quarry_channel_rules(campaign text, medium text, source text, referring_domain text,
                                     has_gclid boolean, has_fbclid boolean, gad_source text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN campaign ~ 'cross-network' THEN 'Cross Network'
        WHEN medium IN ('cpc', 'cpm', 'cpv', 'cpa', 'ppc', 'retargeting') OR starts_with(medium, 'paid')
                OR has_gclid OR gad_source IS NOT NULL THEN
            coalesce(quarry_channel_source(source, true),
                     CASE WHEN campaign ~ '^(.*(([^a-df-z]|^)shop|shopping).*)$' THEN 'Paid Shopping' END,
                     quarry_channel_lookup(coalesce(medium, ''), 'medium', true),
                     quarry_channel_source(referring_domain, true),
                     CASE WHEN gad_source = '1' THEN 'Paid Search'
                          WHEN campaign ~ '^(.*video.*)$' THEN 'Paid Video'
                          WHEN has_fbclid THEN 'Paid Social'
                          ELSE 'Paid Unknown' END)
        WHEN referring_domain = '$direct' AND medium IS NULL
                AND (source IS NULL OR source IN ('(direct)', 'direct', '$direct')) AND NOT has_fbclid THEN 'Direct'
        ELSE
            coalesce(quarry_channel_source(source, false),
                     CASE WHEN campaign ~ '^(.*(([^a-df-z]|^)shop|shopping).*)$' THEN 'Organic Shopping' END,
                     quarry_channel_lookup(coalesce(medium, ''), 'medium', false),
                     quarry_channel_source(referring_domain, false),
                     CASE WHEN campaign ~ '^(.*video.*)$' THEN 'Organic Video'
                          WHEN medium ~ 'push$' THEN 'Push'
                          WHEN has_fbclid THEN 'Organic Social'
                          WHEN referring_domain = '$direct' THEN 'Direct'
                          WHEN referring_domain IS NOT NULL THEN 'Referral'
                          ELSE 'Unknown' END)
    END
$$;

-- A session's channel type from its entry values.
CREATE FUNCTION quarry_channel_type(campaign text, medium text, source text, referring_domain text,
                                    has_gclid boolean, has_fbclid boolean, gad_source text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT quarry_channel_rules(quarry_channel_text(campaign, true), quarry_channel_text(medium, true),
                                quarry_channel_text(source, true), referring_domain, has_gclid, has_fbclid,
                                quarry_channel_text(gad_source, false))
$$;

DROP VIEW hogql_sessions;
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
       quarry_channel_type(s."$entry_utm_campaign", s."$entry_utm_medium", s."$entry_utm_source",
           s."$entry_referring_domain", s."$entry_gclid" IS NOT NULL, s."$entry_fbclid" IS NOT NULL,
           s."$entry_gad_source") AS "$channel_type",
       CASE WHEN s."$pageview_count" = 0 THEN NULL
            ELSE NOT (s."$pageview_count" > 1 OR s."$autocapture_count" > 0 OR s."$session_duration" >= 10) END
           AS "$is_bounce"
FROM (
    SELECT e.team_id,
           lower(e.properties ->> '$session_id') AS session_id,
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
    GROUP BY e.team_id, lower(e.properties ->> '$session_id')
) s;

GRANT SELECT ON hogql_sessions TO quarry_query_reader;

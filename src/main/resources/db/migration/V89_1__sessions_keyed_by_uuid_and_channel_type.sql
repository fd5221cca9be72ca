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
-- the second-level one is com, net, org or co; '' for a single label.
CREATE FUNCTION quarry_first_significant(host text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN n < 2 THEN ''
        WHEN n >= 3 AND parts[n - 1] IN ('com', 'net', 'org', 'co') THEN array_to_string(parts[n - 2:n], '.')
        ELSE array_to_string(parts[n - 1:n], '.')
    END
    FROM (SELECT string_to_array(host, '.') AS parts, cardinality(string_to_array(host, '.')) AS n) x
$$;

-- PostHog's channel definitions for the lookups (its ClickHouse dictionary channel_definition_dict, built from
-- posthog/models/channel_type/channel_definitions.json: domain, kind, type if paid, type if organic). Mediums as
-- PostHog lists them (GA4's); sources: the common search, social, video, shopping and email domains, a subset of
-- PostHog's list (which is not copied here). kind: 'medium' or 'source'.
CREATE FUNCTION quarry_channel_lookup(value text, kind text, paid boolean) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN paid THEN d.if_paid ELSE d.if_organic END
    FROM (VALUES
        ('affiliate', 'medium', NULL, 'Affiliate'), ('app', 'medium', NULL, 'Referral'),
        ('audio', 'medium', NULL, 'Audio'), ('banner', 'medium', 'Display', 'Display'),
        ('cpm', 'medium', 'Display', 'Display'), ('display', 'medium', 'Display', 'Display'),
        ('e mail', 'medium', NULL, 'Email'), ('e-mail', 'medium', NULL, 'Email'), ('e_mail', 'medium', NULL, 'Email'),
        ('email', 'medium', NULL, 'Email'), ('expandable', 'medium', 'Display', 'Display'),
        ('interstitial', 'medium', 'Display', 'Display'), ('link', 'medium', NULL, 'Referral'),
        ('mobile', 'medium', NULL, 'Push'), ('notification', 'medium', NULL, 'Push'),
        ('partnership', 'medium', NULL, 'Affiliate'), ('partnerships', 'medium', NULL, 'Affiliate'),
        ('push', 'medium', NULL, 'Push'), ('referral', 'medium', NULL, 'Referral'),
        ('sm', 'medium', 'Paid Social', 'Organic Social'), ('social', 'medium', 'Paid Social', 'Organic Social'),
        ('social media', 'medium', 'Paid Social', 'Organic Social'),
        ('social network', 'medium', 'Paid Social', 'Organic Social'),
        ('social-media', 'medium', 'Paid Social', 'Organic Social'),
        ('social-network', 'medium', 'Paid Social', 'Organic Social'),
        ('video', 'medium', 'Paid Video', 'Organic Video'),
        ('google', 'source', 'Paid Search', 'Organic Search'), ('google.com', 'source', 'Paid Search', 'Organic Search'),
        ('google.co.uk', 'source', 'Paid Search', 'Organic Search'),
        ('google.de', 'source', 'Paid Search', 'Organic Search'), ('google.fr', 'source', 'Paid Search', 'Organic Search'),
        ('bing', 'source', 'Paid Search', 'Organic Search'), ('bing.com', 'source', 'Paid Search', 'Organic Search'),
        ('yahoo', 'source', 'Paid Search', 'Organic Search'), ('yahoo.com', 'source', 'Paid Search', 'Organic Search'),
        ('duckduckgo', 'source', 'Paid Search', 'Organic Search'),
        ('duckduckgo.com', 'source', 'Paid Search', 'Organic Search'),
        ('baidu', 'source', 'Paid Search', 'Organic Search'), ('baidu.com', 'source', 'Paid Search', 'Organic Search'),
        ('yandex', 'source', 'Paid Search', 'Organic Search'), ('yandex.ru', 'source', 'Paid Search', 'Organic Search'),
        ('ecosia.org', 'source', 'Paid Search', 'Organic Search'),
        ('facebook', 'source', 'Paid Social', 'Organic Social'),
        ('facebook.com', 'source', 'Paid Social', 'Organic Social'),
        ('fb', 'source', 'Paid Social', 'Organic Social'),
        ('instagram', 'source', 'Paid Social', 'Organic Social'),
        ('instagram.com', 'source', 'Paid Social', 'Organic Social'),
        ('twitter', 'source', 'Paid Social', 'Organic Social'), ('twitter.com', 'source', 'Paid Social', 'Organic Social'),
        ('t.co', 'source', 'Paid Social', 'Organic Social'), ('x.com', 'source', 'Paid Social', 'Organic Social'),
        ('linkedin', 'source', 'Paid Social', 'Organic Social'),
        ('linkedin.com', 'source', 'Paid Social', 'Organic Social'),
        ('reddit', 'source', 'Paid Social', 'Organic Social'), ('reddit.com', 'source', 'Paid Social', 'Organic Social'),
        ('pinterest', 'source', 'Paid Social', 'Organic Social'),
        ('pinterest.com', 'source', 'Paid Social', 'Organic Social'),
        ('tiktok', 'source', 'Paid Social', 'Organic Social'), ('tiktok.com', 'source', 'Paid Social', 'Organic Social'),
        ('youtube', 'source', 'Paid Video', 'Organic Video'), ('youtube.com', 'source', 'Paid Video', 'Organic Video'),
        ('vimeo', 'source', 'Paid Video', 'Organic Video'), ('vimeo.com', 'source', 'Paid Video', 'Organic Video'),
        ('twitch', 'source', 'Paid Video', 'Organic Video'), ('twitch.tv', 'source', 'Paid Video', 'Organic Video'),
        ('amazon', 'source', 'Paid Shopping', 'Organic Shopping'),
        ('amazon.com', 'source', 'Paid Shopping', 'Organic Shopping'),
        ('ebay', 'source', 'Paid Shopping', 'Organic Shopping'), ('ebay.com', 'source', 'Paid Shopping', 'Organic Shopping'),
        ('mail.google.com', 'source', NULL, 'Email'), ('outlook.live.com', 'source', NULL, 'Email'),
        ('mail.yahoo.com', 'source', NULL, 'Email')
    ) AS d(domain, kind, if_paid, if_organic)
    WHERE d.kind = quarry_channel_lookup.kind AND d.domain = value
$$;

-- hogql_lookupPaidSourceType / hogql_lookupOrganicSourceType: the value, then its first significant subdomain.
CREATE FUNCTION quarry_channel_source(value text, paid boolean) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(quarry_channel_lookup(coalesce(value, ''), 'source', paid),
                    quarry_channel_lookup(quarry_first_significant(coalesce(value, '')), 'source', paid))
$$;

-- PostHog's default channel rules (channel_type.py's multiIf), each placeholder as PostHog fills it for sessions:
-- campaign / medium / source lower-cased with '' and 'null' as NULL, the referring domain as it is, has_gclid /
-- has_fbclid whether the entry gclid / fbclid is set, gad_source with '' and 'null' as NULL. A NULL condition is
-- false, as in ClickHouse's multiIf.
CREATE FUNCTION quarry_channel_type(campaign_in text, medium_in text, source_in text, referring_domain text,
                                    has_gclid boolean, has_fbclid boolean, gad_source_in text) RETURNS text
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
    FROM (SELECT lower(nullif(nullif(campaign_in, ''), 'null')) AS campaign,
                 lower(nullif(nullif(medium_in, ''), 'null')) AS medium,
                 lower(nullif(nullif(source_in, ''), 'null')) AS source,
                 nullif(nullif(gad_source_in, ''), 'null') AS gad_source) p
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

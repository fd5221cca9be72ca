package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Events' top-level {@code $session_id} / {@code $window_id} (PostHog's events.py: non-nullable Strings filled from
 * the properties), sessions keyed by the id parsed as a UUID (PostHog's raw sessions: {@code toUUID($session_id)};
 * {@code session_id} answers {@code toString} of that UUID, lower-case), and {@code $channel_type} with PostHog's
 * default channel rules (posthog/hogql/database/schema/channel_type.py), on hand-made events.
 *
 * <p>Project "ids": one session written two ways — "019C1DCB-7900-7ABC-8000-00000000000A" ($pageview 10:00:00,
 * window W1), "019c1dcb-7900-7abc-8000-00000000000a" ($pageview 10:00:20, window W1) and the 32-digit form
 * "019c1dcb79007abc800000000000000a" ($pageview 10:00:40, no window), which ClickHouse's UUID parsing reads too
 * — is one session of 3 pageviews, 40 s, whose id is the lower-case hyphenated form (the ids' first 48 bits are
 * 10:00:00's ms, as a UUIDv7 made by PostHog's SDKs);
 * "nosession"'s $pageview 11:00 has no $session_id (''), and "019C1E39-5600-4ABC-8000-00000000000B" (a version-4 id)
 * makes no session.
 *
 * <p>Project "channels": one session per channel, one $pageview each (distinct id = the channel PostHog's rules
 * give, worked out in {@link #channelTypes}).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class SessionIdsAndChannelTypeTest {
    static final String UPPER = "019C1DCB-7900-7ABC-8000-00000000000A";
    static final String LOWER = "019c1dcb-7900-7abc-8000-00000000000a";
    static final String PLAIN = "019c1dcb79007abc800000000000000a";
    static final String V4 = "019C1E39-5600-4ABC-8000-00000000000B";
    private static Project ids;
    private static Project channels;

    /** Each channel's entry properties, keyed by the channel PostHog's default rules give. */
    private static final Map<String, Map<String, Object>> CHANNELS = new LinkedHashMap<>();

    static {
        // campaign matches 'cross-network' first, whatever else is set
        CHANNELS.put("Cross Network", Map.of("utm_campaign", "Summer-Cross-Network", "utm_medium", "cpc"));
        // medium cpc → paid; source google → the source lookup's type if paid
        CHANNELS.put("Paid Search", Map.of("utm_medium", "cpc", "utm_source", "Google", "$referring_domain", "$direct"));
        // a gclid alone → paid; no source, campaign, medium or known domain ('$direct' has no significant
        // subdomain), gad_source unset, no fbclid → Paid Unknown
        CHANNELS.put("Paid Unknown", Map.of("gclid", "abc", "$referring_domain", "$direct"));
        // medium 'paid_social' starts with 'paid'; no source; medium not in the list; an fbclid → Paid Social
        CHANNELS.put("Paid Social", Map.of("utm_medium", "paid_social", "fbclid", "fb1"));
        // medium cpm → paid; its medium lookup gives Display
        CHANNELS.put("Display", Map.of("utm_medium", "cpm"));
        // gad_source '1' → paid, nothing found by the lookups → Paid Search's rule for gad_source = '1' — checked
        // apart below, since its label is Paid Search too
        // referring domain $direct, no medium, no source, no fbclid → Direct
        CHANNELS.put("Direct", Map.of("$referring_domain", "$direct"));
        // organic: www.google.com is not listed, its first significant subdomain google.com is: Organic Search
        CHANNELS.put("Organic Search", Map.of("$referring_domain", "www.google.com"));
        // organic: source "Twitter" lower-cased to twitter → Organic Social
        CHANNELS.put("Organic Social", Map.of("utm_source", "Twitter", "$referring_domain", "$direct"));
        // organic: medium email (a medium is set, so not Direct) → the medium lookup's organic type
        CHANNELS.put("Email", Map.of("utm_medium", "email", "$referring_domain", "$direct"));
        // organic: campaign 'shop_sale' matches ^(.*(([^a-df-z]|^)shop|shopping).*)$ → Organic Shopping
        CHANNELS.put("Organic Shopping", Map.of("utm_campaign", "shop_sale"));
        // organic: campaign with 'video' → Organic Video
        CHANNELS.put("Organic Video", Map.of("utm_campaign", "launch_video_q3"));
        // organic: medium ending in 'push' (not listed as a medium) → Push
        CHANNELS.put("Push", Map.of("utm_medium", "web-push"));
        // organic: an unknown referring domain → Referral
        CHANNELS.put("Referral", Map.of("$referring_domain", "blog.example.org"));
        // nothing at all (no referring domain) → Unknown
        CHANNELS.put("Unknown", Map.of());
    }

    @BeforeEach
    void data() {
        if (ids != null) {
            return;
        }
        ids = TestProjects.create("Session ids");
        channels = TestProjects.create("Channel types");
        Capture.to(ids)
                .event("$pageview", "ann", "2026-02-02T10:00:00Z", Map.of("$session_id", UPPER, "$window_id", "W1"))
                .event("$pageview", "ann", "2026-02-02T10:00:20Z", Map.of("$session_id", LOWER, "$window_id", "W1"))
                .event("$pageview", "ann", "2026-02-02T10:00:40Z", Map.of("$session_id", PLAIN))
                .event("$pageview", "nosession", "2026-02-02T11:00:00Z", Map.of("$current_url", "https://x.test/"))
                .event("$pageview", "v4", "2026-02-02T12:00:00Z", Map.of("$session_id", V4))
                .send();
        Capture c = Capture.to(channels);
        int i = 0;
        for (var e : CHANNELS.entrySet()) {
            Map<String, Object> props = new LinkedHashMap<>(e.getValue());
            props.put("$session_id", String.format("019c22f1-d500-7000-8000-%012d", ++i));
            c = c.event("$pageview", e.getKey(), String.format("2026-02-03T10:%02d:00Z", i), props);
        }
        // gad_source '1' with a medium that is not paid and not listed: paid (gad_source is set), no lookup hits,
        // the gad_source = '1' rule → Paid Search
        c.event("$pageview", "gad", "2026-02-03T11:00:00Z", Map.of("$session_id", "019c22f1-d500-7000-8000-100000000000",
                "gad_source", "1", "utm_medium", "banner_x")).send();
    }

    private static Response hogql(Project p, String sql) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", sql)))
                .post("/api/environments/" + p.id() + "/query/");
    }

    @Test
    void eventsHaveTopLevelSessionAndWindowIds() {
        // as sent, '' when the property is missing (PostHog's columns are non-nullable Strings)
        hogql(ids, "select $session_id, $window_id, events.$session_id = properties.$session_id from events "
                + "order by timestamp").then().statusCode(200)
                .body("results", contains(contains(UPPER, "W1", 1), contains(LOWER, "W1", 1), contains(PLAIN, "", 1),
                        contains("", "", null), contains(V4, "", 1)));
        hogql(ids, "select count() from events where $session_id = ''").then().statusCode(200)
                .body("results[0][0]", equalTo(1));
    }

    @Test
    void sessionIdsAreParsedAsUuids() {
        // the three spellings are one session (ClickHouse's UUID parsing reads the 32 digits without hyphens too):
        // 3 pageviews, 10:00:00 → 10:00:40 = 40 s; the version-4 id and the event without an id make none
        hogql(ids, "select session_id, id, $pageview_count, $session_duration from sessions").then().statusCode(200)
                .body("results", contains(contains(LOWER, LOWER, 3, 40)));
        // all three of ann's events reach it through events.session, the version-4 one none
        hogql(ids, "select $session_id, session.session_id, session.$session_duration from events "
                + "where distinct_id in ('ann', 'v4') order by timestamp").then().statusCode(200)
                .body("results", contains(contains(UPPER, LOWER, 40), contains(LOWER, LOWER, 40),
                        contains(PLAIN, LOWER, 40), contains(V4, null, null)));
        // a session filter: sessions of 15 s or more → ann's 3 events
        given().header("Authorization", "Bearer " + ids.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "EventsQuery", "select", List.of("count()"),
                        "after", "2026-02-01", "before", "2026-02-05", "properties", List.of(Map.of("type", "session",
                                "key", "$session_duration", "operator", "gte", "value", 15)))))
                .post("/api/environments/" + ids.id() + "/query/").then().statusCode(200)
                .body("results[0][0]", equalTo(3));
    }

    @Test
    void channelTypes() {
        Response r = hogql(channels, "select distinct_id, $channel_type from sessions order by $start_timestamp");
        r.then().statusCode(200);
        List<String> expected = new ArrayList<>(CHANNELS.keySet());
        expected.add("Paid Search"); // "gad"
        List<String> got = new ArrayList<>();
        for (List<Object> row : r.jsonPath().<List<Object>>getList("results")) {
            got.add((String) row.get(1));
        }
        Assertions.assertEquals(expected, got);
        // a session filter and a breakdown on it: the Direct session's one pageview
        given().header("Authorization", "Bearer " + channels.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "EventsQuery", "select", List.of("count()"),
                        "after", "2026-02-01", "before", "2026-02-05", "properties", List.of(Map.of("type", "session",
                                "key", "$channel_type", "operator", "exact", "value", List.of("Direct"))))))
                .post("/api/environments/" + channels.id() + "/query/").then().statusCode(200)
                .body("results[0][0]", equalTo(1));
        hogql(channels, "select session.$channel_type as c, count() from events group by c order by c limit 2")
                .then().statusCode(200).body("results", contains(contains("Cross Network", 1), contains("Direct", 1)));
    }
}

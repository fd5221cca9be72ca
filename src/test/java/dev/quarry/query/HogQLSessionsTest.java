package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HogQL's {@code sessions} table and {@code session} property filters, on hand-made sessions (PostHog's sessions v2
 * meanings: posthog/hogql/database/schema/sessions_v2.py).
 *
 * <p>Project A:
 * <ul>
 *   <li>S1 (ann): $pageview 10:00:00 on https://example.com/home?x=1 (utm_source google, referring domain
 *       www.google.com), $autocapture 10:00:30 without a url, $pageview 10:02:05.900 on https://example.com/pricing.
 *       Duration: whole seconds 10:02:05 − 10:00:00 = 125. Entry /home, exit /pricing, 2 pageviews, 1 autocapture:
 *       not a bounce (0).</li>
 *   <li>S2 (bob): $pageview 11:00:00 on https://example.com/blog/post, "scroll" 11:00:05.500 without a url.
 *       Duration 5; one pageview, no autocapture, under 10 s: a bounce (1). Entry /blog/post; the exit url is the
 *       last event's, which has none: NULL (PostHog's argMax of the event's url).</li>
 *   <li>S3 (bob): "signup" 12:00:00 and 12:00:59.999: duration 59, no pageview: $is_bounce NULL, no entry url.</li>
 *   <li>carol's $pageview 13:00 has no $session_id, dave's 14:00 one that is no UUIDv7 ("s-1"): in no session, as
 *       PostHog's raw sessions keep only UUIDv7 ids.</li>
 * </ul>
 * Project B has one session with S1's very id (a $pageview and an $autocapture 10 minutes apart): it must change
 * nothing in A's answers, and B sees only its own.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class HogQLSessionsTest {
    static final String S1 = "019b8d99-6900-7000-8000-000000000001";
    static final String S2 = "019b8dd0-5780-7000-8000-000000000002";
    static final String S3 = "019b8e07-4600-7000-8000-000000000003";
    private static Project a;
    private static Project b;

    @BeforeEach
    void data() {
        if (a != null) {
            return;
        }
        a = TestProjects.create("Sessions A");
        b = TestProjects.create("Sessions B");
        Capture.to(a)
                .event("$pageview", "ann", "2026-01-05T10:00:00Z", Map.of("$session_id", S1,
                        "$current_url", "https://example.com/home?x=1", "utm_source", "google",
                        "$referring_domain", "www.google.com"))
                .event("$autocapture", "ann", "2026-01-05T10:00:30Z", Map.of("$session_id", S1))
                .event("$pageview", "ann", "2026-01-05T10:02:05.900Z", Map.of("$session_id", S1,
                        "$current_url", "https://example.com/pricing"))
                .event("$pageview", "bob", "2026-01-05T11:00:00Z", Map.of("$session_id", S2,
                        "$current_url", "https://example.com/blog/post"))
                .event("scroll", "bob", "2026-01-05T11:00:05.500Z", Map.of("$session_id", S2))
                .event("signup", "bob", "2026-01-05T12:00:00Z", Map.of("$session_id", S3))
                .event("signup", "bob", "2026-01-05T12:00:59.999Z", Map.of("$session_id", S3))
                .event("$pageview", "carol", "2026-01-05T13:00:00Z", Map.of("$current_url", "https://example.com/"))
                .event("$pageview", "dave", "2026-01-05T14:00:00Z", Map.of("$session_id", "s-1",
                        "$current_url", "https://example.com/"))
                .send();
        Capture.to(b)
                .event("$pageview", "zed", "2026-01-05T09:00:00Z", Map.of("$session_id", S1,
                        "$current_url", "https://other.example/start"))
                .event("$autocapture", "zed", "2026-01-05T09:10:00Z", Map.of("$session_id", S1))
                .send();
    }

    private static Response query(Project p, Map<String, Object> query) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("query", query)).post("/api/environments/" + p.id() + "/query/");
    }

    private static Response hogql(Project p, String sql) {
        return query(p, Map.of("kind", "HogQLQuery", "query", sql));
    }

    @Test
    void sessionsTableColumns() {
        hogql(a, "select session_id, distinct_id, $session_duration, $entry_current_url, $entry_pathname, "
                + "$exit_current_url, $end_pathname, $pageview_count, $autocapture_count, $is_bounce, "
                + "$entry_utm_source, $entry_referring_domain, $start_timestamp from sessions order by $start_timestamp")
                .then().statusCode(200)
                .body("results.size()", equalTo(3))
                .body("results[0]", contains(S1, "ann", 125, "https://example.com/home?x=1", "/home",
                        "https://example.com/pricing", "/pricing", 2, 1, 0, "google", "www.google.com",
                        "2026-01-05T10:00:00.000000Z"))
                .body("results[1]", contains(S2, "bob", 5, "https://example.com/blog/post", "/blog/post",
                        null, null, 1, 0, 1, null, null, "2026-01-05T11:00:00.000000Z"))
                .body("results[2]", contains(S3, "bob", 59, null, null, null, null, 0, 0, null, null, null,
                        "2026-01-05T12:00:00.000000Z"));
    }

    @Test
    void teamWall() {
        // B's session shares S1's id: A still sees its own three sessions and S1's own two pageviews
        hogql(a, "select count(), sum($pageview_count) from sessions").then().statusCode(200)
                .body("results[0]", contains(3, 3));
        // B: one session, 09:00 → 09:10 = 600 s, a pageview and an autocapture
        hogql(b, "select session_id, $session_duration, $autocapture_count, $is_bounce from sessions").then()
                .statusCode(200).body("results", contains(contains(S1, 600, 1, 0)));
        // through a subquery and a join too, the guard is on every reading of the table
        hogql(b, "select count() from events e join sessions s on s.session_id = e.properties.$session_id").then()
                .statusCode(200).body("results[0][0]", equalTo(2));
    }

    @Test
    void eventsSessionLazyJoin() {
        // each event reads its own session's columns: ann's three events are all S1 (125 s, entered on /home)
        hogql(a, "select event, session.$session_duration, session.$entry_pathname, events.session.$is_bounce "
                + "from events where distinct_id = 'ann' order by timestamp").then().statusCode(200)
                .body("results", contains(contains("$pageview", 125, "/home", 0), contains("$autocapture", 125, "/home", 0),
                        contains("$pageview", 125, "/home", 0)));
        // pageviews: S1's two (125 s each), S2's one (5 s), carol's and dave's without a session (NULL, left out of
        // avg): (125 + 125 + 5) / 3 = 85
        hogql(a, "select avg(session.$session_duration), countIf(session.session_id is null) from events "
                + "where event = '$pageview'").then().statusCode(200).body("results[0]", contains(85.0f, 2));
        // B's events join B's session of the same id (600 s), never A's
        hogql(b, "select distinct session.$session_duration from events").then().statusCode(200)
                .body("results", contains(contains(600)));
        hogql(a, "select session from events").then().statusCode(400).body("type", equalTo("validation_error"));
        hogql(a, "select session.$nope from events").then().statusCode(400).body("type", equalTo("validation_error"));
    }

    private static Map<String, Object> sessionFilter(String key, String operator, Object value) {
        return value == null ? Map.of("type", "session", "key", key, "operator", operator)
                : Map.of("type", "session", "key", key, "operator", operator, "value", value);
    }

    private static Response countEvents(Project p, Map<String, Object> filter) {
        return query(p, Map.of("kind", "EventsQuery", "select", List.of("count()"),
                "after", "2026-01-01", "before", "2026-01-10", "properties", List.of(filter)));
    }

    @Test
    void sessionFiltersOnEvents() {
        // sessions longer than 60 s: S1 only (125 s) → its 3 events
        countEvents(a, sessionFilter("$session_duration", "gt", 60)).then().statusCode(200)
                .body("results[0][0]", equalTo(3));
        // bounces: S2 → its 2 events; PostHog lists the values as "1"/"0", true is the same
        countEvents(a, sessionFilter("$is_bounce", "exact", List.of("1"))).then().statusCode(200)
                .body("results[0][0]", equalTo(2));
        countEvents(a, sessionFilter("$is_bounce", "exact", true)).then().statusCode(200)
                .body("results[0][0]", equalTo(2));
        // entry pathname /home: S1's 3 events
        countEvents(a, sessionFilter("$entry_pathname", "exact", "/home")).then().statusCode(200)
                .body("results[0][0]", equalTo(3));
        // no entry url: S3's 2 events, and carol's and dave's events without a session (a missing session's
        // properties are missing, as PostHog's LEFT JOIN gives)
        countEvents(a, sessionFilter("$entry_current_url", "is_not_set", null)).then().statusCode(200)
                .body("results[0][0]", equalTo(4));
        // utm source is not google: S2 and S3 (NULL passes is_not), carol and dave → 2 + 2 + 1 + 1
        countEvents(a, sessionFilter("$entry_utm_source", "is_not", "google")).then().statusCode(200)
                .body("results[0][0]", equalTo(6));
        // exit pathname /blog/post: none (S2 ended on an event without a url)
        countEvents(a, sessionFilter("$exit_pathname", "exact", "/blog/post")).then().statusCode(200)
                .body("results[0][0]", equalTo(0));
        // in B, S1 is 600 s long: its 2 events; A's S1 (125 s) is not B's
        countEvents(b, sessionFilter("$session_duration", "gte", 600)).then().statusCode(200)
                .body("results[0][0]", equalTo(2));
        countEvents(a, sessionFilter("$session_duration", "gte", 600)).then().statusCode(200)
                .body("results[0][0]", equalTo(0));
    }

    @Test
    void sessionFilterInTrends() {
        // $pageview per day on 2026-01-05 in sessions that are not bounces: S1's 2 pageviews
        query(a, Map.of("kind", "TrendsQuery",
                "series", List.of(Map.of("kind", "EventsNode", "event", "$pageview", "math", "total")),
                "interval", "day", "dateRange", Map.of("date_from", "2026-01-05", "date_to", "2026-01-05"),
                "properties", List.of(sessionFilter("$is_bounce", "exact", List.of("0")))))
                .then().statusCode(200).body("results[0].data", contains(2));
        // and on a series: pageviews of sessions entered on /blog/post → S2's 1
        query(a, Map.of("kind", "TrendsQuery",
                "series", List.of(Map.of("kind", "EventsNode", "event", "$pageview", "math", "total",
                        "properties", List.of(sessionFilter("$entry_pathname", "exact", "/blog/post")))),
                "interval", "day", "dateRange", Map.of("date_from", "2026-01-05", "date_to", "2026-01-05")))
                .then().statusCode(200).body("results[0].data", contains(1));
    }

    @Test
    void trendsBreakdownBySessionProperty() {
        // $pageview on 2026-01-05 by the session's entry pathname: /home 2 (S1), /blog/post 1 (S2), and carol's and
        // dave's pageviews without a session in PostHog's null bucket: 2
        Response r = query(a, Map.of("kind", "TrendsQuery",
                "series", List.of(Map.of("kind", "EventsNode", "event", "$pageview", "math", "total")),
                "interval", "day", "dateRange", Map.of("date_from", "2026-01-05", "date_to", "2026-01-05"),
                "breakdownFilter", Map.of("breakdown_type", "session", "breakdown", "$entry_pathname")));
        r.then().statusCode(200);
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (Map<String, Object> row : r.jsonPath().<Map<String, Object>>getList("results")) {
            counts.put(String.valueOf(row.get("breakdown_value")), ((Number) row.get("count")).intValue());
        }
        org.junit.jupiter.api.Assertions.assertEquals(Map.of("/home", 2, "/blog/post", 1,
                "$$_posthog_breakdown_null_$$", 2), counts);
    }

    @Test
    void unknownSessionPropertyIsA400() {
        countEvents(a, sessionFilter("$no_such_thing", "exact", "x")).then().statusCode(400)
                .body("type", equalTo("validation_error"))
                .body("detail", equalTo("Unknown session property \"$no_such_thing\""));
        hogql(a, "select $no_such_thing from sessions").then().statusCode(400)
                .body("type", equalTo("validation_error"));
    }

    @Test
    void readTaxonomySessionValues() {
        // entry pathnames of A's sessions: /home (S1) and /blog/post (S2) once each, S3 has none; ties by value
        given().header("Authorization", "Bearer " + a.key()).contentType("application/json")
                .body(Map.of("args", Map.of("query", Map.of("kind", "entity_property_values", "entity", "session",
                        "property_name", "$entry_pathname"))))
                .post("/api/environments/" + a.id() + "/mcp_tools/read_taxonomy/").then().statusCode(200)
                .body("content", equalTo("property: $entry_pathname\nsample_values:\n- /blog/post\n- /home"));
    }

    @Test
    void sessionPropertyDefinitions() {
        Response r = given().header("Authorization", "Bearer " + a.key())
                .get("/api/projects/" + a.id() + "/sessions/property_definitions");
        r.then().statusCode(200)
                .body("results.name", hasItem("$session_duration"))
                .body("results.name", not(hasItem("session_id")))
                .body("results.find { it.name == '$session_duration' }.property_type", equalTo("Duration"))
                .body("results.find { it.name == '$session_duration' }.is_numerical", equalTo(true))
                .body("results.find { it.name == '$is_bounce' }.property_type", equalTo("Boolean"))
                .body("results.find { it.name == '$start_timestamp' }.property_type", equalTo("DateTime"))
                .body("results.find { it.name == '$entry_pathname' }.is_seen_on_filtered_events", nullValue());
        org.junit.jupiter.api.Assertions.assertEquals(r.jsonPath().getList("results").size(), r.jsonPath().getInt("count"));
        given().header("Authorization", "Bearer " + a.key())
                .get("/api/environments/" + a.id() + "/sessions/property_definitions?search=utm")
                .then().statusCode(200).body("count", equalTo(5))
                .body("results.name", contains("$entry_utm_source", "$entry_utm_campaign",
                        "$entry_utm_medium", "$entry_utm_term", "$entry_utm_content"));
        given().header("Authorization", "Bearer " + a.key())
                .get("/api/projects/" + a.id() + "/sessions/property_definitions?is_numerical=true")
                .then().statusCode(200).body("results.name", contains("$pageview_count", "$autocapture_count",
                        "$screen_count", "$session_duration"));
    }
}

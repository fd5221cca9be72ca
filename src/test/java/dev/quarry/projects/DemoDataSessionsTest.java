package dev.quarry.projects;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.capture.CapturedEvent;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * The demo project's sessions, as posthog-js makes them (its SessionIdManager): every event carries a
 * {@code $session_id} and a {@code $window_id}, UUIDv7s whose first 48 bits are the session's first event's ms; a
 * session ends after 30 minutes without an event (or 24 hours after it began); the landing pageview of a campaign
 * carries its utm parameters; every event its session's referrer. Then the README's sessions example on a seeded
 * project: one session row per session id of the events, several channel types.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class DemoDataSessionsTest {
    private static final long MINUTES_30 = 30 * 60_000L;

    @Test
    void demoEventsCarrySessionsAsPostHogJsMakesThem() {
        Instant now = Instant.parse("2026-06-30T12:00:00Z");
        List<CapturedEvent> events = new DemoData(null, new ObjectMapper()).generate(300, 30, 42, now);
        Map<String, List<CapturedEvent>> bySession = new HashMap<>();
        Map<String, List<CapturedEvent>> byDistinctId = new HashMap<>();
        int campaigns = 0;
        Set<String> referringDomains = new HashSet<>();
        for (CapturedEvent e : events) {
            String sid = e.properties().path("$session_id").asText();
            String wid = e.properties().path("$window_id").asText();
            Assertions.assertEquals(7, UUID.fromString(sid).version(), sid);
            Assertions.assertEquals(7, UUID.fromString(wid).version(), wid);
            Assertions.assertEquals(2, UUID.fromString(sid).variant(), sid);
            bySession.computeIfAbsent(sid, k -> new ArrayList<>()).add(e);
            byDistinctId.computeIfAbsent(e.distinctId(), k -> new ArrayList<>()).add(e);
            if (e.properties().has("utm_source")) {
                campaigns++;
                Assertions.assertTrue(e.properties().path("$current_url").asText().contains("utm_source="
                        + e.properties().path("utm_source").asText()));
            }
            referringDomains.add(e.properties().path("$referring_domain").asText());
        }
        for (List<CapturedEvent> session : bySession.values()) {
            session.sort(Comparator.comparing(CapturedEvent::timestamp));
            CapturedEvent first = session.get(0);
            // the id's time is the first event's ms; one window and one referrer a session
            long idMs = UUID.fromString(first.properties().path("$session_id").asText()).getMostSignificantBits() >>> 16;
            Assertions.assertEquals(first.timestamp().toEpochMilli(), idMs);
            for (int i = 1; i < session.size(); i++) {
                CapturedEvent e = session.get(i);
                Assertions.assertTrue(e.timestamp().toEpochMilli() - session.get(i - 1).timestamp().toEpochMilli()
                        <= MINUTES_30, "no gap over 30 minutes inside a session");
                Assertions.assertEquals(first.properties().path("$window_id"), e.properties().path("$window_id"));
                Assertions.assertEquals(first.properties().path("$referrer"), e.properties().path("$referrer"));
                Assertions.assertFalse(e.properties().has("utm_source"), "utm on the landing pageview only");
            }
            Assertions.assertEquals("$pageview", first.event());
        }
        // a visitor's gap over 30 minutes starts a new session
        int rotations = 0;
        for (List<CapturedEvent> mine : byDistinctId.values()) {
            for (int i = 1; i < mine.size(); i++) {
                if (mine.get(i).timestamp().toEpochMilli() - mine.get(i - 1).timestamp().toEpochMilli() > MINUTES_30) {
                    Assertions.assertNotEquals(mine.get(i - 1).properties().path("$session_id"),
                            mine.get(i).properties().path("$session_id"));
                    rotations++;
                }
            }
        }
        Assertions.assertTrue(rotations > 100, "visitors come back in new sessions: " + rotations);
        Assertions.assertTrue(bySession.size() > 500, "sessions: " + bySession.size());
        Assertions.assertTrue(campaigns > 50, "campaign landings: " + campaigns);
        Assertions.assertTrue(referringDomains.containsAll(Set.of("$direct", "www.google.com", "t.co")),
                referringDomains.toString());
        // the events themselves are those of earlier demos: the same count, names and times
        Assertions.assertEquals(events.size(), new DemoData(null, new ObjectMapper()).generate(300, 30, 42, now).size());
    }

    @Test
    void theReadmeSessionsExampleAnswersOnTheDemoProject() {
        Project p = TestProjects.create("Demo sessions");
        given().header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET).contentType("application/json")
                .body(Map.of("persons", 150, "days", 30, "seed", 7))
                .post("/admin/projects/" + p.id() + "/demo-data").then().statusCode(200);
        String example = "SELECT $channel_type, count() AS sessions, round(avg($session_duration)) AS avg_seconds, "
                + "countIf($is_bounce) AS bounces FROM sessions WHERE $start_timestamp >= now() - INTERVAL 31 DAY "
                + "GROUP BY $channel_type ORDER BY sessions DESC";
        List<List<Object>> rows = given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", example)))
                .post("/api/environments/" + p.id() + "/query/").then().statusCode(200)
                .extract().jsonPath().getList("results");
        Set<Object> channels = new HashSet<>();
        long sessions = 0;
        for (List<Object> row : rows) {
            channels.add(row.get(0));
            sessions += ((Number) row.get(1)).longValue();
        }
        Assertions.assertTrue(channels.containsAll(Set.of("Direct", "Organic Search", "Email", "Paid Search")),
                channels.toString());
        // one row per session id of the demo's events (every session began within the last 31 days)
        given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query",
                        "SELECT count(DISTINCT $session_id) FROM events")))
                .post("/api/environments/" + p.id() + "/query/").then().statusCode(200)
                .body("results[0][0]", equalTo((int) sessions));
    }
}

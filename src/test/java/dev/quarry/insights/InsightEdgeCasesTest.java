package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.query;
import static dev.quarry.insights.InsightTestSupport.range;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class InsightEdgeCasesTest {
    private static Project team;
    private static Project mondays;

    /**
     * "view" events: ext (3, on 2026-01-05 Mon, 01-06 Tue, 01-11 Sun), staff with an @internal.test email (2, on
     * 01-05 and 01-12 Mon). "month" events at 2026-01-31 23:00Z and 2026-02-01 01:00Z. late: first sent at 01-06
     * (so created then), then an event back-dated to 01-05.
     */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Insight edges");
        mondays = TestProjects.create("Insight edges, weeks from Monday");
        for (Project project : List.of(team, mondays)) {
            Capture.to(project)
                    .event("view", "ext", "2026-01-05T12:00:00Z").event("view", "ext", "2026-01-06T12:00:00Z")
                    .event("view", "ext", "2026-01-11T12:00:00Z")
                    .event("view", "staff", "2026-01-05T12:00:00Z", Map.of("$set", Map.of("email", "ops@internal.test")))
                    .event("view", "staff", "2026-01-12T12:00:00Z")
                    .event("month", "ext", "2026-01-31T23:00:00Z").event("month", "ext", "2026-02-01T01:00:00Z")
                    .event("late", "late", "2026-01-06T12:00:00Z")
                    .send();
            Capture.to(project).event("late", "late", "2026-01-05T12:00:00Z").send();
        }
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("test_account_filters", List.of(Map.of("key", "email", "value", "@internal.test",
                        "operator", "not_icontains", "type", "person"))))
                .patch("/api/projects/" + team.id() + "/").then().statusCode(200);
        given().header("Authorization", "Bearer " + mondays.key()).contentType("application/json")
                .body(Map.of("week_start_day", 1)).patch("/api/projects/" + mondays.id() + "/").then().statusCode(200)
                .extract().path("week_start_day").equals(1);
    }

    private static Map<String, Object> trends(String event, String interval, Map<String, Object> dateRange, boolean testAccounts) {
        return Map.of("kind", "TrendsQuery", "series", List.of(Map.of("kind", "EventsNode", "event", event)),
                "interval", interval, "dateRange", dateRange, "filterTestAccounts", testAccounts);
    }

    @Test
    void filterTestAccountsUsesTheProjectsList() {
        // 01-05 … 01-12: 5 views, 2 of them by the @internal.test person.
        assertEquals(5, query(team, trends("view", "day", range("2026-01-05", "2026-01-12"), false)).getInt("results[0].count"));
        assertEquals(3, query(team, trends("view", "day", range("2026-01-05", "2026-01-12"), true)).getInt("results[0].count"));
    }

    @Test
    void weeksStartOnTheProjectsWeekStartDay() {
        // Sunday weeks: 01-04 holds 05, 05, 06; 01-11 holds 11, 12 → [3, 2].
        JsonPath sunday = query(team, trends("view", "week", range("2026-01-04", "2026-01-17"), false));
        assertEquals(List.of("2026-01-04", "2026-01-11"), sunday.getList("results[0].days"));
        assertEquals(List.of(3, 2), sunday.getList("results[0].data", Integer.class));
        // Monday weeks: 01-05 holds 05, 05, 06, 11; 01-12 holds 12 → [4, 1].
        JsonPath monday = query(mondays, trends("view", "week", range("2026-01-05", "2026-01-18"), false));
        assertEquals(List.of("2026-01-05", "2026-01-12"), monday.getList("results[0].days"));
        assertEquals(List.of(4, 1), monday.getList("results[0].data", Integer.class));
    }

    /** A cached weekly answer is not served after the project's week_start_day changes (PostHog's key holds it). */
    @Test
    void aWeekStartChangeIsNotServedFromTheCache() {
        Project p = TestProjects.create("Insight edges, week start change");
        Capture.to(p).event("view", "ext", "2026-01-05T12:00:00Z").event("view", "ext", "2026-01-11T12:00:00Z").send();
        Map<String, Object> weekly = trends("view", "week", range("2026-01-04", "2026-01-17"), false);
        java.util.function.Supplier<JsonPath> cachedRun = () -> given().header("Authorization", "Bearer " + p.key())
                .contentType("application/json").body(Map.of("query", weekly, "refresh", "blocking"))
                .post("/api/environments/" + p.id() + "/query/").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("2026-01-04", "2026-01-11"), cachedRun.get().getList("results[0].days"));
        assertEquals(true, cachedRun.get().getBoolean("is_cached"));
        given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("week_start_day", 1)).patch("/api/projects/" + p.id() + "/").then().statusCode(200);
        JsonPath after = cachedRun.get();
        assertEquals(false, after.getBoolean("is_cached"));
        assertEquals(List.of("2025-12-29", "2026-01-05", "2026-01-12"), after.getList("results[0].days"));
    }

    @Test
    void monthsSplitAtMidnightOfTheFirst() {
        JsonPath months = query(team, trends("month", "month", range("2026-01-01", "2026-02-28"), false));
        assertEquals(List.of(1, 1), months.getList("results[0].data", Integer.class));
    }

    @Test
    void allStartsAtTheFirstEvent() {
        // The earliest "view" is 2026-01-05: the day buckets start there.
        JsonPath all = query(team, trends("view", "day", Map.of("date_from", "all", "date_to", "2026-01-12"), false));
        assertEquals("2026-01-05", all.getList("results[0].days").get(0));
        assertEquals(5, all.getInt("results[0].count"));
    }

    /**
     * PostHog's earliest timestamp for "all" ignores events before 2015: one event dated year 1 (which capture
     * stores) does not stretch a monthly "all time" trend over 24,000 months (a 400 for too many intervals before).
     */
    @Test
    void allIgnoresEventsBefore2015() {
        dev.quarry.testing.TestProjects.Project ancient = dev.quarry.testing.TestProjects.create("All time, year 1");
        Capture.to(ancient).event("view", "a", "0001-01-01T00:00:00Z").event("view", "a", "2026-01-05T10:00:00Z")
                .send();
        JsonPath all = query(ancient, trends("view", "month", Map.of("date_from", "all", "date_to", "2026-02-10"), false));
        assertEquals(List.of("2026-01-01", "2026-02-01"), all.getList("results[0].days"));
        assertEquals(List.of(1, 0), all.getList("results[0].data", Integer.class));
    }

    /**
     * "late" was created at its first captured event (01-06); its back-dated 01-05 event is before its creation, so
     * 01-05 is not "new" but "resurrecting" (first activity not in the creation interval), and 01-06 is "returning".
     */
    @Test
    void aPersonCreatedAfterItsFirstEventIsNeverNew() {
        JsonPath lifecycle = query(team, Map.of("kind", "LifecycleQuery", "interval", "day",
                "series", List.of(Map.of("kind", "EventsNode", "event", "late")), "dateRange", range("2026-01-05", "2026-01-07")));
        Map<String, List<Float>> byStatus = new java.util.HashMap<>();
        for (int i = 0; i < 4; i++) {
            byStatus.put(lifecycle.getString("results[" + i + "].status"), lifecycle.getList("results[" + i + "].data", Float.class));
        }
        assertEquals(List.of(0f, 0f, 0f), byStatus.get("new"));
        assertEquals(List.of(1f, 0f, 0f), byStatus.get("resurrecting"));
        assertEquals(List.of(0f, 1f, 0f), byStatus.get("returning"));
        assertEquals(List.of(0f, 0f, -1f), byStatus.get("dormant"));
    }

    @Test
    void projectSettingsAreValidated() {
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("timezone", "Mars/Olympus")).patch("/api/projects/" + team.id() + "/")
                .then().statusCode(400).extract().path("attr").equals("timezone");
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("test_account_filters", List.of(Map.of("key", "x", "operator", "bogus", "value", 1))))
                .patch("/api/projects/" + team.id() + "/").then().statusCode(400);
        given().header("Authorization", "Bearer " + team.keyWith("project:read")).contentType("application/json")
                .body(Map.of("name", "renamed")).patch("/api/projects/" + team.id() + "/").then().statusCode(403);
    }
}

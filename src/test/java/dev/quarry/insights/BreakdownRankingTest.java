package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.query;
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

/**
 * Trends breakdown values are ranked by the series' math, as PostHog ranks them, not by event count.
 * On 2020-01-02: person a views 5 times on Chrome; b, c and d view once each on Firefox; b and c have plan = pro
 * (cohort Pro).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class BreakdownRankingTest {
    private static Project team;
    private static int pro;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("BreakdownRanking");
        Capture c = Capture.to(team);
        for (int i = 0; i < 5; i++) {
            c.event("$pageview", "a", "2020-01-02T1" + i + ":00:00Z", Map.of("$browser", "Chrome"));
        }
        for (String p : List.of("b", "c", "d")) {
            c.event("$pageview", p, "2020-01-02T12:00:00Z", p.equals("d") ? Map.of("$browser", "Firefox")
                    : Map.of("$browser", "Firefox", "$set", Map.of("plan", "pro")));
        }
        c.send();
        pro = io.restassured.RestAssured.given().header("Authorization", "Bearer " + team.key())
                .contentType("application/json")
                .body(Map.of("name", "Pro", "filters", Map.of("properties", Map.of("type", "OR", "values", List.of(
                        Map.of("type", "AND", "values", List.of(Map.of("key", "plan", "value", "pro",
                                "operator", "exact", "type", "person"))))))))
                .post("/api/projects/" + team.id() + "/cohorts/").then().statusCode(201).extract().path("id");
    }

    /**
     * The CLI's body (list-form breakdown) with dau and breakdown_limit 1: Firefox has 3 daily users, Chrome 1, so
     * Firefox is kept and Chrome is the other bucket (by event count Chrome, 5, would have won). With total math
     * Chrome (5 events) wins.
     */
    @Test
    void dauRanksByUsers() {
        Map<String, Object> q = Map.of("kind", "TrendsQuery", "breakdownFilter", Map.of("breakdown_limit", 1,
                "breakdowns", List.of(Map.of("property", "$browser", "type", "event"))),
                "series", List.of(Map.of("event", "$pageview", "kind", "EventsNode", "math", "dau")),
                "dateRange", Map.of("date_from", "2020-01-01", "date_to", "2020-01-03"), "interval", "day",
                "properties", List.of());
        JsonPath body = query(team, q);
        assertEquals(List.of("Firefox", "$$_posthog_breakdown_other_$$"), body.getList("results.breakdown_value"));
        assertEquals(List.of(3, 1), body.getList("results.count", Integer.class));
        Map<String, Object> total = Map.of("kind", "TrendsQuery", "breakdownFilter", Map.of("breakdown_limit", 1,
                "breakdown", "$browser"), "series", List.of(Map.of("event", "$pageview", "kind", "EventsNode")),
                "dateRange", Map.of("date_from", "2020-01-01", "date_to", "2020-01-03"), "interval", "day");
        assertEquals(List.of("Chrome", "$$_posthog_breakdown_other_$$"), query(team, total).getList(
                "results.breakdown_value"));
    }

    /**
     * Cohort breakdown [Pro, all]: one series per cohort, a person in both counted in both. Pro = {b, c}: 2 pageviews;
     * all: 8. Ordered by count: all, Pro. The actors of the Pro cell on 01-02 are b and c.
     */
    @Test
    void cohortBreakdown() {
        Map<String, Object> q = Map.of("kind", "TrendsQuery", "breakdownFilter", Map.of("breakdown_type", "cohort",
                "breakdown", List.of(pro, "all")), "series", List.of(Map.of("event", "$pageview", "kind", "EventsNode")),
                "dateRange", Map.of("date_from", "2020-01-01", "date_to", "2020-01-03"), "interval", "day");
        JsonPath body = query(team, q);
        assertEquals(List.of("all", pro), body.getList("results.breakdown_value"));
        assertEquals(List.of(8, 2), body.getList("results.count", Integer.class));
        JsonPath actors = query(team, Map.of("kind", "ActorsQuery", "select", List.of("actor"), "source",
                Map.of("kind", "InsightActorsQuery", "source", q, "day", "2020-01-02", "breakdown", pro)));
        assertEquals(java.util.Set.of("b", "c"), new java.util.HashSet<>(actors.getList(
                "results.collect { it[0].distinct_ids[0] }")));
    }
}

package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.pageviews;
import static dev.quarry.insights.InsightTestSupport.query;
import static dev.quarry.insights.InsightTestSupport.range;
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
class LifecycleStickinessEndpointTest {
    private static Project lifecycle;
    private static Project stickiness;
    private static Project other;

    /**
     * The contract's two worked examples, each in its own project (persons are created at their first event), and
     * a third project with the same distinct ids active every day, which must never count.
     */
    @BeforeEach
    void data() {
        if (lifecycle != null) {
            return;
        }
        lifecycle = TestProjects.create("Lifecycle");
        stickiness = TestProjects.create("Stickiness");
        other = TestProjects.create("Other team");
        Capture c = Capture.to(lifecycle);
        for (int d : new int[] {11, 12, 13, 15, 17, 19}) {
            c.event("$pageview", "p1", "2020-01-" + d + "T12:00:00Z");
        }
        c.event("$pageview", "p2", "2020-01-09T12:00:00Z").event("$pageview", "p2", "2020-01-12T12:00:00Z");
        c.event("$pageview", "p3", "2020-01-12T12:00:00Z");
        c.event("$pageview", "p4", "2020-01-15T12:00:00Z");
        c.send();
        Capture s = Capture.to(stickiness);
        for (int d = 11; d <= 19; d++) {
            s.event("$pageview", "p1", "2020-01-" + d + "T12:00:00Z");
        }
        for (int d : new int[] {11, 13, 15, 17, 19}) {
            s.event("$pageview", "p2", "2020-01-" + d + "T12:00:00Z");
        }
        s.send();
        Capture o = Capture.to(other);
        for (int d = 1; d <= 28; d++) {
            o.event("$pageview", "p1", String.format("2020-01-%02dT12:00:00Z", d));
            o.event("$pageview", "p5", String.format("2020-01-%02dT12:00:00Z", d));
        }
        o.send();
    }

    private static List<Float> floats(JsonPath body, String path) {
        return body.getList(path, Float.class);
    }

    /**
     * Contract Part A, lifecycle: p1 active 11,12,13,15,17,19 (created 11): new 11, returning 12 and 13,
     * resurrecting 15, 17, 19, dormant 14, 16, 18. p2 (9, 12): new 9, dormant 10, resurrecting 12, dormant 13.
     * p3 (12): new 12, dormant 13. p4 (15): new 15, dormant 16.
     */
    @Test
    void lifecycleWorkedExample() {
        JsonPath body = query(lifecycle, Map.of("kind", "LifecycleQuery", "interval", "day",
                "series", List.of(pageviews()), "dateRange", range("2020-01-09", "2020-01-19")));
        assertEquals(List.of("new", "returning", "resurrecting", "dormant"), body.getList("results.status"));
        assertEquals(List.of(1f, 0f, 1f, 1f, 0f, 0f, 1f, 0f, 0f, 0f, 0f), floats(body, "results[0].data"));
        assertEquals(List.of(0f, 0f, 0f, 1f, 1f, 0f, 0f, 0f, 0f, 0f, 0f), floats(body, "results[1].data"));
        assertEquals(List.of(0f, 0f, 0f, 1f, 0f, 0f, 1f, 0f, 1f, 0f, 1f), floats(body, "results[2].data"));
        assertEquals(List.of(0f, -1f, 0f, 0f, -2f, -1f, 0f, -2f, 0f, -1f, 0f), floats(body, "results[3].data"));
        assertEquals(-7f, body.getFloat("results[3].count"));
        assertEquals(4f, body.getFloat("results[0].count"));
        assertEquals("$pageview - new", body.getString("results[0].label"));
        assertEquals("$pageview - dormant", body.getString("results[3].label"));
        assertEquals("2020-01-09", body.getString("results[0].days[0]"));
        assertEquals("19-Jan-2020", body.getString("results[0].labels[10]"));
        assertEquals("$pageview", body.getString("results[0].action.id"));
        // data are floats in the JSON text
        String raw = io.restassured.RestAssured.given().header("Authorization", "Bearer " + lifecycle.key())
                .contentType("application/json").body(Map.of("query", Map.of("kind", "LifecycleQuery",
                        "series", List.of(pageviews()), "dateRange", range("2020-01-09", "2020-01-19"))))
                .post("/api/environments/" + lifecycle.id() + "/query/").asString();
        org.junit.jupiter.api.Assertions.assertTrue(raw.contains("\"data\":[1.0,0.0,1.0,1.0"), raw);
    }

    /** Contract Part A, stickiness: p1 active on 9 of the 10 days, p2 on 5. */
    @Test
    void stickinessWorkedExample() {
        JsonPath body = query(stickiness, Map.of("kind", "StickinessQuery", "interval", "day",
                "series", List.of(pageviews()), "dateRange", range("2020-01-11", "2020-01-20")));
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), body.getList("results[0].days"));
        assertEquals(List.of(0, 0, 0, 0, 1, 0, 0, 0, 1, 0), body.getList("results[0].data"));
        assertEquals(2, body.getInt("results[0].count"));
        assertEquals("1 day", body.getString("results[0].labels[0]"));
        assertEquals("2 days", body.getString("results[0].labels[1]"));
        assertEquals("$pageview", body.getString("results[0].label"));
    }

    /** Cumulative: actors with ≥ N days: N ≤ 5 → 2, 6..9 → 1, 10 → 0; count stays 2. */
    @Test
    void stickinessCumulative() {
        JsonPath body = query(stickiness, Map.of("kind", "StickinessQuery", "series", List.of(pageviews()),
                "dateRange", range("2020-01-11", "2020-01-20"),
                "stickinessFilter", Map.of("computedAs", "cumulative")));
        assertEquals(List.of(2, 2, 2, 2, 2, 1, 1, 1, 1, 0), body.getList("results[0].data"));
        assertEquals(2, body.getInt("results[0].count"));
        assertEquals("1 day or more", body.getString("results[0].labels[0]"));
    }

    /**
     * intervalCount 2 over 10 days, groups counted back from 01-20: {19,20},{17,18},{15,16},{13,14},{11,12}.
     * p1 (11..19) touches all 5 groups; p2 (11,13,15,17,19) also all 5. K = 5 → data [0,0,0,0,2].
     */
    @Test
    void stickinessIntervalCount() {
        JsonPath body = query(stickiness, Map.of("kind", "StickinessQuery", "series", List.of(pageviews()),
                "intervalCount", 2, "dateRange", range("2020-01-11", "2020-01-20")));
        assertEquals(List.of(0, 0, 0, 0, 2), body.getList("results[0].data"));
    }

    /** Criteria: only days with ≥ 2 events count; every day has 1 event per person → nobody. */
    @Test
    void stickinessCriteria() {
        JsonPath body = query(stickiness, Map.of("kind", "StickinessQuery", "series", List.of(pageviews()),
                "dateRange", range("2020-01-11", "2020-01-20"),
                "stickinessFilter", Map.of("stickinessCriteria", Map.of("operator", "gte", "value", 2))));
        assertEquals(0, body.getInt("results[0].count"));
    }

    /** A range with no events: four zero series of the right length. */
    @Test
    void lifecycleEmptyRange() {
        JsonPath body = query(lifecycle, Map.of("kind", "LifecycleQuery", "series", List.of(pageviews()),
                "dateRange", range("2021-03-01", "2021-03-03")));
        assertEquals(List.of(0f, 0f, 0f), floats(body, "results[0].data"));
        assertEquals(List.of(0f, 0f, 0f), floats(body, "results[3].data"));
    }
}

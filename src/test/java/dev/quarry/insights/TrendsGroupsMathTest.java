package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.query;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Trends counting groups (PostHog's {@code is_groups_math}): math {@code unique_group}, or {@code dau} /
 * {@code weekly_active} / {@code monthly_active} with {@code math_group_type_index}, count the distinct
 * {@code $group_N} of the series' events, and only events naming a group of that type are read ("Ignore empty
 * groups"). Data, company = group type 0: on 2026-01-05 x by u1 (acme, Chrome), u2 (acme, Firefox), u3 (beta,
 * Chrome) and u4 (no company, Chrome); on 2026-01-06 x by u1 (beta, Safari) and u5 (no company, Edge). The other
 * project has x in acme and gamma on 2026-01-05 and gamma on 2026-01-06.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class TrendsGroupsMathTest {
    private static Project team;
    private static Project other;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("TrendsGroupsMath");
        other = TestProjects.create("TrendsGroupsMath, other");
        Capture.to(team)
                .event("x", "u1", "2026-01-05T09:00:00Z", Map.of("$groups", Map.of("company", "acme"), "$browser", "Chrome"))
                .event("x", "u2", "2026-01-05T10:00:00Z", Map.of("$groups", Map.of("company", "acme"), "$browser", "Firefox"))
                .event("x", "u3", "2026-01-05T11:00:00Z", Map.of("$groups", Map.of("company", "beta"), "$browser", "Chrome"))
                .event("x", "u4", "2026-01-05T12:00:00Z", Map.of("$browser", "Chrome"))
                .event("x", "u1", "2026-01-06T09:00:00Z", Map.of("$groups", Map.of("company", "beta"), "$browser", "Safari"))
                .event("x", "u5", "2026-01-06T10:00:00Z", Map.of("$browser", "Edge"))
                .send();
        Capture.to(other)
                .event("x", "v1", "2026-01-05T09:00:00Z", Map.of("$groups", Map.of("company", "acme")))
                .event("x", "v2", "2026-01-05T09:30:00Z", Map.of("$groups", Map.of("company", "gamma")))
                .event("x", "v1", "2026-01-06T09:00:00Z", Map.of("$groups", Map.of("company", "gamma")))
                .send();
    }

    private static Map<String, Object> trends(Map<String, Object> series, Map<String, Object> extra) {
        Map<String, Object> q = new HashMap<>(extra);
        q.put("kind", "TrendsQuery");
        q.put("series", List.of(series));
        q.put("dateRange", Map.of("date_from", "2026-01-05", "date_to", "2026-01-07"));
        q.put("interval", "day");
        return q;
    }

    private static Map<String, Object> x(String math, Integer groupTypeIndex) {
        Map<String, Object> node = new HashMap<>(Map.of("kind", "EventsNode", "event", "x", "math", math));
        if (groupTypeIndex != null) {
            node.put("math_group_type_index", groupTypeIndex);
        }
        return node;
    }

    @Test
    void uniqueGroupsCountTheCompaniesOfEachDay() {
        JsonPath body = query(team, trends(x("unique_group", 0), Map.of()));
        assertEquals(List.of(2, 1, 0), body.getList("results[0].data", Integer.class));
        assertEquals(3, body.getInt("results[0].count"));
        assertEquals("unique_group", body.getString("results[0].action.math"));
        assertEquals(0, body.getInt("results[0].action.math_group_type_index"));
        // the same series counting persons, and dau with the index counting companies as unique_group does
        assertEquals(List.of(4, 2, 0), query(team, trends(x("dau", null), Map.of()))
                .getList("results[0].data", Integer.class));
        assertEquals(List.of(2, 1, 0), query(team, trends(x("dau", 0), Map.of()))
                .getList("results[0].data", Integer.class));
        // another math keeps its meaning with an index (PostHog ignores it there)
        assertEquals(List.of(4, 2, 0), query(team, trends(x("total", 0), Map.of()))
                .getList("results[0].data", Integer.class));
        // the other project's acme and gamma: its own two a day, never this project's
        assertEquals(List.of(2, 1, 0), query(other, trends(x("unique_group", 0), Map.of()))
                .getList("results[0].data", Integer.class));
    }

    @Test
    void activeGroupsAndTotalValues() {
        // weekly active companies: acme and beta are active in every 7-day window that ends on these days
        assertEquals(List.of(2, 2, 2), query(team, trends(x("weekly_active", 0), Map.of()))
                .getList("results[0].data", Integer.class));
        assertEquals(List.of(4, 5, 5), query(team, trends(x("weekly_active", null), Map.of()))
                .getList("results[0].data", Integer.class));
        JsonPath total = query(team, trends(x("unique_group", 0),
                Map.of("trendsFilter", Map.of("display", "BoldNumber"))));
        assertEquals(2, total.getInt("results[0].aggregated_value"));
    }

    /** Values seen only on events without a company (Edge) are not buckets at all, as PostHog filters those events. */
    @Test
    void breakdownsReadOnlyEventsWithAGroup() {
        JsonPath body = query(team, trends(x("unique_group", 0), Map.of("breakdownFilter",
                Map.of("breakdown", "$browser", "breakdown_type", "event"))));
        Map<String, List<Integer>> byValue = new HashMap<>();
        List<String> values = body.getList("results.breakdown_value");
        for (int i = 0; i < values.size(); i++) {
            byValue.put(values.get(i), body.getList("results[" + i + "].data", Integer.class));
        }
        assertEquals(Map.of("Chrome", List.of(2, 0, 0), "Firefox", List.of(1, 0, 0), "Safari", List.of(0, 1, 0)),
                byValue);
    }

    /**
     * Stickiness counting companies (PostHog's stickiness aggregates {@code $group_N} for unique_group): acme on one
     * day, beta on two; dau with an index still counts persons there (u1 two days, u2–u5 one), as PostHog's does.
     */
    @Test
    void stickinessCountsGroupsForUniqueGroup() {
        Map<String, Object> stickiness = trends(x("unique_group", 0), Map.of());
        stickiness.put("kind", "StickinessQuery");
        assertEquals(List.of(1, 1, 0), query(team, stickiness).getList("results[0].data", Integer.class));
        Map<String, Object> persons = trends(x("dau", 0), Map.of());
        persons.put("kind", "StickinessQuery");
        assertEquals(List.of(4, 1, 0), query(team, persons).getList("results[0].data", Integer.class));
        stickiness.put("stickinessFilter", Map.of("computedAs", "cumulative"));
        assertEquals(List.of(2, 1, 0), query(team, stickiness).getList("results[0].data", Integer.class));
        Map<String, Object> theirs = trends(x("unique_group", 0), Map.of());
        theirs.put("kind", "StickinessQuery");
        // the other project: gamma on two days, acme on one
        assertEquals(List.of(1, 1, 0), query(other, theirs).getList("results[0].data", Integer.class));
    }

    @Test
    void refusedWhereQuarryCannotAnswer() {
        refused(trends(x("unique_group", null), Map.of()), "math_group_type_index");
        refused(trends(x("unique_group", 5), Map.of()), "math_group_type_index");
        Map<String, Object> stickiness = trends(x("unique_group", 0), Map.of());
        stickiness.put("kind", "StickinessQuery");
        // a cell's actors are companies (GroupActorsTest): a person's column is refused by name
        refused(Map.of("kind", "ActorsQuery", "select", List.of("person"), "source", Map.of("kind",
                "InsightActorsQuery", "day", 1, "source", stickiness)), "select");
        Map<String, Object> actors = Map.of("kind", "ActorsQuery", "select", List.of("person"), "source",
                Map.of("kind", "InsightActorsQuery", "day", "2026-01-05", "source", trends(x("unique_group", 0),
                        Map.of())));
        refused(actors, "select");
    }

    private static void refused(Map<String, Object> node, String attr) {
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", node, "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(400)
                .body("type", equalTo("validation_error")).body("attr", equalTo(attr));
    }
}

package dev.quarry.insights.funnels;

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
 * Funnels aggregated by groups (PostHog's {@code aggregation_group_type_index}): the actor is the event's
 * {@code $group_N}, so steps done by different persons of one company make one conversion, and events naming no group
 * of that type are not read. Data, company = group type 0, all on 2021-03-02: acme — u1 signs up at 09:00, u2 buys
 * at 10:00 (the company converts, neither person does); beta — u3 signs up; gamma — u5 buys at 08:00 and u6 signs up
 * at 09:00 (a purchase before the sign-up: step 1 only); u4, in no company, signs up and buys. The other project's
 * acme signs up and buys.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FunnelGroupsTest {
    private static Project team;
    private static Project other;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Funnel groups");
        other = TestProjects.create("Funnel groups, other");
        Map<String, Object> acme = Map.of("$groups", Map.of("company", "acme"));
        Capture.to(team)
                .event("signup", "u1", "2021-03-02T09:00:00Z", acme)
                .event("purchase", "u2", "2021-03-02T10:00:00Z", acme)
                .event("signup", "u3", "2021-03-02T09:00:00Z", Map.of("$groups", Map.of("company", "beta")))
                .event("purchase", "u5", "2021-03-02T08:00:00Z", Map.of("$groups", Map.of("company", "gamma")))
                .event("signup", "u6", "2021-03-02T09:00:00Z", Map.of("$groups", Map.of("company", "gamma")))
                .event("signup", "u4", "2021-03-02T09:00:00Z", Map.of())
                .event("purchase", "u4", "2021-03-02T09:30:00Z", Map.of())
                .send();
        Capture.to(other)
                .event("signup", "v1", "2021-03-02T09:00:00Z", acme)
                .event("purchase", "v1", "2021-03-02T09:10:00Z", acme)
                .send();
    }

    private static Map<String, Object> funnel(Integer groupTypeIndex, Map<String, Object> funnelsFilter) {
        Map<String, Object> q = new HashMap<>();
        q.put("kind", "FunnelsQuery");
        q.put("series", List.of(FunnelsEndpointTest.step("signup"), FunnelsEndpointTest.step("purchase")));
        q.put("dateRange", Map.of("date_from", "2021-03-01", "date_to", "2021-03-03"));
        q.put("interval", "day");
        q.put("funnelsFilter", funnelsFilter);
        if (groupTypeIndex != null) {
            q.put("aggregation_group_type_index", groupTypeIndex);
        }
        return q;
    }

    @Test
    void companiesConvertAcrossTheirPersons() {
        assertEquals(List.of(3, 1), FunnelsEndpointTest.post(team, funnel(0, Map.of())).getList("results.count"));
        // the same funnel of persons: u1, u3, u4 and u6 sign up, only u4 buys after
        assertEquals(List.of(4, 1), FunnelsEndpointTest.post(team, funnel(null, Map.of())).getList("results.count"));
        // strict and unordered follow the company's events too
        assertEquals(List.of(3, 1), FunnelsEndpointTest.post(team, funnel(0, Map.of("funnelOrderType", "strict")))
                .getList("results.count"));
        // unordered: gamma's purchase and sign-up both count, in either order
        assertEquals(List.of(3, 2), FunnelsEndpointTest.post(team, funnel(0, Map.of("funnelOrderType", "unordered")))
                .getList("results.count"));
        // a group type no event names: no actor enters (an empty answer, as for persons without events)
        assertEquals(List.of(), FunnelsEndpointTest.post(team, funnel(1, Map.of())).getList("results"));
        // the other project's acme is its own
        assertEquals(List.of(1, 1), FunnelsEndpointTest.post(other, funnel(0, Map.of())).getList("results.count"));
    }

    @Test
    void breakdownsTrendsAndTimeToConvert() {
        Map<String, Object> byCompany = funnel(0, Map.of());
        byCompany.put("breakdownFilter", Map.of("breakdown", "$group_0", "breakdown_type", "hogql"));
        JsonPath body = FunnelsEndpointTest.post(team, byCompany);
        Map<String, List<Integer>> counts = new HashMap<>();
        List<List<Map<String, Object>>> results = body.getList("results");
        for (List<Map<String, Object>> steps : results) {
            Object value = steps.get(0).get("breakdown_value");
            String key = value instanceof List<?> l ? String.valueOf(l.get(0)) : String.valueOf(value);
            counts.put(key, steps.stream().map(s -> ((Number) s.get("count")).intValue()).toList());
        }
        assertEquals(Map.of("acme", List.of(1, 1), "beta", List.of(1, 0), "gamma", List.of(1, 0)), counts);
        // trends: on 2021-03-02 three companies entered and one converted
        JsonPath trends = FunnelsEndpointTest.post(team, funnel(0, Map.of("funnelVizType", "trends")));
        List<Float> data = trends.getList("results[0].data", Float.class);
        assertEquals(33.33f, data.get(1), 0.01f);
        assertEquals(0f, data.get(0), 0.001f);
        // time to convert: acme's hour
        JsonPath ttc = FunnelsEndpointTest.post(team, funnel(0, Map.of("funnelVizType", "time_to_convert")));
        assertEquals(3600f, ttc.getFloat("results.average_conversion_time"));
    }

    @Test
    void correlationIsRefusedByName() {
        refused(Map.of("kind", "FunnelCorrelationQuery", "funnelCorrelationType", "events",
                "source", Map.of("kind", "FunnelsActorsQuery", "source", funnel(0, Map.of()))));
        refused(funnel(5, Map.of()));
    }

    private static void refused(Map<String, Object> node) {
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", node, "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(400)
                .body("type", equalTo("validation_error")).body("attr", equalTo("aggregation_group_type_index"));
    }
}

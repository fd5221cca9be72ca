package dev.quarry.persons;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * funnel_custom_steps / FunnelsActorsQuery.funnelCustomSteps: the actors whose furthest step reached (1-based, PostHog's
 * {@code steps}) is in the list, before funnel_step.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PersonFunnelCustomStepsTest {
    private static final String STEPS = "[{\"id\":\"s1\",\"type\":\"events\",\"order\":0},"
            + "{\"id\":\"s2\",\"type\":\"events\",\"order\":1},{\"id\":\"s3\",\"type\":\"events\",\"order\":2}]";
    private static final List<String> ORDERS = List.of("ordered", "strict", "unordered");
    private static Project team;

    /** 2026-01-10: p1 and p4 reach step 3, p2 step 2, p3 and p5 step 1 only. */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Funnel custom steps");
        Capture.to(team)
                .event("s1", "p1", "2026-01-10T10:00:00Z").event("s2", "p1", "2026-01-10T10:01:00Z")
                .event("s3", "p1", "2026-01-10T10:02:00Z")
                .event("s1", "p2", "2026-01-10T10:00:00Z").event("s2", "p2", "2026-01-10T10:01:00Z")
                .event("s1", "p3", "2026-01-10T10:00:00Z")
                .event("s1", "p4", "2026-01-10T10:00:00Z").event("s2", "p4", "2026-01-10T10:01:00Z")
                .event("s3", "p4", "2026-01-10T10:02:00Z")
                .event("s1", "p5", "2026-01-10T10:00:00Z")
                .send();
    }

    private static RequestSpecification legacy(String order, String custom) {
        return given().header("Authorization", "Bearer " + team.key()).queryParam("events", STEPS)
                .queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-31")
                .queryParam("funnel_order_type", order).queryParam("funnel_custom_steps", custom);
    }

    @Test
    void legacyListsTheActorsAtTheGivenFurthestSteps() {
        for (String order : ORDERS) {
            legacy(order, "[2]").get("/api/environments/" + team.id() + "/persons/funnel/").then()
                    .log().ifValidationFails().statusCode(200)
                    .body("results[0].people.distinct_ids.flatten()", equalTo(List.of("p2")));
            legacy(order, "[1,3]").get("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(200)
                    .body("results[0].people.distinct_ids.flatten()", containsInAnyOrder("p1", "p3", "p4", "p5"));
            // before funnel_step
            legacy(order, "[3]").queryParam("funnel_step", 1).get("/api/projects/" + team.id() + "/persons/funnel/")
                    .then().statusCode(200)
                    .body("results[0].people.distinct_ids.flatten()", containsInAnyOrder("p1", "p4"));
            // an empty list is not given: funnel_step decides
            legacy(order, "[]").queryParam("funnel_step", 2).get("/api/projects/" + team.id() + "/persons/funnel/")
                    .then().statusCode(200)
                    .body("results[0].people.distinct_ids.flatten()", containsInAnyOrder("p1", "p2", "p4"));
        }
        legacy("ordered", "[4]").get("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(400)
                .body("attr", equalTo("funnelCustomSteps"));
    }

    private static Map<String, Object> actors(String order, List<Integer> custom) {
        Map<String, Object> funnel = Map.of("kind", "FunnelsQuery",
                "dateRange", Map.of("date_from", "2026-01-01", "date_to", "2026-01-31"),
                "series", List.of(Map.of("kind", "EventsNode", "event", "s1"), Map.of("kind", "EventsNode", "event", "s2"),
                        Map.of("kind", "EventsNode", "event", "s3")),
                "funnelsFilter", Map.of("funnelOrderType", order));
        Map<String, Object> q = new HashMap<>(Map.of("kind", "FunnelsActorsQuery", "source", funnel,
                "funnelCustomSteps", custom));
        return q;
    }

    @Test
    void funnelsActorsQueryListsTheSame() {
        for (String order : ORDERS) {
            for (Object[] c : new Object[][]{{List.of(2), 1}, {List.of(1, 3), 4}, {List.of(3), 2}, {List.of(1), 2}}) {
                @SuppressWarnings("unchecked")
                Map<String, Object> query = actors(order, (List<Integer>) c[0]);
                query.put("funnelStep", 1);
                given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                        .body(Map.of("query", Map.of("kind", "ActorsQuery", "select", List.of("actor"), "source", query),
                                "refresh", "force_blocking"))
                        .post("/api/environments/" + team.id() + "/query/").then().log().ifValidationFails()
                        .statusCode(200).body("results", hasSize((Integer) c[1]));
            }
        }
    }
}

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
import org.junit.jupiter.api.Test;

/**
 * Lifecycle aggregated by groups (PostHog's {@code aggregation_group_type_index}): the actor is {@code $group_N}, a
 * group is new in the interval of its own {@code created_at}, and events naming no group of that type are not read.
 * A group's row, and so its {@code created_at}, comes from {@code $groupidentify}: acme is identified at 08:00 on
 * 2026-01-05 (new that day); beta never is (no row, never new, as a person created after their first event is never
 * new either). Data (company = type 0): acme on 2026-01-05 (u1) and 2026-01-06 (u2), beta on 2026-01-05 (u3) and
 * 2026-01-07 (u3); u4 with no company every day.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class LifecycleGroupsTest {
    @Test
    void companiesMoveThroughTheirStatuses() {
        Project team = TestProjects.create("Lifecycle groups");
        Map<String, Object> acme = Map.of("$groups", Map.of("company", "acme"));
        Map<String, Object> beta = Map.of("$groups", Map.of("company", "beta"));
        Capture.to(team)
                .event("$groupidentify", "u1", "2026-01-05T08:00:00Z", Map.of("$group_type", "company",
                        "$group_key", "acme", "$group_set", Map.of("name", "Acme")))
                .event("x", "u1", "2026-01-05T09:00:00Z", acme)
                .event("x", "u2", "2026-01-06T09:00:00Z", acme)
                .event("x", "u3", "2026-01-05T10:00:00Z", beta)
                .event("x", "u3", "2026-01-07T10:00:00Z", beta)
                .event("x", "u4", "2026-01-05T11:00:00Z", Map.of())
                .event("x", "u4", "2026-01-06T11:00:00Z", Map.of())
                .event("x", "u4", "2026-01-07T11:00:00Z", Map.of())
                .send();
        Map<String, Object> q = new HashMap<>();
        q.put("kind", "LifecycleQuery");
        q.put("series", List.of(Map.of("kind", "EventsNode", "event", "x")));
        q.put("dateRange", Map.of("date_from", "2026-01-05", "date_to", "2026-01-08"));
        q.put("interval", "day");
        q.put("aggregation_group_type_index", 0);
        JsonPath body = query(team, q);
        Map<String, List<Double>> byStatus = new HashMap<>();
        List<String> statuses = body.getList("results.status");
        for (int i = 0; i < statuses.size(); i++) {
            byStatus.put(statuses.get(i), body.getList("results[" + i + "].data", Double.class));
        }
        // Jan 5: acme new, beta resurrecting (no row: never new); Jan 6: acme returning, beta dormant;
        // Jan 7: acme dormant, beta resurrecting; Jan 8: beta dormant
        assertEquals(List.of(1.0, 0.0, 0.0, 0.0), byStatus.get("new"));
        assertEquals(List.of(1.0, 0.0, 1.0, 0.0), byStatus.get("resurrecting"));
        assertEquals(List.of(0.0, 1.0, 0.0, 0.0), byStatus.get("returning"));
        assertEquals(List.of(0.0, -1.0, -1.0, -1.0), byStatus.get("dormant"));
        // the same lifecycle of persons: u4, with no company, returns on Jan 6 and 7 (u3 on none: Jan 6 is a gap)
        q.remove("aggregation_group_type_index");
        JsonPath persons = query(team, q);
        assertEquals(List.of(0.0, 1.0, 1.0, 0.0),
                persons.getList("results.find { it.status == 'returning' }.data", Double.class));

        // the actors of a cell are companies: acme is new on Jan 5; beta, resurrecting, has no stored group to list
        q.put("aggregation_group_type_index", 0);
        for (String status : List.of("new", "resurrecting")) {
            given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                    .body(Map.of("query", Map.of("kind", "ActorsQuery", "select", List.of("actor"), "source",
                            Map.of("kind", "InsightActorsQuery", "day", "2026-01-05", "status", status,
                                    "source", q)), "refresh", "force_blocking"))
                    .post("/api/environments/" + team.id() + "/query/").then().statusCode(200)
                    .body("results.collect { it[0].id }", equalTo(status.equals("new") ? List.of("acme") : List.of()));
        }
    }
}

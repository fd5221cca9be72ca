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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Retention aggregated by groups (PostHog's {@code aggregation_group_type_index}): the actor is {@code $group_N}, so a
 * company returns when any of its persons does, and events naming no group of that type are not read. Data (company =
 * type 0, event $pageview): acme — u1 on 2026-01-05, u2 on 2026-01-06; beta — u3 on 2026-01-05; u4, in no company, on
 * both days. The other project's acme is on 2026-01-05 and 2026-01-07.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RetentionGroupsTest {
    private static Map<String, Object> retention(Map<String, Object> filter, Integer groupTypeIndex) {
        Map<String, Object> q = new HashMap<>(RetentionBreakdownTest.retention(filter, Map.of()));
        q.put("dateRange", Map.of("date_to", "2026-01-07"));
        if (groupTypeIndex != null) {
            q.put("aggregation_group_type_index", groupTypeIndex);
        }
        return q;
    }

    @Test
    void companiesReturnThroughAnyOfTheirPersons() {
        Project team = TestProjects.create("Retention groups");
        Project other = TestProjects.create("Retention groups, other");
        Map<String, Object> acme = Map.of("$groups", Map.of("company", "acme"));
        Capture.to(team)
                .event("$pageview", "u1", "2026-01-05T09:00:00Z", acme)
                .event("$pageview", "u2", "2026-01-06T09:00:00Z", acme)
                .event("$pageview", "u3", "2026-01-05T10:00:00Z", Map.of("$groups", Map.of("company", "beta")))
                .event("$pageview", "u4", "2026-01-05T11:00:00Z", Map.of())
                .event("$pageview", "u4", "2026-01-06T11:00:00Z", Map.of())
                .send();
        Capture.to(other)
                .event("$pageview", "v1", "2026-01-05T09:00:00Z", acme)
                .event("$pageview", "v1", "2026-01-07T09:00:00Z", acme)
                .send();
        // rows 01-05, 01-06, 01-07: acme and beta start on 01-05 and acme returns the next day (through u2)
        assertEquals(List.of(List.of(2, 1, 0), List.of(1, 0, 0), List.of(0, 0, 0)),
                RetentionBreakdownTest.counts(query(team, retention(Map.of(), 0))));
        // first-time retention and a minimum of two returning events (the per-interval read) follow groups too
        assertEquals(List.of(List.of(2, 1, 0), List.of(0, 0, 0), List.of(0, 0, 0)), RetentionBreakdownTest.counts(
                query(team, retention(Map.of("retentionType", "retention_first_time"), 0))));
        assertEquals(List.of(List.of(2, 0, 0), List.of(1, 0, 0), List.of(0, 0, 0)), RetentionBreakdownTest.counts(
                query(team, retention(Map.of("minimumOccurrences", 2), 0))));
        // the same retention of persons: u1, u3 and u4 start on 01-05 and only u4 returns
        assertEquals(List.of(List.of(3, 1, 0), List.of(2, 0, 0), List.of(0, 0, 0)),
                RetentionBreakdownTest.counts(query(team, retention(Map.of(), null))));
        // the other project's acme: back on the second day after
        assertEquals(List.of(List.of(1, 0, 1), List.of(0, 0, 0), List.of(1, 0, 0)),
                RetentionBreakdownTest.counts(query(other, retention(Map.of(), 0))));
        // the actors of a cell are companies, not persons: the person column is refused by name
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "ActorsQuery", "select", List.of("person"), "source",
                        Map.of("kind", "InsightActorsQuery", "interval", 0, "source", retention(Map.of(), 0))),
                        "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(400)
                .body("attr", equalTo("select"));
    }
}

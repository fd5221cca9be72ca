package dev.quarry.hogql;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PostHog's lazy joins from events to their groups ({@code events.group_0 … group_4}, posthog/hogql/database/schema/
 * events.py and groups.py): {@code group_N} is the groups row of type index N whose key is the event's
 * {@code $group_N}, so {@code group_0.properties.name}, {@code group_0.key}, {@code group_0.created_at} read it, NULL
 * for an event without that group; each join is walled to the project. Data: organization (index 0) acme named Acme
 * with 50 employees; events x (in acme) and y (no group); the other project has its own acme named Other.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class GroupJoinsTest {
    private static List<List<Object>> rows(Project p, String hogql) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", hogql)))
                .post("/api/projects/" + p.id() + "/query/").then().statusCode(200).extract().jsonPath()
                .using(new io.restassured.path.json.config.JsonPathConfig(
                        io.restassured.path.json.config.JsonPathConfig.NumberReturnType.DOUBLE))
                .getList("results");
    }

    /**
     * Group properties read through {@code group_N} are typed by the group property definitions of index N, as
     * PostHog's PropertySwapper keys them ({@code "<index>_<name>"}): employees 50 and 9 (Numeric, from the first value
     * recorded) compare as numbers, so max is 50.0 where the text max is '9'; the {@code groups} table read directly
     * stays text (PostHog types it only under a {@code group_id} global). The other project's definition of the same
     * name is String, so its read stays text.
     */
    @Test
    void groupPropertiesAreTypedByTheirDefinitionsThroughGroupJoins() {
        Project team = TestProjects.create("typed group joins");
        Project other = TestProjects.create("typed group joins, other");
        Capture.to(team)
                .event("$groupidentify", "u1", "2026-01-05T09:00:00Z", Map.of("$group_type", "company",
                        "$group_key", "acme", "$group_set", Map.of("employees", 50)))
                .event("$groupidentify", "u1", "2026-01-05T09:01:00Z", Map.of("$group_type", "company",
                        "$group_key", "tiny", "$group_set", Map.of("employees", 9)))
                .event("x", "u1", "2026-01-05T10:00:00Z", Map.of("$groups", Map.of("company", "acme")))
                .event("x", "u1", "2026-01-05T10:01:00Z", Map.of("$groups", Map.of("company", "tiny")))
                .send();
        Capture.to(other)
                .event("$groupidentify", "v1", "2026-01-05T09:00:00Z", Map.of("$group_type", "company",
                        "$group_key", "acme", "$group_set", Map.of("employees", "many")))
                .event("$groupidentify", "v1", "2026-01-05T09:01:00Z", Map.of("$group_type", "company",
                        "$group_key", "tiny", "$group_set", Map.of("employees", "9")))
                .event("x", "v1", "2026-01-05T10:00:00Z", Map.of("$groups", Map.of("company", "tiny")))
                .send();

        assertEquals(List.of(List.of(50.0, 1)), rows(team, "select max(group_0.properties.employees), "
                + "countIf(group_0.properties['employees'] > 10) from events where event = 'x'"));
        assertEquals(List.of(List.of("acme"), List.of("tiny")), rows(team, "select group_0.key from events "
                + "where event = 'x' order by group_0.properties.employees desc"));
        assertEquals(List.of(List.of("9")), rows(team, "select max(properties.employees) from groups where index = 0"));
        assertEquals(List.of(List.of("9")), rows(other, "select max(group_0.properties.employees) from events"));
    }

    @Test
    void eventsReadTheirGroupsProperties() {
        Project team = TestProjects.create("group joins");
        Project other = TestProjects.create("group joins, other");
        Capture.to(team)
                .event("$groupidentify", "u1", "2026-01-05T09:00:00Z", Map.of("$group_type", "organization",
                        "$group_key", "acme", "$group_set", Map.of("name", "Acme", "employees", 50)))
                .event("x", "u1", "2026-01-05T10:00:00Z", Map.of("$groups", Map.of("organization", "acme")))
                .event("y", "u1", "2026-01-05T11:00:00Z", Map.of())
                .send();
        Capture.to(other)
                .event("$groupidentify", "v1", "2026-01-05T09:00:00Z", Map.of("$group_type", "organization",
                        "$group_key", "acme", "$group_set", Map.of("name", "Other")))
                .event("x", "v1", "2026-01-05T10:00:00Z", Map.of("$groups", Map.of("organization", "acme")))
                .send();

        // employees is typed Numeric by its group property definition (first value 50): read as Float64
        assertEquals(List.of(List.of("x", "Acme", "acme", 50.0), Arrays.asList("y", null, null, null)),
                rows(team, "select event, group_0.properties.name, events.group_0.key, group_0.properties.employees "
                        + "from events where event in ('x', 'y') order by event"));
        // filtered and grouped by a group property; the other project's acme is its own
        assertEquals(List.of(List.of("Acme", 1)), rows(team, "select group_0.properties.name, count() from events "
                + "where group_0.properties.name = 'Acme' group by group_0.properties.name"));
        assertEquals(List.of(List.of("Other")), rows(other, "select group_0.properties.name from events where event = 'x'"));
        // no group of type 1: NULL, and the groups table reads the same row
        assertEquals(List.of(Arrays.asList((Object) null)), rows(team, "select group_1.key from events where event = 'x'"));
        assertEquals(List.of(List.of("Acme")), rows(team, "select properties.name from groups where index = 0"));
        // the join itself is a table, not a value
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select group_0 from events")))
                .post("/api/projects/" + team.id() + "/query/").then().statusCode(400)
                .body("detail", containsString("\"group_0\" is a table"));
    }
}

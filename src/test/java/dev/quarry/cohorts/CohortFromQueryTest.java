package dev.quarry.cohorts;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Static cohorts filled from a query when created (PostHog's insert_cohort_from_query), sent as PostHog's CLI
 * {@code cohorts-create} sends them: {@code POST /api/projects/:id/cohorts/} with {@code name}, {@code is_static} and
 * {@code query}.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CohortFromQueryTest {
    private static Project team;
    private static Project other;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** a: 3 pageviews (email a@x.io); b: 1 pageview; c: 1 "other". The other project: o, 5 pageviews. */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Cohort from query");
        other = TestProjects.create("Cohort from query, other");
        Capture c = Capture.to(team);
        c.event("$pageview", "a", "2026-01-02T10:00:00Z", Map.of("$set", Map.of("email", "a@x.io")));
        c.event("$pageview", "a", "2026-01-02T11:00:00Z").event("$pageview", "a", "2026-01-03T11:00:00Z");
        c.event("$pageview", "b", "2026-01-02T12:00:00Z");
        c.event("other", "c", "2026-01-02T12:00:00Z");
        c.send();
        Capture o = Capture.to(other);
        for (int i = 0; i < 5; i++) {
            o.event("$pageview", "o", "2026-01-02T1" + i + ":00:00Z");
        }
        o.send();
    }

    private static RequestSpecification as(Project p) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json");
    }

    /** Creates a static cohort from {@code query} (a JSON object) and returns the distinct ids of its members. */
    private static Set<String> members(Map<String, Object> query, int count) {
        int id = as(team).body(Map.of("name", "From query", "is_static", true, "query", query))
                .post("/api/projects/" + team.id() + "/cohorts/").then().log().ifValidationFails().statusCode(201)
                .body("count", equalTo(count)).body("is_static", equalTo(true))
                .body("query.kind", equalTo(query.get("kind"))).body("experiment_set", equalTo(List.of()))
                .body("pending_version", equalTo(null)).extract().path("id");
        List<String> ids = as(team).get("/api/projects/" + team.id() + "/persons/?cohort=" + id).then()
                .statusCode(200).extract().path("results.collect { it.distinct_ids[0] }");
        return new TreeSet<>(ids);
    }

    private static Map<String, Object> hogql(String query) {
        return Map.of("kind", "HogQLQuery", "query", query);
    }

    /** The CLI's own example: persons by person_id, grouped, with HAVING. */
    @Test
    void personIdsFromEvents() {
        assertEquals(Set.of("a"), members(hogql("SELECT person_id FROM events WHERE event = '$pageview' "
                + "GROUP BY person_id HAVING count() > 1"), 1));
    }

    /** The query's other columns stay: an alias serves its HAVING and ORDER BY, a LIMIT keeps its rows. */
    @Test
    void otherColumnsStillServeTheQuery() {
        assertEquals(Set.of("a", "b", "c"), members(hogql("SELECT person_id, count() AS c FROM events "
                + "GROUP BY person_id HAVING c >= 1 ORDER BY c DESC"), 3));
        assertEquals(Set.of("a"), members(hogql("SELECT person_id, count() AS c FROM events "
                + "GROUP BY person_id ORDER BY c DESC LIMIT 1"), 1));
    }

    /** actor_id, id (persons' own), distinct_id (read as its person), SELECT * from persons; one project's only. */
    @Test
    void theActorColumnAsPostHogPicksIt() {
        assertEquals(Set.of("a"), members(hogql("SELECT id FROM persons WHERE properties.email = 'a@x.io'"), 1));
        assertEquals(Set.of("b"), members(hogql("SELECT person_id AS actor_id, event FROM events "
                + "WHERE distinct_id = 'b'"), 1));
        assertEquals(Set.of("c"), members(hogql("SELECT distinct_id FROM events WHERE event = 'other'"), 1));
        assertEquals(Set.of("a", "b", "c"), members(hogql("SELECT * FROM persons"), 3));
        // without any of those columns, a select from events or persons reads its rows' persons (PostHog's fallback)
        assertEquals(Set.of("c"), members(hogql("SELECT timestamp FROM events WHERE event = 'other'"), 1));
        assertEquals(Set.of("a"), members(hogql("SELECT properties.email FROM persons "
                + "WHERE properties.email = 'a@x.io'"), 1));
        // a field's last part names its column, however it is qualified
        assertEquals(Set.of("c"), members(hogql("SELECT events.person_id FROM events WHERE event = 'other'"), 1));
        assertEquals(Set.of("c"), members(hogql("SELECT e.person_id FROM events e WHERE e.event = 'other'"), 1));
        assertEquals(Set.of("b"), members(hogql("SELECT DISTINCT person.id FROM events WHERE distinct_id = 'b'"), 1));
        assertEquals(Set.of("a", "b"), members(hogql("SELECT person_id FROM events WHERE event = '$pageview' "
                + "UNION ALL SELECT person_id FROM events WHERE distinct_id = 'b'"), 2));
    }

    /** Another project's person named by uuid is not a member: members are read from this project's persons. */
    @Test
    void anotherProjectsPersonIsNeverAMember() {
        String o = as(other).get("/api/projects/" + other.id() + "/persons/?distinct_id=o").then().statusCode(200)
                .extract().path("results[0].uuid");
        assertEquals(Set.of(), members(hogql("SELECT toUUID('" + o + "') AS person_id"), 0));
    }

    /**
     * Only the project's person uuids leave the database: a select of no table, or of long texts that are no uuids,
     * makes an empty cohort (PostHog's answer), never a 500, and reads none of its rows into the app.
     */
    @Test
    void aSelectOfNoPersonsMakesAnEmptyCohort() {
        assertEquals(Set.of(), members(hogql("select 1 as id"), 0));
        assertEquals(Set.of(), members(hogql("select number as id from numbers(1000)"), 0));
        assertEquals(Set.of(), members(hogql("select concat('a', repeat(toString(number), 1000)) as id "
                + "from numbers(2000)"), 0));
        // a uuid in any case is still read as the person's
        String a = as(team).get("/api/projects/" + team.id() + "/persons/?distinct_id=a").then().statusCode(200)
                .extract().path("results[0].uuid");
        assertEquals(Set.of("a"), members(hogql("select upper('" + a + "') as person_id"), 1));
    }

    /** An ActorsQuery: the actors its answer lists (every page), or as many as its limit. */
    @Test
    void actorsOfAnInsight() {
        Map<String, Object> trends = Map.of("kind", "TrendsQuery", "series",
                List.of(Map.of("kind", "EventsNode", "event", "$pageview")),
                "dateRange", Map.of("date_from", "2026-01-01", "date_to", "2026-01-05"));
        Map<String, Object> actors = Map.of("kind", "ActorsQuery", "source",
                Map.of("kind", "InsightActorsQuery", "source", trends));
        assertEquals(Set.of("a", "b"), members(actors, 2));
        assertEquals(Set.of("a"), members(Map.of("kind", "ActorsQuery", "select", List.of("person", "event_count"),
                "orderBy", List.of("event_count DESC"), "limit", 1, "source",
                Map.of("kind", "InsightActorsQuery", "source", trends)), 1));
        // persons without a source, filtered
        assertEquals(Set.of("a"), members(Map.of("kind", "ActorsQuery", "select", List.of("person"), "properties",
                List.of(Map.of("key", "email", "value", "a@x.io", "operator", "exact", "type", "person"))), 1));
    }

    /** No actor column, a bad query, values: 400s naming query, and no cohort is stored. */
    @Test
    void refusalsStoreNothing() throws Exception {
        int before = as(team).get("/api/projects/" + team.id() + "/cohorts/").then().statusCode(200)
                .extract().path("count");
        refused(hogql("SELECT event FROM (SELECT event FROM events)"), "Could not find a person_id, actor_id, id, or distinct_id column "
                + "in the query");
        refused(hogql("SELECT person_id FROM nowhere"), null);
        refused(Map.of("kind", "HogQLQuery", "query", "SELECT person_id FROM events WHERE event = {e}",
                "values", Map.of("e", "x")), null);
        refused(hogql("SELECT person_id FROM events UNION ALL SELECT distinct_id FROM events"),
                "UNION queries with mixed ID types (person_id and distinct_id) are not currently supported");
        int after = as(team).get("/api/projects/" + team.id() + "/cohorts/").then().statusCode(200)
                .extract().path("count");
        assertEquals(before, after);
    }

    /**
     * An edit of a static cohort with a query adds the persons it lists to those it has (PostHog's update runs
     * insert_cohort_from_query); a failing query changes nothing, the name included.
     */
    @Test
    void anEditWithAQueryAddsItsPersons() throws Exception {
        int id = as(team).body(Map.of("name", "Edited", "is_static", true, "query",
                        hogql("SELECT person_id FROM events WHERE distinct_id = 'b'")))
                .post("/api/projects/" + team.id() + "/cohorts/").then().statusCode(201).body("count", equalTo(1))
                .extract().path("id");
        String path = "/api/projects/" + team.id() + "/cohorts/" + id + "/";
        as(team).body(JSON.writeValueAsString(Map.of("name", "Renamed", "query", hogql("SELECT event FROM (SELECT event FROM events)"))))
                .patch(path).then().statusCode(400).body("attr", equalTo("query"));
        as(team).get(path).then().statusCode(200).body("name", equalTo("Edited")).body("count", equalTo(1));
        as(team).body(JSON.writeValueAsString(Map.of("query", hogql("SELECT distinct_id FROM events "
                        + "WHERE event = 'other'")))).patch(path).then().statusCode(200).body("count", equalTo(2))
                .body("query.query", equalTo("SELECT distinct_id FROM events WHERE event = 'other'"));
        List<String> ids = as(team).get("/api/projects/" + team.id() + "/persons/?cohort=" + id).then()
                .statusCode(200).extract().path("results.collect { it.distinct_ids[0] }");
        assertEquals(Set.of("b", "c"), new TreeSet<>(ids));
    }

    private static void refused(Map<String, Object> query, String detail) {
        var response = as(team).body(Map.of("name", "Refused", "is_static", true, "query", query))
                .post("/api/projects/" + team.id() + "/cohorts/").then().log().ifValidationFails().statusCode(400)
                .body("type", equalTo("validation_error")).body("attr", equalTo("query"));
        if (detail != null) {
            response.body("detail", equalTo(detail));
        }
    }
}

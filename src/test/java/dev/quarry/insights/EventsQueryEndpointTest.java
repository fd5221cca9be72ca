package dev.quarry.insights;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class EventsQueryEndpointTest {
    private static Project team;
    private static Project other;
    private static final Instant HOUR_AGO = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(1, ChronoUnit.HOURS);

    /** Within the last day: ann views /a, /b then signs up; ben views /a. Two days ago: ann views /old. */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Events query");
        other = TestProjects.create("Events other");
        Capture.to(team)
                .event("$pageview", "ann", HOUR_AGO.toString(), Map.of("$pathname", "/a", "$set", Map.of("name", "Ann")))
                .event("$pageview", "ann", HOUR_AGO.plusSeconds(60).toString(), Map.of("$pathname", "/b"))
                .event("signed up", "ann", HOUR_AGO.plusSeconds(120).toString(), Map.of())
                .event("$pageview", "ben", HOUR_AGO.plusSeconds(180).toString(), Map.of("$pathname", "/a"))
                .event("$pageview", "ann", HOUR_AGO.minus(2, ChronoUnit.DAYS).toString(), Map.of("$pathname", "/old"))
                .send();
        Capture.to(other).event("$pageview", "zed", HOUR_AGO.toString(), Map.of("$pathname", "/a")).send();
    }

    private ValidatableResponse events(Map<String, Object> query) {
        Map<String, Object> node = new HashMap<>(query);
        node.put("kind", "EventsQuery");
        return given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", node)).post("/api/environments/" + team.id() + "/query/")
                .then().log().ifValidationFails();
    }

    @Test
    void defaultsToTheLastDayNewestFirst() {
        events(Map.of("select", List.of("event", "properties.$pathname", "distinct_id")))
                .statusCode(200)
                .body("columns", contains("event", "properties.$pathname", "distinct_id"))
                .body("results", equalTo(List.of(List.of("$pageview", "/a", "ben"), java.util.Arrays.asList("signed up", null, "ann"),
                        List.of("$pageview", "/b", "ann"), List.of("$pageview", "/a", "ann"))))
                .body("hasMore", equalTo(false)).body("limit", equalTo(100)).body("offset", equalTo(0));
    }

    @Test
    void aggregatesGroupByTheOtherColumns() {
        // $pageview: ann /a, /b, ben /a (last day) = 3; signed up = 1; /old is older than -24h.
        events(Map.of("select", List.of("event", "count()"), "orderBy", List.of("count() DESC")))
                .statusCode(200)
                .body("results", equalTo(List.of(List.of("$pageview", 3), List.of("signed up", 1))));
        events(Map.of("select", List.of("count()"), "after", "all")).statusCode(200)
                .body("results[0][0]", equalTo(5));
    }

    @Test
    void filtersStarAndPerson() {
        events(Map.of("select", List.of("*", "person"), "event", "$pageview",
                "properties", List.of(Map.of("key", "$pathname", "value", "/a", "operator", "exact", "type", "event")),
                "where", List.of("distinct_id = 'ann'")))
                .statusCode(200)
                .body("results.size()", equalTo(1))
                .body("results[0][0].event", equalTo("$pageview"))
                .body("results[0][0].properties.$pathname", equalTo("/a"))
                .body("results[0][0].distinct_id", equalTo("ann"))
                .body("results[0][1].properties.name", equalTo("Ann"))
                .body("results[0][1].distinct_id", equalTo("ann"));
    }

    /**
     * PostHog's Person column of the events table, {@code person_display_name -- Person}: {display_name, id,
     * distinct_id}, the name from the project's display-name properties (ann's name), else the distinct id (ben has
     * none); ordering by it orders by that key.
     */
    @Test
    void thePersonDisplayNameColumn() {
        var body = events(Map.of("select", List.of("event", "person_display_name -- Person"), "event", "$pageview",
                "orderBy", List.of("person_display_name -- Person ASC", "timestamp ASC")))
                .statusCode(200)
                .body("columns", contains("event", "person_display_name -- Person"))
                .body("results.size()", equalTo(3))
                .body("results[0][1].display_name", equalTo("Ann"))
                .body("results[0][1].distinct_id", equalTo("ann"))
                .body("results[2][1].display_name", equalTo("ben"))
                .body("results[2][1].distinct_id", equalTo("ben"))
                .extract().jsonPath();
        String annId = body.getString("results[0][1].id");
        org.junit.jupiter.api.Assertions.assertEquals(36, annId.length(), annId);
        org.junit.jupiter.api.Assertions.assertEquals(annId, body.getString("results[1][1].id"));
        org.junit.jupiter.api.Assertions.assertNotEquals(annId, body.getString("results[2][1].id"));
        // HogQL's NULLS clause after the direction, as PostHog's order items take it
        events(Map.of("select", List.of("event", "person_display_name -- Person"), "event", "$pageview",
                "orderBy", List.of("person_display_name -- Person DESC NULLS LAST", "timestamp ASC NULLS FIRST")))
                .statusCode(200).body("results[0][1].display_name", equalTo("ben"));
    }

    @Test
    void limitOffsetAndErrors() {
        events(Map.of("select", List.of("event"), "limit", 2)).statusCode(200)
                .body("results.size()", equalTo(2)).body("hasMore", equalTo(true));
        events(Map.of("select", List.of("event"), "limit", 2, "offset", 3)).statusCode(200)
                .body("results.size()", equalTo(1)).body("hasMore", equalTo(false));
        events(Map.of("select", List.of("pg_sleep(1)"))).statusCode(400);
        events(Map.of("select", List.of())).statusCode(400).body("attr", equalTo("select"));
        events(Map.of("select", List.of("event"), "after", "not a date")).statusCode(400).body("attr", equalTo("after"));
        events(Map.of("select", List.of("event"), "limit", "many")).statusCode(400).body("attr", equalTo("limit"));
    }

    @Test
    void anotherTeamsEventsNeverAppear() {
        events(Map.of("select", List.of("distinct_id"), "after", "all")).statusCode(200)
                .body("results.flatten()", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem("zed")));
    }
}

package dev.quarry.cohorts;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CohortsEndpointTest {
    private static Project team;
    private static Project other;
    private static final String RECENT = Instant.now().minus(2, ChronoUnit.DAYS).toString();
    private static final String OLD = Instant.now().minus(60, ChronoUnit.DAYS).toString();

    @Inject
    Pool pool;

    /** ann and bob have example.com emails; ann bought 2 days ago, bob 60 days ago; cid bought recently, no email. */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Cohorts");
        other = TestProjects.create("Cohorts other");
        Capture.to(team)
                .event("$set", "ann", OLD, Map.of("$set", Map.of("email", "ann@example.com")))
                .event("$set", "bob", OLD, Map.of("$set", Map.of("email", "bob@example.com")))
                .event("purchase", "ann", RECENT).event("purchase", "bob", OLD).event("purchase", "cid", RECENT)
                .event("purchase", "cid", RECENT)
                .send();
        Capture.to(other).event("$set", "eve", OLD, Map.of("$set", Map.of("email", "eve@example.com"))).send();
    }

    private static RequestSpecification as(Project project) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json");
    }

    private UUID personOf(String distinctId) {
        return pool.preparedQuery("SELECT person_id FROM person_distinct_ids WHERE team_id = $1 AND distinct_id = $2")
                .execute(Tuple.of(team.id(), distinctId)).await().indefinitely().iterator().next().getUUID(0);
    }

    private static Map<String, Object> group(Object... filters) {
        return Map.of("properties", Map.of("type", "OR", "values", List.of(Map.of("type", "AND", "values", List.of(filters)))));
    }

    private int create(Map<String, Object> body) {
        return as(team).body(body).post("/api/projects/" + team.id() + "/cohorts/")
                .then().statusCode(201).extract().path("id");
    }

    @Test
    void dynamicCohortFromPersonPropertiesIsCalculatedOnCreate() {
        // ann and bob match; team B's eve has the same domain but is not team A's.
        int id = create(Map.of("name", "Example users", "is_static", false, "filters", group(
                Map.of("key", "email", "value", "example.com", "operator", "icontains", "type", "person"))));
        as(team).get("/api/projects/" + team.id() + "/cohorts/" + id + "/").then().statusCode(200)
                .body("count", equalTo(2)).body("is_static", equalTo(false)).body("is_calculating", equalTo(false))
                .body("last_calculation", notNullValue()).body("filters.properties.type", equalTo("OR"));
        as(team).get("/api/environments/" + team.id() + "/persons/cohorts/?person_id=" + personOf("ann"))
                .then().statusCode(200).body("results.id", hasItem(id));
        long numericId = pool.preparedQuery("SELECT id FROM persons WHERE team_id = $1 AND uuid = $2")
                .execute(Tuple.of(team.id(), personOf("bob"))).await().indefinitely().iterator().next().getLong(0);
        as(team).get("/api/projects/" + team.id() + "/persons/cohorts/?person_id=" + numericId)
                .then().statusCode(200).body("results.id", hasItem(id));
        as(team).get("/api/projects/" + team.id() + "/persons/cohorts/?person_id=" + personOf("cid"))
                .then().statusCode(200).body("results.id", not(hasItem(id)));
    }

    /**
     * The deprecated {@code groups} field, as older clients send it, is still read (PostHog's Cohort.properties):
     * the same members as the filters form (ann, bob); a property without a type is a person property; groups are
     * OR-ed (ann's exact email, or cid's event_id-less dict form {email: cid@…} matching nobody here → ann only).
     */
    @Test
    void legacyGroupsAreRead() {
        int id = create(Map.of("name", "Legacy", "groups", List.of(Map.of("properties", List.of(
                Map.of("key", "email", "value", "example.com", "type", "person", "operator", "icontains"))))));
        as(team).get("/api/projects/" + team.id() + "/cohorts/" + id + "/").then().statusCode(200)
                .body("count", equalTo(2)).body("groups[0].properties[0].key", equalTo("email"));
        int untyped = create(Map.of("name", "Legacy untyped", "groups", List.of(
                Map.of("properties", List.of(Map.of("key", "email", "value", "ann@example.com", "operator", "exact"))),
                Map.of("properties", Map.of("email", "nobody@nowhere")))));
        as(team).get("/api/projects/" + team.id() + "/cohorts/" + untyped + "/").then().body("count", equalTo(1));
        as(team).get("/api/projects/" + team.id() + "/persons/cohorts/?person_id=" + personOf("ann"))
                .then().statusCode(200).body("results.id", hasItem(untyped));
    }

    /**
     * PostHog's cohort_type: static for a static cohort, person_property for person criteria only, behavioral with a
     * behavioral criterion, and the most complex of the cohorts it names (however deep).
     */
    @Test
    void cohortTypeIsPostHogs() {
        String base = "/api/projects/" + team.id() + "/cohorts/";
        int people = create(Map.of("name", "Typed people", "filters", group(
                Map.of("key", "email", "value", "example.com", "operator", "icontains", "type", "person"))));
        int buyers = create(Map.of("name", "Typed buyers", "filters", group(Map.of("type", "behavioral",
                "value", "performed_event", "key", "purchase", "event_type", "events", "time_value", 30, "time_interval", "day"))));
        int naming = create(Map.of("name", "Typed naming buyers", "filters", group(
                Map.of("key", "id", "value", buyers, "type", "cohort"))));
        int deeper = create(Map.of("name", "Typed deeper", "filters", group(
                Map.of("key", "id", "value", naming, "type", "cohort"),
                Map.of("key", "email", "value", "x", "operator", "icontains", "type", "person"))));
        int handPicked = create(Map.of("name", "Typed static", "is_static", true));
        as(team).get(base + people + "/").then().statusCode(200).body("cohort_type", equalTo("person_property"));
        as(team).get(base + buyers + "/").then().statusCode(200).body("cohort_type", equalTo("behavioral"));
        as(team).get(base + naming + "/").then().statusCode(200).body("cohort_type", equalTo("behavioral"));
        as(team).get(base + deeper + "/").then().statusCode(200).body("cohort_type", equalTo("behavioral"));
        as(team).get(base + handPicked + "/").then().statusCode(200).body("cohort_type", equalTo("static"));
        as(team).get(base + "?search=Typed&limit=100").then().statusCode(200)
                .body("results.find { it.id == " + deeper + " }.cohort_type", equalTo("behavioral"))
                .body("results.find { it.id == " + people + " }.cohort_type", equalTo("person_property"));
        // an edit that drops the behavioral reference changes the type of the cohort naming it
        as(team).body(Map.of("filters", group(Map.of("key", "id", "value", people, "type", "cohort"))))
                .patch(base + naming + "/").then().statusCode(200).body("cohort_type", equalTo("person_property"));
        as(team).get(base + deeper + "/").then().statusCode(200).body("cohort_type", equalTo("person_property"));
    }

    @Test
    void behaviouralCohortCountsRecentPerformersAndCombinesWithProperties() {
        // purchased in the last 30 days: ann, cid (bob's is 60 days old).
        int recent = create(Map.of("name", "Recent buyers", "filters", group(Map.of("type", "behavioral",
                "value", "performed_event", "key", "purchase", "event_type", "events", "time_value", 30, "time_interval", "day"))));
        as(team).get("/api/projects/" + team.id() + "/cohorts/" + recent).then().body("count", equalTo(2));
        // ... and with an example.com email: ann only.
        int both = create(Map.of("name", "Recent example buyers", "filters", group(
                Map.of("type", "behavioral", "value", "performed_event", "key", "purchase", "event_type", "events", "time_value", 30, "time_interval", "day"),
                Map.of("key", "email", "value", "example.com", "operator", "icontains", "type", "person"))));
        as(team).get("/api/projects/" + team.id() + "/cohorts/" + both).then().body("count", equalTo(1));
        // at least twice in 30 days: cid.
        int twice = create(Map.of("name", "Repeat buyers", "filters", group(Map.of("type", "behavioral",
                "value", "performed_event_multiple", "key", "purchase", "event_type", "events", "operator", "gte",
                "operator_value", 2, "time_value", 30, "time_interval", "day"))));
        as(team).get("/api/projects/" + team.id() + "/cohorts/" + twice).then().body("count", equalTo(1));
        as(team).get("/api/projects/" + team.id() + "/persons/cohorts/?person_id=" + personOf("cid"))
                .then().body("results.id", hasItem(twice));
    }

    @Test
    void staticCohortsAreFilledExplicitly() {
        int id = create(Map.of("name", "Hand picked", "is_static", true));
        as(team).body(Map.of("person_ids", List.of(personOf("bob").toString(), personOf("cid").toString())))
                .patch("/api/projects/" + team.id() + "/cohorts/" + id + "/add_persons_to_static_cohort/")
                .then().statusCode(200).body("count", equalTo(2));
        as(team).get("/api/projects/" + team.id() + "/cohorts/" + id).then().body("count", equalTo(2));
        as(team).get("/api/projects/" + team.id() + "/persons/cohorts/?person_id=" + personOf("bob"))
                .then().body("results.name", hasItem("Hand picked"));
        // PostHog's cohorts/:id/persons/: the members as the persons list answers them, paged, CSV too
        as(team).get("/api/projects/" + team.id() + "/cohorts/" + id + "/persons/").then().log().ifValidationFails().statusCode(200)
                .body("results.collect { it.distinct_ids[0] }", org.hamcrest.Matchers.containsInAnyOrder("bob", "cid"))
                .body("next", equalTo(null));
        as(team).get("/api/projects/" + team.id() + "/cohorts/" + id + "/persons/?limit=1").then().statusCode(200)
                .body("results", org.hamcrest.Matchers.hasSize(1)).body("next", org.hamcrest.Matchers.containsString("offset=1"));
        String csv = as(team).get("/api/projects/" + team.id() + "/cohorts/" + id + "/persons/?format=csv").then()
                .statusCode(200).extract().asString();
        org.junit.jupiter.api.Assertions.assertTrue(csv.contains("bob") && csv.contains("cid"), csv);
        as(other).get("/api/projects/" + other.id() + "/cohorts/" + id + "/persons/").then().statusCode(404);
        given().header("Authorization", "Bearer " + team.keyWith("cohort:read")).get("/api/projects/" + team.id()
                + "/cohorts/" + id + "/persons/").then().statusCode(403);
        int dynamic = create(Map.of("name", "Not static", "filters", group(
                Map.of("key", "email", "value", "x", "operator", "icontains", "type", "person"))));
        as(team).body(Map.of("person_ids", List.of(personOf("bob").toString())))
                .patch("/api/projects/" + team.id() + "/cohorts/" + dynamic + "/add_persons_to_static_cohort/")
                .then().statusCode(400);
        as(team).body(Map.of("person_ids", List.of("nope")))
                .patch("/api/projects/" + team.id() + "/cohorts/" + id + "/add_persons_to_static_cohort/")
                .then().statusCode(400).body("attr", equalTo("person_ids"));
    }

    @Test
    void updateRecalculatesAndSoftDeleteHidesIt() {
        int id = create(Map.of("name", "Ann", "filters", group(
                Map.of("key", "email", "value", "ann@example.com", "operator", "exact", "type", "person"))));
        as(team).body(Map.of("name", "Ann or Bob", "filters", group(
                        Map.of("key", "email", "value", List.of("ann@example.com", "bob@example.com"), "operator", "exact", "type", "person"))))
                .patch("/api/projects/" + team.id() + "/cohorts/" + id + "/")
                .then().statusCode(200).body("name", equalTo("Ann or Bob")).body("count", equalTo(2));
        as(team).body(Map.of("deleted", true)).patch("/api/projects/" + team.id() + "/cohorts/" + id + "/")
                .then().statusCode(200).body("deleted", equalTo(true));
        as(team).get("/api/projects/" + team.id() + "/cohorts/").then().statusCode(200).body("results.id", not(hasItem(id)));
        as(team).get("/api/projects/" + team.id() + "/persons/cohorts/?person_id=" + personOf("ann"))
                .then().body("results.id", not(hasItem(id)));
    }

    @Test
    void listIsPaginatedAndWalledOffPerTeam() {
        int id = create(Map.of("name", "Mine", "is_static", true));
        create(Map.of("name", "Mine too", "is_static", true));
        as(team).get("/api/projects/" + team.id() + "/cohorts/?limit=1").then().statusCode(200)
                .body("results.size()", equalTo(1)).body("next", containsString("offset=1")).body("count", notNullValue());
        as(other).get("/api/projects/" + other.id() + "/cohorts/" + id + "/").then().statusCode(404);
        as(other).get("/api/projects/" + other.id() + "/cohorts/").then().statusCode(200).body("results.id", not(hasItem(id)));
        as(other).body(Map.of("deleted", true)).patch("/api/projects/" + other.id() + "/cohorts/" + id + "/").then().statusCode(404);
        as(team).get("/api/projects/" + team.id() + "/cohorts/" + id + "/").then().statusCode(200).body("deleted", equalTo(false));
    }

    /** A page of cohorts of legal size stops before the response limit, its next continuing at the first left out. */
    @Test
    void aPageOfLargeCohortsStopsBeforeTheResponseLimit() {
        Project big = TestProjects.create("Cohorts of legal size");
        String base = "/api/projects/" + big.id() + "/cohorts/";
        for (int i = 0; i < 4; i++) {
            as(big).body(Map.of("name", "big " + i, "is_static", true, "filters", Map.of("junk", "q".repeat(2_000_000))))
                    .post(base).then().statusCode(201);
        }
        io.restassured.path.json.JsonPath first = as(big).get(base).then().statusCode(200).body("count", equalTo(4))
                .extract().jsonPath();
        int kept = first.getList("results").size();
        org.junit.jupiter.api.Assertions.assertTrue(kept > 0 && kept < 4, "kept " + kept);
        String next = first.getString("next");
        org.junit.jupiter.api.Assertions.assertTrue(next.contains("offset=" + kept), next);
        as(big).get(next.substring(next.indexOf("/api/"))).then().statusCode(200)
                .body("results", org.hamcrest.Matchers.hasSize(4 - kept));
    }

    @Test
    void badInputIs400AndScopesAreChecked() {
        as(team).body(Map.of("is_static", false)).post("/api/projects/" + team.id() + "/cohorts/")
                .then().statusCode(400).body("attr", equalTo("name"));
        as(team).body(Map.of("name", "x", "filters", group(Map.of("type", "behavioral", "value", "stopped_performing_event", "key", "a", "event_type", "events"))))
                .post("/api/projects/" + team.id() + "/cohorts/").then().statusCode(400).body("attr", equalTo("filters"));
        as(team).body(Map.of("name", "x", "filters", group(Map.of("type", "person", "key", "email", "operator", "no_such_op", "value", "a"))))
                .post("/api/projects/" + team.id() + "/cohorts/").then().statusCode(400);
        // a window past PostgreSQL's interval range would be stored and then fail every recalculation: refused now
        as(team).body(Map.of("name", "x", "filters", group(Map.of("type", "behavioral", "value", "performed_event",
                        "key", "purchase", "event_type", "events", "time_value", 100_000_000_000_000L, "time_interval", "day"))))
                .post("/api/projects/" + team.id() + "/cohorts/").then().statusCode(400).body("attr", equalTo("filters"));
        as(team).body(Map.of("name", "x", "filters", group(Map.of("type", "behavioral", "value", "performed_event",
                        "key", "purchase", "event_type", "events", "time_value", 200, "time_interval", "year"))))
                .post("/api/projects/" + team.id() + "/cohorts/").then().statusCode(400).body("attr", equalTo("filters"));
        // stored JSON is bounded as an insight's query (a 7 MB static cohort's filters were stored, then unreadable):
        // refused before anything is stored, on create and on edit
        int before = as(team).get("/api/projects/" + team.id() + "/cohorts/?basic=true").then().statusCode(200)
                .extract().path("count");
        as(team).body(Map.of("name", "big", "is_static", true, "filters", Map.of("junk", "q".repeat(3 * 1024 * 1024))))
                .post("/api/projects/" + team.id() + "/cohorts/").then().statusCode(400).body("attr", equalTo("filters"));
        as(team).get("/api/projects/" + team.id() + "/cohorts/?basic=true").then().statusCode(200)
                .body("count", equalTo(before));
        int staticId = as(team).body(Map.of("name", "small", "is_static", true))
                .post("/api/projects/" + team.id() + "/cohorts/").then().statusCode(201).extract().path("id");
        as(team).body(Map.of("name", "renamed", "filters", Map.of("junk", "q".repeat(3 * 1024 * 1024))))
                .patch("/api/projects/" + team.id() + "/cohorts/" + staticId + "/").then().statusCode(400)
                .body("attr", equalTo("filters"));
        as(team).body(Map.of("description", "d".repeat(1001)))
                .patch("/api/projects/" + team.id() + "/cohorts/" + staticId + "/").then().statusCode(400)
                .body("attr", equalTo("description"));
        as(team).get("/api/projects/" + team.id() + "/cohorts/" + staticId + "/").then().statusCode(200)
                .body("name", equalTo("small")).body("description", equalTo(""));
        given().header("Authorization", "Bearer " + team.keyWith("cohort:read")).contentType("application/json")
                .body(Map.of("name", "x")).post("/api/projects/" + team.id() + "/cohorts/")
                .then().statusCode(403).body("detail", equalTo("API key missing required scope 'cohort:write'"));
        as(team).get("/api/projects/" + team.id() + "/cohorts/abc/").then().statusCode(404);
    }

    @Test
    void scheduledRecalculationPicksUpNewEvents() {
        int id = create(Map.of("name", "Signed up", "filters", group(Map.of("type", "behavioral", "value", "performed_event",
                "key", "signed up", "event_type", "events", "time_value", 7, "time_interval", "day"))));
        as(team).get("/api/projects/" + team.id() + "/cohorts/" + id).then().body("count", equalTo(0));
        Capture.to(team).event("signed up", "ann", Instant.now().minus(1, ChronoUnit.HOURS).toString()).send();
        given().header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET).post("/internal/cohorts/recalculate")
                .then().statusCode(200);
        given().post("/internal/cohorts/recalculate").then().statusCode(403);
        as(team).get("/api/projects/" + team.id() + "/cohorts/" + id).then().body("count", equalTo(1));
    }
}

package dev.quarry.persons;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The persons endpoints PostHog's CLI uses: list, retrieve, update_property, delete_property and bulk_delete, over
 * HTTP as the CLI sends them, with scopes and the project wall.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PersonsApiTest {
    private static Project team;
    private static Project other;

    @Inject
    Pool pool;

    /**
     * Persons created on consecutive days: ann (2026-02-01, free, merged with anon-1 by $identify), bob (02-02, pro),
     * cid (02-03, no plan). Another project has zed.
     */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Persons API");
        other = TestProjects.create("Persons API other");
        Capture.to(team)
                .event("$pageview", "anon-1", "2026-02-01T00:00:00Z")
                .event("$identify", "ann", "2026-02-01T01:00:00Z", Map.of("$anon_distinct_id", "anon-1",
                        "$set", Map.of("email", "ann@x.test", "plan", "free")))
                .event("$set", "bob", "2026-02-02T00:00:00Z", Map.of("$set", Map.of("email", "bob@x.test", "plan", "pro")))
                .event("$pageview", "cid", "2026-02-03T00:00:00Z")
                .send();
        Capture.to(other).event("$set", "zed", "2026-02-01T00:00:00Z", Map.of("$set", Map.of("email", "zed@y.test"))).send();
    }

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json");
    }

    private String uuidOf(Project project, String distinctId) {
        var rows = pool.preparedQuery("SELECT person_id FROM person_distinct_ids WHERE team_id = $1 AND distinct_id = $2")
                .execute(Tuple.of(project.id(), distinctId)).await().indefinitely();
        return rows.size() == 0 ? null : rows.iterator().next().getUUID(0).toString();
    }

    private String properties(Project project, String uuid) {
        var rows = pool.preparedQuery("SELECT properties::text FROM persons WHERE team_id = $1 AND uuid = $2")
                .execute(Tuple.of(project.id(), UUID.fromString(uuid))).await().indefinitely();
        return rows.size() == 0 ? null : rows.iterator().next().getString(0);
    }

    /**
     * A person's distinct ids in the order they were stored (PostHog's {@code Person.distinct_ids}, its rows by id), in
     * the persons list and in actor answers alike; only the name prefers the first non-anonymous id (PostHog's is_anonymous_id).
     */
    @Test
    void distinctIdsAreInStoredOrder() {
        Project project = TestProjects.create("Distinct id order");
        String anonymous = "0190f3a2-7b1c-7d2e-8f90-123456789abc";
        Capture.to(project).event("$pageview", anonymous, "2026-02-01T10:00:00Z")
                .event("$pageview", "zz-first", "2026-02-01T10:00:00Z").send();
        Capture.to(project).event("$identify", "ada-user", "2026-02-01T11:00:00Z",
                        Map.of("$anon_distinct_id", anonymous))
                .event("$identify", "aa-second", "2026-02-01T11:00:00Z", Map.of("$anon_distinct_id", "zz-first"))
                .send();
        String base = "/api/environments/" + project.id() + "/persons/";
        as(project.key()).get(base + "?distinct_id=ada-user").then().statusCode(200)
                .body("results[0].distinct_ids", equalTo(List.of(anonymous, "ada-user")))
                .body("results[0].name", equalTo("ada-user"));
        as(project.key()).get(base + "?distinct_id=aa-second").then().statusCode(200)
                .body("results[0].distinct_ids", equalTo(List.of("zz-first", "aa-second")))
                .body("results[0].name", equalTo("zz-first"));
        // posthog-js's older anonymous ids are anonymous too (PostHog's ANONYMOUS_REGEX: five dash-separated groups)
        String oldStyle = "18c5a0f2a7e3f0-0b2ba0a3b4d6b38-26031d51-1fa400-18ca0f2a7f1b2f";
        Capture.to(project).event("$pageview", oldStyle, "2026-02-01T10:00:00Z").send();
        Capture.to(project).event("$identify", "vvv-cicpt", "2026-02-01T11:00:00Z",
                Map.of("$anon_distinct_id", oldStyle)).send();
        as(project.key()).get(base + "?distinct_id=vvv-cicpt").then().statusCode(200)
                .body("results[0].distinct_ids", equalTo(List.of(oldStyle, "vvv-cicpt")))
                .body("results[0].name", equalTo("vvv-cicpt"));
        as(project.key()).body(Map.of("query", Map.of("kind", "ActorsQuery", "select", List.of("person"),
                        "search", "ada-user")))
                .post("/api/environments/" + project.id() + "/query/").then().log().ifValidationFails().statusCode(200)
                .body("results[0][0].distinct_ids", equalTo(List.of(anonymous, "ada-user")))
                .body("results[0][0].name", equalTo("ada-user"));
    }

    /** The name is the first display property truthy in Python's sense, as stored (a number stays a number). */
    @Test
    void theNameIsTheStoredValueOfTheFirstTruthyDisplayProperty() {
        Project project = TestProjects.create("Person names");
        Capture.to(project)
                .event("$set", "num", "2026-02-01T10:00:00Z", Map.of("$set", Map.of("email", 42)))
                .event("$set", "zero", "2026-02-01T10:00:00Z", Map.of("$set", Map.of("email", 0, "name", "Zed")))
                .event("$set", "off", "2026-02-01T10:00:00Z", Map.of("$set", Map.of("email", false, "Email", "")))
                .send();
        String base = "/api/environments/" + project.id() + "/persons/";
        as(project.key()).get(base + "?distinct_id=num").then().statusCode(200).body("results[0].name", equalTo(42));
        as(project.key()).get(base + "?distinct_id=zero").then().statusCode(200).body("results[0].name", equalTo("Zed"));
        as(project.key()).get(base + "?distinct_id=off").then().statusCode(200).body("results[0].name", equalTo("off"));
    }

    @Test
    void listIsNewestFirstWithPagesAndFilters() {
        String base = "/api/projects/" + team.id() + "/persons/";
        as(team.key()).get(base + "?limit=2").then().statusCode(200)
                .body("results.size()", equalTo(2))
                .body("results[0].distinct_ids", equalTo(List.of("cid")))
                .body("results[1].properties.email", equalTo("bob@x.test"))
                .body("results[1].uuid", equalTo(uuidOf(team, "bob")))
                .body("results[1].id", equalTo(uuidOf(team, "bob")))
                .body("results[1].is_identified", equalTo(false))
                .body("results[1].created_at", equalTo("2026-02-02T00:00:00Z"))
                .body("previous", nullValue())
                .body("next", containsString("offset=2"));
        as(team.key()).get(base + "?limit=2&offset=2").then().statusCode(200)
                .body("results.size()", equalTo(1))
                .body("results[0].distinct_ids", hasItems("ann", "anon-1"))
                .body("results[0].name", equalTo("ann@x.test"))
                .body("next", nullValue())
                .body("previous", containsString("limit=2"));
        // search: email substring, or a distinct id
        as(team.key()).get("/api/environments/" + team.id() + "/persons/?search=BOB@").then().statusCode(200)
                .body("results.distinct_ids.flatten()", equalTo(List.of("bob")));
        as(team.key()).get(base + "?search=anon-1").then().statusCode(200)
                .body("results.size()", equalTo(1)).body("results[0].properties.email", equalTo("ann@x.test"));
        as(team.key()).get(base + "?distinct_id=anon-1").then().statusCode(200)
                .body("results.size()", equalTo(1)).body("results[0].properties.email", equalTo("ann@x.test"));
        as(team.key()).get(base + "?email=bob@x.test").then().statusCode(200).body("results.size()", equalTo(1));
        as(team.key()).queryParam("properties", "[{\"key\":\"plan\",\"value\":\"pro\",\"operator\":\"exact\",\"type\":\"person\"}]")
                .get(base).then().statusCode(200).body("results.distinct_ids.flatten()", equalTo(List.of("bob")));
        // PostHog's legacy Property dicts carry fields the query schema has not (negation, bytecode): read, ignored
        as(team.key()).queryParam("properties", "[{\"key\":\"plan\",\"value\":\"pro\",\"operator\":\"exact\","
                        + "\"type\":\"person\",\"negation\":false,\"bytecode\":[\"_H\",1]}]")
                .get(base).then().statusCode(200).body("results.distinct_ids.flatten()", equalTo(List.of("bob")));
        as(team.key()).queryParam("properties", "[{\"value\":\"pro\",\"type\":\"person\"}]").get(base).then()
                .statusCode(400).body("attr", equalTo("properties"))
                .body("detail", equalTo("Property filter is missing \"key\""));
        // another project's person is not found by search or distinct id
        as(team.key()).get(base + "?distinct_id=zed").then().statusCode(200).body("results.size()", equalTo(0));
    }

    @Test
    void listAsCsv() {
        String csv = as(team.key()).get("/api/projects/" + team.id() + "/persons/?format=csv&search=x.test").then()
                .statusCode(200).contentType(containsString("text/csv")).extract().asString();
        String[] lines = csv.split("\r\n");
        assertTrue(lines[0].contains("properties.email") && lines[0].contains("distinct_ids.0"), lines[0]);
        assertEquals(3, lines.length, csv); // header, bob, ann
        assertTrue(lines[1].contains("bob@x.test"), csv);
        // PostHog's CSV renderer (rest_framework_csv): the header is the sorted set of flattened columns, booleans as
        // Python writes them
        List<String> header = List.of(lines[0].split(","));
        assertEquals(header.stream().sorted().toList(), header, lines[0]);
        assertTrue(List.of(lines[1].split(",")).contains("False") || List.of(lines[1].split(",")).contains("True"), csv);
        assertTrue(!List.of(lines[1].split(",")).contains("false") && !List.of(lines[1].split(",")).contains("true"), csv);
    }

    @Test
    void acceptTextCsvAnswersAsFormatCsvDoes() {
        String base = "/api/projects/" + team.id() + "/persons/";
        String filter = "[{\"key\":\"email\",\"value\":\"x.test\",\"operator\":\"icontains\",\"type\":\"person\"}]";
        String byFormat = as(team.key()).queryParam("properties", filter).queryParam("format", "csv").get(base)
                .then().statusCode(200).contentType(containsString("text/csv")).extract().asString();
        assertEquals(3, byFormat.split("\r\n").length, byFormat);
        // DRF picks PersonViewSet's PaginatedCSVRenderer for Accept: text/csv (and text/*) without ?format=; the
        // other query parameters (a URL-encoded JSON filter here) reach the view unchanged
        for (String accept : List.of("text/csv", "text/*", "text/csv; charset=utf-8", "image/png, text/csv")) {
            String byAccept = as(team.key()).header("Accept", accept).queryParam("properties", filter).get(base)
                    .then().statusCode(200).contentType(containsString("text/csv")).extract().asString();
            assertEquals(byFormat, byAccept, accept);
        }
        as(team.key()).header("Accept", "text/csv").queryParam("format", "").queryParam("properties", filter)
                .get(base).then().statusCode(200).contentType(containsString("text/csv"));
        // JSON comes first among the view's renderers: axios's default, a browser's, and */* answer JSON
        for (String accept : List.of("application/json, text/plain, */*", "*/*",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/csv;q=1, application/json")) {
            as(team.key()).header("Accept", accept).queryParam("properties", filter).get(base).then().statusCode(200)
                    .contentType(containsString("application/json")).body("results.size()", equalTo(2));
        }
        // an explicit ?format=json leaves JSON alone to match: DRF's 406 for Accept: text/csv
        as(team.key()).header("Accept", "text/csv").queryParam("format", "json").get(base).then().statusCode(406)
                .body("code", equalTo("not_acceptable"));
    }

    @Test
    void listErrors() {
        String base = "/api/projects/" + team.id() + "/persons/";
        as(team.key()).get(base + "?properties=not-json").then().statusCode(400).body("attr", equalTo("properties"));
        as(team.key()).get(base + "?limit=x").then().statusCode(400).body("attr", equalTo("limit"));
        as(team.key()).get(base + "?format=xml").then().statusCode(404).body("detail", equalTo("Not found."));
        given().get(base).then().statusCode(401);
        as(team.keyWith("query:read")).get(base).then().statusCode(403).body("detail", containsString("person:read"));
        as(team.key()).get("/api/projects/" + other.id() + "/persons/").then().statusCode(403);
    }

    @Test
    void retrieveByUuidOrNumericId() {
        String bob = uuidOf(team, "bob");
        as(team.key()).get("/api/projects/" + team.id() + "/persons/" + bob + "/").then().statusCode(200)
                .body("uuid", equalTo(bob)).body("distinct_ids", equalTo(List.of("bob")))
                .body("properties.plan", equalTo("pro")).body("is_identified", equalTo(false))
                .body("created_at", equalTo("2026-02-02T00:00:00Z"));
        long numeric = pool.preparedQuery("SELECT id FROM persons WHERE team_id = $1 AND uuid = $2")
                .execute(Tuple.of(team.id(), UUID.fromString(bob))).await().indefinitely().iterator().next().getLong(0);
        as(team.key()).get("/api/environments/" + team.id() + "/persons/" + numeric).then().statusCode(200)
                .body("uuid", equalTo(bob));
        as(team.key()).get("/api/projects/" + team.id() + "/persons/" + UUID.randomUUID() + "/").then().statusCode(404);
        as(team.key()).get("/api/projects/" + team.id() + "/persons/not-a-person/").then().statusCode(404);
        // zed is another project's: not found under this project, refused under the other
        String zed = uuidOf(other, "zed");
        as(team.key()).get("/api/projects/" + team.id() + "/persons/" + zed + "/").then().statusCode(404);
        as(team.key()).get("/api/projects/" + other.id() + "/persons/" + zed + "/").then().statusCode(403);
    }

    @Test
    void updateAndDeletePropertyGoThroughCapturePersonProcessing() {
        String ann = uuidOf(team, "ann");
        String path = "/api/projects/" + team.id() + "/persons/" + ann;
        as(team.key()).body(Map.of("key", "plan", "value", "enterprise")).post(path + "/update_property/")
                .then().statusCode(202);
        as(team.key()).get(path + "/").then().statusCode(200)
                .body("properties.plan", equalTo("enterprise")).body("properties.email", equalTo("ann@x.test"));
        // a structured value and the events PostHog's update_property emits are stored like any captured $set
        as(team.key()).body(Map.of("key", "seats", "value", 12)).post(path + "/update_property/").then().statusCode(202);
        assertTrue(properties(team, ann).contains("\"seats\": 12"), properties(team, ann));
        long setEvents = pool.preparedQuery("SELECT count(*) FROM events WHERE team_id = $1 AND event = '$set' AND person_id = $2")
                .execute(Tuple.of(team.id(), UUID.fromString(ann))).await().indefinitely().iterator().next().getLong(0);
        assertEquals(2, setEvents);
        // delete one key (the CLI's string form) and a list
        as(team.key()).body(Map.of("$unset", "seats")).post(path + "/delete_property/").then().statusCode(201)
                .body("success", equalTo(true));
        as(team.key()).get(path + "/").then().statusCode(200).body("properties.seats", nullValue())
                .body("properties.plan", equalTo("enterprise"));
        as(team.key()).body(Map.of("$unset", List.of("plan"))).post("/api/environments/" + team.id() + "/persons/" + ann
                + "/delete_property/").then().statusCode(201);
        as(team.key()).get(path + "/").then().statusCode(200).body("properties.plan", nullValue())
                .body("properties", not(org.hamcrest.Matchers.hasKey("plan")));
        long unsetEvents = pool.preparedQuery("SELECT count(*) FROM events WHERE team_id = $1 AND event = '$delete_person_property'")
                .execute(Tuple.of(team.id())).await().indefinitely().iterator().next().getLong(0);
        assertEquals(2, unsetEvents);
    }

    @Test
    void propertyEditErrorsAndScopes() {
        String bob = uuidOf(team, "bob");
        String path = "/api/projects/" + team.id() + "/persons/" + bob;
        as(team.key()).body(Map.of("value", 1)).post(path + "/update_property/").then().statusCode(400).body("attr", equalTo("key"));
        as(team.key()).body(Map.of("key", "k")).post(path + "/update_property/").then().statusCode(400).body("attr", equalTo("value"));
        as(team.key()).body("{\"key\": \"k\", \"value\": null}").post(path + "/update_property/").then().statusCode(400)
                .body("attr", equalTo("value"));
        as(team.key()).body(Map.of()).post(path + "/delete_property/").then().statusCode(400).body("attr", equalTo("$unset"));
        as(team.key()).body(Map.of("key", "k", "value", 1)).post("/api/projects/" + team.id() + "/persons/" + UUID.randomUUID()
                + "/update_property/").then().statusCode(404);
        as(team.keyWith("person:read")).body(Map.of("key", "k", "value", 1)).post(path + "/update_property/")
                .then().statusCode(403).body("detail", containsString("person:write"));
        as(team.keyWith("person:read")).body(Map.of("$unset", "plan")).post(path + "/delete_property/").then().statusCode(403);
        // another project's person: 404 here, 403 there; its properties are untouched
        String zed = uuidOf(other, "zed");
        as(team.key()).body(Map.of("key", "email", "value", "stolen")).post("/api/projects/" + team.id() + "/persons/" + zed
                + "/update_property/").then().statusCode(404);
        as(team.key()).body(Map.of("key", "email", "value", "stolen")).post("/api/projects/" + other.id() + "/persons/" + zed
                + "/update_property/").then().statusCode(403);
        assertTrue(properties(other, zed).contains("zed@y.test"));
        as(team.key()).body(Map.of("key", "plan", "value", "pro")).post(path + "/update_property/").then().statusCode(202);
        assertTrue(properties(team, bob).contains("\"plan\": \"pro\""));
    }

    /**
     * PostHog's distinct_id_limit: a person answers its first 1,000 distinct ids, in the persons list, the person and
     * ActorsQuery (one person given 400,000 ids by aliases made the list a 400 for good: breaker pass 9 F6).
     */
    @Test
    void aPersonAnswersItsFirstThousandDistinctIds() {
        Project p = TestProjects.create("Many distinct ids");
        Capture.to(p).event("$pageview", "many", "2026-02-01T00:00:00Z").send();
        String uuid = uuidOf(p, "many");
        pool.preparedQuery("INSERT INTO person_distinct_ids (team_id, distinct_id, person_id) "
                        + "SELECT $1, 'alias-' || lpad(g::text, 5, '0'), $2 FROM generate_series(1, 1500) g")
                .execute(Tuple.of(p.id(), UUID.fromString(uuid))).await().indefinitely();
        as(p.key()).get("/api/projects/" + p.id() + "/persons/").then().statusCode(200)
                .body("results[0].distinct_ids.size()", equalTo(1000))
                .body("results[0].distinct_ids[0]", equalTo("many"));
        as(p.key()).get("/api/projects/" + p.id() + "/persons/" + uuid + "/").then().statusCode(200)
                .body("distinct_ids.size()", equalTo(1000));
        as(p.key()).body(Map.of("query", Map.of("kind", "ActorsQuery", "select", List.of("person"))))
                .post("/api/projects/" + p.id() + "/query/").then().statusCode(200)
                .body("results[0][0].distinct_ids.size()", equalTo(1000));
    }

    @Test
    void bulkDeleteByIdsAndDistinctIds() {
        Project p = TestProjects.create("Bulk delete");
        Capture.to(p).event("$pageview", "d1", "2026-02-01T00:00:00Z").event("$pageview", "d2", "2026-02-02T00:00:00Z")
                .event("$pageview", "d3", "2026-02-03T00:00:00Z").event("$pageview", "d4", "2026-02-04T00:00:00Z").send();
        String base = "/api/projects/" + p.id() + "/persons/bulk_delete/";
        as(p.key()).body(Map.of("ids", List.of(uuidOf(p, "d1")), "delete_events", false, "delete_recordings", false,
                "keep_person", false)).post(base).then().statusCode(202);
        as(p.key()).body(Map.of("distinct_ids", List.of("d2"), "delete_events", true)).post(base).then().statusCode(202);
        as(p.key()).body(Map.of("distinct_ids", List.of("d3"), "delete_events", true, "keep_person", true)).post(base)
                .then().statusCode(202);
        var rows = pool.preparedQuery("SELECT d.distinct_id, p.uuid IS NOT NULL, (SELECT count(*) FROM events e "
                        + "WHERE e.team_id = d.team_id AND e.distinct_id = d.distinct_id) FROM person_distinct_ids d "
                        + "LEFT JOIN persons p ON p.team_id = d.team_id AND p.uuid = d.person_id WHERE d.team_id = $1 ORDER BY 1")
                .execute(Tuple.of(p.id())).await().indefinitely();
        StringBuilder state = new StringBuilder();
        rows.forEach(r -> state.append(r.getString(0)).append(r.getBoolean(1) ? " person " : " deleted ").append(r.getLong(2)).append(';'));
        // d1: person gone, events kept (PostHog's default); d2: both gone; d3: person kept, events gone; d4 untouched
        assertEquals("d1 deleted 1;d2 deleted 0;d3 person 0;d4 person 1;", state.toString());
        as(p.key()).get("/api/projects/" + p.id() + "/persons/").then().statusCode(200)
                .body("results.distinct_ids.flatten()", equalTo(List.of("d4", "d3")));
    }

    @Test
    void bulkDeleteErrorsScopesAndIsolation() {
        String base = "/api/projects/" + team.id() + "/persons/bulk_delete/";
        // empty lists are as missing as absent ones (PostHog)
        as(team.key()).body(Map.of("ids", List.of())).post(base).then().statusCode(400)
                .body("detail", equalTo("You need to specify either distinct_ids or ids"));
        as(team.key()).body(Map.of()).post(base).then().statusCode(400).body("attr", equalTo("ids"));
        as(team.key()).body(Map.of("ids", "x")).post(base).then().statusCode(400).body("attr", equalTo("ids"));
        as(team.key()).body(Map.of("ids", List.of("not-a-uuid"))).post(base).then().statusCode(400);
        as(team.key()).body(Map.of("distinct_ids", List.of("x"), "delete_events", "yes")).post(base).then().statusCode(400)
                .body("attr", equalTo("delete_events"));
        as(team.keyWith("person:read")).body(Map.of("distinct_ids", List.of("bob"))).post(base).then().statusCode(403);
        // another project's person cannot be deleted from here
        String zed = uuidOf(other, "zed");
        as(team.key()).body(Map.of("ids", List.of(zed), "distinct_ids", List.of("zed"), "delete_events", true)).post(base)
                .then().statusCode(202);
        as(team.key()).body(Map.of("ids", List.of(zed))).post("/api/projects/" + other.id() + "/persons/bulk_delete/")
                .then().statusCode(403);
        assertTrue(properties(other, zed) != null, "the other project's person still exists");
    }
}

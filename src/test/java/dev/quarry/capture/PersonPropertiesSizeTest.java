package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A person's stored properties stay within PostHog's bound (655,360 bytes of JSON), through capture as the SDKs send
 * it: an update past it is refused (stored properties unchanged, the event kept), a new person past it is created
 * trimmed, a person stored past it before the bound is trimmed to 512 KiB when next written; protected keys stay, and
 * each case leaves a {@code person_properties_size_violation} warning.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PersonPropertiesSizeTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String BIG = "x".repeat(400_000);

    @Inject
    Pool pool;

    private Row person(Project p, String distinctId) {
        var rows = pool.preparedQuery("SELECT p.properties::text, octet_length(p.properties::text) FROM persons p "
                        + "JOIN person_distinct_ids d ON d.team_id = p.team_id AND d.person_id = p.uuid "
                        + "WHERE p.team_id = $1 AND d.distinct_id = $2")
                .execute(Tuple.of(p.id(), distinctId)).await().indefinitely();
        return rows.iterator().next();
    }

    private ObjectNode properties(Project p, String distinctId) throws Exception {
        return (ObjectNode) MAPPER.readTree(person(p, distinctId).getString(0));
    }

    private long count(String sql, Object... values) {
        return pool.preparedQuery(sql).execute(Tuple.from(values)).await().indefinitely().iterator().next().getLong(0);
    }

    @Test
    void anUpdatePastTheBoundIsRefusedAndTheEventKept() throws Exception {
        Project p = TestProjects.create("Person size: update");
        Capture.to(p).event("$identify", "ann", "2026-02-01T00:00:00Z", Map.of("$set",
                Map.of("email", "ann@x.test", "a_note", BIG))).send();
        Capture.to(p).event("signed up", "ann", "2026-02-01T01:00:00Z", Map.of("$set",
                Map.of("b_note", BIG, "plan", "pro"))).send();
        ObjectNode stored = properties(p, "ann");
        assertEquals("ann@x.test", stored.path("email").asText());
        assertEquals(BIG, stored.path("a_note").asText());
        assertFalse(stored.has("b_note"), "the change that would pass the bound is not stored");
        assertEquals("pro", stored.path("plan").asText(), "the small change beside it is");
        assertEquals(2L, count("SELECT count(*) FROM events WHERE team_id = $1", p.id()), "both events are kept");
        assertEquals(1L, count("SELECT count(*) FROM ingestion_warnings WHERE team_id = $1 AND type = "
                + "'person_properties_size_violation'", p.id()));
        // a later update within the bound applies as usual
        Capture.to(p).event("upgraded", "ann", "2026-02-01T02:00:00Z", Map.of("$set", Map.of("plan", "team"))).send();
        assertEquals("team", properties(p, "ann").path("plan").asText());
    }

    /**
     * The batch's largest changes go first: a small $set sent in the same batch as a large one is kept, and a merge
     * of two large persons keeps the merged person's small keys (its name), leaving its large one out.
     */
    @Test
    void theLargestChangesOfABatchAreTheOnesRefused() throws Exception {
        Project p = TestProjects.create("Person size: largest first");
        Capture.to(p).event("$identify", "big-a", "2026-02-01T00:00:00Z", Map.of("$set",
                Map.of("email", "a@x.test", "pa", BIG))).send();
        Capture.to(p).event("e", "big-a", "2026-02-01T01:00:00Z", Map.of("$set", Map.of("plan", "pro")))
                .event("e2", "big-a", "2026-02-01T01:00:01Z", Map.of("$set", Map.of("junk", BIG))).send();
        ObjectNode a = properties(p, "big-a");
        assertEquals("pro", a.path("plan").asText());
        assertFalse(a.has("junk"));
        Capture.to(p).event("$identify", "big-b", "2026-02-01T02:00:00Z", Map.of("$set",
                Map.of("name", "B", "pb", BIG))).send();
        Capture.to(p).event("$identify", "big-a", "2026-02-01T03:00:00Z", Map.of("$anon_distinct_id", "big-b")).send();
        ObjectNode merged = properties(p, "big-a");
        assertEquals("a@x.test", merged.path("email").asText());
        assertEquals(BIG, merged.path("pa").asText());
        assertEquals("B", merged.path("name").asText(), "the merged person's small keys are kept");
        assertFalse(merged.has("pb"));
        assertTrue(Long.valueOf(person(p, "big-a").getInteger(1)) <= PersonPropertiesSize.LIMIT_BYTES);
    }

    @Test
    void aNewPersonPastTheBoundIsCreatedTrimmedWithItsProtectedKeys() throws Exception {
        Project p = TestProjects.create("Person size: create");
        Capture.to(p).event("$identify", "bob", "2026-02-01T00:00:00Z", Map.of("$set",
                Map.of("email", "bob@x.test", "a_note", BIG, "b_note", BIG, "c_small", 1))).send();
        Row row = person(p, "bob");
        assertTrue(row.getInteger(1) <= PersonPropertiesSize.TRIM_TARGET_BYTES, "trimmed: " + row.getInteger(1));
        JsonNode stored = MAPPER.readTree(row.getString(0));
        assertEquals("bob@x.test", stored.path("email").asText());
        // trimmable keys go in key order until within the target: a_note alone is enough
        assertFalse(stored.has("a_note"));
        assertEquals(BIG, stored.path("b_note").asText());
        assertEquals(1, stored.path("c_small").asInt());
        assertEquals(1L, count("SELECT count(*) FROM events WHERE team_id = $1", p.id()));
        assertEquals(1L, count("SELECT count(*) FROM ingestion_warnings WHERE team_id = $1 AND type = "
                + "'person_properties_size_violation'", p.id()));
    }

    @Test
    void aPersonStoredPastTheBoundIsTrimmedWhenNextWritten() throws Exception {
        Project p = TestProjects.create("Person size: legacy");
        Capture.to(p).event("$identify", "cid", "2026-02-01T00:00:00Z", Map.of("$set",
                Map.of("email", "cid@x.test"))).send();
        // stored before the bound existed: 2.4 MB of properties
        pool.preparedQuery("UPDATE persons SET properties = properties || jsonb_build_object('n1', $2::text, 'n2', "
                        + "$2::text, 'n3', $2::text, 'n4', $2::text, 'n5', $2::text, 'n6', $2::text) WHERE team_id = $1")
                .execute(Tuple.of(p.id(), BIG)).await().indefinitely();
        Capture.to(p).event("seen", "cid", "2026-02-01T01:00:00Z", Map.of("$set", Map.of("plan", "pro"))).send();
        Row row = person(p, "cid");
        assertTrue(row.getInteger(1) <= PersonPropertiesSize.TRIM_TARGET_BYTES, "trimmed: " + row.getInteger(1));
        JsonNode stored = MAPPER.readTree(row.getString(0));
        assertEquals("cid@x.test", stored.path("email").asText());
        assertEquals(BIG, stored.path("n6").asText(), "the last keys in key order are kept");
        assertFalse(stored.has("n1"));
        assertEquals(2L, count("SELECT count(*) FROM events WHERE team_id = $1", p.id()));
        assertEquals(1L, count("SELECT count(*) FROM ingestion_warnings WHERE team_id = $1 AND type = "
                + "'person_properties_size_violation'", p.id()));
    }

    /**
     * A persons page is chosen by its persons' stored sizes before any properties are read: it stops before the person
     * that would take it past half an answer, and its next link continues there; a CSV page stops the same way.
     */
    @Test
    void aPersonsPageStopsBeforeItsPropertiesPassAnAnswer() {
        Project p = TestProjects.create("Person size: pages");
        String note = "y".repeat(600_000);
        Capture c = Capture.to(p);
        for (int i = 0; i < 6; i++) {
            c.event("$identify", "big-" + i, "2026-02-0" + (i + 1) + "T00:00:00Z", Map.of("$set", Map.of("note", note)));
        }
        c.send();
        var first = io.restassured.RestAssured.given().header("Authorization", "Bearer " + p.key())
                .get("/api/projects/" + p.id() + "/persons/").then().statusCode(200).extract().jsonPath();
        int kept = first.getList("results").size();
        assertTrue(kept >= 1 && kept < 6, "stopped early: " + kept);
        String next = first.getString("next");
        assertTrue(next.contains("offset=" + kept) && next.contains("limit=100"), next);
        var second = io.restassured.RestAssured.given().header("Authorization", "Bearer " + p.key())
                .get(next.substring(next.indexOf("/api/"))).then().statusCode(200).extract().jsonPath();
        assertEquals(6 - kept, second.getList("results").size());
        assertEquals(null, second.getString("next"));
        // a CSV file has nowhere to say that more follow: the page it cannot hold whole is refused, a smaller one read
        io.restassured.RestAssured.given().header("Authorization", "Bearer " + p.key())
                .get("/api/projects/" + p.id() + "/persons/?format=csv").then().statusCode(400)
                .body("code", org.hamcrest.Matchers.equalTo("response_too_large"));
        String csv = io.restassured.RestAssured.given().header("Authorization", "Bearer " + p.key())
                .get("/api/projects/" + p.id() + "/persons/?format=csv&limit=" + kept).then().statusCode(200)
                .extract().asString();
        assertEquals(kept, csv.split("\n").length - 1);
    }

    /**
     * A property name past Jackson's default 50,000 characters, which capture stores (serde_json has no limit), reads
     * back everywhere: the persons list, the person and the events API (breaker pass 9 F3: 500s and {}).
     */
    @Test
    void longPropertyNamesReadBack() {
        Project p = TestProjects.create("Person size: long names");
        String name = "k".repeat(50_001);
        // now: the events API reads a recent range by default
        Capture.to(p).event("long_names", "lee", java.time.Instant.now().toString(), Map.of(name, 1, "b", 2,
                "$set", Map.of(name, 3, "plan", "pro", "email", "lee@x.test"))).send();
        var spec = io.restassured.RestAssured.given().header("Authorization", "Bearer " + p.key());
        spec.get("/api/projects/" + p.id() + "/persons/").then().statusCode(200)
                .body("results[0].properties.plan", org.hamcrest.Matchers.equalTo("pro"))
                .body("results[0].properties." + name, org.hamcrest.Matchers.equalTo(3));
        io.restassured.RestAssured.given().header("Authorization", "Bearer " + p.key())
                .get("/api/projects/" + p.id() + "/events/?event=long_names&include_person=true").then().statusCode(200)
                .body("results[0].properties.b", org.hamcrest.Matchers.equalTo(2))
                // the person as PostHog's events list shows it: email, name and username only
                .body("results[0].person.properties.email", org.hamcrest.Matchers.equalTo("lee@x.test"));
    }

    /**
     * An actors page reads its persons' rows only up to what an answer carries: past it PostHog's 400
     * response_too_large from the statement itself, a smaller limit answers.
     */
    @Test
    void anActorsPageStopsReadingAtWhatAnAnswerCarries() {
        Project p = TestProjects.create("Person size: actors");
        String note = "z".repeat(600_000);
        Capture c = Capture.to(p);
        for (int i = 0; i < 12; i++) {
            c.event("$identify", "wide-" + i, "2026-02-01T00:00:" + (10 + i) + "Z", Map.of("$set", Map.of("note", note)));
        }
        c.send();
        var spec = io.restassured.RestAssured.given().header("Authorization", "Bearer " + p.key())
                .contentType("application/json");
        spec.body(Map.of("query", Map.of("kind", "ActorsQuery", "select", java.util.List.of("person"))))
                .post("/api/projects/" + p.id() + "/query/").then().statusCode(400)
                .body("code", org.hamcrest.Matchers.equalTo("response_too_large"))
                // stopped by the statement while reading, not refused after the page was read whole
                .body("detail", org.hamcrest.Matchers.containsString("bytes when it was stopped"));
        io.restassured.RestAssured.given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "ActorsQuery", "select", java.util.List.of("person"), "limit", 4)))
                .post("/api/projects/" + p.id() + "/query/").then().statusCode(200)
                .body("results.size()", org.hamcrest.Matchers.equalTo(4));
    }

    /**
     * A large person is updated by what changed (set keys and removed ones applied to the stored properties), with
     * the same result as a whole rewrite: $set, $set_once and $unset, in one batch and across batches.
     */
    @Test
    void aLargePersonIsUpdatedByWhatChanged() throws Exception {
        Project p = TestProjects.create("Person size: patches");
        String note = "n".repeat(20_000);
        for (String id : java.util.List.of("large", "small")) {
            Map<String, Object> set = new java.util.HashMap<>(Map.of("a", 1, "b", "bee", "nested", Map.of("x", 1)));
            if (id.equals("large")) {
                set.put("note", note);
            }
            Capture.to(p).event("$identify", id, "2026-02-01T00:00:00Z", Map.of("$set", set)).send();
            Capture.to(p).event("e", id, "2026-02-01T01:00:00Z", Map.of("$set", Map.of("a", 2, "c", 3.5),
                            "$set_once", Map.of("first", "yes", "a", 99)))
                    .event("e", id, "2026-02-01T01:00:01Z", Map.of("$unset", java.util.List.of("b"),
                            "$set", Map.of("nested", Map.of("y", 2))))
                    .send();
            Capture.to(p).event("e", id, "2026-02-01T02:00:00Z", Map.of("$set_once", Map.of("first", "no"),
                    "$set", Map.of("d", true))).send();
        }
        ObjectNode large = properties(p, "large");
        ObjectNode small = properties(p, "small");
        assertEquals(note, large.remove("note").asText());
        assertEquals(small, large);
        assertEquals(2, large.path("a").asInt());
        assertFalse(large.has("b"));
        assertEquals("yes", large.path("first").asText());
        assertEquals(2, large.path("nested").path("y").asInt());
        assertFalse(large.path("nested").has("x"));
        assertTrue(large.path("d").asBoolean());
    }

    /** Protected keys go last, and only when the rest is not enough: the bound always holds. */
    @Test
    void trimmingKeepsTheBoundEvenWhenProtectedKeysPassIt() {
        ObjectNode properties = MAPPER.createObjectNode();
        properties.put("email", "y".repeat(700_000));
        properties.put("name", "n");
        properties.put("zz", "z".repeat(100));
        ObjectNode trimmed = PersonPropertiesSize.trimmed(properties);
        assertFalse(trimmed.has("zz"));
        assertFalse(trimmed.has("email"));
        assertEquals("n", trimmed.path("name").asText());
        assertTrue(PersonPropertiesSize.within(JsNumbers.json(trimmed), PersonPropertiesSize.TRIM_TARGET_BYTES));
    }
}

package dev.quarry.capture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * PostHog's person-processing rules end to end, through the capture endpoints SDKs use and read back through the
 * database, HogQL and the ingestion_warnings / groups APIs. Each test uses its own project.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PersonProcessingTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<String> ENDPOINTS = List.of("/batch/", "/e/", "/capture/", "/i/v0/e/");

    @Inject
    Pool pool;

    private static Map<String, Object> event(String event, String distinctId, String timestamp,
                                             Map<String, Object> properties) {
        Map<String, Object> e = new HashMap<>();
        e.put("event", event);
        e.put("distinct_id", distinctId);
        e.put("timestamp", timestamp);
        e.put("properties", properties);
        return e;
    }

    private static Map<String, Object> event(String uuid, String event, String distinctId, String timestamp,
                                             Map<String, Object> properties) {
        Map<String, Object> e = event(event, distinctId, timestamp, properties);
        e.put("uuid", uuid);
        return e;
    }

    /** A batch body as posthog-js / posthog-node send it. */
    private static void send(String path, Project project, List<Map<String, Object>> events) {
        given().contentType("application/json").body(Map.of("api_key", project.apiToken(), "batch", events))
                .post(path).then().log().ifValidationFails().statusCode(200).body("status", equalTo(1));
    }

    /** One event posted alone (the shape /e/, /capture/ and /i/v0/e/ get from single-event clients). */
    private static void sendOne(String path, Project project, Map<String, Object> event) {
        Map<String, Object> body = new HashMap<>(event);
        body.put("api_key", project.apiToken());
        given().contentType("application/json").body(body).post(path)
                .then().log().ifValidationFails().statusCode(200).body("status", equalTo(1));
    }

    private long count(String sql, Object... args) {
        return pool.preparedQuery(sql).execute(Tuple.tuple(List.of(args))).await().indefinitely().iterator().next()
                .getLong(0);
    }

    private Row row(String sql, Object... args) {
        var rows = pool.preparedQuery(sql).execute(Tuple.tuple(List.of(args))).await().indefinitely();
        return rows.size() == 0 ? null : rows.iterator().next();
    }

    private UUID personOf(Project project, String distinctId) {
        Row r = row("SELECT person_id FROM person_distinct_ids WHERE team_id = $1 AND distinct_id = $2",
                project.id(), distinctId);
        return r == null ? null : r.getUUID(0);
    }

    private JsonPath warnings(Project project, String key) {
        return given().header("Authorization", "Bearer " + key).get("/api/projects/" + project.id()
                + "/ingestion_warnings").then().log().ifValidationFails().statusCode(200).extract().jsonPath();
    }

    private JsonPath hogql(Project project, String query) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", query), "refresh", "force_blocking"))
                .post("/api/projects/" + project.id() + "/query/").then().log().ifValidationFails().statusCode(200)
                .extract().jsonPath();
    }

    @Test
    void placeholderIdsNeverMergeOnAnyEndpointButTheEventsAreStoredWithWarnings() {
        Project project = TestProjects.create("Illegal ids");
        // Four real users, each already seen; each client then sends a placeholder as the other id.
        String[] placeholders = {"undefined", "\"null\"", "NaN", "Anonymous", "0", "[object Object]", "'GUEST'",
                "distinct_id"};
        for (int i = 0; i < ENDPOINTS.size(); i++) {
            String path = ENDPOINTS.get(i);
            String user = "user-" + i;
            send("/batch/", project, List.of(event("$pageview", user, "2026-01-10T10:00:00Z", Map.of())));
            sendOne(path, project, event("$identify", user, "2026-01-10T10:01:00Z",
                    Map.of("$anon_distinct_id", placeholders[2 * i])));
            sendOne(path, project, event("$create_alias", user, "2026-01-10T10:02:00Z",
                    Map.of("alias", placeholders[2 * i + 1])));
            // The placeholder as the event's own distinct id, merging a real anonymous id.
            sendOne(path, project, event("$identify", placeholders[2 * i], "2026-01-10T10:03:00Z",
                    Map.of("$anon_distinct_id", "anon-" + i)));
            sendOne(path, project, event("$merge_dangerously", user, "2026-01-10T10:04:00Z",
                    Map.of("alias", placeholders[2 * i].toUpperCase())));
        }
        // All 20 events are stored; no two users share a person; no placeholder joined a user.
        assertEquals(20L, count("SELECT count(*) FROM events WHERE team_id = $1", project.id()));
        for (int i = 0; i < ENDPOINTS.size(); i++) {
            UUID user = personOf(project, "user-" + i);
            // "NaN" upper-cased is "NAN": a legal id (only NaN exactly is a placeholder), so user-1 merged with it.
            assertEquals(i == 1 ? 2L : 1L, count("SELECT count(*) FROM person_distinct_ids WHERE team_id = $1 "
                    + "AND person_id = $2", project.id(), user), "user-" + i + " kept only its own id");
            assertNotEquals(personOf(project, "anon-" + i), user);
            // Refused merges identify nobody; user-1's legal $merge_dangerously with "NAN" does.
            assertEquals(i == 1, row("SELECT is_identified FROM persons WHERE team_id = $1 AND uuid = $2",
                    project.id(), user).getBoolean(0));
        }
        assertEquals(personOf(project, "user-1"), personOf(project, "NAN"));
        JsonPath warnings = warnings(project, project.keyWith("ingestion_warning:read"));
        assertEquals("cannot_merge_with_illegal_distinct_id", warnings.getString("results[0].type"));
        assertEquals(15, warnings.getInt("results[0].count"));
        List<String> illegal = warnings.getList("results[0].warnings.details.illegalDistinctId");
        assertTrue(illegal.containsAll(List.of("undefined", "\"null\"", "NaN", "Anonymous", "0", "[object Object]",
                "'GUEST'", "distinct_id", "UNDEFINED")), illegal.toString());
        // Warnings are stamped when capture applied them: today's sparkline bucket holds all 15.
        assertEquals(List.of(15, java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString()),
                warnings.getList("results[0].sparkline[0]"));
    }

    @Test
    void ingestionWarningsNeedTheirScopeAndStayInTheirProject() {
        Project project = TestProjects.create("Warnings scope");
        Project other = TestProjects.create("Warnings other");
        send("/batch/", project, List.of(event("$identify", "u", "2026-01-10T10:00:00Z",
                Map.of("$anon_distinct_id", "undefined"))));
        given().header("Authorization", "Bearer " + project.keyWith("person:read"))
                .get("/api/projects/" + project.id() + "/ingestion_warnings").then().statusCode(403)
                .body("detail", equalTo("API key missing required scope 'ingestion_warning:read'"));
        assertEquals(List.of(), warnings(other, other.key()).getList("results"));
        JsonPath mine = warnings(project, project.key());
        assertEquals(1, mine.getInt("results[0].count"));
        assertEquals("u", mine.getString("results[0].warnings[0].details.otherDistinctId"));
        assertTrue(mine.getString("results[0].lastSeen").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z"));
        // ?q= searches type and details
        given().header("Authorization", "Bearer " + project.key()).queryParam("q", "no-such-text")
                .get("/api/environments/" + project.id() + "/ingestion_warnings").then().statusCode(200)
                .body("results.size()", equalTo(0));
        given().header("Authorization", "Bearer " + other.key())
                .get("/api/projects/" + project.id() + "/ingestion_warnings").then().statusCode(403);
    }

    @Test
    void personlessEventsCreateNoPersonAndAPersonCreatedLaterOwnsThem() {
        Project project = TestProjects.create("Personless");
        Map<String, Object> off = Map.of("$process_person_profile", false, "$set", Map.of("plan", "pro"),
                "$browser", "Chrome", "utm_source", "ad");
        for (String path : ENDPOINTS) {
            sendOne(path, project, event("$pageview", "ghost", "2026-01-10T10:0" + ENDPOINTS.indexOf(path) + ":00Z",
                    off));
        }
        // $identify / $create_alias / $merge_dangerously / $groupidentify without a person are dropped.
        send("/batch/", project, List.of(
                event("$identify", "ghost", "2026-01-10T10:05:00Z", Map.of("$process_person_profile", false,
                        "$anon_distinct_id", "x")),
                event("$create_alias", "ghost", "2026-01-10T10:05:00Z", Map.of("$process_person_profile", false,
                        "alias", "y")),
                event("$merge_dangerously", "ghost", "2026-01-10T10:05:00Z", Map.of("$process_person_profile", false,
                        "alias", "z")),
                event("$groupidentify", "ghost", "2026-01-10T10:05:00Z", Map.of("$process_person_profile", false,
                        "$group_type", "company", "$group_key", "acme"))));
        UUID expected = PersonUuids.of(project.id(), "ghost");
        assertEquals(0L, count("SELECT count(*) FROM persons WHERE team_id = $1", project.id()));
        assertEquals(0L, count("SELECT count(*) FROM person_distinct_ids WHERE team_id = $1", project.id()));
        assertEquals(0L, count("SELECT count(*) FROM groups WHERE team_id = $1", project.id()));
        assertEquals(4L, count("SELECT count(*) FROM events WHERE team_id = $1 AND person_id = $2 "
                + "AND properties ->> '$process_person_profile' = 'false'", project.id(), expected));
        assertEquals(4L, count("SELECT count(*) FROM events WHERE team_id = $1", project.id()));
        // The same id, now with person processing: the person is created with the deterministic uuid and owns them.
        send("/batch/", project, List.of(event("$pageview", "ghost", "2026-01-10T11:00:00Z",
                Map.of("$set", Map.of("plan", "free")))));
        assertEquals(expected, personOf(project, "ghost"));
        JsonPath result = hogql(project, "select count(), count(distinct person_id) from events "
                + "where person.properties.plan = 'free'");
        assertEquals(List.of(5, 1), result.getList("results[0]"));
        // Warnings: four dropped events.
        JsonPath warnings = warnings(project, project.key());
        assertEquals("invalid_event_when_process_person_profile_is_false", warnings.getString("results[0].type"));
        assertEquals(4, warnings.getInt("results[0].count"));
    }

    @Test
    void aPersonlessIdThatJoinsAnExistingPersonBringsItsEventsAlong() {
        Project project = TestProjects.create("Personless merge");
        send("/batch/", project, List.of(
                event("$pageview", "visitor", "2026-01-10T10:00:00Z", Map.of("$process_person_profile", false)),
                event("$pageview", "visitor", "2026-01-10T10:01:00Z", Map.of("$process_person_profile", false)),
                event("signed_up", "user@x.test", "2026-01-10T10:02:00Z", Map.of("$set", Map.of("email", "user@x.test")))));
        send("/e/", project, List.of(event("$identify", "user@x.test", "2026-01-10T10:03:00Z",
                Map.of("$anon_distinct_id", "visitor"))));
        UUID user = personOf(project, "user@x.test");
        assertEquals(user, personOf(project, "visitor"));
        JsonPath result = hogql(project, "select count(distinct person_id), count() from events "
                + "where person.properties.email = 'user@x.test'");
        assertEquals(List.of(1, 4), result.getList("results[0]"));
        // The personless events were stored with the visitor's own deterministic uuid; the override moves them.
        assertEquals(2L, count("SELECT count(*) FROM events WHERE team_id = $1 AND person_id = $2", project.id(),
                PersonUuids.of(project.id(), "visitor")));
    }

    @Test
    void reSentEventsUpsertOnPostHogsKeyAndTheLaterCopyWins() throws IOException {
        Project project = TestProjects.create("Dedup");
        String u1 = "0190f000-0000-7000-8000-000000000001";
        String u2 = "0190f000-0000-7000-8000-000000000002";
        List<Map<String, Object>> batch = new ArrayList<>(List.of(
                event(u1, "$pageview", "a", "2026-01-10T10:00:00Z", Map.of("copy", 1)),
                // the same uuid with another name, another distinct id, or another day: three other events
                event(u1, "clicked", "a", "2026-01-10T10:00:00Z", Map.of("copy", 1)),
                event(u1, "$pageview", "b", "2026-01-10T10:00:00Z", Map.of("copy", 1)),
                event(u1, "$pageview", "a", "2026-01-11T10:00:00Z", Map.of("copy", 1)),
                // within the batch, the later of two copies wins
                event(u2, "$pageview", "a", "2026-01-10T12:00:00Z", Map.of("copy", 1)),
                event(u2, "$pageview", "a", "2026-01-10T12:00:00Z", Map.of("copy", 2))));
        send("/batch/", project, batch);
        assertEquals(5L, count("SELECT count(*) FROM events WHERE team_id = $1", project.id()));
        assertEquals("2", row("SELECT properties ->> 'copy' FROM events WHERE team_id = $1 AND uuid = $2",
                project.id(), UUID.fromString(u2)).getString(0));
        // A re-sent batch (as an SDK retry does, gzip and all) changes nothing.
        given().contentType("application/octet-stream").header("Content-Encoding", "gzip")
                .body(CaptureEndpointsTest.gzip(MAPPER.writeValueAsBytes(Map.of("api_key", project.apiToken(),
                        "batch", batch))))
                .post("/batch/").then().statusCode(200);
        assertEquals(5L, count("SELECT count(*) FROM events WHERE team_id = $1", project.id()));
        // A later copy on every endpoint replaces the stored one: same key, new properties and time of day.
        for (String path : ENDPOINTS) {
            sendOne(path, project, event(u1, "$pageview", "a", "2026-01-10T10:30:00Z", Map.of("copy", path)));
            Row stored = row("SELECT properties ->> 'copy', to_char(timestamp AT TIME ZONE 'UTC', 'HH24:MI') FROM "
                    + "events WHERE team_id = $1 AND uuid = $2 AND event = '$pageview' AND distinct_id = 'a' "
                    + "AND timestamp < '2026-01-11'", project.id(), UUID.fromString(u1));
            assertEquals(path, stored.getString(0));
            assertEquals("10:30", stored.getString(1));
        }
        assertEquals(5L, count("SELECT count(*) FROM events WHERE team_id = $1", project.id()));
    }

    @Test
    void eventsOfABatchAreProcessedInTheOrderSent() {
        Project project = TestProjects.create("Batch order");
        // $set then $set: the later value wins; $set_once: the first wins; an alias before the event that creates
        // the aliased id still joins them.
        send("/batch/", project, List.of(
                event("$set", "a", "2026-01-10T10:00:00Z", Map.of("$set", Map.of("plan", "free"),
                        "$set_once", Map.of("first", "free"))),
                event("$set", "a", "2026-01-10T09:00:00Z", Map.of("$set", Map.of("plan", "pro"),
                        "$set_once", Map.of("first", "pro"))),
                event("$create_alias", "a", "2026-01-10T10:01:00Z", Map.of("alias", "b")),
                event("$pageview", "b", "2026-01-10T10:02:00Z", Map.of())));
        Row person = row("SELECT properties ->> 'plan', properties ->> 'first' FROM persons WHERE team_id = $1 "
                + "AND uuid = $2", project.id(), personOf(project, "a"));
        assertEquals("pro", person.getString(0));
        assertEquals("free", person.getString(1));
        assertEquals(personOf(project, "a"), personOf(project, "b"));
    }

    /**
     * A non-object {@code $set} inside properties is ingestion's to read (PostHog empties it with a warning); one at
     * the top level fails PostHog's capture decoding ({@code RawEvent.set} is an optional map), so that request is a
     * 400 and none of its events is stored.
     */
    @Test
    void overlongDistinctIdsAreCutAndBadSetIsEmptiedWithoutLosingTheBatch() {
        Project project = TestProjects.create("Forgiving");
        String longId = "x".repeat(250);
        for (String path : ENDPOINTS) {
            String suffix = path.replace("/", "_");
            send(path, project, List.of(
                    event("ok" + suffix, "fine" + suffix, "2026-01-10T10:00:00Z", Map.of()),
                    event("long" + suffix, longId, "2026-01-10T10:00:00Z", Map.of()),
                    event("badset" + suffix, "bad" + suffix, "2026-01-10T10:00:00Z",
                            Map.of("$set", "plan=pro", "$set_once", List.of(1, 2)))));
            given().contentType("application/json").body(Map.of("api_key", project.apiToken(), "batch", List.of(
                    event("fine2" + suffix, "fine2" + suffix, "2026-01-10T10:00:00Z", Map.of()),
                    Map.of("event", "topset" + suffix, "distinct_id", "top" + suffix, "$set", 42,
                            "timestamp", "2026-01-10T10:00:00Z")))).post(path)
                    .then().statusCode(400).body("detail", equalTo("Event at index 1: $set must be an object, got number"));
        }
        assertEquals(12L, count("SELECT count(*) FROM events WHERE team_id = $1", project.id()));
        assertEquals(4L, count("SELECT count(*) FROM events WHERE team_id = $1 AND distinct_id = $2", project.id(),
                "x".repeat(200)));
        assertEquals(0L, count("SELECT count(*) FROM persons WHERE team_id = $1 AND properties <> '{}'", project.id()));
        JsonPath warnings = warnings(project, project.key());
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < warnings.getList("results").size(); i++) {
            counts.put(warnings.getString("results[" + i + "].type"), warnings.getInt("results[" + i + "].count"));
        }
        assertEquals(Map.of("distinct_id_truncated", 4, "invalid_person_properties", 8), counts);
        // A 200-character multi-byte id is not cut.
        String emoji = "😀".repeat(200);
        send("/batch/", project, List.of(event("emoji", emoji, "2026-01-10T10:00:00Z", Map.of())));
        assertEquals(1L, count("SELECT count(*) FROM events WHERE team_id = $1 AND distinct_id = $2", project.id(),
                emoji));
    }

    @Test
    void groupIdentifyUpsertsGroupsNotPersonsAndEventsCarryTheirGroups() throws IOException {
        Project project = TestProjects.create("Groups");
        send("/batch/", project, List.of(
                event("$groupidentify", "$company_acme", "2026-01-10T10:00:00Z", Map.of("$group_type", "company",
                        "$group_key", "acme", "$group_set", Map.of("name", "Acme", "plan", "free"),
                        "$set", Map.of("should_not", "reach a person"))),
                event("$groupidentify", "$company_acme", "2026-01-10T09:00:00Z", Map.of("$group_type", "company",
                        "$group_key", "acme", "$group_set", Map.of("plan", "pro"))),
                event("$groupidentify", "$project_p1", "2026-01-10T10:00:00Z", Map.of("$group_type", "project",
                        "$group_key", "p1")),
                event("$groupidentify", "bad", "2026-01-10T10:00:00Z", Map.of("$group_type", "company",
                        "$group_key", "bad", "$group_set", "nope")),
                event("$pageview", "alice", "2026-01-10T11:00:00Z", Map.of("$groups",
                        Map.of("company", "acme", "project", "p1"))),
                event("$pageview", "ghost", "2026-01-10T11:00:00Z", Map.of("$process_person_profile", false,
                        "$groups", Map.of("company", "acme")))));
        send("/i/v0/e/", project, List.of(event("$groupidentify", "$company_acme", "2026-01-11T10:00:00Z",
                Map.of("$group_type", "company", "$group_key", "acme", "$group_set", Map.of("seats", 5)))));
        assertEquals(0L, count("SELECT count(*) FROM persons WHERE team_id = $1 AND properties <> '{}'", project.id()));
        Row acme = row("SELECT group_properties::text, created_at FROM groups WHERE team_id = $1 "
                + "AND group_type_index = 0 AND group_key = 'acme'", project.id());
        assertEquals(MAPPER.readTree("{\"name\": \"Acme\", \"plan\": \"pro\", \"seats\": 5}"),
                MAPPER.readTree(acme.getString(0)));
        assertEquals("2026-01-10T09:00Z", acme.getOffsetDateTime(1).toString());
        assertEquals(0L, count("SELECT count(*) FROM groups WHERE team_id = $1 AND group_key = 'bad'", project.id()));
        assertEquals(0L, count("SELECT count(*) FROM events WHERE team_id = $1 AND distinct_id = 'bad'", project.id()));
        JsonPath rows = hogql(project, "select distinct_id, $group_0, $group_1, properties.$group_0 from events "
                + "where event = '$pageview' order by distinct_id");
        assertEquals(List.of(List.of("alice", "acme", "p1", "acme"), java.util.Arrays.asList("ghost", "", "", null)),
                rows.getList("results"));
        JsonPath groups = hogql(project, "select index, key, properties.name from groups order by index, key");
        assertEquals(List.of(java.util.Arrays.asList(0, "acme", "Acme"), java.util.Arrays.asList(1, "p1", null)),
                groups.getList("results"));
        given().header("Authorization", "Bearer " + project.keyWith("group:read"))
                .get("/api/projects/" + project.id() + "/groups_types").then().statusCode(200)
                .body("group_type", equalTo(List.of("company", "project")))
                .body("group_type_index", equalTo(List.of(0, 1)));
        given().header("Authorization", "Bearer " + project.keyWith("group:read"))
                .get("/api/projects/" + project.id() + "/groups?group_type_index=0").then().statusCode(200)
                .body("count", equalTo(1)).body("results[0].group_key", equalTo("acme"))
                .body("results[0].group_properties.seats", equalTo(5));
        given().header("Authorization", "Bearer " + project.key())
                .get("/api/projects/" + project.id() + "/groups").then().statusCode(400)
                .body("attr", equalTo("group_type_index"));
        given().header("Authorization", "Bearer " + project.keyWith("person:read"))
                .get("/api/projects/" + project.id() + "/groups_types").then().statusCode(403);
        assertEquals("invalid_group_set", warnings(project, project.key()).getString("results[0].type"));
    }

    @Test
    void aSixthGroupTypeIsIgnored() {
        Project project = TestProjects.create("Six group types");
        Map<String, Object> groups = new HashMap<>();
        for (String type : List.of("a", "b", "c", "d", "e", "f")) {
            groups.put(type, type + "-key");
        }
        send("/batch/", project, List.of(event("$pageview", "u", "2026-01-10T10:00:00Z", Map.of("$groups", groups))));
        assertEquals(5L, count("SELECT count(*) FROM group_type_mappings WHERE team_id = $1", project.id()));
        assertEquals(5L, count("SELECT (group_0 <> '')::int + (group_1 <> '')::int + (group_2 <> '')::int "
                + "+ (group_3 <> '')::int + (group_4 <> '')::int FROM events WHERE team_id = $1", project.id()));
    }

    @Test
    void longGroupKeysAndTypesKeepTheirBatchAndNumericKeysAreWrittenAsJavaScriptWritesThem() throws IOException {
        // a 3,000-character key was past PostgreSQL's btree entry limit: the batch was a 400 naming groups_pkey
        Project project = TestProjects.create("Long group keys");
        String longKey = "k".repeat(2_999) + "é";
        String longType = "t".repeat(401);
        send("/batch/", project, List.of(
                event("$groupidentify", "$company_long", "2026-01-10T10:00:00Z", Map.of("$group_type", "company",
                        "$group_key", longKey, "$group_set", Map.of("name", "Long"))),
                event("$groupidentify", "$long_type", "2026-01-10T10:00:00Z", Map.of("$group_type", longType,
                        "$group_key", "x")),
                event("$groupidentify", "$company_12", "2026-01-10T10:00:00Z", Map.of("$group_type", "company",
                        "$group_key", 12.0, "$group_set", Map.of("name", "Twelve"))),
                event("$groupidentify", "$company_big", "2026-01-10T10:00:00Z", Map.of("$group_type", "company",
                        "$group_key", 1e308)),
                event("$pageview", "alice", "2026-01-10T11:00:00Z", Map.of("$groups",
                        Map.of("company", 12.0, longType, "y"))),
                event("$pageview", "bob", "2026-01-10T11:00:00Z", Map.of("$groups", Map.of("company", longKey)))));
        assertEquals(6L, count("SELECT count(*) FROM events WHERE team_id = $1", project.id()));
        assertEquals(1L, count("SELECT count(*) FROM group_type_mappings WHERE team_id = $1", project.id()));
        JsonPath groups = hogql(project, "select key, properties.name from groups order by key");
        assertEquals(List.of(List.of("12", "Twelve"), java.util.Arrays.asList("1e+308", null)),
                groups.getList("results"));
        JsonPath rows = hogql(project, "select distinct_id, $group_0 from events where event = '$pageview' "
                + "order by distinct_id");
        assertEquals("alice", rows.getString("results[0][0]"));
        assertEquals("12", rows.getString("results[0][1]"));
        // the property keeps the number, written as JavaScript writes 12.0
        assertEquals("12", row("SELECT properties->>'$group_0' FROM events WHERE team_id = $1 AND distinct_id = 'alice'",
                project.id()).getString(0));
        // the column keeps a long key whole (no index holds it); the property is typed Numeric by alice's 12
        assertTrue(longKey.equals(rows.getString("results[1][1]")), "bob's $group_0 is the long key");
        assertTrue(longKey.equals(row("SELECT properties->>'$group_0' FROM events WHERE team_id = $1 AND distinct_id = 'bob'",
                project.id()).getString(0)), "bob's property is the long key");
        JsonPath warnings = warnings(project, project.key());
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < warnings.getList("results").size(); i++) {
            counts.put(warnings.getString("results[" + i + "].type"), warnings.getInt("results[" + i + "].count"));
        }
        assertEquals(Map.of("group_key_too_long", 1, "group_type_too_long", 2), counts);
    }

    @Test
    void concurrentBatchesNamingNewGroupTypesAgreeOnTheirIndexes() throws Exception {
        // batches that lose the race for a new group type (23505 on group_type_mappings) are retried, up to once per
        // type a project can have, never answered 500
        Project project = TestProjects.create("Group type race");
        java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newFixedThreadPool(12);
        try {
            List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
            for (int i = 0; i < 24; i++) {
                String type = "type-" + (i % 4);
                int n = i;
                sent.add(senders.submit(() -> send("/batch/", project, List.of(event("$pageview", "u" + n,
                        "2026-01-10T10:00:00Z", Map.of("$groups", Map.of(type, "key-" + n, "shared", "s")))))));
            }
            for (var f : sent) {
                f.get();
            }
        } finally {
            senders.shutdown();
        }
        assertEquals(5L, count("SELECT count(*) FROM group_type_mappings WHERE team_id = $1", project.id()));
        assertEquals(24L, count("SELECT count(*) FROM events WHERE team_id = $1", project.id()));
        // every event's key sits in the column its type was given, and "shared" in its own
        assertEquals(48L, count("SELECT count(*) FROM events e JOIN group_type_mappings m ON m.team_id = e.team_id "
                + "AND (e.properties->'$groups') ? m.group_type WHERE e.team_id = $1 AND (e.properties->'$groups'->>"
                + "m.group_type) = (ARRAY[e.group_0, e.group_1, e.group_2, e.group_3, e.group_4])[m.group_type_index + 1]",
                project.id()));
    }

    @Test
    void derivedPersonPropertiesAreFilterableInHogQL() throws IOException {
        Project project = TestProjects.create("Derived");
        send("/batch/", project, List.of(
                event("$pageview", "v1", "2026-01-10T10:00:00Z", Map.of("utm_source", "newsletter",
                        "$browser", "Chrome", "$os", "Mac OS X", "$referring_domain", "news.test")),
                event("$pageview", "v1", "2026-01-10T11:00:00Z", Map.of("utm_source", "google", "$browser", "Chrome")),
                event("$pageview", "v2", "2026-01-10T10:00:00Z", Map.of("utm_source", "google"))));
        Row v1 = row("SELECT properties::text FROM persons WHERE team_id = $1 AND uuid = $2", project.id(),
                personOf(project, "v1"));
        assertEquals("newsletter", MAPPER.readTree(v1.getString(0)).get("$initial_utm_source").asText());
        assertEquals("google", MAPPER.readTree(v1.getString(0)).get("utm_source").asText());
        assertEquals("Mac OS X", MAPPER.readTree(v1.getString(0)).get("$initial_os").asText());
        assertEquals("news.test", MAPPER.readTree(v1.getString(0)).get("$initial_referring_domain").asText());
        assertNull(MAPPER.readTree(v1.getString(0)).get("$initial_utm_medium"));
        JsonPath result = hogql(project, "select person.properties.$initial_utm_source, count(distinct person_id) "
                + "from events group by 1 order by 1");
        assertEquals(List.of(List.of("google", 1), List.of("newsletter", 1)), result.getList("results"));
    }

    @Test
    void operatorListsPersonsMergedThroughAPlaceholderBeforeTheFix() {
        Project project = TestProjects.create("Legacy merges");
        send("/batch/", project, List.of(event("$pageview", "alice", "2026-01-10T10:00:00Z", Map.of()),
                event("$pageview", "bob", "2026-01-10T10:00:00Z", Map.of()),
                event("$pageview", "undefined", "2026-01-10T10:00:00Z", Map.of())));
        // What the old capture did: "undefined" (and bob's person) merged into alice's person.
        UUID alice = personOf(project, "alice");
        pool.preparedQuery("UPDATE person_distinct_ids SET person_id = $2 WHERE team_id = $1 AND distinct_id IN "
                + "('bob', 'undefined')").execute(Tuple.of(project.id(), alice)).await().indefinitely();
        pool.preparedQuery("INSERT INTO person_overrides (team_id, old_person_id, override_person_id) VALUES ($1, $2, $3)")
                .execute(Tuple.of(project.id(), UUID.randomUUID(), alice)).await().indefinitely();
        given().header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET)
                .get("/admin/projects/" + project.id() + "/illegal-id-merges").then().log().ifValidationFails()
                .statusCode(200)
                .body("results.size()", equalTo(1))
                .body("results[0].person_id", equalTo(alice.toString()))
                .body("results[0].illegal_distinct_ids", equalTo(List.of("undefined")))
                .body("results[0].distinct_ids", equalTo(List.of("alice", "bob", "undefined")))
                .body("results[0].distinct_id_count", equalTo(3))
                .body("results[0].merged_persons", equalTo(1))
                .body("results[0].person_exists", equalTo(true));
        given().header("X-Quarry-Operator-Secret", "wrong").get("/admin/projects/" + project.id() + "/illegal-id-merges")
                .then().statusCode(403);
        given().header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET).get("/admin/projects/999999/illegal-id-merges")
                .then().statusCode(404);
    }
}

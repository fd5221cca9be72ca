package dev.quarry.capture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CaptureEndpointsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static Project project;
    private static Project other;

    @Inject
    Pool pool;

    @BeforeEach
    void projects() {
        if (project == null) {
            project = TestProjects.create("Capture test");
            other = TestProjects.create("Capture other");
        }
    }

    /**
     * 1,000 events from 10 anonymous visitors (anon-0 … anon-9). Halfway, visitors 0–4 identify as
     * user-0 … user-4 ($identify with $anon_distinct_id), and user-0 is aliased to anon-5's person
     * ($create_alias, anon-5 not identified, so the two persons merge). Expected afterwards:
     * persons = 10 - 1 (the merge) = 9; distinct ids = 10 anon + 5 user = 15; user-0, anon-0 and anon-5 share
     * one person; 1,000 events, all with a person.
     *
     * <p>Capture places each event at receipt time − (sent_at − timestamp), and the events' key holds the day, so the
     * test fixes the application's clock at 12:00:00.250 UTC (sent_at 12:00:00.000): both sends store the same times
     * (the first event at 11:00:00.250), whatever the hour of the run, across midnight too.
     */
    @Test
    void gzipBatchAsPosthogNodeSendsItLandsAndResendingChangesNothing() throws IOException {
        QuarkusMock.installMockForType(Clock.fixed(Instant.parse("2026-01-10T12:00:00.250Z"), ZoneOffset.UTC),
                Clock.class);
        ObjectNode body = MAPPER.createObjectNode();
        body.put("api_key", project.apiToken());
        body.put("sent_at", "2026-01-10T12:00:00.000Z");
        ArrayNode batch = body.putArray("batch");
        for (int i = 0; i < 1000; i++) {
            int visitor = i % 10;
            boolean identified = i >= 500 && visitor < 5;
            ObjectNode event = batch.addObject();
            event.put("uuid", UUID.nameUUIDFromBytes(("event-" + i).getBytes()).toString());
            event.put("type", "capture");
            event.put("library", "posthog-node");
            event.put("timestamp", String.format("2026-01-10T11:%02d:%02d.000Z", (i / 60) % 60, i % 60));
            ObjectNode properties = event.putObject("properties");
            properties.put("$lib", "posthog-node");
            properties.put("$browser", visitor % 2 == 0 ? "Chrome" : "Firefox");
            if (i == 500 + visitor && visitor < 5) {
                event.put("event", "$identify");
                event.put("distinct_id", "user-" + visitor);
                properties.put("$anon_distinct_id", "anon-" + visitor);
                properties.putObject("$set").put("email", "user-" + visitor + "@example.com");
            } else if (i == 600) {
                event.put("event", "$create_alias");
                event.put("distinct_id", "user-0");
                properties.put("alias", "anon-5");
            } else {
                event.put("event", i % 3 == 0 ? "$pageview" : "clicked");
                event.put("distinct_id", identified ? "user-" + visitor : "anon-" + visitor);
            }
        }
        byte[] gzipped = gzip(MAPPER.writeValueAsBytes(body));

        postGzip(gzipped);
        assertDatabaseState();
        postGzip(gzipped);
        assertDatabaseState();
        Row span = pool.preparedQuery("SELECT min(timestamp), max(timestamp) FROM events WHERE team_id = $1")
                .execute(Tuple.of(project.id())).await().indefinitely().iterator().next();
        assertEquals(Instant.parse("2026-01-10T11:00:00.250Z"), span.getOffsetDateTime(0).toInstant());
        assertEquals(Instant.parse("2026-01-10T11:16:39.250Z"), span.getOffsetDateTime(1).toInstant());
    }

    private void assertDatabaseState() {
        long team = project.id();
        assertEquals(1000L, count("SELECT count(*) FROM events WHERE team_id = $1", team));
        assertEquals(9L, count("SELECT count(*) FROM persons WHERE team_id = $1", team));
        assertEquals(15L, count("SELECT count(*) FROM person_distinct_ids WHERE team_id = $1", team));
        Map<String, UUID> personOf = new HashMap<>();
        for (Row row : pool.preparedQuery("SELECT distinct_id, person_id FROM person_distinct_ids WHERE team_id = $1")
                .execute(Tuple.of(team)).await().indefinitely()) {
            personOf.put(row.getString(0), row.getUUID(1));
        }
        assertEquals(personOf.get("user-0"), personOf.get("anon-0"));
        assertEquals(personOf.get("user-0"), personOf.get("anon-5"));
        assertEquals(personOf.get("user-3"), personOf.get("anon-3"));
        assertTrue(!personOf.get("user-1").equals(personOf.get("user-2")));
        // Every event counts for the person its distinct id belongs to now (through overrides after merges).
        assertEquals(0L, count("SELECT count(*) FROM events e LEFT JOIN person_overrides o ON o.team_id = e.team_id "
                + "AND o.old_person_id = e.person_id JOIN person_distinct_ids d ON d.team_id = e.team_id "
                + "AND d.distinct_id = e.distinct_id WHERE e.team_id = $1 "
                + "AND coalesce(o.override_person_id, e.person_id) <> d.person_id", team));
        Row person = pool.preparedQuery("SELECT properties ->> 'email', is_identified FROM persons WHERE team_id = $1 "
                + "AND uuid = $2").execute(Tuple.of(team, personOf.get("user-3"))).await().indefinitely().iterator().next();
        assertEquals("user-3@example.com", person.getString(0));
        assertTrue(person.getBoolean(1));
        assertEquals(0L, count("SELECT count(*) FROM events WHERE team_id = $1", other.id()));
    }

    @Test
    void singleEventOnEachEndpointPlainAndGzip() throws IOException {
        Set<String> ids = new HashSet<>();
        for (String path : List.of("/capture/", "/e/", "/i/v0/e/", "/batch/", "/capture", "/track/")) {
            String distinctId = "single-" + path.replace("/", "_");
            ids.add(distinctId);
            Map<String, Object> event = Map.of("api_key", project.apiToken(), "event", "ping",
                    "distinct_id", distinctId, "properties", Map.of("path", path));
            given().contentType("application/json").body(event).post(path)
                    .then().statusCode(200).body("status", equalTo(1));
        }
        byte[] gzipped = gzip(MAPPER.writeValueAsBytes(Map.of("token", project.apiToken(), "event", "zipped",
                "properties", Map.of("distinct_id", "gzip-js-user"))));
        given().contentType("application/octet-stream").body(gzipped).post("/e/?compression=gzip-js")
                .then().log().ifValidationFails().statusCode(200).body("status", equalTo(1));
        assertEquals(1L, count("SELECT count(*) FROM events WHERE team_id = $1 AND distinct_id = 'gzip-js-user'",
                project.id()));
        assertEquals((long) ids.size(), count("SELECT count(*) FROM events WHERE team_id = $1 AND event = 'ping'",
                project.id()));
    }

    @Test
    void setOnceKeepsTheFirstValueAndSetOverwrites() {
        String token = project.apiToken();
        for (String plan : List.of("free", "pro")) {
            given().contentType("application/json").body(Map.of("api_key", token, "batch", List.of(Map.of(
                            "event", "$set", "distinct_id", "setter",
                            "properties", Map.of("$set", Map.of("plan", plan), "$set_once", Map.of("first_plan", plan))))))
                    .post("/batch/").then().statusCode(200);
        }
        Row row = pool.preparedQuery("SELECT p.properties ->> 'plan', p.properties ->> 'first_plan', p.created_at "
                        + "FROM persons p JOIN person_distinct_ids d ON d.team_id = p.team_id AND d.person_id = p.uuid "
                        + "WHERE d.team_id = $1 AND d.distinct_id = 'setter'")
                .execute(Tuple.of(project.id())).await().indefinitely().iterator().next();
        assertEquals("pro", row.getString(0));
        assertEquals("free", row.getString(1));
    }

    @Test
    void personIsCreatedAtItsFirstEventsTimestampCorrectedForSkew() {
        // The client's clock is 1 hour behind: sent_at says 11:00 when the server receives it; the event was made
        // 10 minutes before sending, so it happened 10 minutes before now, whatever the client's clock said.
        String sentAt = java.time.Instant.now().minusSeconds(3600).toString();
        String timestamp = java.time.Instant.now().minusSeconds(3600 + 600).toString();
        given().contentType("application/json").body(Map.of("api_key", project.apiToken(), "sent_at", sentAt,
                        "batch", List.of(Map.of("event", "skewed", "distinct_id", "skewed-user", "timestamp", timestamp))))
                .post("/batch/").then().statusCode(200);
        Row row = pool.preparedQuery("SELECT extract(epoch FROM now() - timestamp) FROM events WHERE team_id = $1 "
                + "AND distinct_id = 'skewed-user'").execute(Tuple.of(project.id())).await().indefinitely().iterator().next();
        double secondsAgo = row.getNumeric(0).doubleValue();
        assertTrue(secondsAgo > 590 && secondsAgo < 660, "event should be ~600 s old, was " + secondsAgo);
    }

    @Test
    void badInputIs400OrUnknownTokenIs401AndNothingIsStored() {
        String token = project.apiToken();
        long before = count("SELECT count(*) FROM events WHERE team_id = $1", project.id());
        given().contentType("application/json").body(Map.of("api_key", "phc_unknown", "event", "x", "distinct_id", "a"))
                .post("/capture/").then().statusCode(401).body("type", equalTo("authentication_error"));
        given().contentType("application/json").body("{\"api_key\": \"" + token + "\", \"batch\": [")
                .post("/batch/").then().statusCode(400).body("type", equalTo("validation_error"))
                .body("code", equalTo("invalid_payload"));
        // One bad event makes the whole batch fail: the good first event is not stored either.
        given().contentType("application/json").body(Map.of("api_key", token, "batch", List.of(
                        Map.of("event", "good", "distinct_id", "a"), Map.of("event", "no distinct id"))))
                .post("/batch/").then().statusCode(400)
                .body("detail", equalTo("Event at index 1 is missing distinct_id"));
        given().contentType("application/json").body(Map.of("api_key", token, "batch", List.of(Map.of("distinct_id", "a"))))
                .post("/batch/").then().statusCode(400)
                .body("detail", equalTo("Event at index 0 is missing the event name"));
        given().contentType("application/json").body(Map.of("batch", List.of(Map.of("event", "x", "distinct_id", "a"))))
                .post("/batch/").then().statusCode(400);
        // A uuid PostHog's capture cannot decode, a number or a malformed string alike, refuses the whole request.
        for (Object uuid : List.of(123, "not-a-uuid")) {
            given().contentType("application/json").body(Map.of("api_key", token, "batch", List.of(
                            Map.of("event", "good", "distinct_id", "a"),
                            Map.of("event", "bad uuid", "distinct_id", "a", "uuid", uuid))))
                    .post("/batch/").then().statusCode(400).body("code", equalTo("invalid_payload"))
                    .body("detail", org.hamcrest.Matchers.startsWith("Event at index 1: "));
        }
        given().contentType("application/json").header("Content-Encoding", "gzip").body("not gzip at all".getBytes())
                .post("/batch/").then().statusCode(400).body("code", equalTo("invalid_payload"));
        given().contentType("application/json").body("").post("/batch/").then().statusCode(400);
        assertEquals(before, count("SELECT count(*) FROM events WHERE team_id = $1", project.id()));
    }

    @Test
    void gzipBombIsRefused() throws IOException {
        byte[] zeros = new byte[CapturePayloadParser.MAX_DECOMPRESSED_BYTES + 1024];
        given().contentType("application/octet-stream").header("Content-Encoding", "gzip").body(gzip(zeros))
                .post("/batch/").then().statusCode(413).body("code", equalTo("event_too_big"));
    }

    /** As posthog-node sends it: gzip bytes labelled application/json, with Content-Encoding: gzip. */
    private void postGzip(byte[] gzipped) {
        given().contentType("application/json").header("Content-Encoding", "gzip").body(gzipped)
                .post("/batch/").then().log().ifValidationFails().statusCode(200).body("status", equalTo(1));
    }

    private long count(String sql, long team) {
        return pool.preparedQuery(sql).execute(Tuple.of(team)).await().indefinitely().iterator().next().getLong(0);
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(raw);
        }
        return out.toByteArray();
    }
}

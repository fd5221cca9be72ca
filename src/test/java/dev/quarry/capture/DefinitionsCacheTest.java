package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.quarry.data.Team;
import dev.quarry.data.Teams;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Capture's process-local set of definitions known stored ({@link KnownDefinitions} behind
 * {@link DefinitionsRecorder}): a batch whose names are all known sends no definitions statement, so rows removed
 * behind the process's back stay removed until the entries expire or the team's entries are dropped
 * ({@link DefinitionsRecorder#forgetTeam}, what a deletion made by this process calls), after which the next batch
 * writes them again; a batch rolled back leaves nothing in the set; two projects never share an entry; an event's
 * {@code created_at} and hourly {@code last_seen_at} move as without the set. Batches are posthog-node 5.x's
 * {@code /batch/} bodies, gzip.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class DefinitionsCacheTest {
    @Inject
    Pool pool;
    @Inject
    DefinitionsRecorder definitions;
    @Inject
    EventIngestor ingestor;
    @Inject
    Teams teams;

    @Test
    void knownNamesAreNotWrittenAgainUntilTheTeamIsForgotten() throws Exception {
        Project project = TestProjects.create("definitions cache forget");
        capture(project, "plan_chosen", "2026-03-02T10:00:00.000Z", "{\"plan\":\"pro\"}");
        assertEquals(1, stored(project, "plan_chosen", "plan"));

        // removed behind the process's back (another instance, or by hand): the next batch of the same names sends
        // no definitions statement, so they stay removed (without the set, this batch would write the three back)
        deleteDefinitions(project);
        capture(project, "plan_chosen", "2026-03-02T10:05:00.000Z", "{\"plan\":\"team\"}");
        assertEquals(0, stored(project, "plan_chosen", "plan"));

        // a deletion made by this process drops the team's entries: the next batch writes the names again
        definitions.forgetTeam(project.id());
        capture(project, "plan_chosen", "2026-03-02T10:06:00.000Z", "{\"plan\":\"team\"}");
        assertEquals(1, stored(project, "plan_chosen", "plan"));
        assertEquals(List.of("plan_chosen|plan", "plan_chosen|$lib"), pairs(project));
    }

    @Test
    void twoProjectsNeverShareAnEntry() throws Exception {
        Project first = TestProjects.create("definitions cache team A");
        Project second = TestProjects.create("definitions cache team B");
        capture(first, "signed_up", "2026-03-02T10:00:00.000Z", "{\"referrer\":\"ads\"}");
        capture(second, "signed_up", "2026-03-02T10:00:00.000Z", "{\"referrer\":\"ads\"}");
        assertEquals(1, stored(first, "signed_up", "referrer"));
        assertEquals(1, stored(second, "signed_up", "referrer"));
        assertEquals(List.of("signed_up|referrer", "signed_up|$lib"), pairs(second));
    }

    /**
     * The batch's definitions statement runs, then the persons' insert fails (a trigger this test adds for its own
     * project), and the transaction rolls back: nothing is stored and nothing is remembered, so the next batch of the
     * same names (trigger gone) writes them.
     */
    @Test
    void aRolledBackBatchLeavesNothingKnown() throws Exception {
        Project project = TestProjects.create("definitions cache rollback");
        Team team = teams.findByApiToken(project.apiToken()).await().indefinitely();
        String trigger = "definitions_cache_test_" + project.id();
        execute("CREATE OR REPLACE FUNCTION " + trigger + "() RETURNS trigger LANGUAGE plpgsql AS "
                + "$$BEGIN RAISE EXCEPTION 'refused by the test'; END$$");
        execute("CREATE TRIGGER " + trigger + " BEFORE INSERT ON persons FOR EACH ROW WHEN (NEW.team_id = "
                + project.id() + ") EXECUTE FUNCTION " + trigger + "()");
        try {
            CapturedEvent event = new CapturedEvent(UUID.randomUUID(), "checkout", "rolled-back-user",
                    JsonNodeFactory.instance.objectNode().put("cart_size", 3),
                    Instant.parse("2026-03-02T10:00:00Z"), JsonNodeFactory.instance.objectNode(),
                    JsonNodeFactory.instance.objectNode(), List.of());
            assertThrows(RuntimeException.class,
                    () -> ingestor.ingest(team, List.of(event)).await().atMost(Duration.ofSeconds(60)));
        } finally {
            execute("DROP TRIGGER " + trigger + " ON persons");
            execute("DROP FUNCTION " + trigger + "()");
        }
        assertEquals(0, count("SELECT count(*) FROM events WHERE team_id = $1", project.id()));
        assertEquals(0, stored(project, "checkout", "cart_size"));

        capture(project, "checkout", "2026-03-02T10:01:00.000Z", "{\"cart_size\":3}");
        assertEquals(1, stored(project, "checkout", "cart_size"));
    }

    /**
     * As without the set: {@code last_seen_at} moves only when the batch's latest event is more than an hour past
     * it, {@code created_at} moves to an earlier event.
     */
    @Test
    void lastSeenMovesHourlyAndCreatedMovesEarlier() {
        Project project = TestProjects.create("definitions cache last seen");
        Team team = teams.findByApiToken(project.apiToken()).await().indefinitely();
        String[][] steps = {
                {"2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z|2026-03-02T10:00:00Z"},
                {"2026-03-02T10:40:00Z", "2026-03-02T10:00:00Z|2026-03-02T10:00:00Z"},
                {"2026-03-02T11:30:00Z", "2026-03-02T10:00:00Z|2026-03-02T11:30:00Z"},
                {"2026-03-02T09:15:00Z", "2026-03-02T09:15:00Z|2026-03-02T11:30:00Z"},
                {"2026-03-02T12:29:00Z", "2026-03-02T09:15:00Z|2026-03-02T11:30:00Z"},
                {"2026-03-02T12:31:00Z", "2026-03-02T09:15:00Z|2026-03-02T12:31:00Z"}};
        for (String[] step : steps) {
            CapturedEvent event = new CapturedEvent(UUID.randomUUID(), "report_opened", "reader",
                    JsonNodeFactory.instance.objectNode().put("report", "weekly"), Instant.parse(step[0]),
                    JsonNodeFactory.instance.objectNode(), JsonNodeFactory.instance.objectNode(), List.of());
            ingestor.ingest(team, List.of(event)).await().atMost(Duration.ofSeconds(60));
            var row = pool.preparedQuery("SELECT created_at, last_seen_at FROM event_definitions WHERE team_id = $1 "
                    + "AND name = 'report_opened'").execute(Tuple.of(project.id())).await().indefinitely()
                    .iterator().next();
            assertEquals(step[1], row.getOffsetDateTime(0).toInstant() + "|" + row.getOffsetDateTime(1).toInstant(),
                    "after an event at " + step[0]);
        }
    }

    @Test
    void aPropertySeenOnlyAsNullIsTypedByItsFirstTypedValue() throws Exception {
        Project project = TestProjects.create("definitions typed later");
        capture(project, "plan_chosen", "2026-03-02T10:00:00.000Z", "{\"seats\":null,\"$set\":{\"age\":null}}");
        capture(project, "$groupidentify", "2026-03-02T10:00:00.000Z",
                "{\"$group_type\":\"company\",\"$group_key\":\"c1\",\"$group_set\":{\"size\":null}}");
        assertEquals("null/false", typeOf(project, 1, "seats"));
        assertEquals("null/false", typeOf(project, 2, "age"));
        assertEquals("null/false", typeOf(project, 3, "size"));

        // the first typed value types them, though the untyped names are known to this process by now
        capture(project, "plan_chosen", "2026-03-02T10:01:00.000Z", "{\"seats\":3,\"$set\":{\"age\":41}}");
        capture(project, "$groupidentify", "2026-03-02T10:01:00.000Z",
                "{\"$group_type\":\"company\",\"$group_key\":\"c1\",\"$group_set\":{\"size\":\"large\"}}");
        assertEquals("Numeric/true", typeOf(project, 1, "seats"));
        assertEquals("Numeric/true", typeOf(project, 2, "age"));
        assertEquals("String/false", typeOf(project, 3, "size"));

        // a stored type never changes, neither by another type nor by null again
        definitions.forgetTeam(project.id());
        capture(project, "plan_chosen", "2026-03-02T10:02:00.000Z", "{\"seats\":\"three\",\"$set\":{\"age\":null}}");
        capture(project, "$groupidentify", "2026-03-02T10:02:00.000Z",
                "{\"$group_type\":\"company\",\"$group_key\":\"c1\",\"$group_set\":{\"size\":12}}");
        assertEquals("Numeric/true", typeOf(project, 1, "seats"));
        assertEquals("Numeric/true", typeOf(project, 2, "age"));
        assertEquals("String/false", typeOf(project, 3, "size"));
    }

    /** A property definition's {@code property_type/is_numerical} (type 1 event, 2 person, 3 group), one row. */
    private String typeOf(Project project, int type, String name) {
        var rows = pool.preparedQuery("SELECT coalesce(property_type, 'null') || '/' || is_numerical "
                        + "FROM property_definitions WHERE team_id = $1 AND type = $2 AND name = $3")
                .execute(Tuple.of(project.id(), (short) type, name)).await().indefinitely();
        assertEquals(1, rows.size(), type + " " + name);
        return rows.iterator().next().getString(0);
    }

    /**
     * How many of the event's definition, the property's event definition and their (event, property) pair are
     * stored — the three always together (checked), so 1 or 0.
     */
    private long stored(Project project, String event, String property) {
        long events = count("SELECT count(*) FROM event_definitions WHERE team_id = $1 AND name = '" + event + "'",
                project.id());
        long properties = count("SELECT count(*) FROM property_definitions WHERE team_id = $1 AND type = 1 "
                + "AND name = '" + property + "'", project.id());
        long pairs = count("SELECT count(*) FROM event_properties WHERE team_id = $1 AND event = '" + event
                + "' AND property = '" + property + "'", project.id());
        assertEquals(events, properties, "event definitions vs property definitions");
        assertEquals(events, pairs, "event definitions vs pairs");
        return events;
    }

    private List<String> pairs(Project project) {
        return pool.preparedQuery("SELECT event || '|' || property FROM event_properties WHERE team_id = $1 "
                        + "AND property NOT IN ('$lib_version', '$is_server', '$geoip_disable') ORDER BY property COLLATE \"C\" DESC")
                .execute(Tuple.of(project.id())).await().indefinitely().stream().map(row -> row.getString(0)).toList();
    }

    private void deleteDefinitions(Project project) {
        for (String table : List.of("event_definitions", "property_definitions", "event_properties")) {
            pool.preparedQuery("DELETE FROM " + table + " WHERE team_id = $1").execute(Tuple.of(project.id()))
                    .await().indefinitely();
        }
    }

    private long count(String sql, long teamId) {
        return pool.preparedQuery(sql).execute(Tuple.of(teamId)).await().indefinitely().iterator().next().getLong(0);
    }

    private void execute(String sql) {
        pool.query(sql).execute().await().indefinitely();
    }

    /** posthog-node 5.x's batch of one captured event (its {@code /batch/} body, gzip). */
    private static void capture(Project project, String event, String timestamp, String properties)
            throws IOException, InterruptedException {
        String extra = properties.equals("{}") ? "" : properties.substring(1, properties.length() - 1) + ",";
        String body = ("{\"api_key\":\"%s\",\"batch\":[{\"event\":\"%s\",\"distinct_id\":\"user-1\",\"type\":\"capture\","
                + "\"library\":\"posthog-node\",\"library_version\":\"5.70.0\",\"uuid\":\"%s\",\"timestamp\":\"%s\","
                + "\"properties\":{%s\"$lib\":\"posthog-node\",\"$lib_version\":\"5.70.0\",\"$is_server\":true,"
                + "\"$geoip_disable\":true}}],\"sent_at\":\"%s\"}")
                .formatted(project.apiToken(), event, UUID.randomUUID(), timestamp, extra, timestamp);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(body.getBytes(StandardCharsets.UTF_8));
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + "/batch/"))
                .header("Content-Type", "application/json").header("Content-Encoding", "gzip")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray()))
                .build();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
    }
}

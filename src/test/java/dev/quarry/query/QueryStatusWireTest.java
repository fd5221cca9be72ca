package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The query status object ({@code QueryStatus}) as it goes out, byte for byte: a fresh one (POST with
 * {@code force_async}, {@code async} on a cache miss) in the order it is built, a stored one (GET query/:id, running,
 * with progress, finished, failed) in the order PostgreSQL's jsonb keeps it. Times, ids, the project id and the
 * cache key are replaced by markers before comparing; everything else — key order, nulls, numbers — is compared as
 * the bytes sent.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class QueryStatusWireTest {
    @Inject
    Pool pool;

    private static Response post(Project project, String body) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json").body(body)
                .post("/api/environments/" + project.id() + "/query/");
    }

    private static Response get(Project project, String id, boolean progress) {
        return given().header("Authorization", "Bearer " + project.key()).queryParam("show_progress", progress)
                .get("/api/environments/" + project.id() + "/query/" + id + "/");
    }

    private static String normalized(Project project, String id, Response response) {
        return response.asString()
                .replaceAll("\"\\d{4}-\\d\\d-\\d\\dT[0-9:.]+(Z|[+-]\\d\\d:\\d\\d)\"", "\"<time>\"")
                .replace("\"" + id + "\"", "\"<id>\"")
                .replaceAll("\"cache_key\":\"[^\"]+\"", "\"cache_key\":\"<key>\"")
                .replaceAll("\"t\":[0-9.Ee-]+", "\"t\":<seconds>")
                .replaceAll("\"time_elapsed\":\\d+", "\"time_elapsed\":<s>")
                .replace("\"team_id\":" + project.id(), "\"team_id\":<team>");
    }

    private static Response awaitDone(Project project, String id) throws InterruptedException {
        for (int i = 0; i < 400; i++) {
            Response response = get(project, id, false);
            if (response.statusCode() != 202) {
                return response;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("query " + id + " did not finish in 10 s");
    }

    /** The status fields as a status made by this request writes them (the order built). */
    private static final String FRESH = "{\"id\":\"<id>\",\"team_id\":<team>,\"query_async\":true,\"complete\":false,"
            + "\"error\":false,\"error_message\":null,\"results\":null,\"start_time\":\"<time>\",\"pickup_time\":null,"
            + "\"end_time\":null,\"expiration_time\":\"<time>\",\"task_id\":\"<id>\",\"insight_id\":null,"
            + "\"dashboard_id\":null,\"query_progress\":null,\"labels\":null}";

    /** A stored status in jsonb's key order (shorter keys first, then bytewise), {@code %s} for the varying parts. */
    private static String stored(String error, String results, String complete, String endTime, String errorMessage,
                                 String progress) {
        return "{\"query_status\":{\"id\":\"<id>\",\"error\":" + error + ",\"labels\":null,\"results\":" + results
                + ",\"task_id\":\"<id>\",\"team_id\":<team>,\"complete\":" + complete + ",\"end_time\":" + endTime
                + ",\"insight_id\":null,\"start_time\":\"<time>\",\"pickup_time\":\"<time>\",\"query_async\":true,"
                + "\"dashboard_id\":null,\"error_message\":" + errorMessage + ",\"query_progress\":" + progress
                + ",\"expiration_time\":\"<time>\"}}";
    }

    /** HogQLQueryModifiers as PostHog resolves a node's without any, in the model's order. */
    private static final String DEFAULT_MODIFIERS = "{\"bounceRateDurationSeconds\":null,"
            + "\"bounceRatePageViewMode\":\"count_pageviews\",\"convertToProjectTimezone\":true,"
            + "\"customChannelTypeRules\":null,\"dataWarehouseEventsModifiers\":null,\"debug\":null,"
            + "\"formatCsvAllowDoubleQuotes\":null,\"inCohortVia\":\"auto\","
            + "\"materializationMode\":\"legacy_null_as_null\",\"optimizeJoinedFilters\":false,"
            + "\"optimizeProjections\":null,\"personsArgMaxVersion\":\"auto\",\"personsJoinMode\":null,"
            + "\"personsOnEventsMode\":\"person_id_override_properties_joined\",\"propertyGroupsMode\":null,"
            + "\"s3TableUseInvalidColumns\":null,\"sessionTableVersion\":\"auto\","
            + "\"sessionsV2JoinMode\":\"string\",\"timings\":null,\"useMaterializedViews\":true,"
            + "\"usePreaggregatedTableTransforms\":null,\"usePresortedEventsTable\":false,"
            + "\"useWebAnalyticsPreAggregatedTables\":null}";

    @Test
    void statusObjectsGoOutAsBefore() throws InterruptedException {
        Project project = TestProjects.create("Status wire");
        String id = "wire-" + UUID.randomUUID();
        Response started = post(project, "{\"refresh\":\"force_async\",\"client_query_id\":\"" + id
                + "\",\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 1 as one, 'a' as two\"}}");
        assertEquals(202, started.statusCode());
        assertEquals("{\"query_status\":" + FRESH + "}", normalized(project, id, started));
        Response done = awaitDone(project, id);
        assertEquals(200, done.statusCode());
        // the answer inside is kept as rendered text (V59_1): its keys in the fresh answer's order
        String answer = "{\"results\":[[1,\"a\"]],\"columns\":[\"one\",\"two\"],"
                + "\"types\":[[\"one\",\"UInt8\"],[\"two\",\"String\"]],"
                + "\"hogql\":\"SELECT 1 AS one, 'a' AS two LIMIT 100\",\"clickhouse\":null,"
                + "\"postgres\":\"SELECT 1::bigint AS \\\"one\\\", $1::text AS \\\"two\\\" LIMIT 101\","
                + "\"query\":\"select 1 as one, 'a' as two\",\"limit\":100,\"offset\":0,\"hasMore\":false,"
                + "\"explain\":null,\"metadata\":null,\"modifiers\":" + DEFAULT_MODIFIERS + ",\"error\":null,"
                + "\"timings\":null,\"is_cached\":false,"
                + "\"last_refresh\":\"<time>\",\"next_allowed_client_refresh\":\"<time>\","
                + "\"cache_target_age\":\"<time>\",\"cache_key\":\"<key>\",\"timezone\":\"UTC\","
                + "\"query_status\":null}";
        assertEquals(stored("false", answer, "true", "\"<time>\"", "null", "null"), normalized(project, id, done));
        String bad = "wire-" + UUID.randomUUID();
        post(project, "{\"refresh\":\"force_async\",\"client_query_id\":\"" + bad
                + "\",\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select nosuchfunction(1)\"}}");
        Response failed = awaitDone(project, bad);
        assertEquals(400, failed.statusCode());
        assertEquals(stored("true", "null", "true", "\"<time>\"", "\"Unsupported function call 'nosuchfunction(...)'\"", "null"),
                normalized(project, bad, failed));
        String miss = "wire-" + UUID.randomUUID();
        Response missed = post(project, "{\"refresh\":\"async\",\"client_query_id\":\"" + miss
                + "\",\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 2\"}}");
        assertEquals(202, missed.statusCode());
        assertEquals("{\"cache_key\":\"<key>\",\"query_status\":" + FRESH + "}", normalized(project, miss, missed));
        awaitDone(project, miss);
        String slow = "wire-" + UUID.randomUUID();
        pool.preparedQuery("INSERT INTO query_status (team_id, id, status, complete, expiration_time) "
                + "VALUES ($1, $2, jsonb_build_object('id', $2::text, 'team_id', $1::bigint, 'query_async', true, "
                + "'complete', false, 'error', false, 'error_message', null, 'results', null, 'start_time', "
                + "'2026-01-01T00:00:00.000000Z', 'pickup_time', '2026-01-01T00:00:01.000000Z', 'end_time', null, "
                + "'expiration_time', '2099-01-01T00:00:00.000000Z', 'task_id', $2::text, 'insight_id', null, "
                + "'dashboard_id', null, 'query_progress', null, 'labels', null), false, '2099-01-01')")
                .execute(Tuple.of(project.id(), slow)).await().indefinitely();
        Response running = get(project, slow, false);
        assertEquals(202, running.statusCode());
        assertEquals(stored("false", "null", "false", "null", "null", "null"), normalized(project, slow, running));
        Response progress = get(project, slow, true);
        assertEquals(202, progress.statusCode());
        assertEquals(stored("false", "null", "false", "null", "null", "{\"bytes_read\":0,\"rows_read\":0,"
                + "\"estimated_rows_total\":0,\"time_elapsed\":<s>,\"active_cpu_time\":0}"),
                normalized(project, slow, progress));
        // picked up at 2026-01-01T00:00:01Z: whole seconds since then
        long elapsed = ((Number) progress.path("query_status.query_progress.time_elapsed")).longValue();
        assertTrue(elapsed > 300L * 24 * 3600, "seconds since the pick-up: " + elapsed);
    }
}

package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GET query/:id/log as the contract's Part A item 7 has it: every statement run, with {@code query_id, team_id,
 * event_time, query_duration_ms, result_rows, read_rows, status, exception, query, kind} (and PostHog's query_log
 * columns), in the HogQL response shape; {@code query} is the PostgreSQL statement that ran, bound values not
 * inlined; a cancelled query is {@code Cancelled}; one project never sees another's rows.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class QueryLogTest {
    /** The columns the contract names, by those names. */
    static final List<String> CONTRACT_COLUMNS = List.of("query_id", "team_id", "event_time", "query_duration_ms",
            "result_rows", "read_rows", "status", "exception", "query", "kind");

    private static Project team;
    private static Project other;

    @Inject
    Pool pool;

    /** 400 "tick" events for team (a 3-way cross join of them runs far longer than any test waits), 2 for other. */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Query log");
        other = TestProjects.create("Query log other");
        Capture capture = Capture.to(team);
        for (int i = 0; i < 400; i++) {
            capture.event("tick", "user-" + (i % 7), "2026-01-01T00:00:00Z");
        }
        capture.send();
        Capture.to(other).event("tick", "o", "2026-01-01T00:00:00Z").event("tock", "o", "2026-01-01T00:00:00Z")
                .send();
    }

    private static Response post(Project project, Map<String, Object> query, String refresh, String clientQueryId) {
        Map<String, Object> body = new HashMap<>();
        body.put("query", query);
        body.put("refresh", refresh);
        body.put("client_query_id", clientQueryId);
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json").body(body)
                .post("/api/environments/" + project.id() + "/query/");
    }

    private static Map<String, Object> hogql(String text) {
        return Map.of("kind", "HogQLQuery", "query", text);
    }

    private static Response log(Project project, String id) {
        return given().header("Authorization", "Bearer " + project.key())
                .get("/api/environments/" + project.id() + "/query/" + id + "/log/");
    }

    /** The log's rows as column name → value, once at least {@code rows} are there (polled, bounded). */
    private static List<Map<String, Object>> logRows(Project project, String id, int rows) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            Response response = log(project, id);
            response.then().statusCode(200);
            List<String> columns = response.path("columns");
            List<List<Object>> results = response.path("results");
            if (results.size() >= rows) {
                List<?> types = response.path("types");
                assertEquals(columns.size(), types.size(), "a type for each column");
                assertTrue(columns.containsAll(CONTRACT_COLUMNS), "contract columns missing from " + columns);
                List<Map<String, Object>> named = new ArrayList<>();
                for (List<Object> row : results) {
                    assertEquals(columns.size(), row.size());
                    Map<String, Object> m = new LinkedHashMap<>();
                    for (int c = 0; c < columns.size(); c++) {
                        m.put(columns.get(c), row.get(c));
                    }
                    named.add(m);
                }
                return named;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("fewer than " + rows + " query-log rows for " + id + " after 10 s");
    }

    private static long number(Object value) {
        return ((Number) value).longValue();
    }

    /** event_time: when the run ended, ISO-8601 UTC, within the last minutes. */
    private static void recent(Object eventTime) {
        Instant at = OffsetDateTime.parse((String) eventTime).toInstant();
        assertTrue(Duration.between(at, Instant.now()).abs().compareTo(Duration.ofMinutes(10)) < 0, "event_time " + at);
    }

    /** The query's one log row, with the columns every record has: its id, the project, a recent time, a duration. */
    private static Map<String, Object> onlyRow(String id) throws InterruptedException {
        List<Map<String, Object>> rows = logRows(team, id, 1);
        assertEquals(1, rows.size());
        Map<String, Object> row = rows.get(0);
        assertEquals(id, row.get("query_id"));
        assertEquals(team.id(), number(row.get("team_id")));
        recent(row.get("event_time"));
        assertTrue(number(row.get("query_duration_ms")) >= 0);
        return row;
    }

    @Test
    void aFinishedQueryIsLoggedWithTheSqlThatRanAndItsKind() throws InterruptedException {
        String id = "log-finished-" + System.nanoTime();
        String text = "select count() from events where event = 'tick'";
        String postgres = post(team, hogql(text), "force_blocking", id).then().statusCode(200)
                .body("results[0][0]", equalTo(400)).extract().path("postgres");
        Map<String, Object> row = onlyRow(id);
        assertEquals(1L, number(row.get("result_rows")));
        assertNull(row.get("read_rows")); // PostgreSQL cannot tell
        assertEquals("QueryFinish", row.get("status"));
        assertNull(row.get("exception"));
        // the PostgreSQL statement that ran (the answer's `postgres`, read through the result's byte bound), with
        // the event name bound, not inlined; the HogQL as sent stays readable as `hogql`
        String sql = (String) row.get("query");
        assertTrue(sql.contains(postgres), sql);
        assertTrue(sql.contains("\"team_id\" = $1"), sql);
        assertFalse(sql.contains("tick"), sql);
        assertEquals("HogQLQuery", row.get("kind"));
        assertEquals(text, row.get("hogql"));
        // PostHog's columns are still there
        assertEquals(0L, number(row.get("exception_code")));
        assertEquals(true, row.get("is_personal_api_key_request"));
    }

    @Test
    void anInsightsStatementsAreLoggedWithItsKind() throws InterruptedException {
        String id = "log-trends-" + System.nanoTime();
        post(team, Map.of("kind", "TrendsQuery", "series", List.of(Map.of("kind", "EventsNode", "event", "tick")),
                "dateRange", Map.of("date_from", "2025-12-30", "date_to", "2026-01-02")), "force_blocking", id)
                .then().statusCode(200);
        List<Map<String, Object>> rows = logRows(team, id, 1);
        for (Map<String, Object> row : rows) {
            assertEquals(id, row.get("query_id"));
            assertEquals(team.id(), number(row.get("team_id")));
            assertEquals("TrendsQuery", row.get("kind"));
            assertEquals("QueryFinish", row.get("status"));
            assertNull(row.get("exception"));
            assertTrue(((String) row.get("query")).contains("\"team_id\" = $1"), (String) row.get("query"));
            assertFalse(((String) row.get("query")).contains("tick"), (String) row.get("query"));
        }
    }

    @Test
    void aFailedQueryIsLoggedWithItsErrorMessage() throws InterruptedException {
        String id = "log-failed-" + System.nanoTime();
        String text = "select toIntervalDay(9223372036854775807)";
        String detail = post(team, hogql(text), "force_blocking", id).then().statusCode(400).extract().path("detail");
        Map<String, Object> row = onlyRow(id);
        assertNull(row.get("result_rows"));
        assertNull(row.get("read_rows"));
        assertEquals("ExceptionWhileProcessing", row.get("status"));
        // the answered message, then PostgreSQL's own words
        String exception = (String) row.get("exception");
        assertTrue(exception.startsWith(detail), exception);
        assertTrue(exception.endsWith("(PostgreSQL 22008: interval out of range)"), exception);
        assertTrue(((String) row.get("query")).startsWith("SELECT"), (String) row.get("query"));
        assertEquals("HogQLQuery", row.get("kind"));
        assertEquals(text, row.get("hogql"));
    }

    @Test
    void aCancelledQueryIsLoggedAsCancelled() throws InterruptedException {
        String id = "log-cancelled-" + System.nanoTime();
        post(team, hogql(QueryLifecycleTest.SLOW), "force_async", id).then().statusCode(202);
        awaitRunning(id);
        given().header("Authorization", "Bearer " + team.key())
                .delete("/api/environments/" + team.id() + "/query/" + id + "/")
                .then().statusCode(200).body("message", equalTo("Cancelled query on clickhouse"));
        Map<String, Object> row = onlyRow(id);
        assertNull(row.get("result_rows"));
        assertNull(row.get("read_rows"));
        assertEquals("Cancelled", row.get("status"));
        assertEquals("Query was cancelled.", row.get("exception"));
        assertTrue(((String) row.get("query")).contains("INNER JOIN \"events\" AS \"c\""), (String) row.get("query"));
        assertEquals("HogQLQuery", row.get("kind"));
        assertEquals(394L, number(row.get("exception_code"))); // ClickHouse's QUERY_WAS_CANCELLED, as before
    }

    @Test
    void aProjectSeesOnlyItsOwnRowsAndAnUnknownIdHasNone() throws InterruptedException {
        String id = "log-shared-id-" + System.nanoTime();
        post(team, hogql("select 1"), "force_blocking", id).then().statusCode(200);
        logRows(team, id, 1);
        log(other, id).then().statusCode(200).body("results.size()", equalTo(0));
        // the other project runs the same id: each log shows its own run only
        post(other, hogql("select 2"), "force_blocking", id).then().statusCode(200);
        List<Map<String, Object>> theirs = logRows(other, id, 1);
        assertEquals(1, theirs.size());
        assertEquals(other.id(), number(theirs.get(0).get("team_id")));
        assertEquals("select 2", theirs.get(0).get("hogql"));
        List<Map<String, Object>> ours = logRows(team, id, 1);
        assertEquals(1, ours.size());
        assertEquals(team.id(), number(ours.get(0).get("team_id")));
        assertEquals("select 1", ours.get(0).get("hogql"));
        log(team, "no-such-query-" + System.nanoTime()).then().statusCode(200).body("results.size()", equalTo(0))
                .body("columns.size()", equalTo(28));
    }

    private void awaitRunning(String id) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            long running = pool.preparedQuery("SELECT count(*) FROM pg_stat_activity "
                            + "WHERE application_name = $1 AND state = 'active'")
                    .execute(Tuple.of(QueryExecutor.registryName(team.id(), id))).await().indefinitely()
                    .iterator().next().getLong(0);
            if (running > 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("query " + id + " never started running");
    }
}

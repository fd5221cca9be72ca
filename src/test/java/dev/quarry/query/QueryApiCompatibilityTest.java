package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The query API as PostHog's frontend and clients rely on it (posthog/api/query.py, query_runner.py,
 * execute_async.py, caching/utils.py): each test states the value PostHog's code gives.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class QueryApiCompatibilityTest {
    private static Project team;

    @Inject
    Pool pool;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Query API compatibility");
        Capture capture = Capture.to(team);
        for (int i = 0; i < 12; i++) {
            capture.event(i % 3 == 0 ? "purchase" : "view", "user-" + (i % 4), "2026-01-0" + (1 + i % 2) + "T10:00:00Z");
        }
        capture.send();
    }

    private static Response post(Map<String, Object> body) {
        return given().header("Authorization", "Bearer " + team.key()).contentType("application/json").body(body)
                .post("/api/environments/" + team.id() + "/query/");
    }

    private static Response hogql(String query, Object refresh, String clientQueryId) {
        Map<String, Object> body = new HashMap<>();
        body.put("query", Map.of("kind", "HogQLQuery", "query", query));
        if (refresh != null) {
            body.put("refresh", refresh);
        }
        if (clientQueryId != null) {
            body.put("client_query_id", clientQueryId);
        }
        return post(body);
    }

    private static Response status(String id) {
        return given().header("Authorization", "Bearer " + team.key())
                .get("/api/environments/" + team.id() + "/query/" + id + "/");
    }

    private static Response awaitComplete(String id) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            Response response = status(id);
            if (response.statusCode() != 202) {
                return response;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("query " + id + " did not complete in 10 s");
    }

    /** Moves every cached answer of the team {@code age} into the past, as if it had been calculated then. */
    private void ageCache(Duration age) {
        pool.preparedQuery("UPDATE query_cache SET last_refresh = now() - make_interval(secs => $2) WHERE team_id = $1")
                .execute(Tuple.of(team.id(), (double) age.toSeconds())).await().indefinitely();
    }

    private long logged(String id) {
        return pool.preparedQuery("SELECT count(*) FROM query_log WHERE team_id = $1 AND query_id = $2")
                .execute(Tuple.of(team.id(), id)).await().indefinitely().iterator().next().getLong(0);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    private static String uniqueQuery() {
        return "select count() from events where event = 'purchase' and " + System.nanoTime() + " > 0";
    }

    @Test
    void aBlockingPostRunsThePostedQueryWhateverStatusItsClientQueryIdHas() throws InterruptedException {
        String id = unique("reused");
        hogql("select count() from events where event = 'purchase'", "force_async", id).then().statusCode(202);
        awaitComplete(id).then().statusCode(200);
        // PostHog's blocking mode never reads the status store: "select 42" answers 42, not the earlier count.
        hogql("select 42 as answer", null, id).then().statusCode(200)
                .body("results[0][0]", equalTo(42))
                .body("columns", equalTo(List.of("answer")))
                .body("query_status", nullValue());
    }

    @Test
    void anAsyncRePostOfAFinishedIdReturnsTheCachedResults() throws InterruptedException {
        String id = unique("finished");
        String q = uniqueQuery();
        hogql(q, "force_async", id).then().statusCode(202);
        awaitComplete(id).then().statusCode(200);
        // The async run wrote the cache: a fresh hit, 200 with top-level results and no status wrapper.
        hogql(q, "async", id).then().statusCode(200)
                .body("results[0][0]", equalTo(4))
                .body("is_cached", equalTo(true))
                .body("query_status", nullValue());
        assertEquals(1, logged(id));
    }

    @Test
    void asyncReusingTheIdOfARunningQueryGetsItsStatusBackAndStartsNothing() {
        String id = unique("queued");
        String q = uniqueQuery();
        // A status that is still running (as if queued); no refresh asked, so it comes back as it is.
        Instant now = Instant.now();
        pool.preparedQuery("INSERT INTO query_status (team_id, id, status, complete, expiration_time) VALUES "
                        + "($1, $2, $3::text::jsonb, false, now() + interval '20 minutes')")
                .execute(Tuple.of(team.id(), id, "{\"id\": \"" + id + "\", \"team_id\": " + team.id()
                        + ", \"complete\": false, \"error\": false, \"start_time\": \"" + now + "\"}"))
                .await().indefinitely();
        hogql(q, "async", id).then().statusCode(202)
                .body("cache_key", matchesPattern("cache_[0-9a-f]{32}"))
                .body("query_status.id", equalTo(id))
                .body("query_status.start_time", equalTo(now.toString()));
        assertEquals(0, logged(id));
    }

    @Test
    void anAsyncCacheMissAnswersCacheKeyAndStatus() throws InterruptedException {
        for (String mode : List.of("async", "lazy_async")) {
            Response miss = hogql(uniqueQuery(), mode, null);
            miss.then().statusCode(202)
                    .body("cache_key", matchesPattern("cache_[0-9a-f]{32}"))
                    .body("query_status.complete", equalTo(false))
                    .body("results", nullValue());
            awaitComplete(miss.path("query_status.id")).then().statusCode(200);
        }
        // async_except_on_cache_miss blocks on a miss
        hogql(uniqueQuery(), "async_except_on_cache_miss", null).then().statusCode(200)
                .body("is_cached", equalTo(false)).body("results[0][0]", equalTo(4));
    }

    @Test
    void asyncOnAStaleCacheReturnsTheStaleResultsWhileItRefreshes() throws InterruptedException {
        for (String mode : List.of("async", "async_except_on_cache_miss")) {
            String q = uniqueQuery();
            Response first = hogql(q, null, null);
            first.then().statusCode(200).body("is_cached", equalTo(false));
            // HogQL counts as the "minute" interval: stale after 5 minutes.
            ageCache(Duration.ofMinutes(6));
            Response stale = hogql(q, mode, null);
            stale.then().statusCode(202)
                    .body("results[0][0]", equalTo(4))
                    .body("is_cached", equalTo(true))
                    .body("cache_key", equalTo(first.path("cache_key")))
                    .body("query_status.complete", equalTo(false));
            // the stale answer keeps its own (old) last_refresh
            assertTrue(Instant.parse(stale.path("last_refresh")).isBefore(Instant.now().minus(Duration.ofMinutes(5))));
            awaitComplete(stale.path("query_status.id")).then().statusCode(200)
                    .body("query_status.results.is_cached", equalTo(false));
            // the refresh replaced the cached answer
            hogql(q, mode, null).then().statusCode(200).body("is_cached", equalTo(true))
                    .body("query_status", nullValue());
        }
    }

    @Test
    void lazyAsyncServesAnswersUpTo15MinutesOldAndPastThatStillServesThemWhileRefreshing() throws InterruptedException {
        String q = uniqueQuery();
        hogql(q, null, null).then().statusCode(200);
        ageCache(Duration.ofMinutes(10));
        hogql(q, "lazy_async", null).then().statusCode(200).body("is_cached", equalTo(true))
                .body("query_status", nullValue());
        hogql(q, "blocking", null).then().statusCode(200).body("is_cached", equalTo(false));
        ageCache(Duration.ofMinutes(16));
        Response lazy = hogql(q, "lazy_async", null);
        lazy.then().statusCode(202).body("is_cached", equalTo(true)).body("results[0][0]", equalTo(4))
                .body("query_status.complete", equalTo(false));
        awaitComplete(lazy.path("query_status.id")).then().statusCode(200);
    }

    @Test
    void hogqlAnswersAreFreshFor5MinutesAndReportATargetAgeOf6Hours() {
        String q = uniqueQuery();
        Response first = hogql(q, null, null);
        first.then().statusCode(200).body("is_cached", equalTo(false));
        Instant lastRefresh = Instant.parse(first.path("last_refresh"));
        assertEquals(lastRefresh.plus(Duration.ofHours(6)), Instant.parse(first.path("cache_target_age")));
        assertEquals(lastRefresh.plus(Duration.ofMinutes(1)), Instant.parse(first.path("next_allowed_client_refresh")));
        ageCache(Duration.ofMinutes(4));
        hogql(q, null, null).then().statusCode(200).body("is_cached", equalTo(true));
        ageCache(Duration.ofMinutes(6));
        hogql(q, null, null).then().statusCode(200).body("is_cached", equalTo(false));
    }

    private static Map<String, Object> trends(String interval, Map<String, Object> dateRange) {
        return Map.of("kind", "TrendsQuery", "interval", interval, "dateRange", dateRange,
                "series", List.of(Map.of("kind", "EventsNode", "event", "purchase", "math", "total")));
    }

    @Test
    void insightsGoByTheirIntervalAndAnAnswerForThePastNeverGoesStale() {
        // day interval over -30d: fresh 6 h, next client refresh after 15 min
        Response day = post(Map.of("query", trends("day", Map.of("date_from", "-30d"))));
        day.then().statusCode(200);
        Instant dayRefresh = Instant.parse(day.path("last_refresh"));
        assertEquals(dayRefresh.plus(Duration.ofHours(6)), Instant.parse(day.path("cache_target_age")));
        assertEquals(dayRefresh.plus(Duration.ofMinutes(15)), Instant.parse(day.path("next_allowed_client_refresh")));
        // hour interval: fresh 1 h, next client refresh after 3 min
        Response hour = post(Map.of("query", trends("hour", Map.of("date_from", "-24h"))));
        hour.then().statusCode(200);
        Instant hourRefresh = Instant.parse(hour.path("last_refresh"));
        assertEquals(hourRefresh.plus(Duration.ofHours(1)), Instant.parse(hour.path("cache_target_age")));
        assertEquals(hourRefresh.plus(Duration.ofMinutes(3)), Instant.parse(hour.path("next_allowed_client_refresh")));
        // 2026-01-01 … 2026-01-02 lies in the past: never stale, even a week later
        Map<String, Object> past = Map.of("query", trends("day", Map.of("date_from", "2026-01-01", "date_to", "2026-01-02")));
        Response pastAnswer = post(past);
        pastAnswer.then().statusCode(200).body("is_cached", equalTo(false));
        assertEquals(4.0, ((Number) pastAnswer.path("results[0].count")).doubleValue());
        ageCache(Duration.ofDays(1));
        post(past).then().statusCode(200).body("is_cached", equalTo(true));
        post(Map.of("query", trends("day", Map.of("date_from", "-30d")))).then().statusCode(200)
                .body("is_cached", equalTo(false));
    }

    @Test
    void progressIsFiveIntegersWhileRunning() {
        String id = unique("progress");
        Instant now = Instant.now();
        pool.preparedQuery("INSERT INTO query_status (team_id, id, status, complete, expiration_time) VALUES "
                        + "($1, $2, $3::text::jsonb, false, now() + interval '20 minutes')")
                .execute(Tuple.of(team.id(), id, "{\"id\": \"" + id + "\", \"complete\": false, \"error\": false, "
                        + "\"start_time\": \"" + now + "\", \"pickup_time\": null, \"query_progress\": null}"))
                .await().indefinitely();
        given().header("Authorization", "Bearer " + team.key()).queryParam("show_progress", "true")
                .get("/api/environments/" + team.id() + "/query/" + id + "/")
                .then().statusCode(202)
                .body("query_status.query_progress.bytes_read", equalTo(0))
                .body("query_status.query_progress.rows_read", equalTo(0))
                .body("query_status.query_progress.estimated_rows_total", equalTo(0))
                .body("query_status.query_progress.time_elapsed", equalTo(0))
                .body("query_status.query_progress.active_cpu_time", equalTo(0));
        // without show_progress nothing is added
        status(id).then().statusCode(202).body("query_status.query_progress", nullValue());
    }

    @Test
    void inputChecksAreThoseOfPostHogsModel() {
        // any string is a client_query_id
        hogql("select 1", null, "my id/1").then().statusCode(200);
        String id = hogql("select 2", "force_async", "").then().statusCode(202).extract().path("query_status.id");
        assertFalse(id.isEmpty(), "\"\" is falsy in PostHog and gets a new id");
        // name has no length limit
        post(Map.of("name", "x".repeat(200), "query", Map.of("kind", "HogQLQuery", "query", "select 3")))
                .then().statusCode(200);
        // refresh is a RefreshType or a boolean
        hogql("select 4", "bogus", null).then().statusCode(400).body("type", equalTo("invalid_request"))
                .body("code", equalTo("parse_error")).body("detail", containsString("refresh"));
        hogql("select 4", "true", null).then().statusCode(200).body("is_cached", equalTo(false));
    }

    @Test
    void hogqlErrorsCarryPostHogsCodeNamesAndThePositionOnce() {
        hogql("select event, count( from events", null, null).then().statusCode(400)
                .body("type", equalTo("validation_error"))
                .body("code", equalTo("hogql_syntax_error"))
                .body("detail", equalTo("Unexpected 'from' (line 1, column 22)"));
        hogql("select nosuchcol from events", null, null).then().statusCode(400)
                .body("code", equalTo("hogql_query_error"))
                .body("detail", equalTo("Unable to resolve field: nosuchcol"));
    }

    @Test
    void hogqlVariablesAreReplacedAndOverriddenById() {
        String variableId = "0190c3a1-1111-7000-8000-000000000001";
        Map<String, Object> variables = Map.of(variableId,
                Map.of("variableId", variableId, "code_name", "ev_name", "value", "purchase"));
        Map<String, Object> query = Map.of("kind", "HogQLQuery",
                "query", "select count() from events where event = {variables.ev_name}", "variables", variables);
        post(Map.of("query", query)).then().statusCode(200).body("results[0][0]", equalTo(4));
        post(Map.of("query", query, "variables_override",
                Map.of(variableId, Map.of("variableId", variableId, "code_name", "ev_name", "value", "view"))))
                .then().statusCode(200).body("results[0][0]", equalTo(8));
        Map<String, Object> isNull = Map.of(variableId,
                Map.of("variableId", variableId, "code_name", "ev_name", "value", "purchase", "isNull", true));
        post(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select {variables.ev_name} is null",
                "variables", isNull))).then().statusCode(200).body("results[0][0]", equalTo(1)); // UInt8, as ClickHouse
        post(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select {variables.other}", "variables", variables)))
                .then().statusCode(400).body("code", equalTo("hogql_query_error"))
                .body("detail", equalTo("Variable other is missing from query"));
    }

    private static Response metadata(String hogql) {
        return post(Map.of("query", Map.of("kind", "HogQLMetadata", "language", "hogQL", "query", hogql)));
    }

    @Test
    void hogqlMetadataHasPostHogsFieldsAndNoCacheFields() {
        metadata("select event from events").then().statusCode(200)
                .body("isValid", equalTo(true))
                .body("table_names", equalTo(List.of("events")))
                .body("ch_table_names", equalTo(List.of("events")))
                .body("view_metadata", equalTo(Map.of()))
                .body("isUsingIndices", equalTo("undecisive"))
                .body("$", not(org.hamcrest.Matchers.hasKey("is_cached")))
                .body("$", not(org.hamcrest.Matchers.hasKey("timings")))
                .body("$", not(org.hamcrest.Matchers.hasKey("cache_key")))
                .body("$", not(org.hamcrest.Matchers.hasKey("query_status")));
        metadata("select nosuchcol from events").then().statusCode(200)
                .body("isValid", equalTo(false))
                .body("query", equalTo("select nosuchcol from events"))
                .body("errors[0].message", equalTo("Unable to resolve field: nosuchcol"))
                .body("errors[0].start", equalTo(7)).body("errors[0].end", equalTo(16))
                .body("errors[0].fix", nullValue())
                .body("table_names", equalTo(List.of("events")))
                .body("view_metadata", equalTo(Map.of()))
                .body("ch_table_names", nullValue())
                .body("isUsingIndices", nullValue());
    }

    /**
     * PostHog's {@code AnalyticsQueryRunner.calculate} (the base of the HogQL and insight runners) sets the answer's
     * {@code timings} to null unless the node's {@code modifiers.timings} is true; with it, a list of
     * {@code {k, t}} entries.
     */
    @Test
    void timingsAreNullUnlessTheModifiersAskForThem() {
        String q = uniqueQuery();
        post(Map.of("query", Map.of("kind", "HogQLQuery", "query", q))).then().statusCode(200)
                .body("$", org.hamcrest.Matchers.hasKey("timings")).body("timings", nullValue());
        post(Map.of("query", Map.of("kind", "HogQLQuery", "query", q, "modifiers", Map.of("timings", true))))
                .then().statusCode(200).body("timings[0].k", equalTo("./run"));
        Map<String, Object> trends = Map.of("kind", "TrendsQuery",
                "series", List.of(Map.of("kind", "EventsNode", "event", "purchase")));
        post(Map.of("query", trends)).then().statusCode(200)
                .body("$", org.hamcrest.Matchers.hasKey("timings")).body("timings", nullValue());
    }

    @Test
    void checkAuthForAsyncAndUpgradeExist() {
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json").body("{}")
                .post("/api/environments/" + team.id() + "/query/check_auth_for_async/")
                .then().statusCode(200).body("user", equalTo("ok"));
        Map<String, Object> query = Map.of("kind", "HogQLQuery", "query", "select 1");
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", query))
                .post("/api/environments/" + team.id() + "/query/upgrade/")
                .then().statusCode(200).body("query", equalTo(query));
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json").body("{}")
                .post("/api/environments/" + team.id() + "/query/upgrade/")
                .then().statusCode(400).body("code", equalTo("parse_error"));
        given().contentType("application/json").body("{}")
                .post("/api/environments/" + team.id() + "/query/check_auth_for_async/")
                .then().statusCode(401);
    }
}

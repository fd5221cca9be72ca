package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class QueryLifecycleTest {
    /** A 3-way cross join of 400 events: 64M rows to count, far longer than any test waits. */
    static final String SLOW = "select count() from events a cross join events b cross join events c";
    private static Project team;
    private static Project other;

    @Inject
    Pool pool;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Lifecycle");
        other = TestProjects.create("Lifecycle other");
        Capture capture = Capture.to(team);
        for (int i = 0; i < 400; i++) {
            capture.event("tick", "user-" + (i % 7), "2026-01-01T00:00:00Z");
        }
        capture.send();
    }

    private static Response post(Project project, String hogql, Object refresh, String clientQueryId) {
        Map<String, Object> body = new HashMap<>();
        body.put("query", Map.of("kind", "HogQLQuery", "query", hogql));
        if (refresh != null) {
            body.put("refresh", refresh);
        }
        if (clientQueryId != null) {
            body.put("client_query_id", clientQueryId);
        }
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json").body(body)
                .post("/api/environments/" + project.id() + "/query/");
    }

    private static Response get(Project project, String id) {
        return given().header("Authorization", "Bearer " + project.key())
                .get("/api/environments/" + project.id() + "/query/" + id + "/");
    }

    private static Response cancel(Project project, String id) {
        return given().header("Authorization", "Bearer " + project.key())
                .delete("/api/environments/" + project.id() + "/query/" + id + "/");
    }

    /** Polls (bounded) until the async query is complete; returns the final response. */
    private static Response awaitComplete(Project project, String id) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            Response response = get(project, id);
            if (response.statusCode() != 202) {
                return response;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("query " + id + " did not complete in 10 s");
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

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    @Test
    void blockingCachesAndForceBlockingRecalculates() {
        String q = "select count() from events where event = 'tick' and " + System.nanoTime() + " > 0";
        post(team, q, null, null).then().statusCode(200).body("is_cached", equalTo(false)).body("results[0][0]", equalTo(400));
        post(team, q, "blocking", null).then().statusCode(200).body("is_cached", equalTo(true));
        post(team, q, "force_blocking", null).then().statusCode(200).body("is_cached", equalTo(false));
        post(team, q, true, null).then().statusCode(200).body("is_cached", equalTo(false));
        post(team, q, "force_cache", null).then().statusCode(200).body("is_cached", equalTo(true))
                .body("next_allowed_client_refresh", notNullValue()).body("cache_target_age", notNullValue());
    }

    /**
     * Each cache put removes some of the project's expired entries (never read again), never another project's and
     * never the one it writes: a project's cache holds its last two days of answers, not every answer it ever had.
     */
    @Test
    void cachePutsRemoveTheProjectsExpiredEntries() {
        for (Project p : java.util.List.of(team, other)) {
            pool.preparedQuery("INSERT INTO query_cache (team_id, cache_key, response, last_refresh, expires_at) "
                            + "SELECT $1, 'expired-' || g, '{}'::jsonb, now() - interval '3 days', now() - interval '1 day' "
                            + "FROM generate_series(1, 30) g")
                    .execute(io.vertx.mutiny.sqlclient.Tuple.of(p.id())).await().indefinitely();
        }
        String sql = "SELECT count(*) FROM query_cache WHERE team_id = $1 AND cache_key LIKE 'expired-%'";
        post(team, "select count() from events where " + System.nanoTime() + " > 0", null, null).then().statusCode(200);
        long left = pool.preparedQuery(sql).execute(io.vertx.mutiny.sqlclient.Tuple.of(team.id())).await().indefinitely()
                .iterator().next().getLong(0);
        org.junit.jupiter.api.Assertions.assertEquals(30 - QueryCache.PRUNED_PER_PUT, left);
        post(team, "select count() from events where " + System.nanoTime() + " > 0", null, null).then().statusCode(200);
        left = pool.preparedQuery(sql).execute(io.vertx.mutiny.sqlclient.Tuple.of(team.id())).await().indefinitely()
                .iterator().next().getLong(0);
        org.junit.jupiter.api.Assertions.assertEquals(0, left);
        long others = pool.preparedQuery(sql).execute(io.vertx.mutiny.sqlclient.Tuple.of(other.id())).await()
                .indefinitely().iterator().next().getLong(0);
        org.junit.jupiter.api.Assertions.assertEquals(30, others, "another project's entries are its own to prune");
    }

    @Test
    void asyncStartsInTheBackgroundAndPollingReturnsTheResults() throws InterruptedException {
        String q = "select count() from events where " + System.nanoTime() + " > 0";
        Response started = post(team, q, "async", null);
        started.then().statusCode(202)
                .body("query_status.complete", equalTo(false))
                .body("query_status.query_async", equalTo(true))
                .body("query_status.team_id", equalTo((int) team.id()))
                .body("query_status.error", equalTo(false))
                .body("query_status.start_time", notNullValue())
                .body("query_status.expiration_time", notNullValue());
        String id = started.path("query_status.id");
        awaitComplete(team, id).then().statusCode(200)
                .body("query_status.complete", equalTo(true))
                .body("query_status.results.results[0][0]", equalTo(400))
                .body("query_status.pickup_time", notNullValue())
                .body("query_status.end_time", notNullValue());
        // The async run filled the cache: async with a fresh answer returns it at once.
        post(team, q, "async", null).then().statusCode(200).body("is_cached", equalTo(true));
        // force_async always starts a new run; the legacy async flag is async.
        post(team, q, "force_async", null).then().statusCode(202);
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("async", true, "query", Map.of("kind", "HogQLQuery", "query", q + " and 1 = 1")))
                .post("/api/projects/" + team.id() + "/query/").then().statusCode(202);
    }

    @Test
    void lazyAsyncAcceptsOlderAnswersAndAsyncExceptOnCacheMissBlocksOnlyWithoutOne() {
        String q = "select count() from events where " + System.nanoTime() + " > 1";
        post(team, q, "async_except_on_cache_miss", null).then().statusCode(200).body("is_cached", equalTo(false));
        // Make the cached answer 10 minutes old: stale for async (HogQL: 5 min), fresh enough for lazy_async (15 min).
        pool.preparedQuery("UPDATE query_cache SET last_refresh = now() - interval '10 minutes' WHERE team_id = $1")
                .execute(Tuple.of(team.id())).await().indefinitely();
        post(team, q, "lazy_async", null).then().statusCode(200).body("is_cached", equalTo(true));
        // stale: the stale answer comes back while it is recalculated
        post(team, q, "async_except_on_cache_miss", null).then().statusCode(202).body("is_cached", equalTo(true))
                .body("results[0][0]", equalTo(400));
    }

    @Test
    void userErrorsInAsyncQueriesAre400AndInternalOnes500() throws InterruptedException {
        Response started = post(team, "select nosuchfunction(1)", "force_async", null);
        String id = started.path("query_status.id");
        awaitComplete(team, id).then().statusCode(400)
                .body("query_status.error", equalTo(true))
                .body("query_status.error_message", org.hamcrest.Matchers.containsString("nosuchfunction"));
        // An internal failure keeps its message to itself.
        String internal = unique("internal");
        pool.preparedQuery("INSERT INTO query_status (team_id, id, status, complete, expiration_time) VALUES "
                        + "($1, $2, $3::text::jsonb, true, now() + interval '20 minutes')")
                .execute(Tuple.of(team.id(), internal, "{\"id\": \"" + internal + "\", \"complete\": true, "
                        + "\"error\": true, \"error_message\": null}"))
                .await().indefinitely();
        get(team, internal).then().statusCode(500).body("query_status.error_message", nullValue());
    }

    @Test
    void aNulCharacterIsAClear400AndTheRunStaysInTheQueryLog() throws InterruptedException {
        // PostgreSQL's text cannot hold U+0000 (ClickHouse's String can): the answer says so in the API's words, and
        // the run's log row (whose HogQL carries the character) is still written (it was refused and lost: breaker)
        String id = unique("nul");
        post(team, "select 'a\u0000b'", "force_blocking", id).then().statusCode(400)
                .body("detail", equalTo("Text values may not contain the NUL character (\\u0000)."));
        int rows = 0;
        for (int i = 0; i < 200 && rows == 0; i++) {
            rows = given().header("Authorization", "Bearer " + team.key())
                    .get("/api/environments/" + team.id() + "/query/" + id + "/log/").then().statusCode(200)
                    .extract().path("results.size()");
            if (rows == 0) {
                Thread.sleep(50);
            }
        }
        assertEquals(1, rows, "the failed run's query-log row");
    }

    @Test
    void unknownOtherTeamsAndExpiredIdsAre404() throws InterruptedException {
        get(team, "no-such-query").then().statusCode(404).body("type", equalTo("invalid_request"))
                .body("detail", equalTo("Query no-such-query not found for team " + team.id()));
        String id = unique("mine");
        post(team, "select 1", "force_async", id).then().statusCode(202);
        awaitComplete(team, id).then().statusCode(200);
        get(other, id).then().statusCode(404);
        // not the other team's query: an unknown id to it, which PostHog's cancel answers 200 all the same
        cancel(other, id).then().statusCode(200).body("message", equalTo("Cancelled query on clickhouse"));
        get(team, id).then().statusCode(200); // the other team's cancel touched nothing
        given().header("Authorization", "Bearer " + other.key())
                .get("/api/environments/" + other.id() + "/query/" + id + "/log").then().statusCode(200)
                .body("results.size()", equalTo(0));
        pool.preparedQuery("UPDATE query_status SET expiration_time = now() - interval '1 second' "
                + "WHERE team_id = $1 AND id = $2").execute(Tuple.of(team.id(), id)).await().indefinitely();
        get(team, id).then().statusCode(404);
    }

    @Test
    void rePostingAClientQueryIdReturnsTheCachedAnswerInsteadOfRunningAgain() throws InterruptedException {
        String id = unique("client");
        post(team, "select 41 + 1", "force_async", id).then().statusCode(202);
        awaitComplete(team, id).then().statusCode(200);
        post(team, "select 41 + 1", "async", id).then().statusCode(200)
                .body("is_cached", equalTo(true)).body("results[0][0]", equalTo(42)).body("query_status", nullValue());
        long runs = pool.preparedQuery("SELECT count(*) FROM query_log WHERE team_id = $1 AND query_id = $2")
                .execute(Tuple.of(team.id(), id)).await().indefinitely().iterator().next().getLong(0);
        assertEquals(1, runs);
    }

    @Test
    void cancelStopsTheRunningQueryInPostgresqlAndForgetsIt() throws InterruptedException {
        String id = unique("slow");
        post(team, SLOW, "force_async", id).then().statusCode(202);
        awaitRunning(id);
        get(team, id + "").then().statusCode(202);
        given().header("Authorization", "Bearer " + team.key()).queryParam("show_progress", true)
                .get("/api/environments/" + team.id() + "/query/" + id + "/")
                .then().statusCode(202).body("query_status.query_progress.time_elapsed",
                        org.hamcrest.Matchers.instanceOf(Integer.class))
                .body("query_status.query_progress.rows_read", equalTo(0));
        long before = System.nanoTime();
        cancel(team, id).then().statusCode(200).body("message", equalTo("Cancelled query on clickhouse"));
        get(team, id).then().statusCode(404);
        boolean stopped = false;
        while (System.nanoTime() - before < 1_000_000_000L && !stopped) {
            // found by its registry name: the printed SQL says INNER JOIN, so a LIKE '%CROSS JOIN%' never matched
            stopped = pool.preparedQuery("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                            + "AND application_name = $1")
                    .execute(Tuple.of(QueryExecutor.registryName(team.id(), id))).await().indefinitely()
                    .iterator().next().getLong(0) == 0;
            Thread.sleep(20);
        }
        assertTrue(stopped, "the slow query was still running 1 s after the cancel");
        for (int i = 0; i < 100; i++) {
            // the contract's status for a cancelled query (Part A item 7), with ClickHouse's code 394 (QUERY_WAS_CANCELLED)
            long cancelled = pool.preparedQuery("SELECT count(*) FROM query_log WHERE team_id = $1 AND query_id = $2 "
                    + "AND status = 'Cancelled' AND exception_code = 394").execute(Tuple.of(team.id(), id)).await().indefinitely().iterator().next().getLong(0);
            if (cancelled == 1) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the cancelled query is not in the query log as Cancelled (code 394)");
    }

    /**
     * A reused client_query_id starts a new run; when that run has finished, an earlier run under the same id may
     * still be running. Cancelling the id stops it (before, the finished status answered "Query already complete"
     * and the earlier statement ran on to the statement timeout, holding one of the project's slots).
     */
    @Test
    void cancellingAReusedIdStopsTheEarlierRunStillRunning() throws InterruptedException {
        String id = unique("reused");
        post(team, SLOW, "force_async", id).then().statusCode(202);
        awaitRunning(id);
        post(team, "select 1", "force_async", id).then().statusCode(202);
        awaitComplete(team, id).then().statusCode(200).body("query_status.results.results[0][0]", equalTo(1));
        cancel(team, id).then().statusCode(200).body("message", equalTo("Cancelled query on clickhouse"));
        long before = System.nanoTime();
        boolean stopped = false;
        while (System.nanoTime() - before < 5_000_000_000L && !stopped) {
            stopped = pool.preparedQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'")
                    .execute(Tuple.of(QueryExecutor.registryName(team.id(), id))).await().indefinitely()
                    .iterator().next().getLong(0) == 0;
            Thread.onSpinWait();
        }
        assertTrue(stopped, "the earlier run of the reused id was still running 5 s after the cancel");
    }

    /**
     * PostHog's cancel_query catches QueryNotFoundError and carries on: an id with no status is 200 with the message
     * of the path taken (contract Part B §3.5), never a 404.
     */
    @Test
    void cancellingAnUnknownIdIs200WithPostHogsMessage() {
        String id = "0123456789abcdef0123456789abcdef";
        cancel(team, id).then().statusCode(200).body("message", equalTo("Cancelled query on clickhouse"))
                .body("size()", equalTo(1));
        given().header("Authorization", "Bearer " + team.key()).queryParam("dequeue_only", true)
                .delete("/api/environments/" + team.id() + "/query/" + id + "/")
                .then().statusCode(200)
                .body("message", equalTo("Only tried to dequeue, not cancelling query on clickhouse"))
                .body("size()", equalTo(1));
        get(team, id).then().statusCode(404); // nothing was made for it
    }

    /**
     * Another project's running query id is an unknown id to this project: 200 with the message, and the query runs
     * on with its status in place until its own project cancels it.
     */
    @Test
    void cancellingAnotherProjectsRunningQueryStopsNothing() throws InterruptedException {
        String id = unique("foreign-slow");
        post(team, SLOW, "force_async", id).then().statusCode(202);
        awaitRunning(id);
        cancel(other, id).then().statusCode(200).body("message", equalTo("Cancelled query on clickhouse"));
        given().header("Authorization", "Bearer " + other.key()).queryParam("dequeue_only", true)
                .delete("/api/environments/" + other.id() + "/query/" + id + "/")
                .then().statusCode(200)
                .body("message", equalTo("Only tried to dequeue, not cancelling query on clickhouse"));
        get(team, id).then().statusCode(202); // its status is still there, still running
        Thread.sleep(300); // a cancel would have stopped it by now (the cancel test sees it stop well within 1 s)
        long running = pool.preparedQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 "
                        + "AND state = 'active'")
                .execute(Tuple.of(QueryExecutor.registryName(team.id(), id))).await().indefinitely()
                .iterator().next().getLong(0);
        assertEquals(1, running, "another project's cancel stopped the query");
        get(team, id).then().statusCode(202);
        cancel(team, id).then().statusCode(200).body("message", equalTo("Cancelled query on clickhouse"));
        get(team, id).then().statusCode(404);
    }

    @Test
    void cancellingAFinishedQuerySaysSo() throws InterruptedException {
        String id = unique("done");
        post(team, "select 1", "force_async", id).then().statusCode(202);
        awaitComplete(team, id);
        cancel(team, id).then().statusCode(200).body("message", equalTo("Query already complete"));
        get(team, id).then().statusCode(200);
    }

    /**
     * An async query refused for want of room (the project's three statements are taken) waits and is tried again, as
     * PostHog's query task retries TooManySimultaneousQueries, rather than failing at once with the 429's text.
     */
    @Test
    void anAsyncQueryPastTheProjectsLimitWaitsForRoom() throws InterruptedException {
        String[] ids = {unique("full"), unique("full"), unique("full")};
        for (String id : ids) {
            post(team, SLOW, "force_async", id).then().statusCode(202);
        }
        for (String id : ids) {
            awaitRunning(id);
        }
        String waiting = unique("waits");
        try {
            post(team, "select 41 + 1", "force_async", waiting).then().statusCode(202);
            Thread.sleep(1_500); // refused at least once by now, and tried again after a second
            get(team, waiting).then().statusCode(202).body("query_status.complete", equalTo(false))
                    .body("query_status.error", equalTo(false));
        } finally {
            for (String id : ids) {
                cancel(team, id).then().statusCode(200);
            }
        }
        awaitComplete(team, waiting).then().statusCode(200).body("query_status.results.results[0][0]", equalTo(42));
    }

    @Test
    void aFourthConcurrentQueryOfATeamIsThrottled() throws InterruptedException {
        String[] ids = {unique("busy"), unique("busy"), unique("busy")};
        for (String id : ids) {
            post(team, SLOW, "force_async", id).then().statusCode(202);
        }
        for (String id : ids) {
            awaitRunning(id);
        }
        try {
            post(team, "select 1", "force_blocking", null).then().statusCode(429)
                    .header("Retry-After", notNullValue())
                    .body("type", equalTo("throttled_error")).body("code", equalTo("throttled"));
            // Another team is not affected.
            post(other, "select 1", "force_blocking", null).then().statusCode(200);
        } finally {
            for (String id : ids) {
                cancel(team, id).then().statusCode(200);
            }
        }
        for (int i = 0; i < 100; i++) {
            if (post(team, "select 2", "force_blocking", null).statusCode() == 200) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the team stayed throttled after its queries were cancelled");
    }
}

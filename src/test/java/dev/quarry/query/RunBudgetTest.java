package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.metering.QueryCost;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.web.QueryCancelledException;
import dev.quarry.web.QueryTimeoutException;
import dev.quarry.web.ValidationException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * A run's statements share one budget of database time and a count (a breaker's trends request of 60 slow series
 * held the project's three backends for 215 s; 3,000 series were 3,000 statements). Here an executor like the
 * application's with a 0.8 s statement timeout and a 1.5 s run budget.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RunBudgetTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Event<QueryCost> costs;

    @Inject
    dev.quarry.metering.Metering metering;

    @Inject
    TeamLanes lanes;

    @Inject
    Pool pool;

    private QueryExecutor executor(int maxStatements) {
        return executor(maxStatements, Duration.ofMillis(800));
    }

    private QueryExecutor executor(int maxStatements, Duration statementTimeout) {
        QueryExecutor executor = new QueryExecutor(pool, costs, metering, lanes, statementTimeout, 3, 8, 2,
                "work_mem=32MB");
        executor.runBudget = Duration.ofMillis(1500);
        executor.maxStatementsPerRun = maxStatements;
        return executor;
    }

    private static List<Uni<Integer>> sleeps(QueryStatements run, int count, double seconds) {
        List<Uni<Integer>> work = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            work.add(run.execute("TrendsQuery", "", "SELECT $1::int FROM pg_sleep(" + seconds + ")", List.of(i), null)
                    .map(rows -> rows.iterator().next().getInteger(0)));
        }
        return work;
    }

    @Test
    void aRunWithinItsBudgetIsAnswered() {
        long team = TestProjects.create("Run budget within").id();
        QueryStatements run = executor(1000).statements(team, "within");
        assertEquals(List.of(0, 1), run.all(sleeps(run, 2, 0.4)).await().atMost(WAIT));
    }

    /**
     * Six statements of 0.5 s each (3 s of database time) against a 1.5 s budget: the first two hold it all (0.8 s and
     * 0.7 s), the third waits for one of them and gets what is left (0.3 s), which its statement outlives: the run is
     * PostHog's timeout (without the budget, three at a time, they would all be answered in 1 s).
     */
    @Test
    void aRunPastItsBudgetIsStoppedAsATimeout() {
        long team = TestProjects.create("Run budget past").id();
        QueryStatements run = executor(1000).statements(team, "past");
        long started = System.nanoTime();
        CompletionException e = assertThrows(CompletionException.class,
                () -> run.all(sleeps(run, 6, 0.5)).subscribeAsCompletionStage().join());
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertInstanceOf(QueryTimeoutException.class, e.getCause());
        assertTrue(tookMillis < 1_400, "took " + tookMillis + " ms");
    }

    /** A statement alone past the statement timeout is the same timeout (the budget never grants more). */
    @Test
    void aStatementIsNeverGrantedMoreThanTheStatementTimeout() {
        long team = TestProjects.create("Run budget single").id();
        QueryStatements run = executor(1000).statements(team, "single");
        CompletionException e = assertThrows(CompletionException.class,
                () -> run.all(sleeps(run, 1, 1.0)).subscribeAsCompletionStage().join());
        assertInstanceOf(QueryTimeoutException.class, e.getCause());
    }

    /**
     * A run whose statements fail (here cancelled, as DELETE query/:id cancels them) starts none of its waiting ones:
     * six 2 s statements, three at a time, cancelled while the first three run, leave nothing running (a breaker's
     * cancelled async query handed its three places to three waiting statements, which ran on for 43 s).
     */
    @Test
    void aFailedRunStartsNoMoreStatements() throws InterruptedException {
        long team = TestProjects.create("Run budget cancelled").id();
        QueryExecutor executor = executor(1000, Duration.ofSeconds(10));
        executor.runBudget = Duration.ofSeconds(60);
        QueryStatements run = executor.statements(team, "cancelled");
        java.util.concurrent.CompletableFuture<List<Integer>> answer = run.all(sleeps(run, 6, 2))
                .subscribeAsCompletionStage();
        awaitActive(team, "cancelled", 3);
        assertTrue(executor.cancel(team, "cancelled").await().atMost(WAIT));
        CompletionException e = assertThrows(CompletionException.class, answer::join);
        assertInstanceOf(QueryCancelledException.class, e.getCause());
        Thread.sleep(500);
        assertEquals(0, active(team, "cancelled"), "statements of the cancelled run still running");
    }

    private long active(long team, String queryId) {
        return pool.preparedQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 "
                        + "AND state = 'active'")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(QueryExecutor.registryName(team, queryId)))
                .await().atMost(WAIT).iterator().next().getLong(0);
    }

    private void awaitActive(long team, String queryId, int statements) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            if (active(team, queryId) >= statements) {
                return;
            }
            Thread.sleep(25);
        }
        throw new AssertionError(statements + " statements of " + queryId + " never ran at once");
    }

    @Test
    void aRunPastItsStatementCountIsA400() {
        long team = TestProjects.create("Run budget count").id();
        QueryStatements run = executor(4).statements(team, "count");
        CompletionException e = assertThrows(CompletionException.class,
                () -> run.all(sleeps(run, 5, 0)).subscribeAsCompletionStage().join());
        ValidationException refused = assertInstanceOf(ValidationException.class, e.getCause());
        assertTrue(refused.getMessage().contains("more than 4 statements"), refused.getMessage());
    }

    /** Over HTTP, with the application's own bound (1,000): a trends query of 1,001 series is refused at once. */
    @Test
    void aTrendsQueryOfMoreStatementsThanARunMayStartIsA400() {
        var project = TestProjects.create("Run budget trends");
        List<Map<String, Object>> series = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            series.add(Map.of("kind", "EventsNode", "event", "e" + i));
        }
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "TrendsQuery", "series", series), "refresh", "force_blocking"))
                .post("/api/environments/" + project.id() + "/query/")
                .then().statusCode(400).body("type", equalTo("validation_error"))
                .body("detail", containsString("more than 1000 statements"));
    }
}

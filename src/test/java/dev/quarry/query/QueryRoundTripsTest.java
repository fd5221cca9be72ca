package dev.quarry.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.metering.QueryCost;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.RoundTripProxy;
import dev.quarry.testing.TestProjects;
import dev.quarry.web.ThrottledException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Database round trips of one executed statement, counted on the wire by a proxy that delays every answer
 * (see {@link RoundTripProxy}): admission, settings, role, statement and commit take two, the query log row a
 * third; the statements of one run go out at once within the project's limit, and a busy project makes a run
 * wait for its own statements rather than fail.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class QueryRoundTripsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Vertx vertx;

    @Inject
    Event<QueryCost> costs;

    @Inject
    dev.quarry.metering.Metering metering;

    @Inject
    TeamLanes lanes;

    @Inject
    Pool direct;

    @Inject
    QueryExecutor appExecutor;

    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        opened.clear();
    }

    /** An executor like the application's, on its own pool of {@code size} connections through the proxy. */
    private QueryExecutor executorThrough(RoundTripProxy proxy, int size) {
        var config = ConfigProvider.getConfig();
        URI db = URI.create(config.getValue("quarkus.datasource.reactive.url", String.class)
                .replaceFirst("^vertx-reactive:", ""));
        PgConnectOptions connect = new PgConnectOptions().setHost("127.0.0.1").setPort(proxy.port())
                .setDatabase(db.getPath().substring(1))
                .setUser(config.getValue("quarkus.datasource.username", String.class))
                .setPassword(config.getValue("quarkus.datasource.password", String.class))
                .setCachePreparedStatements(true);
        Pool pool = Pool.newInstance(PgBuilder.pool().with(new PoolOptions().setMaxSize(size)).connectingTo(connect)
                .using(vertx.getDelegate()).build());
        opened.add(() -> pool.closeAndAwait());
        return new QueryExecutor(pool, costs, metering, lanes, Duration.ofSeconds(60), 3, size + 2, 2,
                "work_mem=32MB,hash_mem_multiplier=2,temp_file_limit=1GB,max_parallel_workers_per_gather=1");
    }

    /**
     * The proxy counts every turn of the pool, so a call that meets a stray turn (a connection replaced, a timer's
     * write) counts more on a loaded machine; what a statement costs is the median of several calls.
     */
    private static final int COUNTED_CALLS = 5;

    private static int median(List<Integer> turns) {
        return turns.stream().sorted().toList().get(turns.size() / 2);
    }

    private RoundTripProxy proxy(long latencyMillis) {
        var config = ConfigProvider.getConfig();
        URI db = URI.create(config.getValue("quarkus.datasource.reactive.url", String.class)
                .replaceFirst("^vertx-reactive:", ""));
        RoundTripProxy proxy = new RoundTripProxy("127.0.0.1", db.getPort(), latencyMillis);
        opened.add(proxy);
        return proxy;
    }

    @Test
    void oneStatementIsAtMostThreeRoundTrips() {
        long team = TestProjects.create("Round trips").id();
        RoundTripProxy proxy = proxy(10);
        QueryExecutor executor = executorThrough(proxy, 1);
        // the connection's first use opens it and parses the executor's own statements once
        executor.execute(team, "warm-up", "HogQLQuery", "SELECT 1", List.of(), null).await().atMost(WAIT);

        List<Integer> counted = new ArrayList<>();
        for (int call = 0; call < COUNTED_CALLS; call++) {
            proxy.reset();
            RowSet<Row> rows = executor.execute(team, call == 0 ? "counted" : "counted-" + call, "HogQLQuery",
                    "select 41 + 1", "SELECT $1::int + 1", List.of(41), null).await().atMost(WAIT);
            assertEquals(42, rows.iterator().next().getInteger(0));
            counted.add(proxy.turns());
        }
        assertTrue(median(counted) <= 3, "round trips for one statement: " + counted);
        // what the three were for: the statement ran as the reader, and its log row is written
        assertEquals(1L, direct.preparedQuery("SELECT count(*) FROM query_log WHERE team_id = $1 AND query_id = $2 "
                        + "AND status = 'QueryFinish' AND result_rows = 1 AND hogql = 'select 41 + 1'")
                .execute(Tuple.of(team, "counted")).await().atMost(WAIT).iterator().next().getLong(0));

        counted.clear();
        for (int call = 0; call < COUNTED_CALLS; call++) {
            proxy.reset();
            Row settings = executor.execute(team, "settings-" + call, "HogQLQuery", "SELECT current_user::text, "
                            + "current_setting('work_mem'), current_setting('statement_timeout')", List.of(), null)
                    .await().atMost(WAIT).iterator().next();
            assertEquals("quarry_query_reader", settings.getString(0));
            assertEquals("32MB", settings.getString(1));
            assertEquals("1min", settings.getString(2));
            counted.add(proxy.turns());
        }
        assertTrue(median(counted) <= 3, "round trips: " + counted);

        // funnel statements add their kind's settings (a second parallel worker for their split scans), in the
        // same round trips; other kinds keep the session's
        String workers = "SELECT current_setting('max_parallel_workers_per_gather'), current_setting('work_mem')";
        counted.clear();
        for (int call = 0; call < COUNTED_CALLS; call++) {
            proxy.reset();
            Row funnel = executor.execute(team, "funnel-" + call, "FunnelsQuery", "", workers, List.of(), null)
                    .await().atMost(WAIT).iterator().next();
            assertEquals("2", funnel.getString(0));
            assertEquals("32MB", funnel.getString(1));
            counted.add(proxy.turns());
        }
        assertTrue(median(counted) <= 3, "round trips: " + counted);
        Row correlation = executor.execute(team, "correlation", "FunnelCorrelationQuery", "", workers, List.of(),
                null).await().atMost(WAIT).iterator().next();
        assertEquals("2", correlation.getString(0));
        // paths statements none (the index read in walk order beats a parallel scan and sort)
        Row paths = executor.execute(team, "paths", "PathsQuery", "", workers, List.of(), null)
                .await().atMost(WAIT).iterator().next();
        assertEquals("0", paths.getString(0));
        // statements joining a cell's groups to the stored ones plan no nested loops (insights.GroupAggregation)
        String nestloop = "SELECT current_setting('enable_nestloop')";
        for (String kind : List.of("ActorsQuery/groups", "LifecycleQuery/groups", "ActorsQuery", "LifecycleQuery")) {
            Row row = executor.execute(team, "nestloop-" + kind, kind, "", nestloop, List.of(), null)
                    .await().atMost(WAIT).iterator().next();
            assertEquals(kind.endsWith("/groups") ? "off" : "on", row.getString(0), kind);
        }
        Row other = executor.execute(team, "other", "HogQLQuery", "", workers, List.of(), null)
                .await().atMost(WAIT).iterator().next();
        assertEquals("1", other.getString(0));
        assertEquals(java.util.Map.of("A", List.of("x=1", "y=2"), "B", List.of("z=3")),
                QueryExecutor.parseKindSettings(" A: x=1, y=2 ;B:z=3;").entrySet().stream().collect(
                        java.util.stream.Collectors.toMap(java.util.Map.Entry::getKey, e -> e.getValue().stream()
                                .map(kv -> kv[0] + "=" + kv[1]).toList())));
    }

    @Test
    void aFailingStatementStillEndsItsTransactionAndIsLogged() {
        long team = TestProjects.create("Round trips failing").id();
        RoundTripProxy proxy = proxy(5);
        QueryExecutor executor = executorThrough(proxy, 1);
        CompletionException failed = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                () -> executor.execute(team, "bad", "HogQLQuery", "SELECT 1 / $1::int", List.of(0), null)
                        .subscribeAsCompletionStage().join());
        assertInstanceOf(dev.quarry.web.ValidationException.class, failed.getCause());
        // the same (only) connection is clean: no transaction left open, role and settings back to the session's
        Row row = executor.execute(team, "after", "HogQLQuery", "SELECT 1", List.of(), null).await().atMost(WAIT)
                .iterator().next();
        assertEquals(1, row.getInteger(0));
        assertEquals(1L, direct.preparedQuery("SELECT count(*) FROM query_log WHERE team_id = $1 AND query_id = 'bad' "
                        + "AND status = 'ExceptionWhileProcessing'")
                .execute(Tuple.of(team)).await().atMost(WAIT).iterator().next().getLong(0));
    }

    /** Raw SQL with a parameter PostgreSQL cannot type (the printer casts every one) falls back to typed Parse. */
    @Test
    void aParameterPostgresqlCannotTypeStillRuns() {
        long team = TestProjects.create("Round trips untyped").id();
        Row row = appExecutor.execute(team, "untyped", "HogQLQuery", "SELECT $1", List.of("plain text"), null)
                .await().atMost(WAIT).iterator().next();
        assertEquals("plain text", row.getString(0));
        assertEquals(1L, direct.preparedQuery("SELECT count(*) FROM query_log WHERE team_id = $1 "
                        + "AND query_id = 'untyped' AND status = 'QueryFinish'")
                .execute(Tuple.of(team)).await().atMost(WAIT).iterator().next().getLong(0));
    }

    @Test
    void aRunsStatementsGoOutTogetherWithinTheProjectsLimit() {
        long team = TestProjects.create("Round trips concurrent").id();
        RoundTripProxy proxy = proxy(30);
        QueryExecutor executor = executorThrough(proxy, 5);
        QueryStatements warm = executor.statements(team, "warm");
        List<Uni<RowSet<Row>>> warmUp = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            warmUp.add(warm.execute("HogQLQuery", "", "SELECT 1", List.of(), null));
        }
        warm.all(warmUp).await().atMost(WAIT);

        proxy.reset();
        QueryStatements run = executor.statements(team, "five-series");
        List<Uni<Integer>> series = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            series.add(run.execute("TrendsQuery", "", "SELECT $1::int * 10", List.of(i), null)
                    .map(rows -> rows.iterator().next().getInteger(0)));
        }
        assertEquals(List.of(0, 10, 20, 30, 40), run.all(series).await().atMost(WAIT));
        int concurrent = proxy.maxConcurrent();
        assertTrue(concurrent >= 2 && concurrent <= 3, "statements at once: " + concurrent);
        assertTrue(proxy.turns() <= 5 * 3, "round trips: " + proxy.turns());
    }

    @Test
    void aBusyProjectMakesARunWaitForItsOwnStatementsNotFail() {
        long team = TestProjects.create("Round trips busy").id();
        // two of the project's three slots are taken by another query
        List<CompletableFuture<RowSet<Row>>> others = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            others.add(appExecutor.execute(team, "other", "HogQLQuery", "SELECT pg_sleep(1.5)", List.of(), null)
                    .subscribeAsCompletionStage());
        }
        awaitRunning(team, "other", 2);
        QueryStatements run = appExecutor.statements(team, "four-series");
        List<Uni<Integer>> series = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            series.add(run.execute("TrendsQuery", "", "SELECT $1::int + 100", List.of(i), null)
                    .map(rows -> rows.iterator().next().getInteger(0)));
        }
        assertEquals(List.of(100, 101, 102, 103), run.all(series).await().atMost(WAIT));
        others.forEach(CompletableFuture::join);

        // with every slot taken by others, the run gets the 429 a single statement gets
        for (int i = 0; i < 3; i++) {
            others.add(appExecutor.execute(team, "others", "HogQLQuery", "SELECT pg_sleep(1.5)", List.of(), null)
                    .subscribeAsCompletionStage());
        }
        awaitRunning(team, "others", 3);
        QueryStatements refused = appExecutor.statements(team, "refused");
        CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                () -> refused.all(List.of(refused.execute("TrendsQuery", "", "SELECT 1", List.of(), null),
                        refused.execute("TrendsQuery", "", "SELECT 2", List.of(), null)))
                        .subscribeAsCompletionStage().join());
        assertInstanceOf(ThrottledException.class, e.getCause());
        others.forEach(CompletableFuture::join);
    }

    private void awaitRunning(long team, String queryId, int statements) {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            long running = direct.preparedQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 "
                            + "AND state = 'active'")
                    .execute(Tuple.of(QueryExecutor.registryName(team, queryId))).await().atMost(WAIT)
                    .iterator().next().getLong(0);
            if (running >= statements) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError(statements + " statements of " + queryId + " never ran at once");
    }
}

package dev.quarry.query;

import dev.quarry.data.Team;
import dev.quarry.metering.QueryCost;
import dev.quarry.web.QueryCancelledException;
import dev.quarry.web.QueryTimeoutException;
import dev.quarry.web.ThrottledException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Runs the SQL of user queries: in a read-only transaction, as the read-only role, under a statement timeout,
 * admitted only while the team has fewer than the allowed number of queries running, with its backend recorded
 * so that any instance can cancel it, and logged to the query log however it ends.
 */
@ApplicationScoped
public class QueryExecutor {
    private final Pool pool;
    private final Duration statementTimeout;
    private final int maxConcurrentPerTeam;
    private final Event<QueryCost> costs;
    private final StatementSlots slots;
    private final List<String[]> sessionSettings;
    private final TeamLanes lanes;

    public QueryExecutor(Pool pool, Event<QueryCost> costs, TeamLanes lanes,
                         @ConfigProperty(name = "quarry.query.statement-timeout", defaultValue = "60s") Duration statementTimeout,
                         @ConfigProperty(name = "quarry.query.max-concurrent-per-team", defaultValue = "3") int maxConcurrentPerTeam,
                         @ConfigProperty(name = "quarkus.datasource.reactive.max-size", defaultValue = "8") int poolSize,
                         @ConfigProperty(name = "quarry.query.pool-reserve", defaultValue = "2") int poolReserve,
                         @ConfigProperty(name = "quarry.query.session-settings",
                                 defaultValue = "work_mem=32MB,hash_mem_multiplier=2,temp_file_limit=1GB,"
                                         + "max_parallel_workers_per_gather=1") String sessionSettings) {
        this.pool = pool;
        this.statementTimeout = statementTimeout;
        this.maxConcurrentPerTeam = maxConcurrentPerTeam;
        this.costs = costs;
        this.slots = new StatementSlots(Math.max(1, poolSize - poolReserve), 1_000);
        this.sessionSettings = parseSettings(sessionSettings);
        this.lanes = lanes;
    }

    /**
     * {@code name=value} pairs, comma separated, applied with {@code SET LOCAL} to every user statement. A role's
     * own defaults ({@code ALTER ROLE … SET}) do not apply after {@code SET ROLE}, so they are set here.
     */
    static List<String[]> parseSettings(String text) {
        List<String[]> out = new java.util.ArrayList<>();
        for (String pair : text == null ? new String[0] : text.split(",")) {
            String p = pair.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0 || !p.substring(0, eq).trim().matches("[a-z_]+")) {
                throw new IllegalArgumentException("quarry.query.session-settings: expected name=value, got " + p);
            }
            out.add(new String[] {p.substring(0, eq).trim(), p.substring(eq + 1).trim()});
        }
        return List.copyOf(out);
    }

    public Uni<RowSet<Row>> execute(Team team, String queryId, String kind, String sql, List<Object> params) {
        return execute(team, queryId, kind, sql, params, null);
    }

    /** @param rowLimit rows the caller returns at most (the SQL may fetch one more to tell hasMore); logged as result rows */
    public Uni<RowSet<Row>> execute(Team team, String queryId, String kind, String sql, List<Object> params,
                                    Integer rowLimit) {
        return execute(team.id(), queryId, kind, "", sql, params, rowLimit);
    }

    /**
     * @param hogql the HogQL the query log shows as {@code query} (PostHog logs the HogQL, not the SQL run)
     * @param rowLimit rows the caller returns at most (the SQL may fetch one more to tell hasMore); logged as result rows
     */
    public Uni<RowSet<Row>> execute(Team team, String queryId, String kind, String hogql, String sql,
                                    List<Object> params, Integer rowLimit) {
        return execute(team.id(), queryId, kind, hogql, sql, params, rowLimit);
    }

    /** A statement that has no HogQL of its own to log (e.g. a cohort calculation). */
    public Uni<RowSet<Row>> execute(long teamId, String queryId, String kind, String sql, List<Object> params,
                                    Integer rowLimit) {
        return execute(teamId, queryId, kind, "", sql, params, rowLimit);
    }

    /**
     * Runs one user statement for a team: in a read-only transaction as {@code quarry_query_reader}, under the
     * statement timeout and the per-statement memory settings, admitted only while the team runs fewer than its
     * limit of statements (counted per run, however query ids are chosen: 429 past it), and only while this
     * instance has a free query slot (the pool keeps {@code quarry.query.pool-reserve} connections that no query
     * can take, for capture and the rest of the API). The rows (or the failure) are delivered in the project's
     * {@link TeamLanes lane}, off the event loop.
     *
     * @param hogql the HogQL the query log shows as {@code query} (PostHog logs the HogQL, not the SQL run)
     */
    public Uni<RowSet<Row>> execute(long teamId, String queryId, String kind, String hogql, String sql,
                                    List<Object> params, Integer rowLimit) {
        if (params.size() > dev.quarry.hogql.CompileBudget.MAX_PARAMETERS) {
            return Uni.createFrom().failure(new ValidationException("query_error", "Query has too many distinct values: "
                    + params.size() + " (limit " + dev.quarry.hogql.CompileBudget.MAX_PARAMETERS + ")", null));
        }
        // What the caller does with the rows (render them, compile its next statement) continues in the project's
        // lane, not on the event loop that delivered them.
        return slots.run(() -> run(teamId, queryId, kind, hogql, sql, params, rowLimit)).emitOn(lanes.lane(teamId));
    }

    private ThrottledException tooMany() {
        return new ThrottledException("Too many queries are running for this project (at most " + maxConcurrentPerTeam
                + " at once). Try again shortly.", 1);
    }

    private Uni<RowSet<Row>> run(long teamId, String queryId, String kind, String hogql, String sql,
                                 List<Object> params, Integer rowLimit) {
        OffsetDateTime startedAt = OffsetDateTime.now(ZoneOffset.UTC);
        long started = System.nanoTime();
        java.util.UUID runId = java.util.UUID.randomUUID();
        // One connection throughout: admission, the read-only run and the release all happen on it, so a query
        // never waits for a second connection, and its recorded backend is the one running it.
        return pool.withConnection(conn -> conn.query("SELECT pg_backend_pid()").execute()
                .map(rows -> rows.iterator().next().getInteger(0))
                .flatMap(pid -> inTransaction(conn, tx -> admit(tx, teamId, queryId, runId, pid)))
                .flatMap(admitted -> inTransaction(conn, tx -> tx.query("SET TRANSACTION READ ONLY").execute()
                                .flatMap(x -> applySettings(tx))
                                .flatMap(x -> tx.query("SET LOCAL ROLE quarry_query_reader").execute())
                                .flatMap(x -> tx.preparedQuery(sql).execute(Tuple.from(params))))
                        .onItemOrFailure().transformToUni((rows, failure) -> {
                            long durationMs = (System.nanoTime() - started) / 1_000_000;
                            Throwable mapped = failure == null ? null : translate(failure);
                            Long resultRows = rows == null ? null : (long) (rowLimit == null ? rows.size()
                                    : Math.min(rows.size(), rowLimit));
                            costs.fire(new QueryCost(resultRows, null, durationMs));
                            Uni<Void> cleanUp = release(conn, teamId, runId)
                                    .flatMap(x -> log(conn, teamId, queryId, kind, hogql, sql, startedAt,
                                            (System.nanoTime() - started) / 1000, resultRows, mapped));
                            return mapped == null ? cleanUp.replaceWith(rows)
                                    : cleanUp.flatMap(x -> Uni.createFrom().<RowSet<Row>>failure(mapped));
                        })));
    }

    /** The statement timeout and the memory bounds, for this transaction only (set before the role changes). */
    private Uni<Void> applySettings(SqlConnection tx) {
        StringBuilder sql = new StringBuilder("SELECT set_config('statement_timeout', $1, true)");
        List<Object> values = new java.util.ArrayList<>();
        values.add(String.valueOf(statementTimeout.toMillis()));
        for (String[] setting : sessionSettings) {
            values.add(setting[0]);
            values.add(setting[1]);
            sql.append(", set_config($").append(values.size() - 1).append(", $").append(values.size()).append(", true)");
        }
        return tx.preparedQuery(sql.toString()).execute(Tuple.from(values)).replaceWithVoid();
    }

    private static <T> Uni<T> inTransaction(SqlConnection conn, java.util.function.Function<SqlConnection, Uni<T>> work) {
        return conn.begin().flatMap(tx -> work.apply(conn)
                .call(tx::commit)
                .onFailure().call(failure -> tx.rollback().onFailure().recoverWithNull()));
    }

    public Duration statementTimeout() {
        return statementTimeout;
    }

    /** Stops every running statement of the team's query with this id, on whichever connection runs it. True if one was. */
    public Uni<Boolean> cancel(long teamId, String queryId) {
        return pool.preparedQuery("SELECT bool_or(pg_cancel_backend(backend_pid)) FROM query_runs "
                        + "WHERE team_id = $1 AND query_id = $2")
                .execute(Tuple.of(teamId, queryId))
                .map(rows -> Boolean.TRUE.equals(rows.iterator().next().getBoolean(0)));
    }

    /** Whether a statement of the team's query with this id is running right now (on any instance). */
    public Uni<Boolean> isRunning(long teamId, String queryId) {
        return pool.preparedQuery("SELECT EXISTS (SELECT 1 FROM query_runs r JOIN pg_stat_activity a "
                        + "ON a.pid = r.backend_pid AND a.backend_start <= r.started_at "
                        + "WHERE r.team_id = $1 AND r.query_id = $2)")
                .execute(Tuple.of(teamId, queryId))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    private Uni<Void> admit(SqlConnection conn, long teamId, String queryId, java.util.UUID runId, int pid) {
        return conn.preparedQuery("SELECT pg_advisory_xact_lock(7215, $1::int)")
                .execute(Tuple.of((int) (teamId % Integer.MAX_VALUE)))
                .flatMap(x -> conn.preparedQuery("DELETE FROM query_runs r WHERE r.team_id = $1 AND NOT EXISTS "
                                + "(SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.backend_pid "
                                + "AND a.backend_start <= r.started_at)")
                        .execute(Tuple.of(teamId)))
                .flatMap(x -> conn.preparedQuery("SELECT count(*) FROM query_runs WHERE team_id = $1").execute(Tuple.of(teamId)))
                .flatMap(rows -> {
                    if (rows.iterator().next().getLong(0) >= maxConcurrentPerTeam) {
                        return Uni.createFrom().failure(tooMany());
                    }
                    return conn.preparedQuery("INSERT INTO query_runs (team_id, query_id, run_id, backend_pid) "
                                    + "VALUES ($1, $2, $3, $4)")
                            .execute(Tuple.of(teamId, queryId, runId, pid)).replaceWithVoid();
                });
    }

    private static Uni<Void> release(SqlConnection conn, long teamId, java.util.UUID runId) {
        return conn.preparedQuery("DELETE FROM query_runs WHERE team_id = $1 AND run_id = $2")
                .execute(Tuple.of(teamId, runId)).replaceWithVoid();
    }

    /**
     * One row of the query log, in PostHog's terms: {@code event_time} is when the run ended, {@code status} a
     * ClickHouse query-log type (QueryFinish or ExceptionWhileProcessing), {@code exception_code} ClickHouse's code
     * for a timeout (159) or a cancel (394), 0 when the run succeeded.
     */
    private static Uni<Void> log(SqlConnection conn, long teamId, String queryId, String kind, String hogql, String sql,
                                 OffsetDateTime startedAt, long durationMicros, Long resultRows, Throwable failure) {
        String status = failure == null ? "QueryFinish" : "ExceptionWhileProcessing";
        Integer code = failure == null ? Integer.valueOf(0) : failure instanceof QueryCancelledException ? Integer.valueOf(394)
                : failure instanceof QueryTimeoutException ? Integer.valueOf(159) : null;
        return conn.preparedQuery("INSERT INTO query_log (team_id, query_id, event_time, query_start_time, "
                        + "query_duration_ms, real_time_microseconds, result_rows, read_rows, status, exception_code, "
                        + "exception, query, hogql, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10, $11, $12, $13)")
                .execute(Tuple.tuple(java.util.Arrays.asList(teamId, queryId,
                        startedAt.plusNanos(durationMicros * 1000), startedAt, durationMicros / 1000, durationMicros,
                        resultRows, status, code, failure == null ? null : failure.getMessage(), sql,
                        hogql == null ? "" : hogql, kind)))
                .replaceWithVoid();
    }

    /** Database failures a user caused become 4xx; a timeout is 504; anything else stays a server fault. */
    private Throwable translate(Throwable failure) {
        if (failure instanceof PgException pg) {
            String state = pg.getSqlState() == null ? "" : pg.getSqlState();
            if (state.equals("57014")) {
                return pg.getErrorMessage() != null && pg.getErrorMessage().contains("statement timeout")
                        ? new QueryTimeoutException(statementTimeout.toSeconds()) : new QueryCancelledException();
            }
            if (state.startsWith("22") || dev.quarry.web.DatabaseFailures.isQueryError(state)) {
                return new ValidationException("query_error", "Query failed: " + pg.getErrorMessage(), null);
            }
        }
        return failure;
    }
}

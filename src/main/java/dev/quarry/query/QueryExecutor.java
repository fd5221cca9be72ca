package dev.quarry.query;

import dev.quarry.data.Team;
import dev.quarry.metering.Meter;
import dev.quarry.metering.Metering;
import dev.quarry.metering.QueryCost;
import dev.quarry.web.QueryCancelledException;
import dev.quarry.web.QueryTimeoutException;
import dev.quarry.web.ThrottledException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.PreparedStatement;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.Supplier;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Runs the SQL of user queries: in a read-only transaction, as the read-only role, under a statement timeout,
 * admitted only while the team has fewer than the allowed number of statements running, named so that any instance
 * can cancel it, and logged to the query log however it ends. Admission, settings, role, statement and commit share
 * one transaction and are pipelined on one connection: two round trips per statement, the log row a third.
 */
@ApplicationScoped
public class QueryExecutor {
    @jakarta.inject.Inject java.time.Clock clock = java.time.Clock.systemUTC(); // tests build one by hand
    /** SQLSTATE quarry_admit_statement raises when the project has no free slot (migration V25_1). */
    static final String ADMISSION_REFUSED = "QA429";
    private static final String REGISTER_SQL = "SELECT set_config('application_name', $1, true)";
    private static final String LOG_SQL = "INSERT INTO query_log (team_id, query_id, event_time, query_start_time, "
            + "query_duration_ms, real_time_microseconds, result_rows, read_rows, status, exception_code, exception, "
            + "query, hogql, kind) SELECT $1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10, $11, $12, $13 "
            + "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS commit_mode";
    private final Pool pool;
    private final Duration statementTimeout;
    private final int maxConcurrentPerTeam;
    private final Event<QueryCost> costs;
    private final Metering metering;
    private final StatementSlots slots;
    /**
     * Statements of one project that may wait for this instance's slots; past it that project's next is a 503 with
     * Retry-After, while other projects still queue (the whole wait list holds 1,000). A project runs at most
     * {@code quarry.query.max-concurrent-per-team} statements, so a longer line of its own only waits longer.
     */
    static final int STATEMENTS_WAITING_PER_PROJECT = 100;
    private final List<String[]> sessionSettings;
    /**
     * Settings some statement kinds add after the session settings (a later {@code set_config} of the same name
     * wins): {@code Kind:name=value,name=value;Kind:…}. Funnel statements get a second parallel worker: their
     * per-actor scans are split into {@code UNION ALL} branches (FunnelPlan#actorsByStoredPerson) that only a
     * Parallel Append runs side by side, and PostgreSQL plans one only when each branch can have a process of its
     * own (with one worker it costs all branches in that worker). Paths statements get none: with a worker
     * PostgreSQL prefers a parallel scan, a sort and a Gather Merge to reading the (team, person, time, uuid) index
     * in the walk's order (at 10 M events ≈ 9.1 s of CPU against ≈ 5.4 s; see PathsSql.Read). Tests that build the
     * executor by hand keep this default. Every kind runs the same admission SELECT (one prepared statement per connection): kinds with fewer
     * settings of their own repeat the statement timeout in the spare places.
     */
    @jakarta.inject.Inject
    @ConfigProperty(name = "quarry.query.kind-settings", defaultValue = KIND_SETTINGS)
    String kindSettings = KIND_SETTINGS;
    static final String KIND_SETTINGS = "FunnelsQuery:max_parallel_workers_per_gather=2;"
            + "FunnelCorrelationQuery:max_parallel_workers_per_gather=2;"
            + "FunnelsActorsQuery:max_parallel_workers_per_gather=2;"
            + "FunnelCorrelationActorsQuery:max_parallel_workers_per_gather=2;"
            + "PathsQuery:max_parallel_workers_per_gather=0;"
            // statements joining a cell's groups to the stored ones (insights.GroupAggregation#statementKind)
            + "ActorsQuery/groups:enable_nestloop=off;"
            + "LifecycleQuery/groups:enable_nestloop=off";
    private volatile Admission kindAdmission;
    /**
     * The database time all statements of one run (one query, one insight request) may use together, summed over the
     * statements that run side by side; see {@link QueryStatements}. Three statements' timeouts by default: a
     * request costs at most what three statements of the project could cost at once.
     */
    @jakarta.inject.Inject
    @ConfigProperty(name = "quarry.query.run-budget", defaultValue = "180s")
    Duration runBudget = Duration.ofSeconds(180);
    /** The most statements one run may start (a trends request's series × compared ranges × cohorts, each 1–2). */
    @jakarta.inject.Inject
    @ConfigProperty(name = "quarry.query.max-statements-per-run", defaultValue = "1000")
    int maxStatementsPerRun = 1000;
    /**
     * The most statements the projects of one organization run at once, over every instance (V122_4): by default the
     * instance's statement share (pool size − reserve, 6) less two, so that one customer's projects leave room for
     * everyone else's first queries (PostHog limits concurrent queries per organization too).
     */
    @jakarta.inject.Inject
    @ConfigProperty(name = "quarry.query.max-concurrent-per-organization", defaultValue = "4")
    int maxConcurrentPerOrganization = 4;

    /** The kinds' settings, the most any kind adds, and the admission SELECT with room for them. */
    private record Admission(Map<String, List<String[]>> byKind, int extra, String sql) {}
    private final TeamLanes lanes;

    public QueryExecutor(Pool pool, Event<QueryCost> costs, Metering metering, TeamLanes lanes,
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
        this.metering = metering;
        this.slots = new StatementSlots(Math.max(1, poolSize - poolReserve), 1_000, STATEMENTS_WAITING_PER_PROJECT);
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
     * @param hogql the HogQL the query log keeps as {@code hogql} (its {@code query} is {@code sql}, the statement run)
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
     * can take, for capture and the rest of the API).
     *
     * @param hogql the HogQL the query log keeps as {@code hogql} (its {@code query} is {@code sql}, the statement run)
     */
    public Uni<RowSet<Row>> execute(long teamId, String queryId, String kind, String hogql, String sql,
                                    List<Object> params, Integer rowLimit) {
        return execute(teamId, queryId, kind, hogql, sql, params, rowLimit, statementTimeout, null);
    }

    /**
     * {@link #execute(long, String, String, String, String, List, Integer)} under {@code timeout} rather than the
     * statement timeout (a statement of a run gets what is left of the run's budget: {@link QueryStatements}).
     *
     * @param began set to {@link System#nanoTime()} when the statement leaves this instance's queue and starts (null:
     *     not wanted), so its time in the database is told from its time waiting for a slot
     */
    Uni<RowSet<Row>> execute(long teamId, String queryId, String kind, String hogql, String sql,
                             List<Object> params, Integer rowLimit, Duration timeout,
                             java.util.concurrent.atomic.AtomicLong began) {
        if (params.size() > dev.quarry.hogql.CompileBudget.MAX_PARAMETERS) {
            return Uni.createFrom().failure(new ValidationException("query_error", "Query has too many distinct values: "
                    + params.size() + " (limit " + dev.quarry.hogql.CompileBudget.MAX_PARAMETERS + ")", null));
        }
        // What the caller does with the rows (render them, compile its next statement) continues in the project's
        // lane, not on the event loop that delivered them.
        return slots.run(teamId, () -> {
            if (began != null) {
                began.set(System.nanoTime());
            }
            return run(teamId, queryId, kind, hogql, sql, params, rowLimit, timeout);
        }).emitOn(lanes.lane(teamId));
    }

    /**
     * Runs other database work that may hold a connection as long as a user statement (a project's timezone change,
     * which rebuilds its rollups for up to 120 s) in one of this instance's statement slots, so that it cannot take
     * the connections the pool keeps for capture and the rest of the API (the breaker's D3). It waits for a slot in
     * line with the statements (as a statement of {@code teamId}), or is refused with 503 when too many wait.
     * {@code work} may start on whichever thread freed the slot ({@code data.Sessions} puts its session on a Vert.x
     * context of its own).
     */
    public <T> Uni<T> inStatementSlot(long teamId, Supplier<Uni<T>> work) {
        return slots.run(teamId, work);
    }

    /**
     * One statement in two round trips on one connection, everything else pipelined behind them:
     * <ol>
     *   <li>{@code BEGIN READ ONLY}; admission and the per-statement settings in one SELECT
     *       ({@code quarry_admit_statement} takes one of the project's slots, an advisory lock the transaction holds
     *       until it ends, or raises QA429); {@code SET LOCAL ROLE quarry_query_reader}; the statement's Parse.</li>
     *   <li>the registry name ({@code application_name}, which cancel and status look for) set just before the
     *       statement, the statement itself, {@code COMMIT} (a ROLLBACK when anything failed) and the statement's
     *       Close.</li>
     * </ol>
     * A failure in the first round trip costs one more (the ROLLBACK). The query log row rides with the HTTP call's
     * meter row, or is a third round trip outside a call. A caller that goes away (e.g. a sibling statement of a
     * run failed) does not cut the pipeline short: the pool's withConnection runs it to its end (COMMIT or
     * ROLLBACK) before the connection goes back, so no connection is returned inside a transaction.
     */
    private Uni<RowSet<Row>> run(long teamId, String queryId, String kind, String hogql, String sql,
                                 List<Object> params, Integer rowLimit, Duration timeout) {
        Started start = new Started(OffsetDateTime.now(clock), System.nanoTime());
        return pool.withConnection(conn -> {
            Uni<Settled<RowSet<Row>>> begin = settle(conn.query("BEGIN READ ONLY").execute());
            Uni<Settled<RowSet<Row>>> admit = settle(conn.preparedQuery(kindAdmission().sql()).execute(
                    admitParams(teamId, kind, timeout)));
            Uni<Settled<RowSet<Row>>> role = settle(conn.query("SET LOCAL ROLE quarry_query_reader").execute());
            Uni<Settled<PreparedStatement>> prepared = settle(conn.prepare(sql));
            return Uni.combine().all().unis(begin, admit, role, prepared).asTuple().flatMap(first -> {
                Settled<PreparedStatement> statement = first.getItem4();
                Throwable refused = first.getItem1().failure() != null ? first.getItem1().failure()
                        : first.getItem2().failure() != null ? admission(first.getItem2().failure())
                        : first.getItem3().failure();
                if (refused == null && statement.failure() == null) {
                    PreparedStatement ps = statement.value();
                    return runAndCommit(conn, teamId, queryId, ps.query().execute(Tuple.from(params)), ps.close())
                            .flatMap(outcome -> finish(conn, teamId, queryId, kind, hogql, sql, start, rowLimit,
                                    outcome));
                }
                Uni<Void> rollback = conn.query("ROLLBACK").execute().replaceWithVoid().onFailure().recoverWithNull()
                        .call(x -> statement.value() == null ? Uni.createFrom().voidItem()
                                : statement.value().close().onFailure().recoverWithNull());
                if (refused instanceof ThrottledException) {
                    return rollback.flatMap(x -> Uni.createFrom().<RowSet<Row>>failure(refused));
                }
                if (refused == null && untyped(statement.failure())) {
                    // a parameter PostgreSQL cannot type (the printer casts every one, but raw SQL may not): the
                    // client's own prepare, which retries with the values' types, in one pipeline after a new BEGIN
                    return rollback.flatMap(x -> Uni.combine().all().unis(
                                    settle(conn.query("BEGIN READ ONLY").execute()),
                                    settle(conn.preparedQuery(kindAdmission().sql()).execute(admitParams(teamId, kind, timeout))),
                                    settle(conn.query("SET LOCAL ROLE quarry_query_reader").execute())).asTuple())
                            .flatMap(again -> {
                                Throwable failure = again.getItem1().failure() != null ? again.getItem1().failure()
                                        : again.getItem2().failure() != null ? admission(again.getItem2().failure())
                                        : again.getItem3().failure();
                                if (failure != null) {
                                    return conn.query("ROLLBACK").execute().onFailure().recoverWithNull()
                                            .flatMap(r -> Uni.createFrom().<RowSet<Row>>failure(failure));
                                }
                                return runAndCommit(conn, teamId, queryId,
                                        conn.preparedQuery(sql).execute(Tuple.from(params)), Uni.createFrom().voidItem())
                                        .flatMap(outcome -> finish(conn, teamId, queryId, kind, hogql, sql, start,
                                                rowLimit, outcome));
                            });
                }
                Settled<RowSet<Row>> failed = new Settled<>(null, refused != null ? refused : statement.failure());
                return rollback.flatMap(x -> finish(conn, teamId, queryId, kind, hogql, sql, start, rowLimit, failed));
            });
        });
    }

    /**
     * The second round trip: the registry name set just before the statement (so that a cancel finds it only once
     * there is something to stop), the statement, {@code COMMIT} (PostgreSQL answers ROLLBACK when the transaction
     * failed) and, after it, the statement's Close. The outcome is the statement's, or the first other failure.
     */
    private Uni<Settled<RowSet<Row>>> runAndCommit(SqlConnection conn, long teamId, String queryId,
                                                   Uni<RowSet<Row>> statement, Uni<Void> close) {
        Uni<Settled<RowSet<Row>>> named = settle(conn.preparedQuery(REGISTER_SQL)
                .execute(Tuple.of(registryName(teamId, queryId))));
        Uni<Settled<RowSet<Row>>> rows = settle(statement);
        Uni<Settled<RowSet<Row>>> commit = settle(conn.query("COMMIT").execute());
        Uni<Settled<Void>> closed = settle(close);
        return Uni.combine().all().unis(named, rows, commit, closed).asTuple().map(second -> {
            Throwable failure = second.getItem2().failure() != null ? second.getItem2().failure()
                    : second.getItem1().failure() != null ? second.getItem1().failure() : second.getItem3().failure();
            return new Settled<>(failure == null ? second.getItem2().value() : null, failure);
        });
    }

    private static boolean untyped(Throwable failure) {
        return failure instanceof PgException pg && "42P18".equals(pg.getSqlState());
    }

    private record Started(OffsetDateTime at, long nanos) {
    }

    /** The statement's outcome: its cost goes to the call's meter, its row to the query log, then the answer. */
    private Uni<RowSet<Row>> finish(SqlConnection conn, long teamId, String queryId, String kind, String hogql,
                                    String sql, Started start, Integer rowLimit, Settled<RowSet<Row>> outcome) {
        long durationMicros = (System.nanoTime() - start.nanos()) / 1000;
        RowSet<Row> rows = outcome.value();
        Throwable mapped = outcome.failure() == null ? null : translate(outcome.failure());
        Long resultRows = rows == null ? null : (long) (rowLimit == null ? rows.size()
                : Math.min(rows.size(), rowLimit));
        costs.fire(new QueryCost(resultRows, null, durationMicros / 1000));
        Meter.Write row = logRow(teamId, queryId, kind, hogql, sql, start.at(), durationMicros, resultRows, mapped,
                logDetail(outcome.failure(), mapped));
        // inside an HTTP call the row goes out with the call's meter row, in the round trip that one costs anyway
        Uni<Void> logged = metering.defer(row) ? Uni.createFrom().voidItem()
                : conn.preparedQuery(row.sql()).execute(row.params()).replaceWithVoid();
        return mapped == null ? logged.replaceWith(rows)
                : logged.flatMap(x -> Uni.createFrom().<RowSet<Row>>failure(mapped));
    }

    /** An item or a failure, so that pipelined commands are awaited together and each outcome read after. */
    private record Settled<T>(T value, Throwable failure) {
    }

    private static <T> Uni<Settled<T>> settle(Uni<T> uni) {
        return uni.onItemOrFailure().transform((value, failure) -> new Settled<>(value, failure));
    }

    /** The admission SELECT's failure: no free slot is 429; a cancel or anything else is translated as usual. */
    private Throwable admission(Throwable failure) {
        if (failure instanceof PgException pg && ADMISSION_REFUSED.equals(pg.getSqlState())) {
            if (pg.getErrorMessage() != null && pg.getErrorMessage().startsWith("organization")) {
                return new ThrottledException("Too many queries are running for this organization's projects (at "
                        + "most " + maxConcurrentPerOrganization + " at once). Try again shortly.", 1);
            }
            return new ThrottledException("Too many queries are running for this project (at most "
                    + maxConcurrentPerTeam + " at once). Try again shortly.", 1);
        }
        return failure;
    }

    private Tuple admitParams(long teamId, String kind, Duration timeout) {
        String timeoutMillis = String.valueOf(Math.max(1, timeout.toMillis()));
        List<Object> values = new java.util.ArrayList<>();
        values.add(teamId);
        values.add(maxConcurrentPerTeam);
        values.add(maxConcurrentPerOrganization);
        values.add(timeoutMillis);
        for (String[] setting : sessionSettings) {
            values.add(setting[0]);
            values.add(setting[1]);
        }
        Admission a = kindAdmission();
        List<String[]> own = a.byKind().getOrDefault(kind, List.of());
        for (String[] setting : own) {
            values.add(setting[0]);
            values.add(setting[1]);
        }
        for (int i = own.size(); i < a.extra(); i++) {
            values.add("statement_timeout");
            values.add(timeoutMillis);
        }
        return Tuple.from(values);
    }

    private Admission kindAdmission() {
        Admission a = kindAdmission;
        if (a == null) {
            Map<String, List<String[]>> byKind = parseKindSettings(kindSettings);
            int extra = byKind.values().stream().mapToInt(List::size).max().orElse(0);
            a = new Admission(byKind, extra, admitSql(sessionSettings.size() + extra));
            kindAdmission = a;
        }
        return a;
    }

    /** {@code Kind:name=value,name=value;Kind:…} as kind → settings (see {@link #parseSettings}). */
    static Map<String, List<String[]>> parseKindSettings(String text) {
        Map<String, List<String[]>> out = new java.util.HashMap<>();
        for (String entry : text == null ? new String[0] : text.split(";")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int colon = e.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("quarry.query.kind-settings: expected Kind:name=value, got " + e);
            }
            out.put(e.substring(0, colon).trim(), parseSettings(e.substring(colon + 1)));
        }
        return Map.copyOf(out);
    }

    /**
     * Admission, the statement timeout and the memory bounds (for this transaction only) in one SELECT, run before
     * the role changes: a role's own defaults ({@code ALTER ROLE … SET}) do not apply after {@code SET ROLE}.
     */
    static String admitSql(int settings) {
        StringBuilder sql = new StringBuilder("SELECT quarry_admit_statement($1, $2, $3), "
                + "set_config('statement_timeout', $4, true)");
        for (int i = 0; i < settings; i++) {
            int name = 5 + 2 * i;
            sql.append(", set_config($").append(name).append(", $").append(name + 1).append(", true)");
        }
        return sql.toString();
    }

    /**
     * The name a running statement of the team's query carries as its {@code application_name} (transaction-local,
     * seen by every backend in pg_stat_activity at once): a hash of team and id, so that a project can never name
     * another's statement, and any id fits PostgreSQL's 63 bytes.
     */
    static String registryName(long teamId, String queryId) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((teamId + "\u0000" + queryId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "quarry:" + java.util.HexFormat.of().formatHex(digest, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A run of several statements of one query, executed concurrently within the project's limit (see
     * {@link QueryStatements}).
     */
    public QueryStatements statements(long teamId, String queryId) {
        return new QueryStatements(this, teamId, queryId, maxConcurrentPerTeam,
                new QueryStatements.Budget(statementTimeout, runBudget, maxStatementsPerRun));
    }

    public Duration statementTimeout() {
        return statementTimeout;
    }

    /** Stops every running statement of the team's query with this id, on whichever connection runs it. True if one was. */
    public Uni<Boolean> cancel(long teamId, String queryId) {
        return pool.preparedQuery("SELECT coalesce(bool_or(pg_cancel_backend(pid)), false) FROM pg_stat_activity "
                        + "WHERE application_name = $1 AND datname = current_database()")
                .execute(Tuple.of(registryName(teamId, queryId)))
                .map(rows -> Boolean.TRUE.equals(rows.iterator().next().getBoolean(0)));
    }

    /**
     * One row of the query log (contract Part A item 7, with PostHog's query_log fields): {@code event_time} is when
     * the run ended, {@code query} the PostgreSQL statement that ran (bound values not inlined), {@code hogql} the
     * HogQL, {@code status} QueryFinish, ExceptionWhileProcessing, or Cancelled for a statement stopped by DELETE
     * query/:id, {@code exception} the failure's message (null when the run succeeded), {@code exception_code}
     * ClickHouse's code for a timeout (159) or a cancel (394), 0 when the run succeeded. It commits without waiting for the WAL flush,
     * as the meter row does: only a crash of the database server itself could lose the newest rows (PostHog's
     * ClickHouse query log is flushed every few seconds and loses them the same way).
     */
    private static Meter.Write logRow(long teamId, String queryId, String kind, String hogql, String sql,
                                      OffsetDateTime startedAt, long durationMicros, Long resultRows, Throwable failure,
                                      String exception) {
        String status = failure == null ? "QueryFinish"
                : failure instanceof QueryCancelledException ? "Cancelled" : "ExceptionWhileProcessing";
        Integer code = failure == null ? Integer.valueOf(0) : failure instanceof QueryCancelledException ? Integer.valueOf(394)
                : failure instanceof QueryTimeoutException ? Integer.valueOf(159) : null;
        return new Meter.Write(LOG_SQL, Tuple.tuple(java.util.Arrays.asList(teamId, storable(queryId),
                startedAt.plusNanos(durationMicros * 1000), startedAt, durationMicros / 1000, durationMicros,
                resultRows, status, code, failure == null ? null : storable(exception), storable(sql),
                hogql == null ? "" : storable(hogql), kind)));
    }

    /**
     * The query log's {@code exception}: the answered message, and for a value PostgreSQL refused (answered in
     * HogQL's words) PostgreSQL's own text and SQLSTATE after it, for whoever reads the log.
     */
    static String logDetail(Throwable original, Throwable mapped) {
        if (mapped == null) {
            return null;
        }
        if (original instanceof PgException pg && mapped != original && pg.getSqlState() != null
                && dev.quarry.hogql.ValueErrors.of(pg.getSqlState(), pg.getErrorMessage()) != null) {
            return mapped.getMessage() + " (PostgreSQL " + pg.getSqlState() + ": " + pg.getErrorMessage() + ")";
        }
        return mapped.getMessage();
    }

    /**
     * Text PostgreSQL can store: a NUL character (which a query's string literal may carry) becomes U+FFFD, as
     * capture stores it; without this the query's log row was refused and lost.
     */
    private static String storable(String text) {
        return text == null || text.indexOf('\0') < 0 ? text : text.replace('\0', '\uFFFD');
    }

    /** SQLSTATE of quarry_cohort_ref (V28_1): the team has no such cohort. */
    static final String COHORT_NOT_FOUND = "QC404";

    /** {@code column "events.timestamp" must appear in the GROUP BY clause …} → ClickHouse's NOT_AN_AGGREGATE text. */
    static String groupingMessage(String postgres) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("column \"(?:[^\"]*\\.)?([^\".]+)\"")
                .matcher(postgres == null ? "" : postgres);
        return m.find() ? "Column `" + m.group(1) + "` is not under aggregate function and not in GROUP BY keys"
                : "A column is neither aggregated nor in GROUP BY keys";
    }

    /** Database failures a user caused become 4xx; a timeout is 504; anything else stays a server fault. */
    private Throwable translate(Throwable failure) {
        if (failure instanceof PgException pg) {
            String state = pg.getSqlState() == null ? "" : pg.getSqlState();
            if (state.equals(COHORT_NOT_FOUND)) {
                // a cohort named by IN COHORT or a cohort filter does not exist (V28_1): PostHog's 400
                return new ValidationException(HogQLErrors.QUERY_ERROR, pg.getErrorMessage(), null);
            }
            if (state.equals(dev.quarry.web.DatabaseFailures.CLICKHOUSE_ERROR)) {
                // a value ClickHouse fails the query on (hogql_raise, V67_2): its words, its error's code name
                return dev.quarry.web.DatabaseFailures.clickHouseError(pg.getErrorMessage(), pg.getDetail());
            }
            if (state.equals("54000") && pg.getErrorMessage() != null
                    && pg.getErrorMessage().startsWith(ResultBound.MESSAGE)) {
                long bound = ResultBound.boundOf(pg.getErrorMessage());
                long read = pg.getDetail() == null ? bound : Long.parseLong(pg.getDetail().trim());
                return dev.quarry.web.ResponseTooLargeException.result(read, bound);
            }
            if (state.equals("57014")) {
                return pg.getErrorMessage() != null && pg.getErrorMessage().contains("statement timeout")
                        ? new QueryTimeoutException(statementTimeout.toSeconds()) : new QueryCancelledException();
            }
            if (state.equals("42803")) {
                // a column neither grouped nor aggregated that the compiler's check (hogql.Aggregations) leaves to the
                // database: ClickHouse's words, naming the column, not PostgreSQL's text about Quarry's SQL
                return new ValidationException(HogQLErrors.QUERY_ERROR, groupingMessage(pg.getErrorMessage()), null);
            }
            if (state.equals(dev.quarry.web.DatabaseFailures.NUL_IN_TEXT)) {
                return dev.quarry.web.DatabaseFailures.nulInText();
            }
            if (dev.quarry.web.DatabaseFailures.isTempFileLimit(state, pg.getErrorMessage())) {
                return dev.quarry.web.DatabaseFailures.tempFileLimit();
            }
            dev.quarry.hogql.ValueErrors.ValueError value = dev.quarry.hogql.ValueErrors.of(state, pg.getErrorMessage());
            if (value != null) {
                // a value PostgreSQL refused: ClickHouse's code name and HogQL's words (PostgreSQL's text names
                // Quarry's SQL types); the query log keeps PostgreSQL's text
                return new ValidationException(value.code(), value.message(), null);
            }
            if (dev.quarry.web.DatabaseFailures.isQueryError(state)) {
                return new ValidationException("query_error", "Query failed: " + pg.getErrorMessage(), null);
            }
        }
        return failure;
    }
}

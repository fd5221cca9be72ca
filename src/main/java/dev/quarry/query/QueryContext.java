package dev.quarry.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.data.Team;
import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.HogQLCompiler;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.Placeholders;
import dev.quarry.hogql.SelectLike;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import java.time.Instant;

/**
 * What a runner gets for one execution: the team, the query's id (for log and cancel), the executor, and
 * {@link #statements()}, through which the run's statements go: submitted together (e.g. one per series and joined
 * with {@link QueryStatements#all}) they run concurrently within the project's limit.
 */
public record QueryContext(Team team, String queryId, QueryExecutor executor, ObjectMapper mapper, Instant now,
                           QueryStatements statements) {
    public QueryContext(Team team, String queryId, QueryExecutor executor, ObjectMapper mapper, Instant now) {
        this(team, queryId, executor, mapper, now, executor == null ? null : executor.statements(team.id(), queryId));
    }

    /** Insight statements return every row they compute (their runners bound bucket × breakdown counts). */
    private static final int NO_ROW_CAP = 10_000_000;

    /** One executed statement: what was compiled (the answer's {@code hogql}) and its rows. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record Executed(CompiledQuery statement, RowSet<Row> rows) {}

    /**
     * Compiles a runner's query (a HogQL AST, subqueries as nodes) for the team (team wall on every table, the
     * team's time zone, no row cap) and runs it as one statement of this run through {@link #statements()}.
     * Compiling happens on the calling thread (a runner runs in the project's lane). A query that does not compile
     * is a 400 ({@link ValidationException}); execution failures are {@link QueryExecutor}'s.
     */
    public Uni<Executed> execute(String kind, SelectLike query) {
        CompiledQuery compiled = compile(query);
        return statements.execute(kind, compiled.hogql(), compiled.sql(), compiled.params(), null)
                .map(rows -> new Executed(compiled, rows));
    }

    /** Compiles as {@link #execute} does, without running (for callers that only show the statement). */
    public CompiledQuery compile(SelectLike query) {
        try {
            // a tree built by a runner may hold one node in several places; the compiler keys nodes by identity
            SelectLike fresh = (SelectLike) Placeholders.Transformer.copy(query);
            return HogQLCompiler.compile(fresh, CompileSettings.of(team.id()).withTimezone(team.timezone())
                    .withLimits(NO_ROW_CAP, NO_ROW_CAP));
        } catch (HogQLException e) {
            throw new ValidationException(e.getMessage(), null);
        }
    }
}

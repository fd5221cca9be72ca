package dev.quarry.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.data.Team;
import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.HogQLCompiler;
import dev.quarry.hogql.SelectLike;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import java.time.Instant;

/**
 * What a runner gets for one execution: the team, the query's id (for log and cancel), the executor, and
 * {@link #statements()}, through which the run's statements go: submitted together (e.g. one per series and joined
 * with {@link QueryStatements#all}) they run concurrently within the project's limit. Runners build HogQL ASTs and
 * hand them to {@link #compile} and {@link #execute}: the one place a runner's query becomes SQL and reaches the
 * database.
 */
public record QueryContext(Team team, String queryId, QueryExecutor executor, ObjectMapper mapper, Instant now,
                           QueryStatements statements) {
    public QueryContext(Team team, String queryId, QueryExecutor executor, ObjectMapper mapper, Instant now) {
        this(team, queryId, executor, mapper, now, executor == null ? null : executor.statements(team.id(), queryId));
    }

    /**
     * Compiles a runner's statement for the team ({@link QueryService#compile}) and runs it among this run's
     * statements ({@link #statements()}: concurrently with the others submitted, within the project's limit). Call
     * it from the project's lane (a runner's code and the continuations after a statement run there).
     *
     * @throws dev.quarry.web.ValidationException (as a failed Uni or thrown) for a query that does not compile
     */
    public io.smallrye.mutiny.Uni<HogQLStatement.Result> execute(HogQLStatement statement) {
        dev.quarry.hogql.CompiledQuery compiled = QueryService.compile(team, now, statement.ast(), statement.values(),
                QueryService.NO_LIMIT);
        return statements.execute(statement.kind(), compiled.hogql(), compiled.sql(), compiled.params(), null)
                .map(rows -> new HogQLStatement.Result(compiled, rows));
    }

    /**
     * Compile settings for this run's project: its id (the team wall every table gets), its timezone, and this
     * run's clock instant (what HogQL's {@code now()} reads).
     */
    public CompileSettings settings() {
        return CompileSettings.of(team.id()).withTimezone(team.timezone()).withNow(now);
    }

    /**
     * Compiles {@code query} (a HogQL AST whose user values are constants or expression nodes) with
     * {@code settings} (from {@link #settings()}, plus the runner's limits, values, filters).
     *
     * @throws dev.quarry.hogql.HogQLException for a query that does not resolve or exceeds the compile budget; the
     *         runner maps it to its 400
     */
    public CompiledQuery compile(SelectLike query, CompileSettings settings) {
        return HogQLCompiler.compile(query, settings);
    }

    /**
     * Runs {@code compiled} as one of this run's statements (admission, read-only role, timeouts, log, meter).
     *
     * @param hogql what the query log shows for it (the user's text for HogQLQuery, else the printed HogQL)
     * @param rowLimit rows to read at most (null: no limit beyond the statement's own)
     */
    public Uni<RowSet<Row>> execute(String kind, String hogql, CompiledQuery compiled, Integer rowLimit) {
        return statements.execute(kind, hogql, compiled.sql(), compiled.params(), rowLimit);
    }
}

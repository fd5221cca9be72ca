package dev.quarry.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.data.Team;
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

    /**
     * Compiles a runner's statement for the team ({@link QueryService#compile}) and runs it among this run's
     * statements ({@link #statements()}: concurrently with the others submitted, within the project's limit). Call
     * it from the project's lane (a runner's code and the continuations after a statement run there).
     *
     * @throws dev.quarry.web.ValidationException (as a failed Uni or thrown) for a query that does not compile
     */
    public io.smallrye.mutiny.Uni<HogQLStatement.Result> execute(HogQLStatement statement) {
        dev.quarry.hogql.CompiledQuery compiled = QueryService.compile(team, statement.ast(), statement.values(),
                QueryService.NO_LIMIT);
        return statements.execute(statement.kind(), compiled.hogql(), compiled.sql(), compiled.params(), null)
                .map(rows -> new HogQLStatement.Result(compiled, rows));
    }
}

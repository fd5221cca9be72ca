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
}

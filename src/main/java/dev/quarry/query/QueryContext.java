package dev.quarry.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.data.Team;
import java.time.Instant;

/** What a runner gets for one execution: the team, the query's id (for log and cancel) and the executor. */
public record QueryContext(Team team, String queryId, QueryExecutor executor, ObjectMapper mapper, Instant now) {
}

package dev.quarry.query;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One async query to run: what the dispatcher hands to a worker (in-process, or as an SQS message). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AsyncQueryJob(long teamId, String queryId, ObjectNode query, String cacheKey) {
}

package dev.quarry.query;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One async query to run: what the dispatcher hands to a worker (in-process, or as an SQS message, snake_case JSON).
 *
 * @param query the query node with the request's overrides applied (parsed into its record by the worker)
 * @param kind its {@code kind}, which picks the runner
 * @param run this run of the query id ({@link QueryStatusStore#create}); null in a message sent before runs were kept
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AsyncQueryJob(long teamId, String queryId, ObjectNode query, String kind, String cacheKey,
                            java.util.UUID run) {
}

package dev.quarry.query;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;

/**
 * Runs one query kind: reads the query node, builds its SQL through the HogQL compiler, executes it with
 * {@link QueryContext#executor()} and returns the kind's response object (without the cache fields, which
 * {@link QueryService} adds).
 */
public interface QueryRunner {
    String kind();

    Uni<ObjectNode> run(QueryContext context, ObjectNode query);

    /** The query's interval (minute/hour/day/week/month) where it has one; it decides how long a cached answer stays fresh. */
    default String interval(ObjectNode query) {
        return query.path("interval").isTextual() ? query.get("interval").asText() : null;
    }

    /** Whether answers may be cached (metadata and similar cheap kinds are not). */
    default boolean cacheable() {
        return true;
    }
}

package dev.quarry.query;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;

/**
 * Runs one query kind. {@link QueryService} parses the query node once into {@link #queryType()} (a record of
 * {@code query.schema} or of the runner's own file, with PostHog's field names; an unknown or malformed field is a
 * 400 naming it) and hands the record to {@link #run}, which builds the kind's SQL through the HogQL compiler,
 * executes it with {@link QueryContext#executor()} and returns the kind's response object (without the cache
 * fields, which {@link QueryService} adds). A new kind is one bean implementing this interface with its record:
 * {@link QueryRunners} finds it by {@link #kind()}.
 *
 * @param <Q> the query's record
 */
public interface QueryRunner<Q> {
    /** PostHog's {@code kind} this runner answers, e.g. {@code "LifecycleQuery"}. */
    String kind();

    /** The record the query node is parsed into. */
    Class<Q> queryType();

    Uni<ObjectNode> run(QueryContext context, Q query);

    /** The query's interval (minute/hour/day/week/month) where it has one; it decides how long a cached answer stays fresh. */
    default String interval(ObjectNode query) {
        return query.path("interval").isTextual() ? query.get("interval").asText() : null;
    }

    /** Whether answers may be cached (metadata and similar cheap kinds are not). */
    default boolean cacheable() {
        return true;
    }
}

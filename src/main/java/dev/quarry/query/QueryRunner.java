package dev.quarry.query;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Plans one query kind. {@link QueryService} parses the query node once into {@link #queryType()} (a record of
 * {@code query.schema} or of the runner's own file, with PostHog's field names; an unknown or malformed field is a
 * 400 naming it) and hands the record to {@link #plan}, which returns the kind's statements as HogQL ASTs and how
 * their rows become the kind's response object (a {@link QueryPlan}; without the cache fields, which
 * {@link QueryService} adds). The runner compiles and executes nothing: {@link QueryPlans} does. A new kind is one
 * bean implementing this interface with its record: {@link QueryRunners} finds it by {@link #kind()}.
 *
 * @param <Q> the query's record
 */
public interface QueryRunner<Q> {
    /** PostHog's {@code kind} this runner answers, e.g. {@code "LifecycleQuery"}. */
    String kind();

    /** The record the query node is parsed into. */
    Class<Q> queryType();

    /**
     * The statements {@code query} needs and how their rows become its answer.
     *
     * @throws dev.quarry.web.ValidationException 400 for a query the kind cannot answer (thrown, or failing the plan)
     */
    QueryPlan<ObjectNode> plan(QueryContext context, Q query);

    /** Whether answers may be cached (metadata and similar cheap kinds are not). */
    default boolean cacheable() {
        return true;
    }
}

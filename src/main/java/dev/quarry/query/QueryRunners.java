package dev.quarry.query;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.HashMap;
import java.util.Map;

/** Every runner bean, by the kind it answers. */
@ApplicationScoped
public class QueryRunners {
    private final Map<String, QueryRunner<?>> byKind = new HashMap<>();

    public QueryRunners(Instance<QueryRunner<?>> runners) {
        runners.forEach(runner -> byKind.put(runner.kind(), runner));
    }

    /** Whether a runner answers {@code kind}. */
    public boolean answers(String kind) {
        return byKind.containsKey(kind);
    }

    /** The kinds answered, sorted: every runner bean's {@link QueryRunner#kind()}, nothing listed by hand. */
    public java.util.SortedSet<String> kinds() {
        return new java.util.TreeSet<>(byKind.keySet());
    }

    /** The runner of {@code kind}; 400 for a kind of PostHog's schema that Quarry does not run. */
    public QueryRunner<?> get(String kind) {
        QueryRunner<?> runner = byKind.get(kind);
        if (runner == null) {
            throw new ValidationException("Unsupported query kind: " + kind, null);
        }
        return runner;
    }

    /**
     * A query node parsed for its runner, ready to run: the one place a query's JSON becomes its record.
     *
     * @param timings whether the node's {@code modifiers.timings} asks for the answer's {@code timings} (PostHog's
     *                {@code AnalyticsQueryRunner.calculate} sets them to null otherwise)
     * @param modifiers the node's {@code modifiers} as sent (checked), a missing node when it has none
     */
    public record Parsed<Q>(QueryRunner<Q> runner, Q query, boolean timings,
                            com.fasterxml.jackson.databind.JsonNode modifiers) {
        public QueryPlan<ObjectNode> plan(QueryContext context) {
            return runner.plan(context, query);
        }
    }

    /** Parses {@code query} for the runner of its kind (400 naming an unknown or malformed field). */
    public static <Q> Parsed<Q> parse(QueryRunner<Q> runner, ObjectNode query) {
        Q parsed = QuerySchema.parse(query, runner.queryType(), runner.kind());
        return new Parsed<>(runner, parsed, truthy(query.path("modifiers").path("timings")), query.path("modifiers"));
    }

    /** A bool as pydantic reads it (the modifiers were already checked, so anything else is false). */
    private static boolean truthy(com.fasterxml.jackson.databind.JsonNode value) {
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isNumber()) {
            return value.doubleValue() == 1;
        }
        return value.isTextual() && java.util.Set.of("1", "on", "t", "true", "y", "yes")
                .contains(value.textValue().trim().toLowerCase(java.util.Locale.ROOT));
    }
}

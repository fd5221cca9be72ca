package dev.quarry.insights.saved;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.query.QueryRequest;
import dev.quarry.query.QueryRunners;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ParseErrorException;
import dev.quarry.web.ValidationException;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Checks the {@code query} of a saved insight as PostHog's insight API does before storing it: its
 * {@code QuerySchemaParser} validates a non-empty {@code query} against the query schema
 * ({@code QuerySchemaRoot.model_validate}) and answers a failure with 400 {@code parse_error}. Here the node is
 * unwrapped as POST query unwraps it (an {@code InsightVizNode}, {@code DataTableNode} or
 * {@code DataVisualizationNode} around its {@code source}) and the query of a kind Quarry runs is read by that kind's
 * record, strictly, as POST query reads it: a malformed field is a 400 naming it ({@code attr}), and nothing is
 * stored. Kinds of PostHog's schema that Quarry does not run are stored as sent (they cannot run here either way).
 */
@ApplicationScoped
public class InsightQueries {
    private final QueryRunners runners;

    public InsightQueries(QueryRunners runners) {
        this.runners = runners;
    }

    /**
     * @param query the query as sent (null: not sent; JSON null: cleared, nothing to check)
     * @throws ParseErrorException 400 {@code parse_error} naming the malformed field of the query
     */
    public void check(JsonNode query) {
        if (!(query instanceof ObjectNode node)) {
            return;
        }
        String kind = QuerySchema.kindOf(node);
        while (QueryRequest.WRAPPERS.contains(kind) && node.get("source") instanceof ObjectNode source
                && QuerySchema.textTag(source, "kind") != null) {
            node = source;
            kind = QuerySchema.kindOf(node);
        }
        if (kind == null || !runners.answers(kind)) {
            return;
        }
        try {
            QueryRunners.parse(runners.get(kind), node);
        } catch (ValidationException e) {
            throw new ParseErrorException("Invalid query: " + e.getMessage(), e.attr());
        }
    }
}

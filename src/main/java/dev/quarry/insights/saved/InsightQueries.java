package dev.quarry.insights.saved;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.data.Team;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryRequest;
import dev.quarry.query.QueryRunners;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ParseErrorException;
import dev.quarry.web.ValidationException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;

/**
 * Checks the {@code query} of a saved insight as PostHog's insight API does before storing it: its
 * {@code QuerySchemaParser} validates a non-empty {@code query} against the query schema
 * ({@code QuerySchemaRoot.model_validate}) and answers a failure with 400 {@code parse_error}. Here the node is
 * unwrapped as POST query unwraps it (an {@code InsightVizNode}, {@code DataTableNode} or
 * {@code DataVisualizationNode} around its {@code source}) and the query of a kind Quarry runs is read by that kind's
 * record, strictly, as POST query reads it, and its plan is built as a run builds it (no SQL runs), so every check a
 * run makes before its SQL — enum values such as a series' {@code math}, {@code interval}, {@code display},
 * {@code breakdown_type}, {@code funnelOrderType}, {@code retentionType} — refuses the insight at save, as PostHog's
 * schema validation does: a 400 naming the field ({@code attr}), and nothing is stored. A wrapper whose
 * {@code source} is missing or null is a 400 too (PostHog's schema requires it). Kinds of PostHog's schema that Quarry does not run are stored as sent (they cannot run here either way).
 */
@ApplicationScoped
public class InsightQueries {
    private final QueryRunners runners;
    private final ObjectMapper mapper;
    private final Clock clock;

    public InsightQueries(QueryRunners runners, ObjectMapper mapper, Clock clock) {
        this.runners = runners;
        this.mapper = mapper;
        this.clock = clock;
    }

    /**
     * @param query the query as sent (null: not sent; JSON null: cleared, nothing to check)
     * @param team the insight's project (the plan is built for it, as a run would build it; nothing runs)
     * @throws ParseErrorException 400 {@code parse_error} naming the malformed field of the query
     */
    public void check(JsonNode query, Team team) {
        if (!(query instanceof ObjectNode sent)) {
            return;
        }
        ObjectNode node = QueryRequest.unwrap(sent);
        String kind = QuerySchema.kindOf(node);
        if (kind == null || !runners.answers(kind)) {
            return;
        }
        QueryRunners.Parsed<?> parsed;
        try {
            parsed = QueryRunners.parse(runners.get(kind), node);
        } catch (ParseErrorException e) {
            throw e;
        } catch (ValidationException e) {
            throw new ParseErrorException("Invalid query: " + e.getMessage(), e.attr());
        }
        try {
            // the plan is a value: building it runs no SQL, but it checks what the runner checks before running
            // (a series' math, a breakdown's type, an interval …), the same checks POST query makes
            parsed.plan(new QueryContext(team, mapper, clock.instant()));
        } catch (ParseErrorException e) {
            throw e;
        } catch (ValidationException e) {
            throw new ParseErrorException("Invalid query: " + e.getMessage(), e.attr());
        } catch (IllegalStateException e) {
            // a plan that parses HogQL text (a HogQLQuery, a hogql math or filter) may not do so on the event loop,
            // where this runs (hogql.EventLoopGuard): such a query is checked by its record only, as before, and
            // the rest of its checks happen when it runs
        }
    }
}

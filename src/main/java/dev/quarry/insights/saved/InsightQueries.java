package dev.quarry.insights.saved;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.data.Team;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryKinds;
import dev.quarry.query.QueryPlans;
import dev.quarry.query.QueryRequest;
import dev.quarry.query.QueryRunners;
import dev.quarry.query.TeamLanes;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ParseErrorException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
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
 * {@code source} is missing or null is a 400 too (PostHog's schema requires it), and so is a kind PostHog's schema
 * does not know ({@code NopeQuery}: 400 naming it, {@code attr: "kind"}). Kinds of PostHog's schema that Quarry does
 * not run are stored as sent (they cannot run here either way). The check runs on a worker thread in the project's
 * query lane, as POST query's planning does.
 */
@ApplicationScoped
public class InsightQueries {
    private final QueryRunners runners;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final TeamLanes lanes;

    public InsightQueries(QueryRunners runners, ObjectMapper mapper, Clock clock, TeamLanes lanes) {
        this.runners = runners;
        this.mapper = mapper;
        this.clock = clock;
        this.lanes = lanes;
    }

    /**
     * Checks the query in the project's query lane ({@link TeamLanes}, a worker thread, as POST query plans), never on
     * the event loop: building a HogQL query's plan parses and resolves its HogQL, so a HogQL insight is checked as
     * fully as any other at save.
     *
     * @param query the query as sent (null: not sent; JSON null: cleared, nothing to check)
     * @param team the insight's project (the plan is built for it, as a run would build it; nothing runs)
     * @return completes when the query is fine; fails with 400 {@code parse_error} naming the malformed field (or
     *     naming a kind PostHog's schema does not know), or 429 when the project's lane is full
     */
    public Uni<Void> check(JsonNode query, Team team) {
        if (!(query instanceof ObjectNode sent)) {
            return Uni.createFrom().voidItem();
        }
        return lanes.run(team.id(), () -> {
            checkNow(sent, team);
            return Uni.createFrom().voidItem();
        });
    }

    private void checkNow(ObjectNode sent, Team team) {
        ObjectNode node = QueryRequest.unwrap(sent);
        String kind = QuerySchema.kindOf(node);
        if (kind == null) {
            return;
        }
        if (!QueryKinds.SCHEMA_KINDS.contains(kind) && !runners.answers(kind)) {
            // PostHog's QuerySchemaRoot refuses a kind its schema does not know (the discriminated union's tag)
            throw new ParseErrorException("Invalid query: Input tag '" + kind
                    + "' found using 'kind' does not match any of the expected tags", "kind");
        }
        if (!runners.answers(kind)) {
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
            // (a series' math, a breakdown's type, an interval, a HogQL query's text …), the same checks POST query makes
            QueryContext context = new QueryContext(team, mapper, clock.instant());
            // and the statements it holds are compiled (nothing is executed), so a HogQL query's unknown field or
            // table is refused at save as its run would refuse it
            QueryPlans.compileHeld(team, context.now(), parsed.plan(context));
        } catch (ParseErrorException e) {
            throw e;
        } catch (ValidationException e) {
            throw new ParseErrorException("Invalid query: " + e.getMessage(), e.attr());
        }
    }
}

package dev.quarry.insights.funnels;

import dev.quarry.insights.FunnelsQuery;
import dev.quarry.insights.FunnelsActorsQuery;
import dev.quarry.insights.FunnelCorrelationActorsQuery;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.dates.RelativeDates;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.insights.Breakdown;
import dev.quarry.insights.InsightSql;
import dev.quarry.insights.SeriesJson;
import dev.quarry.query.QueryContext;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import dev.quarry.query.QueryPlan;
import io.vertx.mutiny.sqlclient.Row;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

import static dev.quarry.insights.funnels.FunnelSql.expr;
import static dev.quarry.insights.funnels.FunnelSql.field;

/**
 * The actors of a funnel, for the ActorsQuery runner and the persons endpoints: given a {@link FunnelsActorsQuery}
 * or {@link FunnelCorrelationActorsQuery}, the persons (ids, merged persons once) in a stable order, or for a funnel
 * aggregated by groups the groups (keys).
 * {@link #query} builds the AST (column {@code actor}) for callers that join persons themselves; {@link #page} runs
 * it with limit and offset.
 */
public final class FunnelActors {
    private FunnelActors() {
    }

    /**
     * One page of actors: their ids in order (persons' uuids, or for a funnel aggregated by groups the groups' keys;
     * {@code groups} says which), whether more follow, and the statement run.
     */
    public record Page(List<String> actorIds, boolean groups, boolean hasMore, CompiledQuery statement) {}

    /**
     * The actors of a FunnelsActorsQuery: the SELECT of column {@code actor} (person uuid), one row per actor.
     * {@code kind} names the statements this may run first (a breakdown's ranking) in the query log.
     */
    public static QueryPlan<SelectQuery> query(QueryContext context, String kind, FunnelsActorsQuery source) {
        return funnelsActors(new InsightSql(context, kind), kind, source);
    }

    /** The actors of a FunnelCorrelationActorsQuery: the SELECT of column {@code actor}, one row per actor. */
    public static QueryPlan<SelectQuery> query(QueryContext context, String kind, FunnelCorrelationActorsQuery source) {
        return FunnelCorrelation.actors(new InsightSql(context, kind), source);
    }

    /**
     * Runs an actors query ({@link #query}) with {@code limit} and {@code offset}, ordered by actor; {@code groups}:
     * its actors are groups' keys rather than persons' uuids.
     */
    static QueryPlan<Page> page(QueryContext context, String kind, QueryPlan<SelectQuery> actors, int limit, int offset,
                                boolean groups) {
        if (limit < 1 || offset < 0) {
            throw new ValidationException("limit must be positive and offset not negative", "limit");
        }
        return actors.flatMap(query -> {
            SelectQuery paged = FunnelSql.select(field("actor")).from(query, "actors").orderBy(field("actor"), false)
                    .limit((long) limit + 1).offset(offset).build();
            return FunnelSql.run(context, kind, paged).map(done -> {
                List<String> ids = new ArrayList<>();
                for (Row row : done.rows()) {
                    ids.add(String.valueOf(row.getValue(0)));
                }
                boolean more = ids.size() > limit;
                return new Page(more ? ids.subList(0, limit) : ids, groups, more, done.compiled());
            });
        });
    }

    /**
     * The step condition of a FunnelsActorsQuery's {@code funnelStep}: N &gt; 0 reached step N ({@code r[1] >= N}),
     * −N reached step N−1 but not N ({@code r[1] = N−1}); 400 for 0, −1 or a step the funnel does not have.
     */
    static Expr stepCondition(int step, int n) {
        if (step == 0 || step > n || step < -n || step == -1) {
            throw new ValidationException("funnelStep must be 1 … " + n + " (reached) or -2 … -" + n
                    + " (dropped off before that step)", "funnelStep");
        }
        return step > 0 ? FunnelSql.reached(step) : expr("r[1] = {k}", "k", -step - 1);
    }

    /**
     * {@code funnelCustomSteps}, as PostHog's funnel actors read it ({@code steps IN custom_steps}): the actors whose
     * furthest step (1 … n, the number of steps done) is one of these; null when absent or empty (then
     * {@code funnelStep} decides).
     *
     * @throws ValidationException a value that is not a list of step numbers 1 … n, naming {@code funnelCustomSteps}
     */
    static List<Long> customSteps(JsonNode steps, int n) {
        if (steps == null || steps.isNull() || (steps.isArray() && steps.isEmpty())) {
            return null;
        }
        if (!steps.isArray() || steps.size() > n) {
            throw new ValidationException("funnelCustomSteps must be a list of step numbers 1 … " + n,
                    "funnelCustomSteps");
        }
        List<Long> out = new ArrayList<>();
        for (JsonNode step : steps) {
            if (!step.canConvertToExactIntegral() || step.asLong() < 1 || step.asLong() > n) {
                throw new ValidationException("funnelCustomSteps must be a list of step numbers 1 … " + n,
                        "funnelCustomSteps");
            }
            out.add(step.asLong());
        }
        return out;
    }

    /**
     * FunnelsActorsQuery: {@code funnelCustomSteps} (see {@link #customSteps}) before {@code funnelStep};
     * {@code funnelStep} N &gt; 0 = reached step N; −N = reached step N−1 but not N (dropped
     * before it); absent = every actor who entered. {@code funnelStepBreakdown} keeps one breakdown value. For a
     * trends source, {@code funnelTrendsEntrancePeriodStart} picks the entry period and {@code funnelTrendsDropOff}
     * the actors who did not convert (else those who did).
     */
    static QueryPlan<SelectQuery> funnelsActors(InsightSql sql, String kind, FunnelsActorsQuery source) {
        FunnelCorrelation.kind(source.source() == null ? null : source.source().kind(), "FunnelsQuery", "source");
        return FunnelPlan.parse(sql, source.source()).flatMap(plan -> {
            int n = plan.n();
            if (plan.vizType() == FunnelPlan.VizType.TRENDS) {
                return QueryPlan.of(trendsActors(sql, plan, source));
            }
            // a trends funnel's cell fields on a steps funnel would be dropped: refused by name instead
            if (source.funnelTrendsEntrancePeriodStart() != null) {
                throw new ValidationException("funnelTrendsEntrancePeriodStart applies only to a trends funnel "
                        + "(funnelsFilter.funnelVizType \"trends\")", "funnelTrendsEntrancePeriodStart");
            }
            if (Boolean.TRUE.equals(source.funnelTrendsDropOff())) {
                throw new ValidationException("funnelTrendsDropOff applies only to a trends funnel "
                        + "(funnelsFilter.funnelVizType \"trends\")", "funnelTrendsDropOff");
            }
            List<Long> custom = customSteps(source.funnelCustomSteps(), n);
            Expr cond = custom != null ? expr("r[1] IN {steps}", "steps", custom)
                    : source.funnelStep() == null ? FunnelSql.reached(1) : stepCondition(source.funnelStep(), n);
            JsonNode bd = source.funnelStepBreakdown();
            if (bd == null || bd.isNull()) {
                // the steps view's split read (FunnelPlan#actorsForSteps): the same actors, in parallel branches
                return FunnelsQueryRunner.mergedPersons(sql.context(), kind).map(merged ->
                        distinctActors(plan.actorsForSteps(merged), cond));
            }
            if (plan.breakdown() == null) {
                throw new ValidationException("funnelStepBreakdown needs a breakdown on the funnel", "funnelStepBreakdown");
            }
            JsonNode value = bd.isArray() ? (bd.isEmpty() ? null : bd.get(0)) : bd;
            String selected = value == null || value.isNull() ? FunnelPlan.NO_VALUE : value.asText();
            if (plan.breakdown().type().equals("cohort") && selected.equals("all")) {
                selected = "0"; // a cohort step's breakdown_value is the cohort id, 0 for all users
            }
            if (selected.equals(Breakdown.OTHER_VALUE) || selected.equals(FunnelsQueryRunner.OTHER_LABEL)) {
                // the steps' other bucket, unless "Other" is a value of its own among the kept ones
                String asked = selected;
                return FunnelsQueryRunner.kept(sql.context(), kind, plan, new ArrayList<>()).flatMap(kept ->
                        kept != null && kept.contains(asked)
                                ? FunnelsQueryRunner.mergedPersons(sql.context(), kind).map(merged -> distinctActors(
                                        plan.actorsForSteps(merged), expr("{step} AND bd = {value}", "step", cond,
                                                "value", asked)))
                                : QueryPlan.of(distinctActors(FunnelsQueryRunner.folded(plan, kept),
                                        expr("{step} AND bd = {value}", "step", cond, "value", Breakdown.OTHER_VALUE))));
            }
            Expr withValue = expr("{step} AND bd = {value}", "step", cond, "value", selected);
            return FunnelsQueryRunner.mergedPersons(sql.context(), kind).map(merged ->
                    distinctActors(plan.actorsForSteps(merged), withValue));
        });
    }

    private static SelectQuery distinctActors(SelectQuery actors, Expr condition) {
        return FunnelSql.selectDistinct(field("actor")).from(actors, "f").where(condition).build();
    }

    private static SelectQuery trendsActors(InsightSql sql, FunnelPlan plan, FunnelsActorsQuery source) {
        String start = source.funnelTrendsEntrancePeriodStart();
        if (start == null) {
            throw new ValidationException("funnelTrendsEntrancePeriodStart is required for funnel trends actors",
                    "funnelTrendsEntrancePeriodStart");
        }
        ZonedDateTime at = RelativeDates.parse(start, sql.now(), false, "funnelTrendsEntrancePeriodStart");
        long period = plan.range().interval().between(plan.range().firstBucket(),
                plan.range().interval().start(at, plan.range().weekStartDay()));
        if (period < 0 || period >= plan.range().bucketCount()) {
            // not one of the funnel's periods: no cell of the answer, so never a silently empty list
            throw new ValidationException("funnelTrendsEntrancePeriodStart " + start + " is not a period of the "
                    + "funnel's date range", "funnelTrendsEntrancePeriodStart");
        }
        boolean dropOff = Boolean.TRUE.equals(source.funnelTrendsDropOff());
        String converted = dropOff ? "r[1] < {to}" : "r[1] >= {to}";
        return distinctActors(FunnelTrends.perPeriod(plan), expr("period = {period} AND r[1] >= {from} AND "
                + converted, "period", period, "from", plan.fromStep() + 1, "to", plan.toStep() + 1));
    }

    /** The body of a FunnelsActorsQuery / FunnelCorrelationActorsQuery answered as its own kind. */
    static ObjectNode body(QueryContext context, Page page, int limit, int offset) {
        ObjectNode body = context.mapper().createObjectNode();
        var results = body.putArray("results");
        for (String id : page.actorIds()) {
            results.addArray().add(id);
        }
        body.putArray("columns").add("actor_id");
        body.putArray("types").add(page.groups() ? "String" : "UUID");
        body.put("hasMore", page.hasMore());
        body.put("limit", limit);
        body.put("offset", offset);
        SeriesJson.putSql(body, List.of(page.statement()));
        body.putArray("timings");
        body.putNull("error");
        return body;
    }
}

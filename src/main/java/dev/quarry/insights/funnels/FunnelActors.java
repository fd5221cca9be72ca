package dev.quarry.insights.funnels;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.insights.HogQLPart;
import dev.quarry.insights.InsightSql;
import dev.quarry.dates.RelativeDates;
import dev.quarry.query.QueryContext;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The actors of a funnel, for the ActorsQuery runner and the persons endpoints: given a {@code FunnelsActorsQuery}
 * or {@code FunnelCorrelationActorsQuery} source node, the persons (ids, merged persons once) in a stable order.
 * {@link #part} gives the HogQL (column {@code actor}) for callers that join persons themselves; {@link #page}
 * runs it with limit and offset.
 */
public final class FunnelActors {
    private FunnelActors() {
    }

    /** One page of actors: person ids in order, whether more follow, and the statement run. */
    public record Page(List<UUID> personIds, boolean hasMore, CompiledQuery statement) {}

    /** HogQL selecting the column {@code actor} (person uuid) of every actor the source names, ordered by actor. */
    public static Uni<HogQLPart> part(InsightSql sql, JsonNode source) {
        String kind = source == null ? "" : source.path("kind").asText("");
        return switch (kind) {
            case "FunnelsActorsQuery" -> funnelsActors(sql, source);
            case "FunnelCorrelationActorsQuery" -> FunnelCorrelation.actors(sql, source);
            default -> throw new ValidationException("source must be a FunnelsActorsQuery or "
                    + "FunnelCorrelationActorsQuery", "source");
        };
    }

    /** Runs {@link #part} with {@code limit} and {@code offset}. */
    public static Uni<Page> page(QueryContext context, String kind, JsonNode source, int limit, int offset) {
        if (limit < 1 || offset < 0) {
            throw new ValidationException("limit must be positive and offset not negative", "limit");
        }
        InsightSql sql = new InsightSql(context, kind);
        return part(sql, source).flatMap(part -> {
            HogQLPart paged = part.wrap("SELECT actor FROM %s AS actors ORDER BY actor LIMIT {fa_limit} OFFSET {fa_offset}",
                    Map.of("fa_limit", (long) limit + 1, "fa_offset", (long) offset));
            CompiledQuery compiled = sql.compile(paged.text(), paged.values());
            return sql.run(compiled).map(rows -> {
                List<UUID> ids = new ArrayList<>();
                for (Row row : rows) {
                    ids.add(row.getUUID(0));
                }
                boolean more = ids.size() > limit;
                return new Page(more ? ids.subList(0, limit) : ids, more, compiled);
            });
        });
    }

    /**
     * FunnelsActorsQuery: {@code funnelStep} N &gt; 0 = reached step N; −N = reached step N−1 but not N (dropped
     * before it); absent = every actor who entered. {@code funnelStepBreakdown} keeps one breakdown value. For a
     * trends source, {@code funnelTrendsEntrancePeriodStart} picks the entry period and {@code funnelTrendsDropOff}
     * the actors who did not convert (else those who did).
     */
    static Uni<HogQLPart> funnelsActors(InsightSql sql, JsonNode source) {
        return FunnelPlan.parse(sql, source.get("source")).flatMap(plan -> {
            int n = plan.n();
            if (plan.vizType() == FunnelPlan.VizType.TRENDS) {
                return Uni.createFrom().item(trendsActors(sql, plan, source));
            }
            JsonNode stepNode = source.get("funnelStep");
            String cond;
            Map<String, Object> v = new HashMap<>();
            if (stepNode == null || stepNode.isNull()) {
                cond = "r[1] >= 1";
            } else {
                if (!stepNode.canConvertToInt()) {
                    throw new ValidationException("funnelStep must be an integer", "funnelStep");
                }
                int step = stepNode.asInt();
                if (step == 0 || step > n || step < -n || step == -1) {
                    throw new ValidationException("funnelStep must be 1 … " + n + " (reached) or -2 … -" + n
                            + " (dropped off before that step)", "funnelStep");
                }
                cond = step > 0 ? "r[1] >= " + step : "r[1] = " + (-step - 1);
            }
            JsonNode bd = source.get("funnelStepBreakdown");
            if (bd != null && !bd.isNull()) {
                if (plan.breakdown() == null) {
                    throw new ValidationException("funnelStepBreakdown needs a breakdown on the funnel", "funnelStepBreakdown");
                }
                JsonNode value = bd.isArray() ? (bd.isEmpty() ? null : bd.get(0)) : bd;
                cond += " AND bd = {fa_bd}";
                String selected = value == null || value.isNull() ? FunnelPlan.NO_VALUE : value.asText();
                if (plan.breakdown().type().equals("cohort") && selected.equals("all")) {
                    selected = "0"; // a cohort step's breakdown_value is the cohort id, 0 for all users
                }
                v.put("fa_bd", selected);
                if (selected.equals(dev.quarry.insights.Breakdown.OTHER_VALUE)) {
                    String c = cond;
                    return FunnelsQueryRunner.kept(sql, plan, new ArrayList<>()).map(kept -> FunnelsQueryRunner
                            .folded(plan, kept).wrap("SELECT DISTINCT actor FROM %s AS f WHERE " + c, v));
                }
            }
            return Uni.createFrom().item(plan.actors().wrap("SELECT DISTINCT actor FROM %s AS f WHERE " + cond, v));
        });
    }

    private static HogQLPart trendsActors(InsightSql sql, FunnelPlan plan, JsonNode source) {
        String start = source.path("funnelTrendsEntrancePeriodStart").asText(null);
        if (start == null) {
            throw new ValidationException("funnelTrendsEntrancePeriodStart is required for funnel trends actors",
                    "funnelTrendsEntrancePeriodStart");
        }
        ZonedDateTime at = RelativeDates.parse(start, sql.now(), false, "funnelTrendsEntrancePeriodStart");
        long period = plan.range().interval().between(plan.range().firstBucket(),
                plan.range().interval().start(at, plan.range().weekStartDay()));
        boolean dropOff = source.path("funnelTrendsDropOff").asBoolean(false);
        int from = plan.fromStep() + 1;
        int to = plan.toStep() + 1;
        String cond = "period = {fa_period} AND r[1] >= " + from + " AND r[1] " + (dropOff ? "< " : ">= ") + to;
        return FunnelTrends.perPeriod(plan).wrap("SELECT DISTINCT actor FROM %s AS f WHERE " + cond,
                Map.of("fa_period", period));
    }

    /** The body of a FunnelsActorsQuery / FunnelCorrelationActorsQuery answered as its own kind. */
    static ObjectNode body(QueryContext context, JsonNode query, Page page, int limit, int offset) {
        ObjectNode body = context.mapper().createObjectNode();
        var results = body.putArray("results");
        for (UUID id : page.personIds()) {
            results.addArray().add(id.toString());
        }
        body.putArray("columns").add("actor_id");
        body.putArray("types").add("UUID");
        body.put("hasMore", page.hasMore());
        body.put("limit", limit);
        body.put("offset", offset);
        dev.quarry.insights.SeriesJson.putSql(body, List.of(page.statement()));
        body.putArray("timings");
        body.putNull("error");
        return body;
    }
}

package dev.quarry.insights.funnels;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.insights.InsightSql;
import dev.quarry.insights.SeriesJson;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryPlan;
import io.vertx.mutiny.sqlclient.Row;
import java.time.OffsetDateTime;
import java.util.List;

import static dev.quarry.insights.funnels.FunnelSql.as;
import static dev.quarry.insights.funnels.FunnelSql.expr;
import static dev.quarry.insights.funnels.FunnelSql.field;

/**
 * Funnel trends: per entry period (the interval of a step-1 event), the share of the actors who entered then
 * (reached funnelFromStep from an attempt started in that period) who went on to funnelToStep, in percent. Each
 * actor is scanned once per period they entered in, with step 1 restricted to that period's step-1 events.
 */
final class FunnelTrends {
    private FunnelTrends() {
    }

    /** The entry period of an event at {@code timestamp}: its bucket index from the range's first bucket. */
    private static Expr period(FunnelPlan plan) {
        OffsetDateTime anchor = plan.range().firstBucket().toOffsetDateTime();
        return expr(plan.range().interval().indexHogQL("ft_anchor", "timestamp"), "ft_anchor", anchor);
    }

    /** Columns {@code actor, period, r}. */
    static SelectQuery perPeriod(FunnelPlan plan) {
        // the period's scan sees step 1 only in that period (other bits of the same event stay)
        Expr mask = expr("{m} - if({s1} AND {period} != entry.period, 1, 0)", "m", plan.mask(), "s1", plan.step(0),
                "period", period(plan));
        Expr.Call scan = (Expr.Call) plan.fullScan(); // the mask is rewritten per period
        List<Expr> args = new java.util.ArrayList<>(scan.args());
        args.set(1, mask);
        SelectQuery entry = FunnelSql.selectDistinct(as(plan.actorField(), "pid"), as(period(plan), "period"))
                .from("events").where(expr("{s1} AND {range} AND {global}", "s1", plan.step(0), "range",
                        InsightSql.timestampIn(plan.range().from(), plan.range().to()), "global", plan.global()))
                .build();
        SelectQuery scans = FunnelSql.select(as(plan.actorField(), "actor"), as(field("entry", "period"), "period"),
                        as(new Expr.Call(scan.name(), args, null, false), "r"))
                .from("events").innerJoin(entry, "entry", expr("entry.pid = {actor}", "actor", plan.actorField()))
                .where(plan.where()).groupBy(plan.actorField(), field("entry", "period")).build();
        return FunnelSql.select(field("actor"), field("period"), field("r")).from(scans, "scan")
                .where(FunnelSql.reached(1)).build();
    }

    static QueryPlan<ObjectNode> run(QueryContext context, FunnelPlan plan) {
        int from = plan.fromStep() + 1;
        int to = plan.toStep() + 1;
        SelectQuery rates = FunnelSql.select(field("period"), expr("countIf({r})", "r", FunnelSql.reached(from)),
                expr("countIf({r})", "r", FunnelSql.reached(to))).from(perPeriod(plan), "p").groupBy(field("period"))
                .build();
        ObjectMapper mapper = context.mapper();
        return FunnelSql.run(context, FunnelsQueryRunner.KIND, rates).map(done -> {
            int buckets = plan.range().bucketCount();
            long[] entered = new long[buckets];
            long[] converted = new long[buckets];
            for (Row row : done.rows()) {
                long p = row.getLong(0);
                if (p >= 0 && p < buckets) {
                    entered[(int) p] = row.getLong(1);
                    converted[(int) p] = row.getLong(2);
                }
            }
            ObjectNode body = mapper.createObjectNode();
            ArrayNode results = body.putArray("results");
            ObjectNode series = results.addObject();
            series.put("count", buckets);
            ArrayNode data = series.putArray("data");
            for (int i = 0; i < buckets; i++) {
                data.add(entered[i] == 0 ? 0.0 : Math.round(converted[i] * 10000.0 / entered[i]) / 100.0);
            }
            SeriesJson.putDates(series, plan.range(), false);
            series.putNull("breakdown_value");
            FunnelsQueryRunner.finish(mapper, body, plan, List.of(done.compiled()));
            return body;
        });
    }
}

package dev.quarry.insights.funnels;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.Parser;
import dev.quarry.hogql.Placeholders;
import dev.quarry.insights.HogQLPart;
import dev.quarry.insights.InsightSql;
import dev.quarry.insights.SeriesJson;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Funnel trends: per entry period (the interval of a step-1 event), the share of the actors who entered then
 * (reached funnelFromStep from an attempt started in that period) who went on to funnelToStep, in percent. Each
 * actor is scanned once per period they entered in, with step 1 restricted to that period's step-1 events.
 */
final class FunnelTrends {
    private FunnelTrends() {
    }

    /** Columns {@code actor, period, r}. */
    static HogQLPart perPeriod(FunnelPlan plan) {
        String idx = plan.range().interval().indexHogQL("ft_anchor", "timestamp");
        Map<String, Object> v = new HashMap<>();
        v.put("ft_anchor", plan.range().firstBucket().toOffsetDateTime());
        v.put("ft_step1", plan.step(0));
        v.put("ft_where", plan.where());
        v.put("ft_range", InsightSql.timestampIn(plan.range().from(), plan.range().to()));
        v.put("ft_global", plan.global());
        // the period's scan sees step 1 only in that period (other bits of the same event stay)
        Expr mask = Placeholders.replace(Parser.parseExpr("{m} - if({s1} AND " + idx + " != entry.period, 1, 0)"),
                Map.of("m", plan.mask(), "s1", plan.step(0), "ft_anchor", plan.range().firstBucket().toOffsetDateTime()),
                null);
        Expr.Call scan = (Expr.Call) plan.fullScan(); // the mask is rewritten per period
        List<Expr> args = new java.util.ArrayList<>(scan.args());
        args.set(1, mask);
        v.put("ft_scan", new Expr.Call(scan.name(), args, null, false));
        String text = "SELECT actor, period, r FROM (SELECT person_id AS actor, entry.period AS period, {ft_scan} AS r "
                + "FROM events INNER JOIN (SELECT DISTINCT person_id AS pid, " + idx + " AS period FROM events "
                + "WHERE {ft_step1} AND {ft_range} AND {ft_global}) AS entry ON entry.pid = person_id "
                + "WHERE {ft_where} GROUP BY person_id, entry.period) AS scan WHERE r[1] >= 1";
        return new HogQLPart(text, v);
    }

    static Uni<ObjectNode> run(InsightSql sql, FunnelPlan plan, JsonNode query) {
        int from = plan.fromStep() + 1;
        int to = plan.toStep() + 1;
        HogQLPart part = perPeriod(plan).wrap("SELECT period, countIf(r[1] >= " + from + "), countIf(r[1] >= " + to
                + ") FROM %s AS p GROUP BY period", Map.of());
        CompiledQuery compiled = sql.compile(part.text(), part.values());
        ObjectMapper mapper = sql.mapper();
        return sql.run(compiled).map(rows -> {
            int buckets = plan.range().bucketCount();
            long[] entered = new long[buckets];
            long[] converted = new long[buckets];
            for (Row row : rows) {
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
            FunnelsQueryRunner.finish(mapper, body, plan, query, List.of(compiled));
            return body;
        });
    }
}

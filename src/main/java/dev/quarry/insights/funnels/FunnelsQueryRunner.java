package dev.quarry.insights.funnels;

import dev.quarry.insights.FunnelsQuery;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.insights.Breakdown;
import dev.quarry.insights.CohortNames;
import dev.quarry.insights.InsightSql;
import dev.quarry.insights.Series;
import dev.quarry.insights.SeriesJson;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryRunner;
import dev.quarry.query.QueryPlan;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.quarry.insights.funnels.FunnelSql.as;
import static dev.quarry.insights.funnels.FunnelSql.expr;
import static dev.quarry.insights.funnels.FunnelSql.field;

/**
 * FunnelsQuery (contract §3.7, §4.3, Part A 10): one set-based pass computes each actor's counted attempt
 * ({@link FunnelPlan#actors()}); the steps view aggregates it per breakdown value, time to convert bins the
 * conversion times between two steps, trends shows the conversion rate per entry period.
 */
@ApplicationScoped
public class FunnelsQueryRunner implements QueryRunner<FunnelsQuery> {
    static final String KIND = "FunnelsQuery";

    @Override
    public String kind() {
        return KIND;
    }


    @Override
    public Class<FunnelsQuery> queryType() {
        return FunnelsQuery.class;
    }

    @Override
    public QueryPlan<ObjectNode> plan(QueryContext context, FunnelsQuery query) {
        InsightSql sql = new InsightSql(context, kind());
        return FunnelPlan.parse(sql, query).flatMap(plan -> switch (plan.vizType()) {
            case STEPS -> cohortNames(context, plan).flatMap(names -> steps(context, plan, names));
            case TIME_TO_CONVERT -> timeToConvert(context, plan);
            case TRENDS -> FunnelTrends.run(context, plan);
        });
    }

    /** How many values a breakdown without PostHog's limit (hogql) may show, as PostHog's default row count. */
    static final int UNLIMITED_BREAKDOWN_ROWS = 100;

    /**
     * {@code SELECT bd, count at step 1 … n, average and median conversion time of steps 2 … n}; with {@code kept}
     * (the ranked values within the limit), every other value is folded into {@link Breakdown#OTHER_VALUE}.
     */
    static SelectQuery stepsQuery(FunnelPlan plan, List<String> kept, long mergedPersons) {
        List<Expr> cols = stepColumns(plan.n());
        int limit = plan.breakdown() == null ? 1 : kept != null ? kept.size() + 1 : UNLIMITED_BREAKDOWN_ROWS;
        return FunnelSql.select(cols).from(folded(plan.actorsForSteps(mergedPersons), kept), "f").groupBy(field("bd"))
                .orderBy(expr("count()"), true).orderBy(field("bd"), false).limit(limit).build();
    }

    /**
     * {@link #stepsQuery} for an event or person breakdown in one statement, so the funnel scan runs once (the two
     * statements {@link #kept} then {@link #stepsQuery} ran it twice): the actors are a CTE {@code f}, each value is
     * ranked as {@link #kept} ranks them ({@code row_number()} over the same order), and when there are more values
     * than {@code breakdown_limit} those ranked past it fold into {@link Breakdown#OTHER_VALUE}. Same columns as
     * {@link #stepsQuery} plus {@code ord}: the rank when values were folded (the other bucket last), 0 when not;
     * rows come in the order {@link #steps} shows them (folded: rank order; else count descending, then value), at
     * most {@code max(limit + 1, 100)} of them (the caller keeps 100 when nothing was folded, as before).
     */
    static SelectQuery rankedStepsQuery(FunnelPlan plan, long mergedPersons) {
        int n = plan.n();
        int limit = plan.breakdown().limit();
        // per value, the actors who stopped at step k (k = n … 1), ranked as kept() orders them
        List<Expr> stopped = new ArrayList<>(List.of(as(field("bd"), "value")));
        StringBuilder rank = new StringBuilder();
        for (int k = n; k >= 1; k--) {
            stopped.add(as(expr("countIf(r[1] = {k})", "k", (long) k), "c" + k));
            rank.append("c").append(k).append(" DESC, ");
        }
        SelectQuery counts = FunnelSql.select(stopped).from("f").groupBy(field("bd")).build();
        SelectQuery ranked = FunnelSql.select(field("value"),
                as(expr("row_number() OVER (ORDER BY " + rank + "value ASC)"), "rk"),
                as(expr("count() OVER ()"), "nv")).from(counts, "counts").build();
        SelectQuery folded = FunnelSql.select(as(field("f", "actor"), "actor"),
                as(expr("if(ranked.nv > {limit} AND ranked.rk > {limit}, {other}, f.bd)", "limit", (long) limit,
                        "other", Breakdown.OTHER_VALUE), "bd"),
                as(field("f", "r"), "r"),
                as(expr("if(ranked.nv > {limit}, ranked.rk, 0)", "limit", (long) limit), "ord"))
                .from("f").innerJoin(ranked, "ranked", expr("ranked.value = f.bd")).build();
        List<Expr> cols = new ArrayList<>(stepColumns(n));
        cols.add(expr("min(ord)"));
        return FunnelSql.select(cols).with("f", plan.actorsForSteps(mergedPersons)).from(folded, "g").groupBy(field("bd"))
                .orderBy(expr("min(ord)"), false).orderBy(expr("count()"), true).orderBy(field("bd"), false)
                .limit(Math.max(limit + 1L, UNLIMITED_BREAKDOWN_ROWS)).build();
    }

    /** The steps view's columns: value, count at step 1 … n, average and median conversion time of steps 2 … n. */
    private static List<Expr> stepColumns(int n) {
        List<Expr> cols = new ArrayList<>(List.of(field("bd"), expr("count()")));
        for (int k = 2; k <= n; k++) {
            cols.add(expr("countIf({reached})", "reached", FunnelSql.reached(k)));
        }
        for (int k = 2; k <= n; k++) {
            Expr t = expr("r[{next}] - r[{k}]", "next", k + 1, "k", k);
            cols.add(expr("avgIf({t}, {reached})", "t", t, "reached", FunnelSql.reached(k)));
            cols.add(expr("median(if({reached}, {t}, NULL))", "t", t, "reached", FunnelSql.reached(k)));
        }
        return cols;
    }

    /** The funnel's actors with values outside {@code kept} as the other bucket (unchanged when kept is null). */
    public static SelectQuery folded(FunnelPlan plan, List<String> kept) {
        return folded(plan.actors(), kept);
    }

    /** {@link #folded(FunnelPlan, List)} over given actors rows ({@link FunnelPlan#actors()}'s columns). */
    static SelectQuery folded(SelectQuery actors, List<String> kept) {
        if (kept == null) {
            return actors;
        }
        return FunnelSql.select(field("actor"), as(expr("if(bd IN {kept}, bd, {other})", "kept", kept, "other",
                Breakdown.OTHER_VALUE), "bd"), field("r")).from(actors, "unfolded").build();
    }

    /**
     * PostHog's funnel breakdown ranking: values by the number of actors who stopped at the last step, then at the
     * step before, and so on (descending), then by value. For event and person breakdowns the first
     * {@code breakdown_limit} are kept and the rest form the other bucket; returns null when nothing is folded
     * (no breakdown, a HogQL or cohort breakdown, or no more values than the limit). The ranking statement joins
     * {@code statements}.
     */
    public static QueryPlan<List<String>> kept(QueryContext context, String kind, FunnelPlan plan,
                                            List<CompiledQuery> statements) {
        FunnelPlan.Breakdown b = plan.breakdown();
        if (b == null || !List.of("event", "person").contains(b.type())) {
            return QueryPlan.of(null);
        }
        FunnelSql.Select rank = FunnelSql.select(field("bd")).from(plan.actors(), "f").groupBy(field("bd"));
        for (int k = plan.n(); k >= 1; k--) {
            rank.orderBy(expr("countIf(r[1] = {k})", "k", k), true);
        }
        rank.orderBy(field("bd"), false).limit(b.limit() + 1);
        return FunnelSql.run(context, kind, rank.build()).map(done -> {
            statements.add(done.compiled());
            List<String> values = new ArrayList<>();
            for (Row row : done.rows()) {
                values.add(row.getString(0));
            }
            return values.size() <= b.limit() ? null : values.subList(0, b.limit());
        });
    }

    /** The names of a cohort breakdown's cohorts (id → name, 0 = "all users"); empty for other breakdowns. */
    private QueryPlan<Map<Long, String>> cohortNames(QueryContext context, FunnelPlan plan) {
        if (plan.breakdown() == null || !plan.breakdown().type().equals("cohort")) {
            return QueryPlan.of(Map.of());
        }
        List<Long> ids = new ArrayList<>();
        for (String id : plan.breakdown().property().split(",")) {
            ids.add(Long.parseLong(id));
        }
        return CohortNames.of(ids);
    }

    private QueryPlan<ObjectNode> steps(QueryContext context, FunnelPlan plan, Map<Long, String> cohortNames) {
        FunnelPlan.Breakdown b = plan.breakdown();
        if (b != null && List.of("event", "person").contains(b.type())) {
            return rankedSteps(context, plan);
        }
        List<CompiledQuery> statements = new ArrayList<>();
        return mergedPersons(context).flatMap(merged -> kept(context, KIND, plan, statements).flatMap(kept ->
                FunnelSql.run(context, KIND, stepsQuery(plan, kept, merged)).map(done -> {
            statements.add(done.compiled());
            ObjectMapper mapper = context.mapper();
            ObjectNode body = mapper.createObjectNode();
            ArrayNode results = body.putArray("results");
            if (plan.breakdown() == null) {
                // no actor at step 1: no row, and PostHog's results are then [] (not steps of 0)
                if (done.rows().size() > 0) {
                    stepList(mapper, plan, done.rows().iterator().next(), null).forEach(results::add);
                }
            } else {
                List<Row> ordered = new ArrayList<>();
                done.rows().forEach(ordered::add);
                if (kept != null) {
                    // kept values in rank order, the other bucket last
                    ordered.sort(java.util.Comparator.comparingInt(r -> {
                        int i = kept.indexOf(r.getString(0));
                        return i < 0 ? Integer.MAX_VALUE : i;
                    }));
                }
                for (Row row : ordered) {
                    ArrayNode steps = stepList(mapper, plan, row, row.getString(0));
                    if (!cohortNames.isEmpty()) {
                        // PostHog: "breakdown" is the display name, "breakdown_value" the cohort id (0 = all)
                        long id = Long.parseLong(row.getString(0));
                        for (com.fasterxml.jackson.databind.JsonNode step : steps) {
                            ((ObjectNode) step).put("breakdown", cohortNames.get(id));
                            ((ObjectNode) step).put("breakdown_value", id);
                        }
                    }
                    results.add(steps);
                }
            }
            finish(mapper, body, plan, statements);
            return body;
        })));
    }

    /** The project's person_overrides rows, counted up to the limit {@link FunnelPlan#actorsForSteps} needs. */
    private static QueryPlan<Long> mergedPersons(QueryContext context) {
        return mergedPersons(context, KIND);
    }

    /** {@link #mergedPersons(QueryContext)} run as a statement of {@code kind}. */
    static QueryPlan<Long> mergedPersons(QueryContext context, String kind) {
        return FunnelSql.run(context, kind, FunnelPlan.mergedPersonsCount())
                .map(done -> done.rows().iterator().next().getLong(0));
    }

    /** The steps view of an event or person breakdown from {@link #rankedStepsQuery} (one statement). */
    private QueryPlan<ObjectNode> rankedSteps(QueryContext context, FunnelPlan plan) {
        return mergedPersons(context).flatMap(merged -> FunnelSql.run(context, KIND, rankedStepsQuery(plan, merged))
                .map(done -> {
            ObjectMapper mapper = context.mapper();
            ObjectNode body = mapper.createObjectNode();
            ArrayNode results = body.putArray("results");
            List<Row> rows = new ArrayList<>();
            done.rows().forEach(rows::add);
            int ord = 3 * plan.n() - 1; // after bd, n counts and 2 (n - 1) conversion times
            boolean folded = rows.stream().anyMatch(r -> r.getLong(ord) > 0);
            for (Row row : folded ? rows : rows.subList(0, Math.min(rows.size(), UNLIMITED_BREAKDOWN_ROWS))) {
                results.add(stepList(mapper, plan, row, row.getString(0)));
            }
            finish(mapper, body, plan, List.of(done.compiled()));
            return body;
        }));
    }

    static void finish(ObjectMapper mapper, ObjectNode body, FunnelPlan plan, List<CompiledQuery> statements) {
        body.putArray("timings");
        SeriesJson.putSql(body, statements);
        body.put("isUdf", false);
        body.set("resolved_date_range", SeriesJson.resolvedRange(mapper, plan.range()));
        body.putNull("error");
    }

    /**
     * The label of a funnel's other bucket, as PostHog's funnels write it ({@code ['Other']}; its trends write
     * {@link Breakdown#OTHER_VALUE}).
     */
    public static final String OTHER_LABEL = "Other";

    /**
     * The step objects of one breakdown value, PostHog's {@code _serialize_step}: {@code action_id}, {@code name},
     * {@code custom_name} ("Completed k step(s)" and nulls in an unordered funnel), {@code order}, {@code people}
     * (always empty), {@code type}, {@code count}, the conversion times in seconds (null at step 1), and with a
     * breakdown {@code breakdown} and {@code breakdown_value} as one-element lists ({@link #OTHER_LABEL} for the
     * folded values). All counts 0 when {@code row} is null.
     */
    static ArrayNode stepList(ObjectMapper mapper, FunnelPlan plan, Row row, String breakdownValue) {
        ArrayNode list = mapper.createArrayNode();
        int n = plan.n();
        for (int k = 1; k <= n; k++) {
            Series s = plan.steps().get(k - 1);
            ObjectNode o = list.addObject();
            if (plan.orderType() == FunnelPlan.OrderType.UNORDERED) {
                // any step can be the k-th an actor does: PostHog names the step by how many were done
                o.putNull("action_id");
                o.put("name", "Completed " + k + " step" + (k == 1 ? "" : "s"));
                o.putNull("custom_name");
            } else {
                if (s.actionId() != null) {
                    o.put("action_id", s.actionId());
                } else if (s.event() == null) {
                    o.putNull("action_id");
                } else {
                    o.put("action_id", s.event());
                }
                o.put("name", s.entityName());
                if (s.customName() == null) {
                    o.putNull("custom_name");
                } else {
                    o.put("custom_name", s.customName());
                }
            }
            o.put("order", k - 1);
            // the step's actors are listed by the actors query, never here (PostHog's "people" is always empty)
            o.putArray("people");
            o.put("type", s.entityType());
            o.put("count", row == null ? 0 : row.getLong(k));
            if (k == 1 || row == null) {
                o.putNull("average_conversion_time");
                o.putNull("median_conversion_time");
            } else {
                putNumber(o, "average_conversion_time", row.getDouble(n + 1 + 2 * (k - 2)));
                putNumber(o, "median_conversion_time", row.getDouble(n + 2 + 2 * (k - 2)));
            }
            if (breakdownValue != null) {
                String shown = breakdownValue.equals(Breakdown.OTHER_VALUE) ? OTHER_LABEL : breakdownValue;
                o.putArray("breakdown").add(shown);
                o.putArray("breakdown_value").add(shown);
            }
        }
        return list;
    }

    static void putNumber(ObjectNode o, String field, Double v) {
        if (v == null) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }

    // ------------------------------------------------------------------ time to convert

    /** Conversion seconds from step {@code fromStep} to {@code toStep} of each actor who reached {@code toStep}. */
    static SelectQuery conversionTimes(FunnelPlan plan) {
        int from = plan.fromStep() + 1;
        int to = plan.toStep() + 1;
        return FunnelSql.select(as(expr("r[{to}] - r[{from}]", "to", to + 1, "from", from + 1), "t"))
                .from(plan.actors(), "f").where(FunnelSql.reached(to)).build();
    }

    private QueryPlan<ObjectNode> timeToConvert(QueryContext context, FunnelPlan plan) {
        return FunnelSql.run(context, KIND, conversionTimes(plan)).map(done -> {
            List<Double> times = new ArrayList<>();
            for (Row row : done.rows()) {
                times.add(row.getDouble(0));
            }
            ObjectMapper mapper = context.mapper();
            ObjectNode body = mapper.createObjectNode();
            body.set("results", histogram(mapper, times, plan.binCount()));
            finish(mapper, body, plan, List.of(done.compiled()));
            return body;
        });
    }

    /**
     * PostHog's time-to-convert histogram: from = floor(min), to = ceil(max), bin count = binCount or
     * ceil(cbrt(count)) (1 … 60; 1 below two values), width = ceil((to − from) / bins) (60 when 0), bins
     * from + i·width for i = 0 … bins, each with the number of actors whose time falls in it.
     */
    static ObjectNode histogram(ObjectMapper mapper, List<Double> times, Integer binCount) {
        ObjectNode out = mapper.createObjectNode();
        ArrayNode bins = out.putArray("bins");
        if (times.isEmpty()) {
            out.putNull("average_conversion_time");
            return out;
        }
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        double sum = 0;
        for (double t : times) {
            min = Math.min(min, t);
            max = Math.max(max, t);
            sum += t;
        }
        long from = (long) Math.floor(min);
        long to = (long) Math.ceil(max);
        int count = binCount != null ? binCount
                : times.size() >= 2 ? (int) Math.min(60, Math.max(1, Math.ceil(Math.cbrt(times.size())))) : 1;
        long width = (long) Math.ceil((to - from) / (double) count);
        if (width <= 0) {
            width = 60;
        }
        long[] counts = new long[count + 1];
        for (double t : times) {
            int b = (int) Math.floor((t - from) / width);
            counts[Math.min(Math.max(b, 0), count)]++;
        }
        for (int i = 0; i <= count; i++) {
            ArrayNode bin = bins.addArray();
            bin.add(from + i * width);
            bin.add(counts[i]);
        }
        out.put("average_conversion_time", Math.round(sum / times.size() * 100) / 100.0);
        return out;
    }
}

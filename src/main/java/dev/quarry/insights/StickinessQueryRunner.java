package dev.quarry.insights;

import dev.quarry.dates.Interval;
import dev.quarry.dates.QueryDateRange;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.SelectLike;
import dev.quarry.query.HogQLStatement;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryRunner;
import dev.quarry.query.schema.CompareFilter;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import dev.quarry.query.QueryPlan;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * StickinessQuery (contract §4.2): per series, how many persons were active in exactly N of the range's intervals
 * (or groups of {@code intervalCount} intervals, counted back from the end), N = 1..K; cumulative mode shows "N or more".
 */
@ApplicationScoped
public class StickinessQueryRunner implements QueryRunner<StickinessQuery>, ActorsSource<InsightActorsQuery> {
    @Override
    public String kind() {
        return "StickinessQuery";
    }

    /**
     * One series of a stickiness query over one range (the current one, or the previous one when comparing);
     * {@code personDaysWhere} the same rows' condition on the person-day rollup and {@code months} the read of the
     * activity bitmaps, each when it answers the same (else null).
     */
    public record Plan(Series series, QueryDateRange range, int intervalCount, String criteriaOp, long criteriaValue,
            boolean cumulative, Expr where, String compareLabel, Expr personDaysWhere, PersonMonths.Read months) {
        public int maxDays() {
            return (range.bucketCount() + intervalCount - 1) / intervalCount;
        }

        /**
         * Whether the actors are groups: PostHog's stickiness counts {@code $group_N} for math {@code unique_group}
         * with {@code math_group_type_index} (only that math: {@code dau} with an index counts persons there).
         */
        public boolean countsGroups() {
            return series.math().equals("unique_group") && series.mathGroupTypeIndex() != null;
        }
    }

    public static QueryPlan<List<Plan>> plans(InsightSql sql, StickinessQuery query) {
        QuerySchema.unsupported("StickinessQuery", "aggregation_group_type_index", query.aggregationGroupTypeIndex());
        QuerySchema.unsupported("StickinessQuery", "samplingFactor", query.samplingFactor(), "1", "1.0");
        QuerySchema.unsupported("StickinessQuery", "breakdownFilter", query.breakdownFilter());
        List<Series> parsed = Series.all(query.series(), "series");
        Interval interval = Interval.parse(query.interval(), "interval");
        int intervalCount = query.intervalCount() == null ? 1 : query.intervalCount();
        if (intervalCount < 1) {
            throw new ValidationException("intervalCount must be at least 1", "intervalCount");
        }
        StickinessQuery.StickinessFilter filter = query.stickinessFilter();
        boolean cumulative = filter != null && filter.cumulative();
        StickinessQuery.StickinessCriteria criteria = filter == null ? null : filter.stickinessCriteria();
        String op = criteria == null ? null : criteria.operator() == null ? "gte" : criteria.operator();
        if (op != null && !List.of("gte", "lte", "exact").contains(op)) {
            throw new ValidationException("stickinessCriteria.operator must be gte, lte or exact", "stickinessCriteria");
        }
        long value = criteria == null || criteria.value() == null ? 1 : criteria.value();
        CompareFilter compareFilter = query.compareFilter() == null ? CompareFilter.NONE : query.compareFilter();
        boolean compare = compareFilter.on();
        String compareTo = compareFilter.compareTo();
        Expr global = sql.globalFilters(query.properties(), query.filterTestAccounts());
        return Series.withActions(parsed, "series", series -> sql.dateRange(query.dateRange(), interval, "-7d")
                .map(range -> {
            List<Plan> plans = new ArrayList<>();
            List<QueryDateRange> ranges = compare ? List.of(range, range.previous(compareTo)) : List.of(range);
            for (int r = 0; r < ranges.size(); r++) {
                QueryDateRange dr = ranges.get(r);
                for (Series s : series) {
                    // a groups series reads the events that name a group of its type (PostHog: "Ignore empty
                    // groups"), never the person-day rollup
                    boolean groups = s.math().equals("unique_group");
                    Expr seriesWhere = groups ? InsightSql.and(List.of(s.filter(), new Expr.Compare("!=",
                            Expr.Field.of(s.actorHogQL()), new Expr.Constant("")))) : s.filter();
                    Expr where = InsightSql.and(seriesWhere, global, InsightSql.timestampIn(dr.from(), dr.to()));
                    PersonDays.Days days = groups ? null
                            : PersonDays.days(sql, s, global, dr.interval(), dr.from(), dr.to());
                    // the bitmaps know active days, not how many events: criteria and grouped intervals read the
                    // person-day rollup
                    PersonMonths.Read months = intervalCount == 1 && op == null
                            ? PersonMonths.Read.of(s, days, dr.interval()) : null;
                    plans.add(new Plan(s, dr, intervalCount, op, value, cumulative, where,
                            compare ? (r == 0 ? "current" : "previous") : null,
                            days == null ? null : PersonDays.where(s, days), months));
                }
            }
            return plans;
        }));
    }

    /**
     * Columns {@code person_id, intervals}: each active person (for a groups plan, {@link Plan#countsGroups}, each
     * active group's key in {@code person_id}) and the number of intervals they were active in, as an AST (the
     * subquery of both the counts and the actors of a cell).
     */
    public static SelectLike actorIntervals(Plan plan) {
        if (plan.months() != null) {
            // each active person's count of active days is the number of bits set
            return HogQLStatement.select("SELECT person_id, bitCount(activity) AS intervals FROM {people} AS people",
                    Map.of("people", plan.months().activity()));
        }
        Interval iv = plan.range().interval();
        boolean rollup = plan.personDaysWhere() != null;
        String idx = iv.indexHogQL("st_anchor", rollup ? "day" : "timestamp");
        String group = plan.intervalCount() == 1 ? idx
                : "toInt(floor(({st_last} - " + idx + ") / {st_k}))";
        // criteria count events per person and interval: on the rollup, each row carries its day's events
        String having = plan.criteriaOp() == null ? "" : " HAVING " + (rollup ? "sum(events) " : "count() ")
                + switch (plan.criteriaOp()) {
            case "lte" -> "<=";
            case "exact" -> "=";
            default -> ">=";
        } + " {st_value}";
        String actor = plan.countsGroups() ? plan.series().actorHogQL() : "person_id";
        String active = "SELECT " + actor + " AS actor, " + group + " AS g FROM "
                + (rollup ? "events_person_days" : "events") + " WHERE {st_where} GROUP BY " + actor + ", " + group
                + having;
        Map<String, Object> values = new HashMap<>();
        values.put("st_anchor", plan.range().firstBucket().toOffsetDateTime());
        values.put("st_where", rollup ? plan.personDaysWhere() : plan.where());
        if (plan.intervalCount() > 1) {
            values.put("st_last", (long) plan.range().bucketCount() - 1);
            values.put("st_k", (long) plan.intervalCount());
        }
        if (plan.criteriaOp() != null) {
            values.put("st_value", plan.criteriaValue());
        }
        return HogQLStatement.select("SELECT actor AS person_id, count() AS intervals FROM {active} AS active "
                + "GROUP BY actor", Map.of("active", HogQLStatement.select(active, values)));
    }

    @Override
    public Class<StickinessQuery> queryType() {
        return StickinessQuery.class;
    }

    @Override
    public QueryPlan<ObjectNode> plan(QueryContext context, StickinessQuery query) {
        InsightSql sql = new InsightSql(context, kind());
        return plans(sql, query).flatMap(plans -> {
            List<QueryPlan<ObjectNode>> parts = new ArrayList<>();
            // listed in series order whatever order the statements finish in
            CompiledQuery[] statements = new CompiledQuery[plans.size()];
            for (int i = 0; i < plans.size(); i++) {
                Plan plan = plans.get(i);
                int at = i;
                HogQLStatement counts = sql.statement("SELECT intervals, count() FROM {actors} AS actors "
                        + "GROUP BY intervals", Map.of("actors", actorIntervals(plan)));
                parts.add(QueryPlan.run(counts).map(result -> {
                    statements[at] = result.compiled();
                    return series(context, plan, result.rows());
                }));
            }
            // every series (and compared range) at once, concurrently within the project's limit
            return QueryPlan.all(parts).map(list -> {
                ObjectNode body = context.mapper().createObjectNode();
                ArrayNode results = body.putArray("results");
                list.forEach(results::add);
                SeriesJson.putSql(body, List.of(statements));
                body.set("resolved_date_range", SeriesJson.resolvedRange(context.mapper(), plans.get(0).range()));
                body.putNull("error");
                return body;
            });
        });
    }

    private static ObjectNode series(QueryContext context, Plan plan, io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        int k = plan.maxDays();
        long[] counts = new long[k];
        for (Row row : rows) {
            long n = row.getLong(0);
            if (n >= 1 && n <= k) {
                counts[(int) n - 1] += row.getLong(1);
            }
        }
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        ObjectNode o = context.mapper().createObjectNode();
        o.set("action", plan.series().action(context.mapper()));
        ArrayNode data = o.putArray("data");
        long running = total;
        for (int i = 0; i < k; i++) {
            data.add(plan.cumulative() ? running : counts[i]);
            running -= counts[i];
        }
        o.put("count", total);
        ArrayNode labels = o.putArray("labels");
        ArrayNode days = o.putArray("days");
        String unit = plan.range().interval().lower();
        for (int i = 1; i <= k; i++) {
            days.add(i);
            labels.add(i + " " + unit + (i == 1 ? "" : "s") + (plan.cumulative() ? " or more" : ""));
        }
        o.put("label", plan.series().label());
        if (plan.compareLabel() != null) {
            o.put("compare", true);
            o.put("compare_label", plan.compareLabel());
        }
        return o;
    }

    @Override
    public Class<InsightActorsQuery> sourceType() {
        return InsightActorsQuery.class;
    }

    @Override
    public boolean answers(InsightActorsQuery source) {
        return source.source() instanceof StickinessQuery;
    }

    /**
     * How a stickiness cell compares an actor's interval count with {@code day}: StickinessActorsQuery's
     * {@code operator} ({@code gte}, {@code lte} or {@code exact}) when given, else as the insight counts ("N or more"
     * when cumulative, exactly N otherwise). Any other operator is a 400 naming it.
     */
    static String cellOperator(JsonNode operator, boolean cumulative) {
        if (operator == null || operator.isNull()) {
            return cumulative ? ">=" : "=";
        }
        return switch (operator.asText()) {
            case "gte" -> ">=";
            case "lte" -> "<=";
            case "exact" -> "=";
            default -> throw new ValidationException("operator must be gte, lte or exact", "operator");
        };
    }

    /** The actors of one cell of this insight (ActorsQuery over an InsightActorsQuery). */
    @Override
    public QueryPlan<ActorsQueryRunner.Cell> actors(InsightSql sql, InsightActorsQuery source) {
        StickinessQuery insight = (StickinessQuery) source.source();
        JsonNode day = source.day();
        if (day == null || !day.canConvertToLong()) {
            throw new ValidationException("day must be the number of intervals", "day");
        }
        int series = source.seriesIndex();
        return plans(sql, insight).map(plans -> {
            StickinessQueryRunner.Plan plan = ActorsQueryRunner.pick(plans, series, source.compare());
            String op = cellOperator(source.operator(), plan.cumulative());
            return ActorsQueryRunner.Cell.of(HogQLStatement.select("SELECT person_id "
                    + "FROM {actors} AS actors WHERE intervals " + op + " {ac_n}",
                    Map.of("actors", actorIntervals(plan), "ac_n", day.asLong())))
                    .ofGroups(plan.countsGroups() ? plan.series().mathGroupTypeIndex() : null);
        });
    }
}

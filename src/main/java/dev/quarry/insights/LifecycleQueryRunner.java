package dev.quarry.insights;

import dev.quarry.web.ValidationException;
import dev.quarry.dates.Interval;
import dev.quarry.dates.QueryDateRange;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.SelectLike;
import dev.quarry.query.HogQLStatement;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryRunner;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.query.QueryPlan;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;

/**
 * LifecycleQuery (contract §4.1): per person and bucket, new / returning / resurrecting, and dormant in the bucket
 * after an active one that is not followed by activity. Always the four series in that order; dormant negative.
 */
@ApplicationScoped
public class LifecycleQueryRunner implements QueryRunner<LifecycleQuery>, ActorsSource<InsightActorsQuery> {
    public static final List<String> STATUSES = List.of("new", "returning", "resurrecting", "dormant");

    @Override
    public String kind() {
        return "LifecycleQuery";
    }

    /**
     * A lifecycle query, resolved: its one series, buckets and the event condition; {@code personDaysWhere} the same
     * rows' condition on the person-day rollup and {@code months} the read of the activity bitmaps, each when it
     * answers the same (else null).
     */
    public record Plan(Series series, QueryDateRange range, Expr where, Expr personDaysWhere, PersonMonths.Read months,
            Integer groupTypeIndex) {
        /** A plan of persons. */
        public Plan(Series series, QueryDateRange range, Expr where, Expr personDaysWhere, PersonMonths.Read months) {
            this(series, range, where, personDaysWhere, months, null);
        }

        /**
         * The actor as HogQL over events: {@code person_id}, or with {@code aggregation_group_type_index} N the group
         * {@code $group_N} (PostHog's lifecycle of groups: a group is new in the interval of its own
         * {@code created_at}).
         */
        String actor() {
            return groupTypeIndex == null ? "person_id" : "$group_" + groupTypeIndex;
        }
    }

    public static QueryPlan<Plan> plan(InsightSql sql, LifecycleQuery query) {
        Integer groupTypeIndex = GroupAggregation.index(
                "LifecycleQuery", query.aggregationGroupTypeIndex());
        QuerySchema.unsupported("LifecycleQuery", "samplingFactor", query.samplingFactor(), "1", "1.0");
        QuerySchema.unsupported("LifecycleQuery", "breakdownFilter", query.breakdownFilter());
        List<Series> parsed = Series.all(query.series(), "series");
        Interval interval = Interval.parse(query.interval(), "interval");
        return Series.withActions(parsed, "series", series -> sql.dateRange(query.dateRange(), interval, "-7d")
                .map(range -> {
            Series s = series.get(0);
            // one extra bucket before the range: activity there decides "returning" in the first bucket
            Expr global = sql.globalFilters(query.properties(), query.filterTestAccounts());
            Expr where = InsightSql.and(s.filter(), global,
                    new Expr.Compare(">=", Expr.Field.of("timestamp"), new Expr.Constant(range.bucket(-1).toOffsetDateTime())),
                    new Expr.Compare("<", Expr.Field.of("timestamp"),
                            new Expr.Constant(range.bucket(range.bucketCount()).toOffsetDateTime())),
                    groupTypeIndex == null ? null : new Expr.Compare("!=", Expr.Field.of("$group_" + groupTypeIndex),
                            new Expr.Constant("")));
            // the person-day rollup and its bitmaps know persons; groups are read from the events
            PersonDays.Days days = groupTypeIndex != null ? null : PersonDays.days(sql, s, global, interval,
                    range.bucket(-1), range.bucket(range.bucketCount()).minusNanos(1000));
            return new Plan(s, range, where, days == null ? null : PersonDays.where(s, days),
                    PersonMonths.Read.of(s, days, interval), groupTypeIndex);
        }));
    }

    /**
     * Columns {@code person_id, period, status}: one row per person and bucket index (0 = first bucket shown) with
     * the person's status there, as an AST. Both the counts and the actors of a cell read it as their subquery.
     */
    public static SelectLike cells(Plan plan) {
        Interval iv = plan.range().interval();
        boolean rollup = plan.personDaysWhere() != null;
        String idx = iv.indexHogQL("lc_anchor", rollup ? "day" : "timestamp");
        String createdIdx = iv.indexHogQL("lc_anchor", "p.created_at");
        // Events are read once: the active (person, bucket) pairs, then each pair's previous and next active bucket
        // by window functions (one sort), from which every status follows.
        // the actor is aliased "actor" until the outer select: in HogQL a select alias also names its expression in
        // WHERE, and a group's key must not stand in for person_id in the filters
        String actor = plan.actor();
        String created = plan.groupTypeIndex() == null ? "persons AS p ON p.id = s.actor"
                : "groups AS p ON p.key = s.actor AND p.index = " + plan.groupTypeIndex();
        String text = "WITH lc_active AS (SELECT " + actor + " AS actor, " + idx + " AS period FROM "
                + (rollup ? "events_person_days" : "events") + " WHERE {lc_where} "
                + "GROUP BY " + actor + ", " + idx + "), "
                + "lc_seq AS (SELECT actor, period, "
                + "lag(period) OVER (PARTITION BY actor ORDER BY period) AS prev_period, "
                + "lead(period) OVER (PARTITION BY actor ORDER BY period) AS next_period FROM lc_active) "
                + "SELECT actor AS person_id, period, status FROM ("
                + "SELECT s.actor AS actor, s.period AS period, "
                + "multiIf(s.prev_period = s.period - 1, 'returning', "
                + "s.prev_period IS NULL AND p.created_at IS NOT NULL AND " + createdIdx + " = s.period, 'new', "
                + "'resurrecting') AS status "
                + "FROM lc_seq AS s LEFT JOIN " + created + " "
                + "WHERE s.period >= 0 "
                + "UNION ALL "
                // (aliased apart: in HogQL a select alias also names its expression in WHERE)
                + "SELECT actor, period + 1 AS dormant_period, 'dormant' AS status FROM lc_seq "
                + "WHERE (next_period IS NULL OR next_period != period + 1) AND period + 1 < {lc_buckets}) AS lc_cells";
        return HogQLStatement.select(text, Map.of("lc_anchor", plan.range().firstBucket().toOffsetDateTime(),
                "lc_where", rollup ? plan.personDaysWhere() : plan.where(), "lc_buckets",
                (long) plan.range().bucketCount()));
    }

    /**
     * Columns {@code activity, created}: one row per person active in the read (merged ids as one), with the
     * person's activity bits over the bucket before the first shown and the shown buckets ({@link PersonMonths}) and
     * the bucket index of the person's creation (null when the person is unknown); for {@code plan.months()} set.
     * {@link PersonMonths#addStatuses} turns a row into its statuses.
     */
    public static SelectLike activity(Plan plan) {
        return HogQLStatement.select("SELECT pm.activity AS activity, "
                + plan.range().interval().indexHogQL("lc_anchor", "p.created_at")
                + " AS created FROM {people} AS pm LEFT JOIN persons AS p ON p.id = pm.person_id",
                Map.of("people", plan.months().activity(), "lc_anchor", plan.range().firstBucket().toOffsetDateTime()));
    }

    @Override
    public Class<LifecycleQuery> queryType() {
        return LifecycleQuery.class;
    }

    @Override
    public QueryPlan<ObjectNode> plan(QueryContext context, LifecycleQuery query) {
        InsightSql sql = new InsightSql(context, kind());
        return plan(sql, query).flatMap(plan -> {
            HogQLStatement counts = plan.months() != null ? sql.statement("SELECT activity, created FROM {people} AS people",
                    Map.of("people", activity(plan)))
                    : sql.statement("SELECT period, status, count() AS n FROM {cells} AS cells GROUP BY period, status",
                    Map.of("cells", cells(plan)));
            if (plan.groupTypeIndex() != null) {
                counts = counts.withKind(GroupAggregation.statementKind(kind()));
            }
            return QueryPlan.run(counts).map(result -> {
                io.vertx.mutiny.sqlclient.RowSet<Row> rows = result.rows();
                int n = plan.range().bucketCount();
                double[][] data = new double[4][n];
                if (plan.months() != null) {
                    // one row per active person: the statuses follow from the person's activity bits
                    long[][] tally = new long[4][n];
                    for (Row row : rows) {
                        PersonMonths.addStatuses(row.getLong(0), row.getLong(1), tally);
                    }
                    for (int s = 0; s < 4; s++) {
                        for (int p = 0; p < n; p++) {
                            data[s][p] = s == 3 ? -tally[s][p] : tally[s][p];
                        }
                    }
                } else {
                    for (Row row : rows) {
                        int period = (int) (long) row.getLong(0);
                        int status = STATUSES.indexOf(row.getString(1));
                        if (period >= 0 && period < n && status >= 0) {
                            data[status][period] = status == 3 ? -row.getLong(2) : row.getLong(2);
                        }
                    }
                }
                ObjectNode body = context.mapper().createObjectNode();
                ArrayNode results = body.putArray("results");
                for (int s = 0; s < 4; s++) {
                    results.add(series(context.mapper(), plan, STATUSES.get(s), data[s]));
                }
                SeriesJson.putSql(body, List.of(result.compiled()));
                body.set("resolved_date_range", SeriesJson.resolvedRange(context.mapper(), plan.range()));
                body.putNull("modifiers"); // its place in the answer; QueryService sets the resolved ones
                body.putNull("error");
                return body;
            });
        });
    }

    private static ObjectNode series(ObjectMapper mapper, Plan plan, String status, double[] data) {
        ObjectNode o = mapper.createObjectNode();
        ObjectNode action = mapper.createObjectNode();
        Series s = plan.series();
        if (s.actionId() != null) {
            action.put("id", s.actionId());
        } else if (s.event() == null) {
            action.putNull("id");
        } else {
            action.put("id", s.event());
        }
        action.put("name", s.entityName());
        action.put("type", s.entityType());
        action.put("order", 0);
        action.put("math", "total");
        o.set("action", action);
        ArrayNode d = o.putArray("data");
        double sum = 0;
        for (double v : data) {
            d.add(v);
            sum += v;
        }
        o.put("count", sum);
        SeriesJson.putDates(o, plan.range(), true);
        o.put("label", s.label() + " - " + status);
        o.put("status", status);
        return o;
    }

    @Override
    public Class<InsightActorsQuery> sourceType() {
        return InsightActorsQuery.class;
    }

    @Override
    public boolean answers(InsightActorsQuery source) {
        return source.source() instanceof LifecycleQuery;
    }

    /** The actors of one cell of this insight (ActorsQuery over an InsightActorsQuery). */
    @Override
    public QueryPlan<ActorsQueryRunner.Cell> actors(InsightSql sql, InsightActorsQuery source) {
        LifecycleQuery insight = (LifecycleQuery) source.source();
        String status = source.status();
        if (status == null || !STATUSES.contains(status)) {
            throw new ValidationException("status must be one of new, returning, resurrecting, dormant", "status");
        }
        return plan(sql, insight).map(plan -> {
            long period = ActorsQueryRunner.bucketIndex(sql, plan.range(), source.dayOrNull());
            return ActorsQueryRunner.Cell.of(HogQLStatement.select("SELECT person_id FROM {cells} AS cells "
                    + "WHERE period = {ac_period} AND status = {ac_status}",
                    Map.of("cells", cells(plan), "ac_period", period, "ac_status", status)))
                    .ofGroups(plan.groupTypeIndex());
        });
    }
}

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
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import dev.quarry.query.QueryPlan;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * TrendsQuery (contract §4.5): per series (and breakdown value, and compared range) the math of each bucket, or one
 * aggregated value for total-value displays; formulas combine series bucket by bucket. Receives the
 * {@link TrendsQuery} record; builds each statement as a HogQL AST (subqueries as AST values of {@code FROM {name}})
 * and hands it to {@link QueryContext#execute}, which compiles and runs it: every series, compared range and cohort
 * is submitted at once and runs concurrently within the project's limit.
 */
@ApplicationScoped
public class TrendsQueryRunner implements QueryRunner<TrendsQuery>, ActorsSource<InsightActorsQuery> {
    /** PostHog's {@code TrendsDisplay.is_total_value()} displays: one number per series over the whole range. */
    static final Set<String> TOTAL_VALUE_DISPLAYS = Set.of("BoldNumber", "ActionsPie", "ActionsTable", "WorldMap",
            "ActionsBarValue", "CalendarHeatmap");
    /** The display whose series are running sums over the range (PostHog's {@code _get_cumulative_query}). */
    static final String CUMULATIVE_DISPLAY = "ActionsLineGraphCumulative";

    @Override
    public String kind() {
        return "TrendsQuery";
    }

    @Override
    public Class<TrendsQuery> queryType() {
        return TrendsQuery.class;
    }

    /** One series over one range; {@code kept} are the breakdown values shown (others fold into "other"). */
    public record Plan(Series series, QueryDateRange range, Expr where, Breakdown breakdown, List<String> kept,
            boolean totalValue, String compareLabel, boolean cumulative) {
        /**
         * A cumulative line of unique users or groups ({@code dau}, {@code unique_group}): each actor counts once, in
         * the first interval they appear in (PostHog's trends query builder, {@code min(day_start)} per actor), and
         * the running sums then count the actors seen so far.
         */
        boolean firstIntervalOnly() {
            return cumulative && !totalValue && (series.math().equals("dau") || series.math().equals("unique_group"));
        }

        /** The bucket's breakdown value expression (a constant when there is no breakdown). */
        Expr breakdownExpr() {
            if (breakdown == null) {
                return new Expr.Constant("");
            }
            return kept == null ? breakdown.valueExpr() : breakdown.foldedExpr(kept);
        }

        /** The active-users window in days: 7 for weekly_active, 30 for monthly_active, else 0. */
        int activeDays() {
            return series.math().equals("weekly_active") ? 7 : series.math().equals("monthly_active") ? 30 : 0;
        }

        /** Rolling window in day buckets for weekly/monthly active at the day interval, 0 otherwise. */
        int window() {
            return range.interval() == Interval.DAY && !totalValue ? activeDays() : 0;
        }

        /**
         * Active users at hour, minute and (monthly active) week buckets, by PostHog's window rule: events are
         * truncated to their minute, hour or day ({@link #truncation}) and bucket {@code d} counts the persons whose
         * truncated event time {@code t} has {@code d - 7|30 days < t <= d}, i.e. events in
         * {@code [windowStart(d), windowEnd(d))}. (Weekly active at week or month intervals and monthly active at
         * month intervals are daily active users in PostHog: {@link #activeUsersAsDau}.)
         */
        boolean activeWindows() {
            return activeDays() > 0 && !totalValue && range.interval() != Interval.DAY;
        }

        /** The unit PostHog truncates event times to for the active-users windows: a minute, an hour or a day. */
        java.time.Duration truncation() {
            return switch (range.interval()) {
                case MINUTE -> java.time.Duration.ofMinutes(1);
                case HOUR -> java.time.Duration.ofHours(1);
                default -> java.time.Duration.ofDays(1);
            };
        }

        /** First instant of bucket {@code d}'s active-users window (inclusive). */
        java.time.ZonedDateTime windowStart(java.time.ZonedDateTime d) {
            return plusTruncation(d.minusDays(activeDays()));
        }

        /** End of bucket {@code d}'s active-users window (exclusive): the end of the truncation unit starting at d. */
        java.time.ZonedDateTime windowEnd(java.time.ZonedDateTime d) {
            return plusTruncation(d);
        }

        private java.time.ZonedDateTime plusTruncation(java.time.ZonedDateTime t) {
            return truncation().toDays() == 1 ? t.plusDays(1) : t.plus(truncation());
        }

        /**
         * Events read. Rolling windows at the day interval: from the window before the first bucket. Other
         * intervals: PostHog's {@code date_from - 7|30 days} (date_from as given, not its bucket's start, so at a week
         * interval it can cut the first bucket's window). Active users on a total-value display: PostHog counts the
         * persons of the last 7 (30) days up to {@code date_to}, within the windows of the range's day buckets.
         * Anything else: the range, from the day of date_from at week intervals ({@link #readFrom}).
         */
        Expr readWhere(InsightSql sql, Expr seriesAndGlobal) {
            return InsightSql.and(seriesAndGlobal, InsightSql.timestampIn(readStart(), range.to()));
        }

        /** The first instant {@link #readWhere} reads (the last is the range's {@code to}). */
        java.time.ZonedDateTime readStart() {
            java.time.ZonedDateTime from = window() > 0 ? range.bucket(-(window() - 1)) : readFrom(range);
            if (activeDays() > 0 && totalValue) {
                java.time.ZonedDateTime last7 = range.to().minusDays(activeDays());
                java.time.ZonedDateTime windows = windowStart(range.firstBucket());
                from = last7.isAfter(windows) ? last7 : windows;
            } else if (activeWindows()) {
                from = range.dateFrom().minusDays(activeDays());
            }
            return from;
        }
    }

    /**
     * Where trends starts reading a range: PostHog's {@code date_from_with_adjusted_start_of_interval}, which at a
     * week interval is the start of date_from's day rather than of its week (the first week shows only the days from
     * date_from on); at other intervals the start of the first bucket (or date_from itself for explicit dates).
     */
    static java.time.ZonedDateTime readFrom(QueryDateRange range) {
        if (range.interval() != Interval.WEEK) {
            return range.from();
        }
        java.time.ZonedDateTime day = range.dateFrom().truncatedTo(java.time.temporal.ChronoUnit.DAYS);
        return day.isAfter(range.from()) ? day : range.from();
    }

    /**
     * A trends series' label as PostHog writes it: the event name ("All events" for every event); a custom name
     * stays in {@code action.custom_name}.
     */
    static String eventLabel(Series s) {
        return s.entityName();
    }

    /**
     * PostHog's {@code convert_active_user_math_based_on_interval}: weekly active users at a week or month interval
     * and monthly active users at a month interval are daily active users (distinct persons per bucket); the series
     * then reports math "dau", as PostHog's does.
     */
    static List<Series> activeUsersAsDau(List<Series> series, Interval interval) {
        List<Series> out = new ArrayList<>();
        for (Series s : series) {
            boolean dau = (s.math().equals("weekly_active") && (interval == Interval.WEEK || interval == Interval.MONTH))
                    || (s.math().equals("monthly_active") && interval == Interval.MONTH);
            out.add(dau ? s.withMath("dau") : s);
        }
        return out;
    }


    @Override
    public QueryPlan<ObjectNode> plan(QueryContext context, TrendsQuery query) {
        query.checkSupported();
        return Series.withActions(Series.all(query.series(), "series"), "series", read -> plan(context, query, read));
    }

    /** The plan once the series' actions are read. */
    private QueryPlan<ObjectNode> plan(QueryContext context, TrendsQuery query, List<Series> read) {
        InsightSql sql = new InsightSql(context, kind());
        Interval interval = Interval.parse(query.interval(), "interval");
        List<Series> series = activeUsersAsDau(read, interval);
        Breakdown parsed = Breakdown.of(query.breakdownFilter(), Breakdown.TRENDS);
        List<Long> cohorts = parsed != null && parsed.isCohort() ? parsed.cohorts() : null;
        Breakdown breakdown = cohorts != null ? null : parsed;
        TrendsQuery.TrendsFilter trendsFilter = query.filter();
        boolean totalValue = TOTAL_VALUE_DISPLAYS.contains(String.valueOf(trendsFilter.display()));
        boolean cumulative = !totalValue && CUMULATIVE_DISPLAY.equals(String.valueOf(trendsFilter.display()));
        // every formula is parsed before anything runs: one that does not parse is a 400 with nothing sent
        List<Formula> formulas = new ArrayList<>();
        List<String> formulaLabels = new ArrayList<>();
        for (TrendsQuery.FormulaNode node : trendsFilter.formulasToApply()) {
            formulas.add(Formula.parse(node.formula(), series.size()));
            formulaLabels.add(node.label());
        }
        if (!formulas.isEmpty() && cohorts != null) {
            throw new ValidationException("Formulas with a cohort breakdown are not supported", "breakdown_type");
        }
        // a cohort breakdown is one series per cohort: the series' events of that cohort's members (a person in
        // two cohorts counts in both), breakdown_value the cohort id ("all" for everyone), labelled by name
        List<Long> parts = cohorts == null ? java.util.Collections.singletonList(null) : cohorts;
        boolean compare = query.compare().on();
        String compareTo = query.compare().compareTo();
        Expr global = sql.globalFilters(query.properties(), query.filterTestAccounts());
        QueryPlan<Map<Long, String>> names = cohorts == null ? QueryPlan.of(Map.of())
                : CohortNames.of(cohorts);
        // PostHog's QueryDateRange for a total-value display is at the day interval, whatever the query's interval
        Interval rangeInterval = totalValue ? Interval.DAY : interval;
        return names.flatMap(cohortNames -> sql.dateRange(query.dateRange(), rangeInterval, "-7d").flatMap(range -> {
            List<QueryDateRange> ranges = compare ? List.of(range, range.previous(compareTo)) : List.of(range);
            // every series (and compare range, and cohort) is independent: all are submitted at once and run
            // concurrently within the project's limit; each keeps its own statements, listed in series order
            List<List<CompiledQuery>> unitStatements = new ArrayList<>();
            List<QueryPlan<List<SeriesRow>>> perSeriesUnits = new ArrayList<>();
            java.util.concurrent.atomic.AtomicBoolean folded = new java.util.concurrent.atomic.AtomicBoolean();
            // every part's rows are counted before their JSON is made: a breakdown_limit of 100,000 values of a
            // HogQL breakdown built a 625 MB answer (a breaker's finding)
            AnswerCells answer = new AnswerCells("trends answer (series × breakdown values × intervals)");
            for (int r = 0; r < ranges.size(); r++) {
                QueryDateRange dr = ranges.get(r);
                String label = compare ? (r == 0 ? "current" : "previous") : null;
                for (Series s : series) {
                    List<QueryPlan<List<SeriesRow>>> cohortUnits = new ArrayList<>();
                    for (Long cohort : parts) {
                        List<CompiledQuery> own = new ArrayList<>();
                        unitStatements.add(own);
                        Expr seriesWhere = InsightSql.and(s.trendsFilter(), global,
                                cohort == null ? new Expr.Constant(true) : Breakdown.cohortMember(cohort));
                        // one scan ranks values by event count, which is the series' math only for "total"; other
                        // maths rank by their own value (PostHog), through plan()'s top-values statement
                        if (cohort == null && breakdown != null && s.math().equals("total")) {
                            Plan single = new Plan(s, dr, seriesWhere, breakdown, null, totalValue, label, cumulative);
                            if (single.window() == 0) {
                                cohortUnits.add(singleScan(sql, single, global, own, answer).map(cells -> {
                                    folded.compareAndSet(false, cells.plan().kept() != null);
                                    return seriesObjects(context, cells.plan(), cells.cells(), answer);
                                }));
                                continue;
                            }
                        }
                        cohortUnits.add(plan(sql, s, dr, seriesWhere, breakdown, totalValue, label, cumulative, own)
                                .flatMap(plan -> {
                                    folded.compareAndSet(false, plan.kept() != null);
                                    TrendsRollup.Read rollup = cohort == null ? TrendsRollup.of(sql, plan, global) : null;
                                    if (rollup != null) {
                                        return QueryPlan.run(AnswerCells.bounded(rollup.statement())).map(result -> {
                                            own.add(result.compiled());
                                            answer.checkRows(result.rows().size());
                                            return seriesObjects(context, plan, rollup.cells(result.rows()), answer);
                                        });
                                    }
                                    return QueryPlan.run(AnswerCells.bounded(counts(sql, plan))).map(result -> {
                                        own.add(result.compiled());
                                        answer.checkRows(result.rows().size());
                                        List<SeriesRow> objects = seriesObjects(context, plan, cells(result.rows()),
                                                answer);
                                        if (cohort != null) {
                                            objects.replaceAll(o -> o.withCohort(cohort == 0 ? "all" : cohort,
                                                    cohortNames.get(cohort)));
                                        }
                                        return objects;
                                    });
                                }));
                    }
                    // one list per range, series and cohort, in loop order (cohortOrder orders and labels them)
                    perSeriesUnits.addAll(cohortUnits);
                }
            }
            QueryPlan<List<List<SeriesRow>>> chain = QueryPlan.all(perSeriesUnits);
            return chain.map(all -> cumulative ? all.stream().map(rows -> rows.stream().map(SeriesRow::cumulative)
                    .toList()).toList() : all).map(perSeries -> {
                ObjectNode body = context.mapper().createObjectNode();
                ArrayNode results = body.putArray("results");
                if (!formulas.isEmpty()) {
                    // PostHog: formula by formula, each with the current range's results, then the previous range's
                    for (int f = 0; f < formulas.size(); f++) {
                        for (int r = 0; r < ranges.size(); r++) {
                            List<List<SeriesRow>> group = perSeries.subList(r * series.size(),
                                    (r + 1) * series.size());
                            formulaResults(context, formulas.get(f), formulaLabels.get(f), group, totalValue,
                                    answer).forEach(results::add);
                        }
                    }
                } else if (cohorts != null) {
                    cohortOrder(perSeries, ranges.size(), series, cohorts).forEach(o -> results.add(o.json()));
                } else {
                    for (List<SeriesRow> list : perSeries) {
                        for (SeriesRow o : list) {
                            // PostHog names a breakdown value's series "<series label> - <value>" when there are
                            // several
                            results.add(breakdown != null && series.size() > 1
                                    ? o.withLabel(eventLabel(series.get(o.order())) + " - " + o.labelText()).json()
                                    : o.json());
                        }
                    }
                }
                if (breakdown != null && Breakdown.listForm(query.breakdownFilter())) {
                    // PostHog's multiple-breakdown mode (the list form, one entry too): breakdown_value is the list of
                    // the entries' values; the label joins them with "::", which for one entry is the value itself
                    for (JsonNode o : results) {
                        JsonNode value = o.get("breakdown_value");
                        if (value != null && value.isTextual()) {
                            ((ObjectNode) o).putArray("breakdown_value").add(value.asText());
                        }
                    }
                }
                // PostHog: hasMore says that breakdown values were folded into the other bucket (shown or hidden)
                body.put("hasMore", folded.get());
                List<CompiledQuery> statements = new ArrayList<>();
                unitStatements.forEach(statements::addAll);
                SeriesJson.putSql(body, statements);
                body.set("resolved_date_range", SeriesJson.resolvedRange(context.mapper(), range));
                body.putNull("error");
                return body;
            });
        }));
    }

    /**
     * PostHog's order and labels of a cohort breakdown ({@code perSeries} holds one one-object list per range, series
     * and cohort, in that loop order). With several cohorts and no "all" PostHog runs one query per series
     * (inCohortVia leftjoin_conjoined): per range and series, the cohorts by count (desc) then id; otherwise one
     * query per cohort and series, cohort by cohort in the order given. A label is the cohort's name, prefixed by the
     * series label ("$pageview - Pro") when PostHog ran more than one query per range.
     */
    private static List<SeriesRow> cohortOrder(List<List<SeriesRow>> perSeries, int rangeCount, List<Series> series,
                                                List<Long> cohorts) {
        int c = cohorts.size();
        int s = series.size();
        boolean conjoined = c > 1 && !cohorts.contains(0L);
        int queries = conjoined ? s : s * c;
        List<SeriesRow> out = new ArrayList<>();
        for (int r = 0; r < rangeCount; r++) {
            if (conjoined) {
                for (int i = 0; i < s; i++) {
                    List<SeriesRow> group = new ArrayList<>();
                    for (int k = 0; k < c; k++) {
                        group.addAll(perSeries.get((r * s + i) * c + k));
                    }
                    group.sort(java.util.Comparator.<SeriesRow>comparingDouble(o -> -o.count())
                            .thenComparingLong(SeriesRow::cohortId));
                    out.addAll(group);
                }
            } else {
                for (int k = 0; k < c; k++) {
                    for (int i = 0; i < s; i++) {
                        out.addAll(perSeries.get((r * s + i) * c + k));
                    }
                }
            }
        }
        if (queries > 1) {
            out.replaceAll(o -> o.withLabel(eventLabel(series.get(o.order())) + " - " + o.labelText()));
        }
        return out;
    }

    /** Resolves the breakdown values shown (top {@code breakdown_limit} by event count), then the plan. */
    static QueryPlan<Plan> plan(InsightSql sql, Series s, QueryDateRange range, Expr seriesWhere, Breakdown breakdown,
                          boolean totalValue, String compareLabel, boolean cumulative, List<CompiledQuery> statements) {
        Plan draft = new Plan(s, range, seriesWhere, breakdown, null, totalValue, compareLabel, cumulative);
        if (breakdown == null) {
            return QueryPlan.of(draft);
        }
        // every statement groups by the value's alias, not its expression: PostgreSQL does not match a select
        // expression holding a subquery (a HogQL breakdown's scalar subquery) to the same GROUP BY expression
        // PostHog ranks breakdown values by the series' own math: the total value on total-value displays, else the
        // sum of the per-interval values (weekly/monthly active ranked by their per-interval distinct persons).
        Map<String, Object> values = new HashMap<>();
        s.mathValues(values);
        values.put("bd", breakdown.valueExpr());
        values.put("where", InsightSql.and(seriesWhere, InsightSql.timestampIn(readFrom(range), range.to())));
        String agg = s.aggregateHogQL();
        SelectLike ranked;
        if (totalValue) {
            ranked = HogQLStatement.select("SELECT {bd} AS v, ifNull(toFloat(" + agg + "), 0) AS c FROM events "
                    + "WHERE {where} GROUP BY v", values);
        } else {
            values.put("anchor", range.firstBucket().toOffsetDateTime());
            String idx = range.interval().indexHogQL("anchor", "timestamp");
            SelectLike perBucket = HogQLStatement.select("SELECT {bd} AS v, " + idx + " AS p, " + agg
                    + " AS val FROM events WHERE {where} GROUP BY v, " + idx, values);
            ranked = HogQLStatement.select("SELECT v, sum(ifNull(toFloat(val), 0)) AS c FROM {per_bucket} AS t "
                    + "GROUP BY v", Map.of("per_bucket", perBucket));
        }
        HogQLStatement ranking = sql.statement("SELECT v, c FROM {ranked} AS ranked ORDER BY c DESC, v ASC LIMIT {n}",
                Map.of("ranked", ranked, "n", (long) breakdown.limit() + 1));
        return QueryPlan.run(ranking).map(result -> {
            statements.add(result.compiled());
            List<String> top = new ArrayList<>();
            for (Row row : result.rows()) {
                top.add(row.getString(0));
            }
            if (top.size() <= breakdown.limit()) {
                return new Plan(s, range, seriesWhere, breakdown, null, totalValue, compareLabel, cumulative);
            }
            return new Plan(s, range, seriesWhere, breakdown, top.subList(0, breakdown.limit()), totalValue,
                    compareLabel, cumulative);
        });
    }

    /**
     * The events counted in one bucket and breakdown value: the same condition the counts group by, so the actors of a
     * cell are exactly the persons behind its number. {@code period} null = the whole range (total value). Column
     * {@code person_id}: the event's person, or for a series counting groups the event's group key.
     */
    public static SelectLike cellEvents(InsightSql sql, Plan plan, Long period, String breakdownValue) {
        Interval iv = plan.range().interval();
        List<Expr> parts = new ArrayList<>();
        parts.add(plan.readWhere(sql, plan.where()));
        Map<String, Object> values = new HashMap<>();
        values.put("tr_anchor", plan.range().firstBucket().toOffsetDateTime());
        String idx = iv.indexHogQL("tr_anchor", "timestamp");
        StringBuilder cond = new StringBuilder("{tr_where}");
        if (period != null) {
            int w = plan.window();
            if (w > 0) {
                cond.append(" AND ").append(idx).append(" >= {tr_lo} AND ").append(idx).append(" <= {tr_p}");
                values.put("tr_lo", period - (w - 1));
            } else if (plan.activeWindows()) {
                java.time.ZonedDateTime start = plan.range().bucket(period);
                cond.append(" AND timestamp >= {tr_lo_ts} AND timestamp < {tr_hi_ts}");
                values.put("tr_lo_ts", plan.windowStart(start).toOffsetDateTime());
                values.put("tr_hi_ts", plan.windowEnd(start).toOffsetDateTime());
            } else {
                cond.append(" AND ").append(idx).append(" = {tr_p}");
            }
            values.put("tr_p", period);
        }
        if (plan.breakdown() != null && breakdownValue != null) {
            cond.append(" AND {tr_bd} = {tr_bv}");
            values.put("tr_bd", plan.breakdownExpr());
            values.put("tr_bv", breakdownValue);
        }
        values.put("tr_where", InsightSql.and(parts));
        if (plan.series().countsGroups()) {
            // aliased apart first: in HogQL a select alias also names its expression in WHERE, and a group's key
            // must not stand in for person_id in the filters
            return HogQLStatement.select("SELECT actor AS person_id FROM {tr_events} AS tr_events",
                    Map.of("tr_events", HogQLStatement.select("SELECT " + plan.series().actorHogQL()
                            + " AS actor FROM events WHERE " + cond, values)));
        }
        return HogQLStatement.select("SELECT person_id FROM events WHERE " + cond, values);
    }

    /** The statement of a plan's numbers: columns period (bucket index, 0 for a total value), v (value), value. */
    static HogQLStatement counts(InsightSql sql, Plan plan) {
        Map<String, Object> values = new HashMap<>();
        plan.series().mathValues(values);
        values.put("bd", plan.breakdownExpr());
        values.put("where", plan.readWhere(sql, plan.where()));
        values.put("anchor", plan.range().firstBucket().toOffsetDateTime());
        String agg = plan.series().aggregateHogQL();
        String idx = plan.range().interval().indexHogQL("anchor", "timestamp");
        // the actor an active-users math counts: the person, or the group of a groups math
        String actor = plan.series().actorHogQL();
        String text;
        if (plan.totalValue()) {
            if (plan.series().math().equals("weekly_active") || plan.series().math().equals("monthly_active")) {
                agg = "count(DISTINCT " + actor + ")";
            }
            text = "SELECT 0 AS period, {bd} AS v, " + agg + " AS value FROM events WHERE {where} GROUP BY v";
        } else if (plan.window() > 0) {
            StringBuilder offsets = new StringBuilder("[");
            for (int k = 0; k < plan.window(); k++) {
                offsets.append(k == 0 ? "" : ", ").append(k);
            }
            offsets.append(']');
            SelectLike personDays = HogQLStatement.select("SELECT " + actor + " AS actor, " + idx + " AS d, {bd} AS v "
                    + "FROM events WHERE {where} GROUP BY " + actor + ", " + idx + ", v", values);
            SelectLike fan = HogQLStatement.select("SELECT actor, d, v, arrayJoin(" + offsets + ") AS k "
                    + "FROM {pd} AS pd", Map.of("pd", personDays));
            return sql.statement("SELECT d + k AS period, v, count(DISTINCT actor) AS value FROM {fan} AS fan "
                    + "WHERE d + k >= 0 AND d + k < {n} GROUP BY d + k, v",
                    Map.of("fan", fan, "n", (long) plan.range().bucketCount()));
        } else if (plan.activeWindows()) {
            // each bucket start d against every event: [windowStart(d), windowEnd(d)), as PostHog's numbers() join
            List<Expr> ks = new ArrayList<>();
            List<Expr> los = new ArrayList<>();
            List<Expr> his = new ArrayList<>();
            for (int k = 0; k < plan.range().bucketCount(); k++) {
                java.time.ZonedDateTime start = plan.range().bucket(k);
                ks.add(new Expr.Constant((long) k));
                los.add(new Expr.Constant(plan.windowStart(start).toOffsetDateTime()));
                his.add(new Expr.Constant(plan.windowEnd(start).toOffsetDateTime()));
            }
            SelectLike eventsRead = HogQLStatement.select("SELECT " + actor + " AS actor, timestamp, {bd} AS v "
                    + "FROM events WHERE {where}", values);
            SelectLike buckets = HogQLStatement.select("SELECT k, lo, hi FROM (SELECT 1 AS one) ARRAY JOIN {ks} AS k, "
                    + "{los} AS lo, {his} AS hi", Map.of("ks", new Expr.ArrayLit(ks), "los", new Expr.ArrayLit(los),
                    "his", new Expr.ArrayLit(his)));
            return sql.statement("SELECT b.k AS period, e.v AS v, count(DISTINCT e.actor) AS value FROM {e} AS e "
                    + "CROSS JOIN {b} AS b WHERE e.timestamp >= b.lo AND e.timestamp < b.hi GROUP BY b.k, e.v",
                    Map.of("e", eventsRead, "b", buckets));
        } else if (plan.firstIntervalOnly()) {
            // each actor once, in their first interval (per breakdown value), for the running sums of a cumulative line
            SelectLike firsts = HogQLStatement.select("SELECT " + actor + " AS actor, {bd} AS v, min(" + idx
                    + ") AS period FROM events WHERE {where} GROUP BY " + actor + ", v", values);
            return sql.statement("SELECT period, v, count() AS value FROM {firsts} AS firsts GROUP BY period, v",
                    Map.of("firsts", firsts));
        } else {
            text = "SELECT " + idx + " AS period, {bd} AS v, " + agg + " AS value FROM events WHERE {where} GROUP BY "
                    + idx + ", v";
        }
        return sql.statement(text, values);
    }

    /** One number of a series: bucket index (0 for a total value), breakdown value, value (null = none). */
    public record Cell(long period, String value, Number number) {}

    public record Cells(Plan plan, List<Cell> cells) {}

    private static List<Cell> cells(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<Cell> out = new ArrayList<>();
        for (Row row : rows) {
            Object raw = row.getValue(2);
            out.add(new Cell(((Number) row.getValue(0)).longValue(), row.getString(1), (Number) raw));
        }
        return out;
    }

    /**
     * A breakdown in one scan of the events: the counts per bucket and raw breakdown value, each value's event count
     * over the range and its rank (count descending, then value, as the top-values statement of {@link #plan} ranks
     * them) in the same statement, with the values ranked past {@code breakdown_limit} folded into the "other" bucket
     * there (math total: the other bucket's count is the sum of theirs), so the rows read are at most
     * (limit + 1) × buckets however many values occur. For other maths (distinct persons, sums…), which do not add up,
     * the counts are read again with the kept values folded in SQL. Same numbers as plan + counts either way.
     */
    private static QueryPlan<Cells> singleScan(InsightSql sql, Plan plan, Expr global,
                                               List<CompiledQuery> statements, AnswerCells answer) {
        // a total count by a hot property is read from the per-property daily counts when they answer it
        SelectLike grouped = TrendsRollup.propertyCounts(sql, plan, global);
        if (grouped == null) {
            Map<String, Object> values = new HashMap<>();
            plan.series().mathValues(values);
            values.put("bd", plan.breakdown().valueExpr());
            values.put("where", plan.readWhere(sql, plan.where()));
            values.put("anchor", plan.range().firstBucket().toOffsetDateTime());
            String idx = plan.totalValue() ? "0" : plan.range().interval().indexHogQL("anchor", "timestamp");
            grouped = HogQLStatement.select("SELECT " + idx + " AS period, {bd} AS v, "
                    + plan.series().aggregateHogQL() + " AS value, count() AS c FROM events WHERE {where} GROUP BY "
                    + (plan.totalValue() ? "" : idx + ", ") + "v", values);
        }
        int limit = plan.breakdown().limit();
        SelectLike totals = HogQLStatement.select("SELECT period, v, value, sum(c) OVER (PARTITION BY v) AS vc "
                + "FROM {g} AS g", Map.of("g", grouped));
        SelectLike ranked = HogQLStatement.select("SELECT period, v, value, dense_rank() OVER (ORDER BY vc DESC, "
                + "v ASC) AS r FROM {totals} AS totals", Map.of("totals", totals));
        HogQLStatement scan = AnswerCells.bounded(sql.statement("SELECT period, if(r <= {limit}, v, {other}) AS bv, "
                + "sum(value) AS value, min(r) AS rk FROM {ranked} AS ranked GROUP BY period, bv ORDER BY rk, period",
                Map.of("ranked", ranked, "limit", (long) limit, "other", Breakdown.OTHER_VALUE)));
        return QueryPlan.run(scan).flatMap(result -> {
            statements.add(result.compiled());
            io.vertx.mutiny.sqlclient.RowSet<Row> rows = result.rows();
            answer.checkRows(rows.size());
            List<Cell> all = new ArrayList<>();
            List<String> kept = new ArrayList<>();
            boolean beyond = false;
            for (Row row : rows) {
                long rank = ((Number) row.getValue(3)).longValue();
                Cell cell = new Cell(((Number) row.getValue(0)).longValue(), row.getString(1), (Number) row.getValue(2));
                if (rank > limit) {
                    beyond = true;
                } else if (kept.isEmpty() || !kept.get(kept.size() - 1).equals(cell.value())) {
                    kept.add(cell.value());
                }
                all.add(cell);
            }
            if (!beyond) {
                return QueryPlan.of(new Cells(plan, all));
            }
            Plan folded = new Plan(plan.series(), plan.range(), plan.where(), plan.breakdown(), kept,
                    plan.totalValue(), plan.compareLabel(), plan.cumulative());
            if (!plan.series().math().equals("total")) {
                return QueryPlan.run(AnswerCells.bounded(counts(sql, folded))).map(again -> {
                    statements.add(again.compiled());
                    answer.checkRows(again.rows().size());
                    return new Cells(folded, cells(again.rows()));
                });
            }
            return QueryPlan.of(new Cells(folded, all));
        });
    }

    /**
     * The series rows of one part: one per breakdown value (biggest first, "other" last), charged to {@code answer}
     * before their JSON is made.
     */
    private static List<SeriesRow> seriesObjects(QueryContext context, Plan plan, List<Cell> rows,
                                                 AnswerCells answer) {
        int n = plan.range().bucketCount();
        // charged before a bucket array is made: each value holds n buckets however few rows it has (a breaker's
        // 170,000 values × 5,000 hours ran the JVM out of heap here before the charge)
        java.util.Set<String> values = new java.util.HashSet<>();
        if (plan.breakdown() == null) {
            values.add("");
        } else if (plan.kept() != null) {
            values.addAll(plan.kept());
        }
        for (Cell row : rows) {
            values.add(row.value());
        }
        answer.charge(values.size(), plan.totalValue() ? 0 : n);
        Map<String, double[]> byValue = new LinkedHashMap<>();
        Map<String, Double> totals = new LinkedHashMap<>();
        boolean integral = !Set.of("sum", "avg", "min", "max", "median", "p75", "p90", "p95", "p99", "hogql")
                .contains(plan.series().math());
        if (plan.breakdown() == null) {
            byValue.put("", new double[n]);
        } else if (plan.kept() != null) {
            plan.kept().forEach(v -> byValue.put(v, new double[n]));
        }
        for (Cell row : rows) {
            long period = row.period();
            String v = row.value();
            Number raw = row.number();
            double value = raw == null ? 0 : raw.doubleValue();
            double[] data = byValue.computeIfAbsent(v, k -> new double[n]);
            if (plan.totalValue()) {
                totals.put(v, value);
            } else if (period >= 0 && period < n) {
                data[(int) period] = value;
            }
        }
        List<Map.Entry<String, double[]>> entries = new ArrayList<>(byValue.entrySet());
        if (plan.breakdown() != null) {
            // biggest first; "other" last
            entries.sort((a, b) -> {
                boolean ao = a.getKey().equals(Breakdown.OTHER_VALUE);
                boolean bo = b.getKey().equals(Breakdown.OTHER_VALUE);
                if (ao != bo) {
                    return ao ? 1 : -1;
                }
                double ta = plan.totalValue() ? totals.getOrDefault(a.getKey(), 0.0) : sum(a.getValue());
                double tb = plan.totalValue() ? totals.getOrDefault(b.getKey(), 0.0) : sum(b.getValue());
                return Double.compare(tb, ta);
            });
            if (plan.breakdown().hideOther()) {
                entries.removeIf(e -> e.getKey().equals(Breakdown.OTHER_VALUE));
            }
        }
        List<SeriesRow> out = new ArrayList<>();
        for (Map.Entry<String, double[]> e : entries) {
            ObjectNode o = context.mapper().createObjectNode();
            o.set("action", plan.series().action(context.mapper()));
            double count;
            double aggregated = 0;
            double[] written;
            if (plan.totalValue()) {
                o.putArray("data");
                o.putArray("labels");
                o.putArray("days");
                double total = totals.getOrDefault(e.getKey(), 0.0);
                aggregated = putNumber(o, "aggregated_value", total, integral);
                count = putNumber(o, "count", total, integral);
                written = new double[0];
            } else {
                ArrayNode data = o.putArray("data");
                written = new double[e.getValue().length];
                for (int i = 0; i < written.length; i++) {
                    written[i] = addNumber(data, e.getValue()[i], integral);
                }
                count = putNumber(o, "count", sum(e.getValue()), integral);
                SeriesJson.putDates(o, plan.range(), false);
            }
            String label;
            String breakdownValue = null;
            if (plan.breakdown() != null && plan.breakdown().isMultiple()) {
                // PostHog's multiple breakdown: the entries' values as a list, labelled by them joined with "::"
                List<String> parts = plan.breakdown().values(e.getKey());
                label = String.join("::", parts);
                breakdownValue = e.getKey();
                o.put("label", label);
                ArrayNode list = o.putArray("breakdown_value");
                parts.forEach(list::add);
            } else if (plan.breakdown() != null) {
                label = e.getKey();
                breakdownValue = e.getKey();
                o.put("label", label);
                o.put("breakdown_value", breakdownValue);
            } else {
                label = eventLabel(plan.series());
                o.put("label", label);
            }
            o.putObject("filter");
            if (plan.compareLabel() != null) {
                o.put("compare", true);
                o.put("compare_label", plan.compareLabel());
            }
            out.add(new SeriesRow(o, plan.series().order(), label, breakdownValue, count, aggregated, written));
        }
        return out;
    }

    /**
     * One series result: its object as PostHog writes it ({@code json}) and, typed, what the later steps read back
     * (several series' labels, cohort order, formulas): the series' index ({@code action.order}), {@code label},
     * {@code breakdown_value} (a value's text, a cohort's id or {@code "all"}; null without breakdown), and
     * {@code count}, {@code aggregated_value} (0 unless a total value) and {@code data} as written (whole numbers for
     * counting maths).
     */
    @io.quarkus.runtime.annotations.RegisterForReflection
    record SeriesRow(ObjectNode json, int order, String label, Object breakdownValue, double count,
                     double aggregatedValue, double[] data) {
        /**
         * This row as a cumulative line: each bucket the running sum up to it (integers stay integers) and
         * {@code count} the last one, as PostHog's build_series_response counts a cumulative series.
         */
        SeriesRow cumulative() {
            double[] sums = new double[data.length];
            ArrayNode written = json.putArray("data");
            double running = 0;
            boolean integral = json.path("count").isIntegralNumber();
            for (int i = 0; i < data.length; i++) {
                running += data[i];
                sums[i] = running;
                if (integral) {
                    written.add((long) running);
                } else {
                    written.add(running);
                }
            }
            if (integral) {
                json.put("count", (long) running);
            } else {
                json.put("count", running);
            }
            return new SeriesRow(json, order, label, breakdownValue, running, aggregatedValue, sums);
        }

        /** This row labelled {@code label} (null writes JSON null, as a cohort without name). */
        SeriesRow withLabel(String label) {
            json.put("label", label);
            return new SeriesRow(json, order, label, breakdownValue, count, aggregatedValue, data);
        }

        /** This row as a cohort's: {@code value} is the cohort id or {@code "all"}; the label its name. */
        SeriesRow withCohort(Object value, String name) {
            if (value instanceof Long id) {
                json.put("breakdown_value", id);
            } else {
                json.put("breakdown_value", (String) value);
            }
            return new SeriesRow(json, order, label, value, count, aggregatedValue, data).withLabel(name);
        }

        /** The cohort id a cohort row is ordered by ({@code "all"}: 0). */
        long cohortId() {
            return breakdownValue instanceof Long id ? id : 0L;
        }

        /** The formulas' key for a breakdown value: its text, "" without breakdown. */
        String formulaKey() {
            return breakdownValue == null ? "" : breakdownValue.toString();
        }

        /** The label as text, to prefix: a cohort without name (JSON null) reads "null", as the JSON text did before. */
        String labelText() {
            return String.valueOf(label);
        }
    }

    /** One result per breakdown value: the formula over the series' values bucket by bucket. */
    private static List<ObjectNode> formulaResults(QueryContext context, Formula formula, String label,
                                                   List<List<SeriesRow>> series,
                                                   boolean totalValue, AnswerCells answer) {
        Map<String, List<SeriesRow>> byValue = new LinkedHashMap<>();
        for (int s = 0; s < series.size(); s++) {
            for (SeriesRow o : series.get(s)) {
                String key = o.formulaKey();
                List<SeriesRow> slots = byValue.computeIfAbsent(key, k -> new ArrayList<>(java.util.Collections
                        .nCopies(series.size(), null)));
                slots.set(s, o);
            }
        }
        // each formula repeats the breakdown's rows: charged before they are made (a breaker's 50 formulas over 3,000
        // values ran the heap out)
        int buckets = 0;
        for (List<SeriesRow> rows : series) {
            for (SeriesRow row : rows) {
                buckets = Math.max(buckets, row.data().length);
            }
        }
        answer.charge(byValue.size(), totalValue ? 0 : buckets);
        List<ObjectNode> out = new ArrayList<>();
        for (Map.Entry<String, List<SeriesRow>> e : byValue.entrySet()) {
            SeriesRow template = e.getValue().stream().filter(java.util.Objects::nonNull).findFirst().orElseThrow();
            ObjectNode o = template.json().deepCopy();
            o.putNull("action");
            if (totalValue) {
                double[] vals = new double[series.size()];
                for (int s = 0; s < vals.length; s++) {
                    SeriesRow so = e.getValue().get(s);
                    vals[s] = so == null ? 0 : so.aggregatedValue();
                }
                double v = formula.eval(vals);
                o.put("aggregated_value", v);
                o.put("count", v);
            } else {
                int n = template.data().length;
                ArrayNode data = o.putArray("data");
                double total = 0;
                for (int i = 0; i < n; i++) {
                    double[] vals = new double[series.size()];
                    for (int s = 0; s < vals.length; s++) {
                        SeriesRow so = e.getValue().get(s);
                        vals[s] = so == null || i >= so.data().length ? 0 : so.data()[i];
                    }
                    double v = formula.eval(vals);
                    data.add(v);
                    total += v;
                }
                o.put("count", total);
            }
            // PostHog labels every formula result by the formula node's custom_name or "Formula (<formula>)", breakdown
            // or not (the value is in breakdown_value)
            o.put("label", label);
            out.add(o);
        }
        return out;
    }

    private static double sum(double[] values) {
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s;
    }

    /** Writes {@code v} (a whole number when {@code integral}) and returns the value written. */
    private static double putNumber(ObjectNode o, String field, double v, boolean integral) {
        if (integral) {
            o.put(field, (long) v);
            return (long) v;
        }
        o.put(field, v);
        return v;
    }

    /** Adds {@code v} (a whole number when {@code integral}) and returns the value written. */
    private static double addNumber(ArrayNode a, double v, boolean integral) {
        if (integral) {
            a.add((long) v);
            return (long) v;
        }
        a.add(v);
        return v;
    }

    /**
     * The breakdown value of a cell given as a list (the list form's {@code ["Chrome"]}, a multiple breakdown's
     * {@code ["Chrome", "Mac OS X"]}, as the results write them): the value the counts group by.
     *
     * @throws ValidationException 400 when a multiple breakdown's list does not hold one text per entry
     */
    private static String cellValue(JsonNode list, Breakdown breakdown) {
        if (breakdown == null || !breakdown.isMultiple()) {
            return list.path(0).asText();
        }
        List<String> values = new ArrayList<>();
        boolean texts = true;
        for (JsonNode v : list) {
            texts &= v.isValueNode() && !v.isNull();
            values.add(v.asText());
        }
        if (values.size() != breakdown.width() || !texts) {
            throw new ValidationException("breakdown must list one value per breakdown (" + breakdown.width() + ")",
                    "breakdown");
        }
        return Breakdown.key(values);
    }

    @Override
    public Class<InsightActorsQuery> sourceType() {
        return InsightActorsQuery.class;
    }

    @Override
    public boolean answers(InsightActorsQuery source) {
        return source.source() instanceof TrendsQuery;
    }

    /**
     * The actors of one cell of this insight (ActorsQuery over an InsightActorsQuery, whose {@code series},
     * {@code day}, {@code breakdown} and {@code compare} name the cell): the events behind the cell's number, as an
     * AST, by the same plan that computes it.
     */
    @Override
    public QueryPlan<ActorsQueryRunner.Cell> actors(InsightSql sql, InsightActorsQuery source) {
        TrendsQuery insight = (TrendsQuery) source.source();
        if (insight == null) {
            throw new ValidationException("source must be a TrendsQuery", "source");
        }
        insight.checkSupported();
        return Series.withActions(Series.all(insight.series(), "series"), "series",
                read -> actors(sql, source, insight, read));
    }

    /** The cell's actors once the series' actions are read. */
    private QueryPlan<ActorsQueryRunner.Cell> actors(InsightSql sql, InsightActorsQuery source, TrendsQuery insight,
                                                     List<Series> series) {
        int index = source.seriesIndex();
        if (index < 0 || index >= series.size()) {
            throw new ValidationException("series out of range", "series");
        }
        Interval interval = Interval.parse(insight.interval(), "interval");
        Series s = activeUsersAsDau(List.of(series.get(index)), interval).get(0);
        Breakdown parsed = Breakdown.of(insight.breakdownFilter(), Breakdown.TRENDS);
        List<Long> cohorts = parsed != null && parsed.isCohort() ? parsed.cohorts() : null;
        Breakdown breakdown = cohorts != null ? null : parsed;
        JsonNode b = source.breakdown();
        Expr member = new Expr.Constant(true);
        if (cohorts != null) {
            JsonNode one = b != null && b.isArray() ? b.get(0) : b;
            if (one == null || one.isNull()) {
                throw new ValidationException("breakdown (a cohort id or \"all\") is required for actors of a cohort "
                        + "breakdown", "breakdown");
            }
            long id = one.asText().equals("all") ? 0 : one.asLong(-1);
            if (!cohorts.contains(id)) {
                throw new ValidationException("breakdown is not one of the query's cohorts", "breakdown");
            }
            member = Breakdown.cohortMember(id);
        }
        boolean totalValue = TOTAL_VALUE_DISPLAYS.contains(String.valueOf(insight.filter().display()));
        String compare = source.compare();
        String compareTo = insight.compare().compareTo();
        Expr where = InsightSql.and(s.trendsFilter(), sql.globalFilters(insight.properties(), insight.filterTestAccounts()),
                member);
        JsonNode day = source.dayOrNull();
        if (breakdown != null && breakdown.isMultiple() && b != null && !b.isNull() && !b.isArray()) {
            throw new ValidationException("breakdown must list one value per breakdown (" + breakdown.width() + ")",
                    "breakdown");
        }
        String value = b == null || b.isNull() ? null : b.isArray() ? cellValue(b, breakdown) : b.asText();
        return sql.dateRange(insight.dateRange(), totalValue ? Interval.DAY : interval, "-7d").flatMap(range -> {
            QueryDateRange dr = "previous".equals(compare) ? range.previous(compareTo) : range;
            return plan(sql, s, dr, where, breakdown, totalValue, null, false, new ArrayList<>()).map(plan -> {
                Long period = totalValue || day == null || day.isNull() ? null
                        : ActorsQueryRunner.bucketIndex(sql, dr, day);
                // a series counting groups lists the groups behind its number, as PostHog does
                return ActorsQueryRunner.Cell.events(cellEvents(sql, plan, period, value))
                        .ofGroups(s.countsGroups() ? s.mathGroupTypeIndex() : null);
            });
        });
    }
}

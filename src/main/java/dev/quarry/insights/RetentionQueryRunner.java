package dev.quarry.insights;

import dev.quarry.dates.Interval;
import dev.quarry.dates.QueryDateRange;
import dev.quarry.dates.RelativeDates;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.query.QueryContext;
import dev.quarry.query.JsonQueryRunner;
import dev.quarry.web.QueryValues;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * RetentionQuery, as PostHog's retention runner computes it (calendar windows):
 * <ul>
 * <li>Rows are the intervals from {@code date_from} (start of its interval) up to the interval holding
 * {@code date_to}; without {@code date_from} the first row is {@code totalIntervals - 1} intervals before the
 * last. Every row has {@code totalIntervals} values ("Day 0" … "Day n-1"); returns after the date range count 0.</li>
 * <li>A person is in row i when they did the target event in interval i (first-time retention: when their first
 * ever target event is in interval i); value j counts those who did the returning event in interval i + j (j ≥ 1),
 * in an interval with at least {@code minimumOccurrences} returning events (default 1). Cumulative counts a person
 * in every interval up to their last return.</li>
 * <li>With a breakdown, each value has its own row set (see {@link RetentionBreakdown}); every row carries
 * {@code breakdown_value} (null without a breakdown).</li>
 * </ul>
 */
@ApplicationScoped
public class RetentionQueryRunner implements JsonQueryRunner, ActorsSource {
    static final Set<String> QUERY_FIELDS = Set.of("kind", "dateRange", "filterTestAccounts", "properties",
            "retentionFilter", "breakdownFilter");
    static final Set<String> FILTER_FIELDS = Set.of("period", "totalIntervals", "retentionType", "targetEntity",
            "returningEntity", "cumulative", "minimumOccurrences");
    /** retentionFilter fields that only change the drawing. */
    static final Set<String> FILTER_DISPLAY = Set.of("retentionReference", "display", "dashboardDisplay",
            "meanRetentionCalculation", "showMean", "showTrendLines", "selectedInterval");

    @Override
    public String kind() {
        return "RetentionQuery";
    }

    @Override
    public String interval(ObjectNode query) {
        return query.path("retentionFilter").path("period").asText("Day").toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * A resolved retention query.
     *
     * @param first start of row 0
     * @param rows number of rows (intervals from date_from to date_to)
     * @param lookahead values per row (totalIntervals)
     * @param readTo end (exclusive) of the events read: the start of the interval after date_to's
     */
    public record Plan(Interval interval, ZonedDateTime first, int rows, int lookahead, boolean firstTime,
            boolean cumulative, int minimumOccurrences, Expr target, Expr returning, Expr global,
            RetentionBreakdown breakdown, ZonedDateTime readTo) {
        String period() {
            return interval.title();
        }
    }

    public static Uni<Plan> plan(InsightSql sql, JsonNode query) {
        QueryFields.check(query, QUERY_FIELDS, Set.of(), Map.of("aggregation_group_type_index", Set.of(),
                "samplingFactor", Set.of("1", "1.0")), "RetentionQuery");
        JsonNode f = query.path("retentionFilter");
        QueryFields.check(f, FILTER_FIELDS, FILTER_DISPLAY, Map.of("timeWindowMode", Set.of("strict_calendar_dates"),
                "aggregationType", Set.of("count"), "retentionCustomBrackets", Set.of(),
                "aggregationProperty", Set.of(), "aggregationPropertyType", Set.of()), "RetentionQuery.retentionFilter");
        String period = f.path("period").asText("Day");
        Interval interval = switch (period) {
            case "Hour" -> Interval.HOUR;
            case "Day" -> Interval.DAY;
            case "Week" -> Interval.WEEK;
            case "Month" -> Interval.MONTH;
            default -> throw new ValidationException("period must be Hour, Day, Week or Month", "period");
        };
        int n = f.path("totalIntervals").asInt(8);
        if (n < 1 || n > 500) {
            throw new ValidationException("totalIntervals must be between 1 and 500", "totalIntervals");
        }
        String type = f.path("retentionType").isNull() ? "retention_recurring"
                : f.path("retentionType").asText("retention_recurring");
        if (!List.of("retention_recurring", "retention_first_time").contains(type)) {
            throw new ValidationException("Unsupported retentionType: " + type, "retentionType");
        }
        JsonNode mo = f.get("minimumOccurrences");
        int minimum = mo == null || mo.isNull() ? 1 : mo.asInt(-1);
        if (minimum < 1 || minimum > 1_000_000) {
            throw new ValidationException("minimumOccurrences must be a positive integer", "minimumOccurrences");
        }
        RetentionBreakdown breakdown = RetentionBreakdown.parse(query.get("breakdownFilter"));
        Expr target = entity(f.get("targetEntity"), "targetEntity");
        Expr returning = entity(f.get("returningEntity"), "returningEntity");
        Expr global = sql.globalFilters(query);
        int wsd = sql.weekStartDay();
        JsonNode dr = query.path("dateRange");
        String toText = dr.path("date_to").isNull() ? null : dr.path("date_to").asText(null);
        // at Hour a date alone is that day's start (PostHog's QueryDateRange), so the last interval is its 00:00 hour
        ZonedDateTime to = toText == null ? null : RelativeDates.parseDateTo(toText, sql.now(), interval, "date_to");
        if (to == null) {
            to = sql.now();
        }
        ZonedDateTime readTo = interval.plus(interval.start(to, wsd), 1);
        String fromText = dr.path("date_from").isNull() ? null : dr.path("date_from").asText(null);
        boolean cumulative = f.path("cumulative").asBoolean(false);
        boolean firstTime = type.equals("retention_first_time");
        if (fromText == null || fromText.isBlank()) {
            ZonedDateTime first = interval.plus(readTo, -n);
            return Uni.createFrom().item(new Plan(interval, first, n, n, firstTime, cumulative, minimum, target,
                    returning, global, breakdown, readTo));
        }
        Uni<ZonedDateTime> from = fromText.trim().equals("all") ? sql.earliestEvent()
                : Uni.createFrom().item(RelativeDates.parse(fromText, sql.now(), false, "date_from"));
        return from.map(t -> {
            ZonedDateTime first = interval.start(t == null ? readTo : t.withZoneSameInstant(sql.zone()), wsd);
            long rows = Math.max(1, interval.between(first, readTo));
            if (!first.isBefore(readTo)) {
                throw new ValidationException("date_from must not be after date_to", "date_from");
            }
            if (rows > QueryDateRange.MAX_BUCKETS) {
                throw new ValidationException("The date range has " + rows + " " + interval.lower()
                        + " intervals; at most " + QueryDateRange.MAX_BUCKETS + " are allowed.", "date_from");
            }
            return new Plan(interval, first, (int) rows, n, firstTime, cumulative, minimum, target, returning, global,
                    breakdown, readTo);
        });
    }

    /** {@code {id, type: "events"}} (id null = every event), or an EventsNode. */
    static Expr entity(JsonNode e, String attr) {
        if (e == null || e.isNull()) {
            return new Expr.Constant(true);
        }
        String type = e.path("type").asText("events");
        if (!type.equals("events") || (e.has("kind") && !e.path("kind").asText().equals("EventsNode"))) {
            throw new ValidationException("Only event entities are supported", attr);
        }
        JsonNode id = e.has("kind") ? e.get("event") : e.get("id");
        Expr props = InsightSql.properties(e.get("properties"), attr);
        if (id == null || id.isNull()) {
            return props;
        }
        return InsightSql.and(new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant(id.asText())), props);
    }

    /**
     * Columns {@code person_id, bd, start, j}: cohort membership (j = 0) and returns (j = intervals after start,
     * 1 … lookahead-1), per breakdown value {@code bd} ('' without a breakdown).
     */
    public static HogQLPart cells(Plan plan) {
        RetentionBreakdown b = plan.breakdown();
        if (b == null || !b.isCohort()) {
            Expr bd = b == null ? new Expr.Constant("") : b.valueExpr();
            return cells(plan, "rt", bd, new Expr.Constant(true));
        }
        StringBuilder text = new StringBuilder();
        Map<String, Object> values = new HashMap<>();
        for (int i = 0; i < b.cohorts().size(); i++) {
            long id = b.cohorts().get(i);
            Expr member = id == 0 ? new Expr.Constant(true) : InsightSql.properties(JsonNodeFactory.instance
                    .objectNode().put("type", "cohort").put("key", "id").put("value", id), "breakdown");
            HogQLPart part = cells(plan, "rt" + i, new Expr.Constant(Long.toString(id)), member);
            if (i > 0) {
                text.append(" UNION ALL ");
            }
            text.append("SELECT person_id, bd, start, j FROM (").append(part.text()).append(") AS rc").append(i);
            values.putAll(part.values());
        }
        return new HogQLPart(text.toString(), values);
    }

    private static HogQLPart cells(Plan plan, String p, Expr bd, Expr member) {
        String a = p + "_anchor";
        String idx = plan.interval().indexHogQL(a, "timestamp");
        String bdRef = "{" + p + "_bd}";
        String cohort;
        if (plan.firstTime()) {
            String firstIdx = plan.interval().indexHogQL(a, "first_seen");
            cohort = "SELECT person_id, bd, " + firstIdx + " AS start FROM (SELECT person_id, " + bdRef + " AS bd, "
                    + "min(timestamp) AS first_seen FROM events WHERE {" + p + "_target_all} GROUP BY person_id, "
                    + bdRef + ") AS firsts WHERE " + firstIdx + " >= 0 AND " + firstIdx + " < {" + p + "_rows}";
        } else {
            cohort = "SELECT person_id, " + bdRef + " AS bd, " + idx + " AS start FROM events WHERE {" + p
                    + "_target} GROUP BY person_id, " + bdRef + ", " + idx;
        }
        String returning = "SELECT person_id, " + bdRef + " AS bd, " + idx + " AS ret FROM events WHERE {" + p
                + "_returning} GROUP BY person_id, " + bdRef + ", " + idx
                + (plan.minimumOccurrences() > 1 ? " HAVING count() >= {" + p + "_min}" : "");
        String text = "SELECT c.person_id AS person_id, c.bd AS bd, c.start AS start, 0 AS j FROM (" + cohort
                + ") AS c UNION ALL SELECT c.person_id AS person_id, c.bd AS bd, c.start AS start, r.ret - c.start AS j "
                + "FROM (" + cohort + ") AS c INNER JOIN (" + returning + ") AS r ON r.person_id = c.person_id AND "
                + "r.bd = c.bd AND r.ret > c.start AND r.ret - c.start < {" + p + "_look}";
        Expr range = new Expr.And(List.of(
                new Expr.Compare(">=", Expr.Field.of("timestamp"), new Expr.Constant(plan.first().toOffsetDateTime())),
                new Expr.Compare("<", Expr.Field.of("timestamp"), new Expr.Constant(plan.readTo().toOffsetDateTime()))));
        Map<String, Object> values = new HashMap<>();
        values.put(a, plan.first().toOffsetDateTime());
        values.put(p + "_bd", bd);
        values.put(p + "_look", (long) plan.lookahead());
        if (plan.minimumOccurrences() > 1) {
            values.put(p + "_min", (long) plan.minimumOccurrences());
        }
        values.put(p + "_returning", InsightSql.and(plan.returning(), plan.global(), member, range));
        if (plan.firstTime()) {
            values.put(p + "_rows", (long) plan.rows());
            values.put(p + "_target_all", InsightSql.and(plan.target(), plan.global(), member));
        } else {
            values.put(p + "_target", InsightSql.and(plan.target(), plan.global(), member, range));
        }
        return new HogQLPart(text, values);
    }

    @Override
    public Uni<ObjectNode> run(QueryContext context, ObjectNode query) {
        InsightSql sql = new InsightSql(context, kind());
        return plan(sql, query).flatMap(plan -> {
            HogQLPart counts = plan.cumulative()
                    ? cells(plan).wrap("SELECT bd, start, mj, count() FROM (SELECT person_id, bd, start, max(j) AS mj "
                            + "FROM %s AS cells GROUP BY person_id, bd, start) AS last_return GROUP BY bd, start, mj",
                            Map.of())
                    // without cohort breakdowns (whose list may name a cohort twice) a cell row is unique per
                    // (person, bd, start, j): cohort and returns are each grouped by person, bd and interval, so
                    // counting rows counts persons without the sort a distinct count needs
                    : cells(plan).wrap("SELECT bd, start, j, " + (plan.breakdown() != null && plan.breakdown()
                            .isCohort() ? "count(DISTINCT person_id)" : "count(person_id)") + " FROM %s AS cells "
                            + "GROUP BY bd, start, j", Map.of());
            CompiledQuery compiled = sql.compile(counts.text(), counts.values());
            return sql.run(compiled).map(rows -> {
                int n = plan.lookahead();
                int r = plan.rows();
                Map<String, long[][]> byValue = new LinkedHashMap<>();
                Map<String, Long> totals = new HashMap<>();
                for (Row row : rows) {
                    String bd = row.getString(0);
                    int start = (int) (long) row.getLong(1);
                    int j = (int) (long) row.getLong(2);
                    long c = row.getLong(3);
                    if (start < 0 || start >= r || j < 0 || j >= n) {
                        continue;
                    }
                    long[][] values = byValue.computeIfAbsent(bd, k -> new long[r][n]);
                    if (plan.cumulative()) {
                        // c persons whose last return is j: they count in every interval 0..j
                        for (int k = 0; k <= j; k++) {
                            values[start][k] += c;
                        }
                        totals.merge(bd, c, Long::sum);
                    } else {
                        values[start][j] += c;
                        if (j == 0) {
                            totals.merge(bd, c, Long::sum);
                        }
                    }
                }
                ObjectNode body = context.mapper().createObjectNode();
                ArrayNode results = body.putArray("results");
                if (plan.breakdown() == null) {
                    addRows(results, plan, byValue.getOrDefault("", new long[r][n]), null);
                } else {
                    for (Map.Entry<String, long[][]> e : ranked(plan, byValue, totals).entrySet()) {
                        addRows(results, plan, e.getValue(), e.getKey());
                    }
                }
                SeriesJson.putSql(body, List.of(compiled));
                body.putNull("error");
                return body;
            });
        });
    }

    /** Values by total cohort size (desc, then value); those past the limit summed into the "other" bucket. */
    private static Map<String, long[][]> ranked(Plan plan, Map<String, long[][]> byValue, Map<String, Long> totals) {
        List<String> order = new ArrayList<>(byValue.keySet());
        order.sort((x, y) -> {
            int c = Long.compare(totals.getOrDefault(y, 0L), totals.getOrDefault(x, 0L));
            return c != 0 ? c : x.compareTo(y);
        });
        Map<String, long[][]> out = new LinkedHashMap<>();
        int limit = plan.breakdown().limit();
        long[][] other = null;
        for (int i = 0; i < order.size(); i++) {
            long[][] v = byValue.get(order.get(i));
            if (i < limit) {
                out.put(order.get(i), v);
                continue;
            }
            if (other == null) {
                other = new long[plan.rows()][plan.lookahead()];
            }
            for (int s = 0; s < v.length; s++) {
                for (int j = 0; j < v[s].length; j++) {
                    other[s][j] += v[s][j];
                }
            }
        }
        if (other != null) {
            out.put(Breakdown.OTHER_VALUE, other);
        }
        return out;
    }

    private static void addRows(ArrayNode results, Plan plan, long[][] values, String breakdownValue) {
        for (int i = 0; i < plan.rows(); i++) {
            ObjectNode cohortRow = results.addObject();
            ArrayNode vs = cohortRow.putArray("values");
            for (int j = 0; j < plan.lookahead(); j++) {
                vs.addObject().put("count", values[i][j]).put("label", plan.period() + " " + j);
            }
            cohortRow.put("label", plan.period() + " " + i);
            cohortRow.put("date", QueryValues.timestamp(plan.interval().plus(plan.first(), i).toOffsetDateTime()));
            if (breakdownValue == null) {
                cohortRow.putNull("breakdown_value");
            } else {
                cohortRow.put("breakdown_value", breakdownValue);
            }
        }
    }

    /** The selected breakdown value of a retention actors request ({@code breakdown}: a value or a one-item list). */
    static String selectedValue(JsonNode breakdown) {
        if (breakdown == null || breakdown.isNull()) {
            return null;
        }
        if (breakdown.isArray()) {
            List<String> parts = new ArrayList<>();
            breakdown.forEach(x -> parts.add(x.asText()));
            return String.join("::", parts);
        }
        return breakdown.asText();
    }

    @Override
    public boolean answers(String sourceKind, String insightKind) {
        return ActorsQueryRunner.INSIGHT_SOURCES.contains(sourceKind) && insightKind.equals("RetentionQuery");
    }

    /** The actors of one cell of this insight (ActorsQuery over an InsightActorsQuery). */
    @Override
    public Uni<ActorsQueryRunner.Cell> actors(InsightSql sql, com.fasterxml.jackson.databind.JsonNode source) {
        com.fasterxml.jackson.databind.JsonNode insight = source.get("source");
        long interval = source.path("interval").asLong(0);
        return plan(sql, insight).map(plan -> {
            String selected = selectedValue(source.get("breakdown"));
            if (plan.breakdown() != null && plan.breakdown().isCohort() && selected == null) {
                throw new ValidationException("A cohort breakdown value is required for actors of a retention "
                        + "with cohort breakdowns", "breakdown");
            }
            Map<String, Object> extra = new HashMap<>();
            extra.put("ac_start", interval);
            String where = "start = {ac_start}";
            if (selected != null && plan.breakdown() != null) {
                extra.put("ac_bd", selected);
                where += " AND bd = {ac_bd}";
            }
            // the cohort of the row, and every interval each of them appeared in
            HogQLPart part = cells(plan).wrap("SELECT person_id, j FROM %s AS cells WHERE "
                    + where, extra);
            return new ActorsQueryRunner.Cell(part, false, true, plan.lookahead(), plan.interval().lower(), false);
        });
    }
}

package dev.quarry.insights;

import dev.quarry.dates.Interval;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.SelectLike;
import dev.quarry.query.HogQLStatement;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Trends' active-user maths ({@code dau} — PostHog's "unique users" —, and {@code weekly_active} /
 * {@code monthly_active} at the day interval) read from the person rollups instead of the events, whenever those
 * answer exactly what the events would ({@link PersonDays#days}: whole local days in a usable zone, no property
 * filters; here also no breakdown and no cohort):
 * <ul>
 *   <li>reads of at most {@link PersonMonths#MAX_DAYS} days: one 64-bit activity word per person from the monthly
 *       bitmaps ({@link PersonMonths.Read#activity}, merges applied), then one row of counts, bucket {@code k} being
 *       the persons whose word meets bucket {@code k}'s mask of days (its own days for dau at any interval; the
 *       7 or 30 days up to it for weekly and monthly active);</li>
 *   <li>longer reads: the person-day rollup, grouped as the events are (distinct persons per bucket, or per rolling
 *       window through the same fan-out as the events' statement).</li>
 * </ul>
 * Anything else (hours and minutes, active users on a total-value display, other maths, filters, breakdowns) is
 * answered from the events by the runner, as before.
 */
public final class TrendsRollup {
    private TrendsRollup() {
    }

    /**
     * How one plan's numbers are read from the rollups.
     *
     * @param statement the statement
     * @param wide true: one row whose column {@code k} is bucket {@code k}'s value (the bitmaps); false: rows
     *        {@code period, v, value} as the runner's events statement gives them
     */
    public record Read(HogQLStatement statement, boolean wide) {
        /** The cells of the statement's rows (breakdown value "", as without a breakdown). */
        List<TrendsQueryRunner.Cell> cells(io.vertx.mutiny.sqlclient.RowSet<io.vertx.mutiny.sqlclient.Row> rows) {
            List<TrendsQueryRunner.Cell> out = new ArrayList<>();
            for (io.vertx.mutiny.sqlclient.Row row : rows) {
                if (wide) {
                    for (int k = 0; k < row.size(); k++) {
                        out.add(new TrendsQueryRunner.Cell(k, "", ((Number) row.getValue(k)).longValue()));
                    }
                } else {
                    out.add(new TrendsQueryRunner.Cell(((Number) row.getValue(0)).longValue(), row.getString(1),
                            (Number) row.getValue(2)));
                }
            }
            return out;
        }
    }

    /**
     * The rollup read of {@code plan} (no breakdown, no cohort; {@code global} the insight-wide filters), or null
     * when the events must answer it.
     */
    static Read of(InsightSql sql, TrendsQueryRunner.Plan plan, Expr global) {
        if (plan.firstIntervalOnly()) {
            return null; // each actor in their first interval only: the events' counts() reads that
        }
        SelectLike counts = plan.breakdown() == null ? propertyCounts(sql, plan, global) : null;
        if (counts != null) {
            return new Read(sql.statement("SELECT period, v, value FROM {tp_counts} AS counts",
                    Map.of("tp_counts", counts)), false);
        }
        String math = plan.series().math();
        boolean active = math.equals("weekly_active") || math.equals("monthly_active");
        // the person-day rollup counts persons; a groups math reads the events
        if (plan.breakdown() != null || !(math.equals("dau") || active) || plan.series().countsGroups()
                || plan.activeWindows()
                || (active && plan.window() == 0)) {
            return null;
        }
        PersonDays.Days days = PersonDays.days(sql, plan.series(), global, plan.range().interval(), plan.readStart(),
                plan.range().to());
        if (days == null) {
            return null;
        }
        PersonMonths.Read months = PersonMonths.Read.of(plan.series(), days, Interval.DAY);
        return months != null ? bitmaps(sql, plan, days, months) : personDays(sql, plan, days);
    }

    /** The hot properties whose daily counts are kept (migration V55_1: the hot columns but $current_url). */
    static final java.util.Set<String> COUNTED_PROPERTIES = java.util.Set.of("$browser", "$os", "$device_type",
            "$pathname", "$host", "$referring_domain", "utm_source", "utm_medium", "utm_campaign", "utm_content",
            "utm_term");

    /**
     * Columns {@code period, v, value, c} (c = value = the events counted) of a total count, by a counted hot event
     * property when {@code plan} has a breakdown (one property), from the per-property daily counts ({@code events_property_days},
     * V55_1) when they answer exactly what the events would: math total, no breakdown or a breakdown by one of
     * {@link #COUNTED_PROPERTIES} with no values folded yet, and {@link PersonDays#days} (whole local days in a usable
     * zone, no property filters). Missing and empty values are the null bucket, as {@link Breakdown#valueExpr} makes
     * them; values whose events were all deleted (count 0) are left out. Else null.
     */
    static SelectLike propertyCounts(InsightSql sql, TrendsQueryRunner.Plan plan, Expr global) {
        Breakdown b = plan.breakdown();
        if (!plan.series().math().equals("total") || plan.window() > 0 || plan.kept() != null
                || (b != null && (b.isMultiple() || !(b.type().equals("event")
                        && COUNTED_PROPERTIES.contains(b.property()))))) {
            return null;
        }
        PersonDays.Days days = PersonDays.days(sql, plan.series(), global, plan.range().interval(), plan.readStart(),
                plan.range().to());
        if (days == null) {
            return null;
        }
        Map<String, Object> values = new HashMap<>();
        values.put("tp_where", InsightSql.and(PersonDays.where(plan.series(), days), new Expr.Compare("=",
                Expr.Field.of("property"), new Expr.Constant(b == null ? "$browser" : b.property()))));
        values.put("tp_anchor", plan.range().firstBucket().toOffsetDateTime());
        values.put("tp_null", Breakdown.NULL_VALUE);
        String idx = plan.totalValue() ? "0" : plan.range().interval().indexHogQL("tp_anchor", "day");
        String v = b == null ? "''" : "ifNull(nullIf(property_value, ''), {tp_null})";
        List<String> groups = new ArrayList<>();
        if (!plan.totalValue()) {
            groups.add(idx);
        }
        if (b != null) {
            groups.add(v);
        }
        return HogQLStatement.select("SELECT " + idx + " AS period, " + v + " AS v, sum(events) AS value, "
                + "sum(events) AS c FROM events_property_days WHERE {tp_where}"
                + (groups.isEmpty() ? "" : " GROUP BY " + String.join(", ", groups)) + " HAVING sum(events) != 0",
                values);
    }

    /** Bucket {@code k}'s value: the persons whose activity word has a bit of {@code masks[k]}. */
    private static Read bitmaps(InsightSql sql, TrendsQueryRunner.Plan plan, PersonDays.Days days,
                                PersonMonths.Read months) {
        long[] masks = masks(plan, days);
        Map<String, Object> values = new HashMap<>();
        values.put("tu_act", months.activity());
        StringBuilder columns = new StringBuilder();
        for (int k = 0; k < masks.length; k++) {
            // as Int64: a literal from 2^31 up is a UInt64 in HogQL, and bitAnd of an Int64 with it is computed in
            // numeric (ClickHouse's widths); the masks hold bits 0-62 only, so PostgreSQL's bigint & is exact. (As
            // UInt64 a month of monthly active took 1.4 s at 1 M events, 14 s at 10 M, where bigint takes ms.)
            columns.append(k == 0 ? "" : ", ").append("countIf(bitAnd(activity, toInt64({tu_m").append(k)
                    .append("})) != 0) AS c").append(k);
            values.put("tu_m" + k, masks[k]);
        }
        return new Read(sql.statement("SELECT " + columns + " FROM {tu_act} AS a", values), true);
    }

    /**
     * Per shown bucket, the bits (bit i = read day {@code days.first() + i}) of the days it counts: all of them on a
     * total-value display; the bucket's own days for dau; the 7 or 30 day buckets up to it for weekly and monthly
     * active at the day interval (the plan reads from the first window's first day).
     */
    static long[] masks(TrendsQueryRunner.Plan plan, PersonDays.Days days) {
        int n = plan.totalValue() ? 1 : plan.range().bucketCount();
        long[] masks = new long[n];
        LocalDate first = plan.range().firstBucket().toLocalDate();
        int window = plan.window();
        for (int i = 0; i < days.count(); i++) {
            LocalDate day = days.first().plusDays(i);
            long bucket = plan.totalValue() ? 0 : bucketOf(plan.range().interval(), first, day);
            long last = window > 0 ? bucket + window - 1 : bucket;
            for (long k = Math.max(0, bucket); k <= Math.min(n - 1, last); k++) {
                masks[(int) k] |= 1L << i;
            }
        }
        return masks;
    }

    /** The bucket index of a local day, as {@link Interval#indexHogQL} computes it from the first bucket's start. */
    private static long bucketOf(Interval interval, LocalDate firstBucket, LocalDate day) {
        long daysBetween = ChronoUnit.DAYS.between(firstBucket, day);
        return switch (interval) {
            case WEEK -> Math.floorDiv(daysBetween, 7);
            case MONTH -> (day.getYear() * 12L + day.getMonthValue()) - (firstBucket.getYear() * 12L
                    + firstBucket.getMonthValue());
            default -> daysBetween;
        };
    }

    /** Distinct persons per bucket (or per rolling window) from the person-day rollup, rows as the events give them. */
    private static Read personDays(InsightSql sql, TrendsQueryRunner.Plan plan, PersonDays.Days days) {
        Map<String, Object> values = new HashMap<>();
        values.put("tu_where", PersonDays.where(plan.series(), days));
        values.put("tu_anchor", plan.range().firstBucket().toOffsetDateTime());
        String idx = plan.range().interval().indexHogQL("tu_anchor", "day");
        if (plan.totalValue()) {
            return new Read(sql.statement("SELECT 0 AS period, '' AS v, count(DISTINCT person_id) AS value "
                    + "FROM events_person_days WHERE {tu_where}", values), false);
        }
        if (plan.window() == 0) {
            return new Read(sql.statement("SELECT " + idx + " AS period, '' AS v, count(DISTINCT person_id) AS value "
                    + "FROM events_person_days WHERE {tu_where} GROUP BY " + idx, values), false);
        }
        List<Expr> offsets = new ArrayList<>();
        for (int k = 0; k < plan.window(); k++) {
            offsets.add(new Expr.Constant((long) k));
        }
        SelectLike personDays = HogQLStatement.select("SELECT person_id, " + idx + " AS d FROM events_person_days "
                + "WHERE {tu_where} GROUP BY person_id, " + idx, values);
        SelectLike fan = HogQLStatement.select("SELECT person_id, d, arrayJoin({tu_k}) AS k FROM {tu_pd} AS pd",
                Map.of("tu_pd", personDays, "tu_k", new Expr.ArrayLit(offsets)));
        return new Read(sql.statement("SELECT d + k AS period, '' AS v, count(DISTINCT person_id) AS value "
                + "FROM {tu_fan} AS fan WHERE d + k >= 0 AND d + k < {tu_n} GROUP BY d + k",
                Map.of("tu_fan", fan, "tu_n", (long) plan.range().bucketCount())), false);
    }
}

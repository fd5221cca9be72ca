package dev.quarry.insights;

import dev.quarry.dates.Interval;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.SelectLike;
import dev.quarry.query.HogQLStatement;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;

/**
 * When and how stickiness and lifecycle read the per-person activity bitmaps ({@code events_person_months},
 * migration V40_1: per team, event, local month and person, bit d-1 set when the person did the event on day d)
 * instead of the person-day rollup. A read of up to {@link #MAX_DAYS} local days becomes one 64-bit integer per
 * person (bit i = active on day {@code first + i}), OR-ed over the person's month rows and over the ids merged into
 * the person (person_id reads through person_overrides), so "on which days was this person active" costs about one
 * row per person and month instead of one per person-day, and no sort.
 * <p>
 * It answers exactly what the person-day rollup answers, and so what the events answer, whenever that rollup does
 * ({@link PersonDays#days}) and the buckets are days and the read spans at most {@link #MAX_DAYS} days; other reads
 * (weeks, months, longer ranges) keep the person-day rollup or the events.
 */
public final class PersonMonths {
    /** The longest read in days: a person's days are one signed 64-bit integer, bit 63 left unused. */
    public static final int MAX_DAYS = 63;

    private PersonMonths() {
    }

    /**
     * A day-by-day read of the bitmaps.
     *
     * @param series the series (its event name; no filters, which {@link PersonDays#days} checked)
     * @param days the local days read, at most {@link #MAX_DAYS}
     */
    public record Read(Series series, PersonDays.Days days) {
        /** The read for {@code days} (null: the rollups do not answer) when the bitmaps answer it, else null. */
        public static Read of(Series series, PersonDays.Days days, Interval interval) {
            if (days == null || interval != Interval.DAY || days.count() > MAX_DAYS || days.count() < 1) {
                return null;
            }
            return new Read(series, days);
        }

        /**
         * Columns {@code person_id, activity}: one row per person active on at least one of the days, with bit i of
         * {@code activity} set when the person was active on day {@code first + i}, as an AST.
         */
        public SelectLike activity() {
            LocalDate first = days.first();
            long count = days.count();
            LocalDate firstMonth = first.withDayOfMonth(1);
            LocalDate lastMonth = days.last().withDayOfMonth(1);
            Map<String, Object> values = new HashMap<>();
            StringBuilder branches = new StringBuilder();
            int k = 0;
            for (LocalDate month = firstMonth; !month.isAfter(lastMonth); month = month.plusMonths(1), k++) {
                // day j of this month (bit j of its row) is day (offset + j) of the read
                long offset = ChronoUnit.DAYS.between(first, month);
                long lo = Math.max(0, -offset);
                long hi = Math.min(month.lengthOfMonth() - 1, count - 1 - offset);
                long mask = ((1L << (hi + 1)) - 1) & ~((1L << lo) - 1);
                branches.append("month = {pm_m").append(k).append("}, ")
                        .append(offset >= 0 ? "bitShiftLeft" : "bitShiftRight")
                        .append("(bitAnd(days, {pm_k").append(k).append("}), {pm_s").append(k).append("}), ");
                values.put("pm_m" + k, month);
                values.put("pm_k" + k, mask);
                values.put("pm_s" + k, Math.abs(offset));
            }
            Expr months = InsightSql.and(new Expr.Compare(">=", Expr.Field.of("month"), new Expr.Constant(firstMonth)),
                    new Expr.Compare("<=", Expr.Field.of("month"), new Expr.Constant(lastMonth)));
            values.put("pm_where", series.event() == null ? months : InsightSql.and(
                    new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant(series.event())), months));
            SelectLike people = HogQLStatement.select("SELECT person_id, groupBitOr(multiIf(" + branches + "0)) AS activity "
                    + "FROM events_person_months WHERE {pm_where} GROUP BY person_id", values);
            return HogQLStatement.select("SELECT person_id, activity FROM {pm_people} AS pm WHERE activity != 0",
                    Map.of("pm_people", people));
        }
    }

    /**
     * Adds one person's lifecycle statuses to {@code counts[status][period]} (statuses in
     * {@link LifecycleQueryRunner#STATUSES} order, dormant counted positive), as the runner's window statement decides
     * them: {@code activity} covers the bucket before the first shown (bit 0) and the {@code n} shown buckets (bits
     * 1…n); {@code created} is the bucket index of the person's creation (null: unknown person).
     * <ul>
     *   <li>active in bucket p and in p−1: returning;</li>
     *   <li>active in p, not in any bucket read before it, created in p: new;</li>
     *   <li>otherwise active in p: resurrecting;</li>
     *   <li>active in p−1, not in p: dormant in p.</li>
     * </ul>
     */
    public static void addStatuses(long activity, Long created, long[][] counts) {
        int n = counts[0].length;
        for (int p = 0; p < n; p++) {
            boolean now = (activity >>> (p + 1) & 1) == 1;
            boolean before = (activity >>> p & 1) == 1;
            if (now) {
                if (before) {
                    counts[1][p]++;
                } else if (created != null && created == p && (activity & ((1L << (p + 1)) - 1)) == 0) {
                    counts[0][p]++;
                } else {
                    counts[2][p]++;
                }
            } else if (before) {
                counts[3][p]++;
            }
        }
    }
}

package dev.quarry.insights;

import dev.quarry.dates.Interval;
import dev.quarry.dates.QueryDateRange;
import dev.quarry.hogql.Expr;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.regex.Pattern;

/**
 * When and how the runners read the person-day rollup ({@code events_person_days}, migration V18_3; since V48_1 a
 * view giving the folded answer over the folded rows and capture's unfolded deltas, exact whether or not a fold ran)
 * instead of the events: one row per team, event, local day and person, so "which persons were active in which
 * buckets" costs one row per person-day instead of one per event. It answers exactly what the events would when
 * <ul>
 *   <li>buckets are whole days, weeks or months in the team's timezone (not hours or minutes),</li>
 *   <li>the read range starts and ends on local day boundaries,</li>
 *   <li>the series is an event name (or all events) with no property filters, and no insight-wide filters,</li>
 *   <li>the team's timezone is UTC or an IANA region name, which PostgreSQL and Java read alike (the rollup counts
 *       days in {@code quarry_team_zone}).</li>
 * </ul>
 * Persons are read through {@code person_id} like on events (merges applied by person_overrides).
 */
public final class PersonDays {
    /** What quarry_team_zone (V18_3) keeps as the rollup's zone; any other timezone is read from the events. */
    private static final Pattern REGION = Pattern.compile("[A-Za-z]+(/[A-Za-z0-9_+-]+)+");

    private PersonDays() {
    }

    /** Whether the rollup's days are the team's local days as the runners count them. */
    public static boolean zoneUsable(String timezone) {
        if (timezone == null) {
            return false;
        }
        if (timezone.equals("UTC")) {
            return true;
        }
        try {
            return REGION.matcher(timezone).matches() && ZoneId.of(timezone).getId().equals(timezone);
        } catch (java.time.DateTimeException e) {
            return false;
        }
    }

    /** The series and insight-wide filters say nothing beyond the event name. */
    public static boolean filtersUsable(Series series, Expr global) {
        // an action's steps (URLs, properties, several events) are not in the rollups' keys
        return series.actionId() == null && isTrue(global) && isTrue(InsightSql.properties(series.properties(), "series.properties"))
                && isTrue(InsightSql.properties(series.fixedProperties(), "series.fixedProperties"));
    }

    /** Local days {@code first} … {@code last} (inclusive): what a read covers when the rollups answer for it. */
    public record Days(LocalDate first, LocalDate last) {
        /** How many days, first and last included. */
        public long count() {
            return java.time.temporal.ChronoUnit.DAYS.between(first, last) + 1;
        }
    }

    /**
     * The local days a read covers when the person rollups (this one and {@link PersonMonths}) answer exactly what
     * the events would (see the class comment), else null.
     *
     * @param readFrom first instant read; @param readTo last instant read (inclusive, as {@link QueryDateRange#to()})
     */
    public static Days days(InsightSql sql, Series series, Expr global, Interval interval, ZonedDateTime readFrom,
                            ZonedDateTime readTo) {
        if (interval == Interval.HOUR || interval == Interval.MINUTE || readFrom == null || readTo == null
                || !zoneUsable(sql.context().team().timezone()) || !filtersUsable(series, global)) {
            return null;
        }
        ZonedDateTime end = readTo.plusNanos(1000);
        if (!readFrom.toLocalTime().equals(LocalTime.MIDNIGHT) || !end.toLocalTime().equals(LocalTime.MIDNIGHT)) {
            return null;
        }
        return new Days(readFrom.toLocalDate(), end.toLocalDate().minusDays(1));
    }

    /**
     * The rollup's condition for {@code series} on local days {@code from} … {@code to} (inclusive) when the
     * rollup answers for this read (see the class comment), else null.
     *
     * @param readFrom first instant read; @param readTo last instant read (inclusive, as {@link QueryDateRange#to()})
     */
    public static Expr where(InsightSql sql, Series series, Expr global, Interval interval, ZonedDateTime readFrom,
                             ZonedDateTime readTo) {
        Days d = days(sql, series, global, interval, readFrom, readTo);
        return d == null ? null : where(series, d);
    }

    /** The rollup's condition for {@code series} on the local days {@code d}. */
    public static Expr where(Series series, Days d) {
        Expr days = InsightSql.and(new Expr.Compare(">=", Expr.Field.of("day"), new Expr.Constant(d.first())),
                new Expr.Compare("<=", Expr.Field.of("day"), new Expr.Constant(d.last())));
        return series.event() == null ? days
                : InsightSql.and(new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant(series.event())), days);
    }

    private static boolean isTrue(Expr e) {
        return e == null || (e instanceof Expr.Constant c && Boolean.TRUE.equals(c.value()));
    }
}

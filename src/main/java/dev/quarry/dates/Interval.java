package dev.quarry.dates;

import dev.quarry.web.ValidationException;
import java.time.DayOfWeek;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/**
 * An insight interval (minute, hour, day, week, month) in the project's time zone. Buckets are numbered from an
 * anchor (a bucket start): the SQL computes the bucket index of each event ({@link #indexHogQL}), Java turns indices
 * back into bucket starts ({@link #plus}), so the SQL never needs to produce or compare local timestamps.
 */
public enum Interval {
    MINUTE, HOUR, DAY, WEEK, MONTH;

    private static final DateTimeFormatter DAY_LABEL = DateTimeFormatter.ofPattern("d-MMM-yyyy", Locale.ENGLISH);
    private static final DateTimeFormatter HOUR_LABEL = DateTimeFormatter.ofPattern("d-MMM HH:mm", Locale.ENGLISH);
    private static final DateTimeFormatter HOUR_LABEL_YEAR = DateTimeFormatter.ofPattern("d-MMM-yyyy HH:mm", Locale.ENGLISH);
    private static final DateTimeFormatter DAY_KEY = DateTimeFormatter.ofPattern("yyyy-MM-dd");
    private static final DateTimeFormatter HOUR_KEY = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    public static Interval parse(String value, String attr) {
        if (value == null || value.isBlank()) {
            return DAY;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("Invalid interval \"" + value + "\": expected minute, hour, day, week or month",
                    attr);
        }
    }

    public String lower() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The start of the bucket holding {@code t}; weeks start on Sunday (weekStartDay 0) or Monday (1). */
    public ZonedDateTime start(ZonedDateTime t, int weekStartDay) {
        return switch (this) {
            case MINUTE -> t.truncatedTo(ChronoUnit.MINUTES);
            case HOUR -> t.truncatedTo(ChronoUnit.HOURS);
            case DAY -> t.truncatedTo(ChronoUnit.DAYS);
            case WEEK -> t.truncatedTo(ChronoUnit.DAYS).with(TemporalAdjusters.previousOrSame(
                    weekStartDay == 1 ? DayOfWeek.MONDAY : DayOfWeek.SUNDAY));
            case MONTH -> t.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
        };
    }

    /** The start of the bucket {@code n} buckets after the bucket starting at {@code start} (n may be negative). */
    public ZonedDateTime plus(ZonedDateTime start, long n) {
        return switch (this) {
            // hours and minutes are absolute: a DST change gives a 23- or 25-bucket day, as ClickHouse does
            case MINUTE -> start.plusMinutes(n).withZoneSameInstant(start.getZone());
            case HOUR -> ZonedDateTime.ofInstant(start.toInstant().plusSeconds(3600 * n), start.getZone());
            case DAY -> start.toLocalDate().plusDays(n).atStartOfDay(start.getZone());
            case WEEK -> start.toLocalDate().plusWeeks(n).atStartOfDay(start.getZone());
            case MONTH -> start.toLocalDate().plusMonths(n).atStartOfDay(start.getZone());
        };
    }

    /** Number of buckets from the bucket starting at {@code a} to the one starting at {@code b} (both bucket starts). */
    public long between(ZonedDateTime a, ZonedDateTime b) {
        return switch (this) {
            case MINUTE -> ChronoUnit.MINUTES.between(a.toInstant(), b.toInstant());
            case HOUR -> Math.floorDiv(ChronoUnit.SECONDS.between(a.toInstant(), b.toInstant()), 3600);
            case DAY -> ChronoUnit.DAYS.between(a.toLocalDate(), b.toLocalDate());
            case WEEK -> Math.floorDiv(ChronoUnit.DAYS.between(a.toLocalDate(), b.toLocalDate()), 7);
            case MONTH -> ChronoUnit.MONTHS.between(a.toLocalDate().withDayOfMonth(1), b.toLocalDate().withDayOfMonth(1));
        };
    }

    /**
     * HogQL for the bucket index of {@code tsExpr} counted from the placeholder {@code anchorPlaceholder} (a bucket
     * start). Day, week and month count calendar units in the team time zone; hours and minutes count elapsed time.
     */
    public String indexHogQL(String anchorPlaceholder, String tsExpr) {
        String a = "{" + anchorPlaceholder + "}";
        return switch (this) {
            case MINUTE -> "dateDiff('minute', " + a + ", " + tsExpr + ")";
            case HOUR -> "toInt(floor(dateDiff('minute', " + a + ", " + tsExpr + ") / 60))";
            case DAY -> "dateDiff('day', " + a + ", " + tsExpr + ")";
            case WEEK -> "toInt(floor(dateDiff('day', " + a + ", " + tsExpr + ") / 7))";
            case MONTH -> "dateDiff('month', " + a + ", " + tsExpr + ")";
        };
    }

    /** PostHog's {@code days} entry for a bucket start. */
    public String dayKey(ZonedDateTime start) {
        return this == HOUR || this == MINUTE ? HOUR_KEY.format(start) : DAY_KEY.format(start);
    }

    /** PostHog's {@code labels} entry; {@code withYear} for lifecycle's hourly labels. */
    public String label(ZonedDateTime start, boolean withYear) {
        if (this == HOUR || this == MINUTE) {
            return (withYear ? HOUR_LABEL_YEAR : HOUR_LABEL).format(start);
        }
        return DAY_LABEL.format(start);
    }

    /** Retention's period name: "Day", "Week" … */
    public String title() {
        return name().charAt(0) + lower().substring(1);
    }
}

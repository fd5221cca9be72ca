package dev.quarry.dates;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.schema.DateRange;
import dev.quarry.query.schema.QuerySchema;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * A resolved insight date range: the buckets an insight shows and the instants its events are read between.
 * Non-explicit ranges (the default) are widened to whole buckets: {@code from} to the start of its bucket,
 * {@code to} to the end of its bucket (exclusive {@code toExclusive}). With {@code explicitDate} the bounds are
 * used as given (and {@code to} is inclusive, as PostHog reads it). At hour and minute intervals an absolute
 * {@code date_to} is used as given too, a date alone meaning that day's start (PostHog's QueryDateRange), so
 * {@code date_to: "2024-01-10"} at hour ends with the 00:00 bucket of that day.
 *
 * @param firstBucket start of the first bucket shown
 * @param bucketCount number of buckets shown (≥ 1)
 * @param from first instant read
 * @param to last instant read (inclusive)
 * @param dateFrom {@code date_from} as parsed, before it is widened to its bucket (PostHog's
 *        {@code QueryDateRange.date_from()}); trends reads from its day at week intervals and counts active users'
 *        windows from it
 */
public record QueryDateRange(Interval interval, int weekStartDay, ZonedDateTime firstBucket, int bucketCount,
        ZonedDateTime from, ZonedDateTime to, ZonedDateTime dateFrom) {

    /** How many buckets a range may have, so that a minute interval over years cannot exhaust memory. */
    public static final int MAX_BUCKETS = 5_000;

    /**
     * @param dateRange the query's {@code dateRange} (may be null)
     * @param defaultFrom the kind's default {@code date_from} (e.g. "-7d")
     * @param earliest the moment {@code all} means (the team's first event), or null to fall back to {@code now}
     */
    public static QueryDateRange resolve(DateRange dateRange, Interval interval, int weekStartDay, ZonedDateTime now,
                                    String defaultFrom, ZonedDateTime earliest) {
        String fromText = dateRange == null ? null : dateRange.dateFrom();
        String toText = dateRange == null ? null : dateRange.dateTo();
        boolean explicit = dateRange != null && dateRange.explicit();
        ZonedDateTime to = toText == null ? now : RelativeDates.parseDateTo(toText, now, interval, "date_to");
        // PostHog: at hour and minute an absolute date_to is read up to that instant, not to the end of its bucket
        boolean exactTo = (interval == Interval.HOUR || interval == Interval.MINUTE) && RelativeDates.isAbsolute(toText);
        if (to == null) {
            to = now;
        }
        ZonedDateTime from;
        if ("all".equals(fromText == null ? null : fromText.trim())) {
            from = earliest == null ? now : earliest.withZoneSameInstant(now.getZone());
        } else {
            // PostHog truncates a relative date_from to its day (or hour) unless the range is explicit (its
            // exact_timerange: -7d is then exactly 7 days before now) or the interval is the minute
            from = RelativeDates.parse(fromText == null ? defaultFrom : fromText, now, false, "date_from",
                    !explicit && interval != Interval.MINUTE);
            if (from == null) {
                from = earliest == null ? now : earliest.withZoneSameInstant(now.getZone());
            }
        }
        if (from.isAfter(to)) {
            throw new dev.quarry.web.ValidationException("date_from must not be after date_to", "date_from");
        }
        ZonedDateTime first = interval.start(from, weekStartDay);
        ZonedDateTime last = interval.start(to, weekStartDay);
        long count = interval.between(first, last) + 1;
        if (count > MAX_BUCKETS) {
            throw new dev.quarry.web.ValidationException("The date range has " + count + " " + interval.lower()
                    + " intervals; at most " + MAX_BUCKETS + " are allowed. Use a longer interval.", "interval");
        }
        // at the minute PostHog reads from date_from itself, not from its bucket's start (use_start_of_interval)
        ZonedDateTime readFrom = explicit || interval == Interval.MINUTE ? from : first;
        ZonedDateTime readTo = explicit || exactTo ? to : interval.plus(last, 1).minusNanos(1000);
        return new QueryDateRange(interval, weekStartDay, first, (int) count, readFrom, readTo, from);
    }

    /**
     * The last {@code count} whole buckets up to the one holding {@code date_to} (now when absent): how PostHog's
     * retention reads a range without {@code date_from}. {@code date_from} of {@code dateRange} is not read.
     */
    public static QueryDateRange lastBuckets(DateRange dateRange, Interval interval, int weekStartDay,
                                             ZonedDateTime now, int count) {
        String toText = dateRange == null ? null : dateRange.dateTo();
        ZonedDateTime to = toText == null ? null : RelativeDates.parseDateTo(toText, now, interval, "date_to");
        ZonedDateTime last = interval.start(to == null ? now : to, weekStartDay);
        ZonedDateTime first = interval.plus(last, -(count - 1));
        return new QueryDateRange(interval, weekStartDay, first, count, first,
                interval.plus(last, 1).minusNanos(1000), first);
    }

    /** {@link #resolve} from the JSON of a {@code dateRange} (400 naming an unknown or malformed field). */
    public static QueryDateRange resolve(JsonNode dateRange, Interval interval, int weekStartDay, ZonedDateTime now,
                                         String defaultFrom, ZonedDateTime earliest) {
        return resolve(QuerySchema.parse(dateRange, DateRange.class, "dateRange"), interval, weekStartDay, now,
                defaultFrom, earliest);
    }

    /** Whether {@code date_from} is {@code all}, so that the caller must look up the earliest event first. */
    public static boolean needsEarliest(DateRange dateRange) {
        String from = dateRange == null ? null : dateRange.dateFrom();
        return from != null && from.trim().equals("all");
    }

    public ZonedDateTime bucket(long index) {
        return interval.plus(firstBucket, index);
    }

    private static final java.util.regex.Pattern SHIFT = java.util.regex.Pattern.compile("^-?(\\d+)([hdwmy])$");

    /** The range shifted back by its own length (compare "previous"), or by {@code compareTo} such as "-1w". */
    public QueryDateRange previous(String compareTo) {
        if (compareTo != null && !compareTo.isBlank()) {
            java.util.regex.Matcher m = SHIFT.matcher(compareTo.trim());
            if (!m.matches()) {
                throw new dev.quarry.web.ValidationException("Invalid compare_to \"" + compareTo
                        + "\": expected e.g. -1d, -2w, -1m, -1y", "compare_to");
            }
            long n = Long.parseLong(m.group(1));
            java.util.function.UnaryOperator<ZonedDateTime> back = switch (m.group(2)) {
                case "h" -> t -> t.minusHours(n);
                case "d" -> t -> t.minusDays(n);
                case "w" -> t -> t.minusWeeks(n);
                case "m" -> t -> t.minusMonths(n);
                default -> t -> t.minusYears(n);
            };
            return new QueryDateRange(interval, weekStartDay, interval.start(back.apply(firstBucket), weekStartDay),
                    bucketCount, back.apply(from), back.apply(to), back.apply(dateFrom));
        }
        ZonedDateTime nb = interval.plus(firstBucket, -bucketCount);
        ZonedDateTime nf = nb.plus(java.time.Duration.between(firstBucket, from));
        ZonedDateTime nt = interval.plus(nb, bucketCount).minus(java.time.Duration.between(to,
                interval.plus(firstBucket, bucketCount)));
        ZonedDateTime nd = nb.plus(java.time.Duration.between(firstBucket, dateFrom));
        return new QueryDateRange(interval, weekStartDay, nb, bucketCount, nf, nt, nd);
    }

    public List<String> days() {
        List<String> out = new ArrayList<>(bucketCount);
        for (int i = 0; i < bucketCount; i++) {
            out.add(interval.dayKey(bucket(i)));
        }
        return out;
    }

    public List<String> labels(boolean withYear) {
        List<String> out = new ArrayList<>(bucketCount);
        for (int i = 0; i < bucketCount; i++) {
            out.add(interval.label(bucket(i), withYear));
        }
        return out;
    }
}

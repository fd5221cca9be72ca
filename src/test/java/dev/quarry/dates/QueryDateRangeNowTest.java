package dev.quarry.dates;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.query.schema.DateRange;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/**
 * How a relative range reads "now", as PostHog's QueryDateRange does (date_to parsed without truncation; an explicit
 * range — {@code explicitDate}, the trends runner's {@code exact_timerange} — kept exact; otherwise widened to the end
 * of its day, or at hour and minute to the end of its hour or minute). A total-value display (BoldNumber, table,
 * pie) reads its range at the day interval. Now is 2024-01-10 14:30:45 UTC throughout.
 */
class QueryDateRangeNowTest {
    private static final ZonedDateTime NOW = ZonedDateTime.parse("2024-01-10T14:30:45Z");

    private static QueryDateRange range(String from, String to, Boolean explicit, Interval interval) {
        return QueryDateRange.resolve(new DateRange(from, to, explicit), interval, 0, NOW, "-7d", null);
    }

    private static ZonedDateTime at(String iso) {
        return ZonedDateTime.parse(iso);
    }

    @Test
    void boldNumberWithAnExplicitRelativeRangeEndsExactlyAtNow() {
        // last 7 days, explicit: from exactly 7×24 h ago to now itself, not to the end of today
        QueryDateRange r = range("-7d", null, true, Interval.DAY);
        assertEquals(at("2024-01-03T14:30:45Z"), r.from());
        assertEquals(NOW, r.to());
        // date_to -1d, explicit: exactly a day before now (PostHog parses date_to with always_truncate=False)
        r = range("-7d", "-1d", true, Interval.DAY);
        assertEquals(at("2024-01-09T14:30:45Z"), r.to());
    }

    @Test
    void boldNumberWithARelativeRangeReadsWholeDays() {
        // not explicit: from the start of 01-03 to the end of today (the day of now)
        QueryDateRange r = range("-7d", null, null, Interval.DAY);
        assertEquals(at("2024-01-03T00:00:00Z"), r.from());
        assertEquals(at("2024-01-10T23:59:59.999999Z"), r.to());
        // date_to -1d: the end of yesterday
        r = range("-7d", "-1d", false, Interval.DAY);
        assertEquals(at("2024-01-09T23:59:59.999999Z"), r.to());
        assertEquals(7, r.bucketCount());
    }

    @Test
    void relativeDateToAtHourAndMinuteEndsItsHourOrMinute() {
        // -1d at hour: a day before now, to the end of that hour (not the end of the 00:00 hour of yesterday)
        QueryDateRange r = range("-2d", "-1d", null, Interval.HOUR);
        assertEquals(at("2024-01-09T14:59:59.999999Z"), r.to());
        assertEquals(at("2024-01-08T00:00:00Z"), r.from());
        // at the minute date_from is not truncated and is read from itself
        r = range("-30M", null, null, Interval.MINUTE);
        assertEquals(at("2024-01-10T14:00:45Z"), r.from());
        assertEquals(at("2024-01-10T14:30:59.999999Z"), r.to());
    }

    @Test
    void positionsAndQuarters() {
        assertEquals(at("2024-01-09T00:00:00Z"), range("-1dStart", null, true, Interval.DAY).from());
        assertEquals(at("2024-01-09T23:59:59.999999Z"), range("-3d", "-1dEnd", true, Interval.DAY).to());
        // a quarter is 13 weeks in PostHog: 2024-01-10 - 91 days = 2023-10-11
        assertEquals(at("2023-10-11T00:00:00Z"), range("-1q", null, null, Interval.DAY).from());
    }
}

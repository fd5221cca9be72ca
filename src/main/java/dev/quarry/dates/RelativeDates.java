package dev.quarry.dates;

import dev.quarry.web.ValidationException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostHog's date strings, resolved in the project's timezone: relative ({@code -7d}, {@code -24h}, {@code -2w},
 * {@code -3m}, {@code -1y}, {@code -1q}, {@code -30M} minutes), anchors ({@code dStart}, {@code wStart},
 * {@code mStart}, {@code qStart}, {@code yStart}), {@code all}, absolute dates and ISO date-times. Relative
 * offsets of a day or more start at midnight; hours start at the hour, as the reference does.
 */
public final class RelativeDates {
    private static final Pattern RELATIVE = Pattern.compile("^-?(\\d+)([hdwmyqMs])(Start|End)?$");

    private RelativeDates() {
    }

    /**
     * True when {@code value} is an absolute date or date-time (not relative such as {@code -7d}, not an anchor such
     * as {@code mStart}, not {@code all}).
     */
    public static boolean isAbsolute(String value) {
        if (value == null || value.isBlank()) {
            return false;
        }
        String text = value.trim();
        return !text.equals("all") && !RELATIVE.matcher(text).matches()
                && !java.util.Set.of("dStart", "wStart", "mStart", "qStart", "yStart").contains(text);
    }

    /**
     * A {@code date_to} as PostHog's QueryDateRange reads it for {@code interval}: at day, week and month the end of
     * its day; at hour and minute an absolute date or date-time is taken as it is (a date alone is that day's start),
     * while a relative one (and {@code now}) is the end of its hour or minute.
     *
     * @return the moment, or null for {@code all}
     */
    public static ZonedDateTime parseDateTo(String value, ZonedDateTime now, Interval interval, String attr) {
        boolean subDaily = interval == Interval.HOUR || interval == Interval.MINUTE;
        // PostHog parses date_to with always_truncate=False: -1d is exactly a day before now (its bucket's end
        // is taken by the caller unless the range is explicit)
        return parse(value, now, !(subDaily && isAbsolute(value)), attr, false);
    }

    /** @return the moment, or null for {@code all} (no bound); a relative offset starts its day (or hour) */
    public static ZonedDateTime parse(String value, ZonedDateTime now, boolean isEnd, String attr) {
        return parse(value, now, isEnd, attr, true);
    }

    /**
     * Like {@link #parse(String, ZonedDateTime, boolean, String)}; with {@code truncate} false a relative offset is
     * exact ({@code -7d} is 7×24 hours before now), as PostHog's {@code relative_date_parse(always_truncate=False)}
     * reads it for an explicit range ({@code explicitDate}) and for {@code date_to}. A position suffix still applies:
     * {@code -1dStart} is the start of yesterday, {@code -1dEnd} its end, {@code -2hStart} the start of that hour.
     */
    public static ZonedDateTime parse(String value, ZonedDateTime now, boolean isEnd, String attr, boolean truncate) {
        try {
            return parseInRange(value, now, isEnd, attr, truncate);
        } catch (java.time.DateTimeException | ArithmeticException outOfRange) {
            // an amount or a year past what a date can hold (-9223372036854775807d, +999999999-12-31): PostHog's 400
            throw new ValidationException("Invalid date: " + value + " (the amount is out of range)", attr);
        }
    }

    private static ZonedDateTime parseInRange(String value, ZonedDateTime now, boolean isEnd, String attr,
                                              boolean truncate) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String text = value.trim();
        if (text.equals("all")) {
            return null;
        }
        ZoneId zone = now.getZone();
        switch (text) {
            case "dStart":
                return now.truncatedTo(ChronoUnit.DAYS);
            case "wStart":
                return now.truncatedTo(ChronoUnit.DAYS).with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case "mStart":
                return now.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
            case "qStart":
                return now.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1)
                        .withMonth(((now.getMonthValue() - 1) / 3) * 3 + 1);
            case "yStart":
                return now.truncatedTo(ChronoUnit.DAYS).withDayOfYear(1);
            default:
                break;
        }
        Matcher relative = RELATIVE.matcher(text);
        if (relative.matches()) {
            long amount;
            try {
                amount = Long.parseLong(relative.group(1));
            } catch (NumberFormatException tooLong) {
                throw new ValidationException("Invalid date: " + value + " (the amount is out of range)", attr);
            }
            ZonedDateTime moved = switch (relative.group(2)) {
                case "s" -> now.minusSeconds(amount);
                case "M" -> now.minusMinutes(amount).truncatedTo(ChronoUnit.MINUTES);
                case "h" -> now.minusHours(amount).truncatedTo(ChronoUnit.HOURS);
                case "d" -> now.minusDays(amount).truncatedTo(ChronoUnit.DAYS);
                case "w" -> now.minusWeeks(amount).truncatedTo(ChronoUnit.DAYS);
                case "m" -> now.minusMonths(amount).truncatedTo(ChronoUnit.DAYS);
                // PostHog: a quarter is 13 weeks
                case "q" -> now.minusWeeks(Math.multiplyExact(13, amount)).truncatedTo(ChronoUnit.DAYS);
                default -> now.minusYears(amount).truncatedTo(ChronoUnit.DAYS);
            };
            if (!truncate) {
                moved = switch (relative.group(2)) {
                    case "s" -> now.minusSeconds(amount);
                    case "M" -> now.minusMinutes(amount);
                    case "h" -> now.minusHours(amount);
                    case "d" -> now.minusDays(amount);
                    case "w" -> now.minusWeeks(amount);
                    case "m" -> now.minusMonths(amount);
                    case "q" -> now.minusWeeks(Math.multiplyExact(13, amount));
                    default -> now.minusYears(amount);
                };
            }
            String position = relative.group(3);
            if (position != null && relative.group(2).equals("d")) {
                moved = position.equals("Start") ? moved.truncatedTo(ChronoUnit.DAYS)
                        : moved.truncatedTo(ChronoUnit.DAYS).plusDays(1).minusNanos(1000);
            } else if (position != null && relative.group(2).equals("h")) {
                moved = position.equals("Start") ? moved.truncatedTo(ChronoUnit.HOURS)
                        : moved.truncatedTo(ChronoUnit.HOURS).plusHours(1).minusNanos(1000);
            }
            return moved;
        }
        try {
            LocalDate date = LocalDate.parse(text);
            return isEnd ? date.plusDays(1).atStartOfDay(zone).minusNanos(1000) : date.atStartOfDay(zone);
        } catch (DateTimeParseException notADate) {
            // fall through to date-times
        }
        try {
            return OffsetDateTime.parse(text).atZoneSameInstant(zone);
        } catch (DateTimeParseException notOffset) {
            try {
                return LocalDateTime.parse(text.replace(' ', 'T')).atZone(zone);
            } catch (DateTimeParseException e) {
                throw new ValidationException("Invalid date: " + value, attr);
            }
        }
    }
}

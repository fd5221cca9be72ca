package dev.quarry.capture;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * PostHog's rule for when an event happened: a client {@code timestamp} is corrected by the skew between the
 * client's {@code sent_at} and our clock; an {@code offset} (ms before sending) counts back from now; otherwise
 * now. A result more than 23 hours in the future, or outside the years 1..9999, or a timestamp that does not parse, is
 * not believed and becomes now.
 */
public final class EventTimestamps {
    private static final Duration MAX_FUTURE = Duration.ofHours(23);

    private EventTimestamps() {
    }

    public static Instant resolve(String timestamp, String sentAt, Long offsetMillis, Instant now) {
        return resolveSent(timestamp, parse(sentAt), offsetMillis, now);
    }

    /** {@link #resolve(String, String, Long, Instant)} with {@code sent_at} already parsed (null: none). */
    public static Instant resolveSent(String timestamp, Instant sent, Long offsetMillis, Instant now) {
        Instant resolved;
        Instant stamped;
        try {
            stamped = parse(timestamp);
        } catch (CaptureValidationException e) {
            // PostHog keeps an event whose timestamp it cannot read, at the time it was received (capture's
            // parse_event_timestamp returns a time, never an error; the plugin server's ignored_invalid_timestamp):
            // one bad event must not cost the batch its other events
            return now;
        }
        if (stamped != null && sent != null) {
            try {
                resolved = now.plus(Duration.between(sent, stamped));
            } catch (java.time.DateTimeException | ArithmeticException outOfRange) {
                // a sent_at at the far edge of the date range (-999999999-01-01): the skew takes the time past what
                // an instant holds, which PostHog's year check answers with the received time
                return now;
            }
        } else if (stamped != null) {
            resolved = stamped;
        } else if (offsetMillis != null) {
            resolved = now.minusMillis(offsetMillis);
        } else {
            resolved = now;
        }
        // PostHog's ingestion replaces a time whose year is outside 0..9999 by now ("ignored_invalid_timestamp");
        // year 0 and earlier would be stored before the common era, so the first year kept is 1
        int year = resolved.atOffset(java.time.ZoneOffset.UTC).getYear();
        if (year < 1 || year > 9999) {
            return now;
        }
        return resolved.isAfter(now.plus(MAX_FUTURE)) ? now : resolved;
    }

    /**
     * A {@code sent_at} as PostHog's capture reads it: the text if it is a date-time {@link #parse} reads, else null
     * (PostHog ignores a sent_at it cannot parse and corrects no clock skew; the event is kept).
     */
    static String sentAtOrNull(String value) {
        try {
            return parse(value) == null ? null : value;
        } catch (CaptureValidationException e) {
            return null;
        }
    }

    /** ISO-8601 with offset or Z; a bare date-time is taken as UTC; blank is null; anything else is a 400. */
    static Instant parse(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Instant common = parseCommon(value);
        if (common != null) {
            return common;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return java.time.LocalDateTime.parse(value).toInstant(java.time.ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw new CaptureValidationException("Invalid timestamp: " + value);
            }
        }
    }

    /**
     * The form every SDK sends — {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]} then {@code Z}, {@code ±HH:MM} or nothing
     * (UTC) — read without a DateTimeFormatter (which allocated ~15% of capture's memory and took ~10% of its CPU);
     * null for anything else, or anything this form cannot place on the calendar, which {@link #parse} then reads the
     * general way (so every value gets the same answer or error as before).
     */
    static Instant parseCommon(String v) {
        int n = v.length();
        if (n < 19 || v.charAt(4) != '-' || v.charAt(7) != '-' || v.charAt(10) != 'T' || v.charAt(13) != ':'
                || v.charAt(16) != ':') {
            return null;
        }
        int year = digits(v, 0, 4);
        int month = digits(v, 5, 2);
        int day = digits(v, 8, 2);
        int hour = digits(v, 11, 2);
        int minute = digits(v, 14, 2);
        int second = digits(v, 17, 2);
        if ((year | month | day | hour | minute | second) < 0) {
            return null;
        }
        int i = 19;
        int nanos = 0;
        if (i < n && v.charAt(i) == '.') {
            int start = ++i;
            while (i < n && i - start < 9 && v.charAt(i) >= '0' && v.charAt(i) <= '9') {
                nanos = nanos * 10 + (v.charAt(i++) - '0');
            }
            if (i == start) {
                return null;
            }
            for (int k = i - start; k < 9; k++) {
                nanos *= 10;
            }
        }
        int offsetSeconds;
        if (i == n) {
            offsetSeconds = 0;
        } else if (i == n - 1 && v.charAt(i) == 'Z') {
            offsetSeconds = 0;
        } else if (i == n - 6 && (v.charAt(i) == '+' || v.charAt(i) == '-') && v.charAt(i + 3) == ':') {
            int hours = digits(v, i + 1, 2);
            int minutes = digits(v, i + 4, 2);
            if ((hours | minutes) < 0 || hours > 18 || minutes > 59) {
                return null;
            }
            offsetSeconds = (v.charAt(i) == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
        } else {
            return null;
        }
        try {
            return java.time.LocalDateTime.of(year, month, day, hour, minute, second, nanos)
                    .toInstant(java.time.ZoneOffset.ofTotalSeconds(offsetSeconds));
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    /** The non-negative number in {@code count} ASCII digits at {@code from}, or -1. */
    private static int digits(String v, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}

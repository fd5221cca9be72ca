package dev.quarry.capture;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * PostHog's rule for when an event happened: a client {@code timestamp} is corrected by the skew between the
 * client's {@code sent_at} and our clock; an {@code offset} (ms before sending) counts back from now; otherwise
 * now. A result more than 23 hours in the future, or outside the years 1..9999, is not believed and becomes now.
 */
public final class EventTimestamps {
    private static final Duration MAX_FUTURE = Duration.ofHours(23);

    private EventTimestamps() {
    }

    public static Instant resolve(String timestamp, String sentAt, Long offsetMillis, Instant now) {
        Instant resolved;
        Instant sent = parse(sentAt);
        Instant stamped = parse(timestamp);
        if (stamped != null && sent != null) {
            resolved = now.plus(Duration.between(sent, stamped));
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
}

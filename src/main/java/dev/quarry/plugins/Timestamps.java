package dev.quarry.plugins;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * ISO-8601 in and out: PostgreSQL keeps microseconds; responses render them as PostHog's DRF serializers do
 * ({@link dev.quarry.web.DrfDateTime}: no fraction for whole seconds, else six digits, with a Z).
 */
final class Timestamps {
    private Timestamps() {
    }

    /**
     * Accepts what Python's fromisoformat does: a date, a local date-time (read as UTC), or one with an offset/Z,
     * within Python's years 1–9999 (in UTC): a year past them, which PostgreSQL would store and no answer could
     * render, is empty as DRF's DateTimeField refuses it.
     */
    static Optional<OffsetDateTime> parse(String text) {
        return parseAnyYear(text).filter(t -> t.getYear() >= 1 && t.getYear() <= 9999);
    }

    private static Optional<OffsetDateTime> parseAnyYear(String text) {
        String value = text.trim();
        if (value.length() > 10 && value.charAt(10) == ' ') {
            value = value.substring(0, 10) + 'T' + value.substring(11);
        }
        try {
            return Optional.of(utc(OffsetDateTime.parse(value)));
        } catch (DateTimeParseException e) {
            // not with an offset; try the forms without one
        }
        try {
            return Optional.of(utc(LocalDateTime.parse(value).atOffset(ZoneOffset.UTC)));
        } catch (DateTimeParseException e) {
            // not a local date-time either
        }
        try {
            return Optional.of(LocalDate.parse(value).atStartOfDay().atOffset(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    static OffsetDateTime utc(OffsetDateTime time) {
        return time.withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    static String format(OffsetDateTime time) {
        return dev.quarry.web.DrfDateTime.format(time);
    }
}

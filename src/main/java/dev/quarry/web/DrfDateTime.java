package dev.quarry.web;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Date-times as Django REST framework renders them (its JSON encoder and DateTimeField): Python's
 * {@code isoformat()} in UTC with {@code +00:00} written as {@code Z}, so whole seconds have no fraction
 * ({@code 2026-11-29T10:00:00Z}) and any other value has six digits ({@code 2026-11-29T10:00:00.500000Z}).
 * PostHog's persons and plugin endpoints answer this way.
 */
public final class DrfDateTime {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'");
    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'");

    private DrfDateTime() {
    }

    public static String format(OffsetDateTime time) {
        OffsetDateTime utc = time.withOffsetSameInstant(ZoneOffset.UTC);
        return (utc.getNano() / 1000 == 0 ? SECONDS : MICROS).format(utc);
    }

    /**
     * Python's {@code datetime.isoformat()} of the moment in UTC, offset written {@code +00:00}: whole seconds without
     * a fraction ({@code 2026-11-29T10:00:00+00:00}), anything else with six digits
     * ({@code 2026-11-29T10:00:00.500000+00:00}). PostHog's events API renders event times so (a text it builds, which
     * DRF does not re-render).
     */
    public static String isoformat(OffsetDateTime time) {
        String drf = format(time);
        return drf.substring(0, drf.length() - 1) + "+00:00";
    }

    /** An ISO-8601 text with an offset re-rendered as DRF does; anything else is returned as it is. */
    public static String reformat(String iso) {
        if (iso == null) {
            return null;
        }
        try {
            return format(OffsetDateTime.parse(iso));
        } catch (DateTimeParseException e) {
            return iso;
        }
    }
}

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

package dev.quarry.dates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.web.ValidationException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Relative and absolute dates past what a date can hold are PostHog's 400 naming the field, never a 500 and never a
 * date wrapped around (a breaker's finding: -9223372036854775807d was an uncaught DateTimeException, and
 * -1418980313362273202q wrapped to ten weeks ago).
 */
class RelativeDatesRangeTest {
    private static final ZonedDateTime NOW = ZonedDateTime.of(2026, 12, 4, 10, 30, 0, 0, ZoneOffset.UTC);

    @Test
    void amountsAndYearsOutOfRangeAreValidationErrors() {
        for (String value : List.of("-9223372036854775807d", "-9223372036854775807s", "-9223372036854775807M",
                "-9223372036854775807w", "-999999999999y", "-99999999999m", "-709490156681136602q",
                "-1418980313362273202q", "+999999999-12-31")) {
            for (boolean truncate : List.of(true, false)) {
                ValidationException e = assertThrows(ValidationException.class,
                        () -> RelativeDates.parse(value, NOW, true, "date_from", truncate), value);
                assertEquals("date_from", e.attr(), value);
                assertTrue(e.getMessage().startsWith("Invalid date: " + value), e.getMessage());
            }
        }
    }

    @Test
    void inRangeValuesStillParse() {
        assertEquals(NOW.minusWeeks(13).toLocalDate(), RelativeDates.parse("-1q", NOW, false, "date_from").toLocalDate());
        assertEquals(2026 - 100, RelativeDates.parse("-100y", NOW, false, "date_from").getYear());
        assertEquals(9999, RelativeDates.parse("9999-12-31", NOW, true, "date_to").getYear());
    }
}

package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventTimestampsTest {
    private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");

    @Test
    void clientTimestampIsCorrectedByTheSkewBetweenSentAtAndNow() {
        // Client clock 1 h slow: it says the event was 10 min before sending → 11:50 server time.
        assertEquals(Instant.parse("2026-01-10T11:50:00Z"),
                EventTimestamps.resolve("2026-01-10T10:50:00Z", "2026-01-10T11:00:00Z", null, NOW));
    }

    @Test
    void timestampAloneIsTrustedOffsetCountsBackAndNothingMeansNow() {
        assertEquals(Instant.parse("2026-01-09T08:00:00Z"),
                EventTimestamps.resolve("2026-01-09T08:00:00Z", null, null, NOW));
        assertEquals(Instant.parse("2026-01-10T11:59:55Z"), EventTimestamps.resolve(null, null, 5000L, NOW));
        assertEquals(NOW, EventTimestamps.resolve(null, null, null, NOW));
        assertEquals(Instant.parse("2026-01-09T08:00:00Z"),
                EventTimestamps.resolve("2026-01-09T08:00:00", null, null, NOW));
    }

    @Test
    void farFutureIsNotBelievedAndGarbageIsRefused() {
        assertEquals(NOW, EventTimestamps.resolve("2027-01-01T00:00:00Z", null, null, NOW));
        assertThrows(CaptureValidationException.class, () -> EventTimestamps.resolve("yesterday", null, null, NOW));
    }

    @Test
    void yearsBeforeTheCommonEraAreNotBelieved() {
        // stored before year 1 they printed as the wrong year and made "all time" ranges span 740 k days (breaker)
        assertEquals(NOW, EventTimestamps.resolve("0000-01-01T00:00:00Z", null, null, NOW));
        assertEquals(NOW, EventTimestamps.resolve("-0001-01-01T00:00:00Z", null, null, NOW));
        assertEquals(NOW, EventTimestamps.resolve("-9999-01-01T00:00:00Z", null, null, NOW));
        assertEquals(Instant.parse("0001-01-01T00:00:00Z"),
                EventTimestamps.resolve("0001-01-01T00:00:00Z", null, null, NOW));
    }
}

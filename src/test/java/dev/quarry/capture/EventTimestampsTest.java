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
    void farFutureAndGarbageAreNotBelieved() {
        assertEquals(NOW, EventTimestamps.resolve("2027-01-01T00:00:00Z", null, null, NOW));
        // an unreadable timestamp is the time the event was received, as PostHog keeps it (a breaker's finding: one
        // such event made the whole batch a 400), even with an offset or a sent_at beside it
        assertEquals(NOW, EventTimestamps.resolve("yesterday", null, null, NOW));
        assertEquals(NOW, EventTimestamps.resolve("99999-01-01T00:00:00Z", "2026-01-09T08:00:00Z", null, NOW));
        assertEquals(NOW, EventTimestamps.resolve("-infinity", null, 5000L, NOW));
    }

    /** A sent_at at the date range's far edge pushes the skew past what an instant holds: the received time (was a 500). */
    @Test
    void aSkewPastTheInstantRangeIsTheReceivedTime() {
        assertEquals(NOW, EventTimestamps.resolve("2026-01-01T00:00:00Z", "-999999999-01-01T00:00:00Z", null, NOW));
        assertEquals(NOW, EventTimestamps.resolve("-999999999-01-01T00:00:00Z", "+999999999-12-31T00:00:00Z", null, NOW));
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

    /**
     * The fast reading of the SDKs' form gives what the general ISO reading gives, for every form it takes, and leaves
     * everything else (other forms, impossible dates) to the general reading with its answer or its 400.
     */
    @Test
    void theFastFormAgreesWithTheGeneralReading() {
        for (String value : new String[]{"2026-01-09T08:00:00Z", "2026-01-09T08:00:00.1Z", "2026-01-09T08:00:00.123Z",
                "2026-01-09T08:00:00.123456789Z", "2026-01-09T08:00:00+05:30", "2026-01-09T08:00:00.250-08:00",
                "2026-01-09T23:59:59-00:00", "2024-02-29T12:00:00+18:00", "2026-01-09T08:00:00.5", "0001-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999999999-18:00"}) {
            Instant general;
            try {
                general = java.time.OffsetDateTime.parse(value).toInstant();
            } catch (java.time.format.DateTimeParseException e) {
                general = java.time.LocalDateTime.parse(value).toInstant(java.time.ZoneOffset.UTC);
            }
            assertEquals(general, EventTimestamps.parseCommon(value), value);
            assertEquals(general, EventTimestamps.parse(value), value);
        }
        for (String other : new String[]{"2026-01-09t08:00:00Z", "2026-01-09T08:00Z", "2026-01-09 08:00:00Z",
                "2026-01-09T08:00:00.Z", "2026-01-09T08:00:00.1234567890Z", "2026-01-09T08:00:00+0530",
                "+2026-01-09T08:00:00Z", "2026-01-09T08:00:00z", "2026-01-09T08:00:00+19:00"}) {
            assertEquals(null, EventTimestamps.parseCommon(other), other);
        }
        assertEquals(Instant.parse("2026-01-09T08:00:00Z"), EventTimestamps.parse("2026-01-09t08:00:00Z"));
        for (String impossible : new String[]{"2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-09T24:00:00Z",
                "2026-01-09T08:60:00Z", "2026-01-09T08:00:00+14:60"}) {
            assertEquals(null, EventTimestamps.parseCommon(impossible), impossible);
            assertThrows(CaptureValidationException.class, () -> EventTimestamps.parse(impossible), impossible);
        }
    }
}

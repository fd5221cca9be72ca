package dev.quarry.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.web.ValidationException;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParsingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void timestampsAcceptPythonsIsoForms() {
        OffsetDateTime expected = OffsetDateTime.parse("2024-01-01T10:00:00Z");
        assertEquals(expected, Timestamps.parse("2024-01-01T10:00:00Z").orElseThrow());
        assertEquals(expected, Timestamps.parse("2024-01-01T11:00:00+01:00").orElseThrow());
        assertEquals(expected, Timestamps.parse("2024-01-01 10:00:00").orElseThrow());
        assertEquals(OffsetDateTime.parse("2024-01-01T00:00:00Z"), Timestamps.parse("2024-01-01").orElseThrow());
        assertTrue(Timestamps.parse("2024-01-01T10:00:00.1234567Z").orElseThrow().getNano() == 123456000);
        assertTrue(Timestamps.parse("last tuesday").isEmpty());
        // past Python's years 1–9999 (in UTC): refused, as DRF refuses them (PostgreSQL would store them, no answer
        // could render them)
        assertTrue(Timestamps.parse("+999999-01-01T00:00:00Z").isEmpty());
        assertTrue(Timestamps.parse("-4713-01-01T00:00:00Z").isEmpty());
        assertTrue(Timestamps.parse("0001-01-01T00:30:00+01:00").isEmpty());
        assertEquals(OffsetDateTime.parse("9999-12-31T23:59:59Z"), Timestamps.parse("9999-12-31T23:59:59Z").orElseThrow());
        assertEquals("2024-01-01T10:00:00Z", Timestamps.format(expected));
        assertEquals("2024-01-01T10:00:00.500000Z", Timestamps.format(expected.plusNanos(500_000_000)));
    }

    @Test
    void anUnencodedPlusInTheQueryStillReadsAsAnOffset() {
        assertEquals(OffsetDateTime.parse("2024-01-01T10:00:00Z"),
                LogFilter.parse("2024-01-01T11:00:00 01:00", null, null, List.of()).after());
        assertEquals(OffsetDateTime.parse("2024-01-01T10:00:00Z"),
                LogFilter.parse("2024-01-01 10:00", null, null, List.of()).after());
    }

    @Test
    void searchPatternEscapesWildcards() {
        assertEquals("%50\\% off\\_now \\\\ ok%", LogFilter.containsPattern("50% off_now \\ ok"));
    }

    @Test
    void batchDefaultsAndErrors() throws Exception {
        OffsetDateTime now = OffsetDateTime.parse("2024-02-02T02:02:02.123456789Z");
        LogEntryBatch batch = LogEntryBatch.parse(JSON.readTree("{\"entries\":[{\"type\":\"INFO\",\"message\":\"m\"}]}"), now);
        assertEquals("PLUGIN", batch.sources()[0]);
        assertEquals(OffsetDateTime.parse("2024-02-02T02:02:02.123456Z"), batch.timestamps()[0]);
        ValidationException error = assertThrows(ValidationException.class, () -> LogEntryBatch.parse(JSON.readTree(
                "{\"entries\":[{\"type\":\"INFO\",\"message\":\"m\"},{\"type\":\"INFO\"}]}"), now));
        assertEquals("entries__1__message", error.attr());
    }
}

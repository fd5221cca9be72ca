package dev.quarry.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** DRF's {@code DefaultContentNegotiation.select_renderer} for a view rendering JSON, then CSV. */
class AcceptHeaderTest {
    private static final List<String> JSON_THEN_CSV = List.of("application/json", "text/csv");

    private static Optional<String> select(String... accept) {
        return AcceptHeader.select(accept.length == 0 ? null : List.of(accept), JSON_THEN_CSV);
    }

    @Test
    void theMostPreciseGroupWinsAndQIsIgnored() {
        assertEquals(Optional.of("application/json"), select());
        assertEquals(Optional.of("application/json"), select("*/*"));
        assertEquals(Optional.of("text/csv"), select("text/csv"));
        assertEquals(Optional.of("text/csv"), select("TEXT/CSV"));
        assertEquals(Optional.of("text/csv"), select("text/*"));
        assertEquals(Optional.of("application/json"), select("application/*"));
        // the renderers' order decides within a group, whatever q says
        assertEquals(Optional.of("application/json"), select("text/csv;q=1.0, application/json;q=0.1"));
        // a type with parameters other than q outranks one without
        assertEquals(Optional.of("text/csv"), select("application/json, text/csv; charset=utf-8"));
        assertEquals(Optional.of("text/csv"), select("text/csv, */*"));
        // several Accept headers are one list
        assertEquals(Optional.of("text/csv"), select("image/png", "text/csv"));
    }

    @Test
    void nothingMatchingIsDrfsNotAcceptable() {
        assertEquals(Optional.empty(), select("text/html"));
        assertEquals(Optional.empty(), select(""));
        assertEquals(Optional.empty(), select("image/png, text/plain"));
    }
}

package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** PostHog's property type inference, value by value. */
class PropertyTypesTest {
    private final ObjectMapper mapper = new ObjectMapper();

    private String type(String key, String json) throws Exception {
        return PropertyTypes.infer(key, mapper.readTree(json));
    }

    @Test
    void infersFromTheValue() throws Exception {
        assertEquals("Numeric", type("price", "12.5"));
        assertEquals("Numeric", type("count", "3"));
        assertEquals("Boolean", type("vip", "true"));
        assertEquals("Boolean", type("vip", "\"FALSE\""));
        assertEquals("DateTime", type("signup", "\"2026-01-02\""));
        assertEquals("DateTime", type("signup", "\"2026-01-02T03:04:05.123Z\""));
        assertEquals("DateTime", type("signup", "\"2026-01-02 03:04:05+01:00\""));
        assertEquals("String", type("plan", "\"pro\""));
        assertEquals("String", type("zip", "\"01234\""));
    }

    @Test
    void timeKeysWithUnixTimesAreDates() throws Exception {
        assertEquals("DateTime", type("created_at", "1767225600"));
        assertEquals("DateTime", type("$timestamp", "1767225600000"));
        assertEquals("Numeric", type("response_time", "250"));
        assertEquals("Numeric", type("amount", "1767225600"));
    }

    @Test
    void someKeysAreAlwaysStringsAndContainersHaveNoType() throws Exception {
        assertEquals("String", type("utm_source", "42"));
        assertEquals("String", type("$feature/new-ui", "true"));
        assertEquals("String", type("$survey_response_1", "5"));
        assertNull(type("nested", "{\"a\": 1}"));
        assertNull(type("list", "[1, 2]"));
        assertNull(type("nothing", "null"));
    }
}

package dev.quarry.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A status's stored answer is written as its text, not parsed and rendered again: {@code 1.0E2} stays {@code 1.0E2}
 * (a parse would render {@code 100.0}), the spaces stay, the escape stays, in both key orders.
 */
class QueryStatusStoredResultsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String STORED = "{\"results\": [[1.0E2, -0]], \"z\" : \"\\u00e9\"}";

    @Test
    void theStoredTextIsWrittenAsItIs() throws Exception {
        QueryStatus status = QueryStatus.started(7, "q", Instant.parse("2026-01-01T00:00:00Z"), QueryStatusStore.TTL)
                .withResults(QueryStatus.storedResults(STORED));
        String asBuilt = MAPPER.writeValueAsString(status.json(MAPPER, false));
        assertEquals("{\"id\":\"q\",\"team_id\":7,\"query_async\":true,\"complete\":false,\"error\":false,"
                + "\"error_message\":null,\"results\":" + STORED + ",\"start_time\":\"2026-01-01T00:00:00.000000Z\","
                + "\"pickup_time\":null,\"end_time\":null,\"expiration_time\":\"2026-01-01T00:20:00.000000Z\","
                + "\"task_id\":\"q\",\"insight_id\":null,\"dashboard_id\":null,\"query_progress\":null,"
                + "\"labels\":null}", asBuilt);
        String asStored = MAPPER.writeValueAsString(status.json(MAPPER, true));
        assertEquals("{\"id\":\"q\",\"error\":false,\"labels\":null,\"results\":" + STORED + ",\"task_id\":\"q\","
                + "\"team_id\":7,\"complete\":false,\"end_time\":null,\"insight_id\":null,"
                + "\"start_time\":\"2026-01-01T00:00:00.000000Z\",\"pickup_time\":null,\"query_async\":true,"
                + "\"dashboard_id\":null,\"error_message\":null,\"query_progress\":null,"
                + "\"expiration_time\":\"2026-01-01T00:20:00.000000Z\"}", asStored);
    }
}

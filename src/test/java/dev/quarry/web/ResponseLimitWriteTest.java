package dev.quarry.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/**
 * {@link ResponseLimit#write}: an answer is refused while it is written, once its encoded size passes the limit, so
 * a tree that shares one node in many places (small in memory, gigabytes as text) never becomes one array.
 */
class ResponseLimitWriteTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void aSharedNodeRepeatedPastTheLimitIsRefusedWithoutWritingItAll() {
        ObjectNode person = mapper.createObjectNode();
        person.put("properties", "x".repeat(10_000));
        ArrayNode rows = mapper.createArrayNode();
        for (int i = 0; i < 1_000_000; i++) {
            rows.add(person); // 10 GB of JSON: Jackson's byte array write would fail with "Requested array size"
        }
        ResponseTooLargeException e = assertThrows(ResponseTooLargeException.class,
                () -> ResponseLimit.write(mapper, rows));
        assertTrue(e.getMessage().contains("more than the " + ResponseLimit.MAX_ENCODED_BYTES + " bytes an API response"),
                e.getMessage());
    }

    @Test
    void quotesAndControlCharactersCountAsTheEnvelopeEscapesThem() throws Exception {
        // each '"' written is 2 bytes in the envelope: half the limit's worth of quotes is already too many
        String quotes = "\"".repeat((int) (ResponseLimit.MAX_ENCODED_BYTES / 4) + 1);
        assertThrows(ResponseTooLargeException.class, () -> ResponseLimit.write(mapper, quotes));
        String fits = "a".repeat(1000) + "\"\n";
        assertArrayEquals(mapper.writeValueAsBytes(fits), ResponseLimit.write(mapper, fits));
    }
}

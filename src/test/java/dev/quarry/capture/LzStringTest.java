package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** The lz64 decoder against output of the lz-string npm package 1.5.0 (capture-fixtures/lz-string-samples.json). */
class LzStringTest {
    @Test
    void decodesWhatLzStringCompressToBase64Wrote() throws IOException {
        JsonNode samples;
        try (InputStream in = getClass().getResourceAsStream("/capture-fixtures/lz-string-samples.json")) {
            samples = new ObjectMapper().readTree(in);
        }
        assertEquals(6, samples.size());
        for (JsonNode sample : samples) {
            assertEquals(sample.get("text").asText(), LzString.decompressFromBase64(sample.get("base64").asText(), 1 << 20));
        }
    }

    /** compressToBase64("hello hello hello hello") from lz-string 1.5.0, its '+' turned into a space by a form. */
    @Test
    void aPlusDecodedAsASpaceStillDecodes() throws IOException {
        JsonNode samples;
        try (InputStream in = getClass().getResourceAsStream("/capture-fixtures/lz-string-samples.json")) {
            samples = new ObjectMapper().readTree(in);
        }
        for (JsonNode sample : samples) {
            String spaced = sample.get("base64").asText().replace('+', ' ');
            assertEquals(sample.get("text").asText(), LzString.decompressFromBase64(spaced, 1 << 20));
        }
    }

    @Test
    void refusesWhatIsNotLzString() {
        assertThrows(IllegalArgumentException.class, () -> LzString.decompressFromBase64("", 100));
        assertThrows(IllegalArgumentException.class, () -> LzString.decompressFromBase64("{\"a\":1}", 100));
        assertThrows(IllegalArgumentException.class, () -> LzString.decompressFromBase64("é", 100));
        // Valid alphabet, but the stream ends without lz-string's end marker.
        assertThrows(IllegalArgumentException.class, () -> LzString.decompressFromBase64("AAAAAAAA", 100));
    }

    @Test
    void stopsAtTheOutputLimit() throws IOException {
        JsonNode samples;
        try (InputStream in = getClass().getResourceAsStream("/capture-fixtures/lz-string-samples.json")) {
            samples = new ObjectMapper().readTree(in);
        }
        String fiveThousandXs = samples.get(4).get("base64").asText();
        assertEquals(5000, LzString.decompressFromBase64(fiveThousandXs, 5000).length());
        assertThrows(IllegalArgumentException.class, () -> LzString.decompressFromBase64(fiveThousandXs, 4999));
    }
}

package dev.quarry.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The NUL filter's body scan without HTTP: which bodies are scanned at all (only those holding a real JSON escape of
 * U+0000, not the escaped text backslash-backslash-u0000 a breaker used to make every large body walk its whole
 * tree on the event loop), and the field path it names, as PostHog joins nested fields with {@code __}.
 */
class NulCharacterScanTest {
    private static final String NUL_ESCAPE = "\\" + "u0000";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String nulAt(String json) throws IOException {
        try (JsonParser parser = new JsonFactory().createParser(bytes(json))) {
            return NulCharacterFilter.nulAt(parser);
        }
    }

    @Test
    void onlyAnOddRunOfBackslashesBeforeU0000IsTheEscape() {
        assertTrue(NulCharacterFilter.holdsNulEscape(bytes("{\"a\":\"x" + NUL_ESCAPE + "\"}")));
        assertFalse(NulCharacterFilter.holdsNulEscape(bytes("{\"a\":\"x\\" + NUL_ESCAPE + "\"}")));
        assertTrue(NulCharacterFilter.holdsNulEscape(bytes("{\"a\":\"x\\\\" + NUL_ESCAPE + "\"}")));
        assertTrue(NulCharacterFilter.holdsNulEscape(bytes("{\"a\":\"\\" + NUL_ESCAPE + "\",\"b\":\"" + NUL_ESCAPE
                + "\"}")));
        assertFalse(NulCharacterFilter.holdsNulEscape(bytes("{\"a\":\"u0000\"}")));
    }

    @Test
    void thePathNamesTheFieldOrKeyFromTheRoot() throws IOException {
        assertEquals("filters__properties__1__value", nulAt("{\"name\":\"ok\",\"filters\":{\"properties\":["
                + "{\"value\":\"a\"},{\"key\":\"k\",\"value\":\"b" + NUL_ESCAPE + "\"}]}}"));
        assertEquals("tags", nulAt("{\"tags" + NUL_ESCAPE + "\":[]}"));
        assertEquals("groups__0", nulAt("{\"groups\":[\"" + NUL_ESCAPE + "\"]}"));
        assertEquals("", nulAt("\"" + NUL_ESCAPE + "\""));
        assertNull(nulAt("{\"a\":[1,2,{\"b\":\"c\\" + NUL_ESCAPE + "\"}]}"));
    }

    @Test
    void aLargeDeepBodyIsOneScan() throws IOException {
        StringBuilder body = new StringBuilder("{\"groups\":");
        body.append("[".repeat(500));
        for (int i = 0; i < 200_000; i++) {
            body.append(i == 0 ? "0" : ",0");
        }
        body.append("]".repeat(500)).append(",\"name\":\"x").append(NUL_ESCAPE).append("\"}");
        assertEquals("name", nulAt(body.toString()));
    }
}

package dev.quarry.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** JSON kept as text in a jsonb column (an action's steps, a cohort's filters …), read back for an answer. */
public final class StoredJson {
    private StoredJson() {
    }

    /**
     * The value of {@code text}; JSON null for a null column.
     *
     * @throws IllegalStateException text that is not JSON (a jsonb column never holds any)
     */
    public static JsonNode read(ObjectMapper mapper, String text) {
        try {
            return text == null ? mapper.nullNode() : mapper.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("Stored JSON is not JSON", e);
        }
    }
}

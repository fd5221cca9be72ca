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

    /** The most bytes a stored JSON value (a saved query, a cohort's filters) may have: what POST query takes whole. */
    public static final int MAX_BYTES = 2 * 1024 * 1024;
    /** The deepest a stored JSON value may nest (PostHog's query nodes and filter groups nest a few levels). */
    public static final int MAX_DEPTH = 64;

    /**
     * A JSON value to be stored and answered again must be one every answer can carry: at most {@link #MAX_BYTES} of
     * JSON (a 7 MB insight query, a 7 MB cohort filters, were stored though the answer to the write was refused, and
     * every list page holding them became a 400) and at most {@link #MAX_DEPTH} levels deep (997 levels broke a list,
     * whose writer stops at 1,000).
     *
     * @throws ValidationException naming {@code attr}, before anything is stored
     */
    public static void bounded(JsonNode value, String attr) {
        java.util.ArrayDeque<JsonNode> level = new java.util.ArrayDeque<>(java.util.List.of(value));
        for (int depth = 1; !level.isEmpty(); depth++) {
            if (depth > MAX_DEPTH) {
                throw new ValidationException(attr + " nests more than " + MAX_DEPTH + " levels deep", attr);
            }
            java.util.ArrayDeque<JsonNode> next = new java.util.ArrayDeque<>();
            for (JsonNode node : level) {
                if (node.isContainerNode()) {
                    node.forEach(next::add);
                }
            }
            level = next;
        }
        long bytes = value.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new ValidationException(attr + " is " + bytes + " bytes of JSON; at most " + MAX_BYTES
                    + " are kept", attr);
        }
    }
}

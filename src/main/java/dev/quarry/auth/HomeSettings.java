package dev.quarry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.web.DrfBoolean;
import dev.quarry.web.ValidationException;
import java.util.List;

/**
 * A user's pinned tabs and homepage in one project, as PostHog's {@code UserHomeSettingsViewSet}
 * (posthog/api/user_home_settings.py) reads a {@code PATCH}: {@code tabs} replaces the list when sent, {@code homepage}
 * sets the home tab ({@code null} or {@code {}} clears it); a tab keeps only PostHog's fields ({@code id},
 * {@code pathname}, {@code search}, {@code hash}, {@code title}, {@code customTitle}, {@code iconType},
 * {@code sceneId}, {@code sceneKey}, {@code sceneParams}, {@code pinned}, text trimmed as DRF's CharField trims it),
 * always {@code pinned: true}. A field that does not fit is a 400 naming its path ({@code tabs__0__pathname}).
 */
public final class HomeSettings {
    private HomeSettings() {
    }

    private static final List<String> TEXT = List.of("id", "pathname", "search", "hash", "title", "customTitle",
            "iconType", "sceneId", "sceneKey");
    private static final List<String> NULLABLE = List.of("customTitle", "sceneId", "sceneKey");

    /** The stored pair after the body: {@code tabs} and {@code homepage} (a JSON null when cleared). */
    public record Stored(ArrayNode tabs, JsonNode homepage) {
    }

    public static Stored apply(JsonNode body, Stored stored) {
        if (body == null || !body.isObject()) {
            throw new ValidationException("invalid", "Invalid data. Expected a dictionary, but got "
                    + UserSettings.pythonType(body).replace("<class '", "").replace("'>", "") + ".", "non_field_errors");
        }
        ArrayNode tabs = stored.tabs();
        JsonNode homepage = stored.homepage();
        if (body.has("tabs")) {
            JsonNode sent = body.get("tabs");
            if (sent.isNull()) {
                throw new ValidationException("null", "This field may not be null.", "tabs");
            }
            if (!sent.isArray()) {
                throw new ValidationException("not_a_list", "Expected a list of items but got type \""
                        + UserSettings.pythonType(sent).replace("<class '", "").replace("'>", "") + "\".", "tabs");
            }
            tabs = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < sent.size(); i++) {
                ObjectNode tab = tab(sent.get(i), "tabs__" + i);
                if (tab != null) {
                    tabs.add(tab);
                }
            }
        }
        if (body.has("homepage")) {
            JsonNode sent = body.get("homepage");
            ObjectNode tab = sent.isNull() ? null : tab(sent, "homepage");
            homepage = tab == null ? JsonNodeFactory.instance.nullNode() : tab;
        }
        Stored next = new Stored(tabs, homepage == null ? JsonNodeFactory.instance.nullNode() : homepage);
        // what is stored must fit an answer: a 2.7 MB list of tabs was stored though the edit's answer was refused,
        // and every GET became a 400 (a breaker's finding); refused before anything is stored
        long bytes = next.tabs().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                + next.homepage().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new ValidationException("invalid_input", "The home settings would be " + bytes
                    + " bytes of JSON; at most " + MAX_BYTES + " are kept.", body.has("tabs") ? "tabs" : "homepage");
        }
        return next;
    }

    /** The most bytes of JSON one user's tabs and homepage in a project may hold. */
    static final int MAX_BYTES = 256 * 1024;

    /** One tab as PostHog's PinnedSceneTabSerializer keeps it; null for an empty one (PostHog's "no tab"). */
    private static ObjectNode tab(JsonNode sent, String path) {
        if (!sent.isObject()) {
            throw new ValidationException("invalid", "Invalid data. Expected a dictionary, but got "
                    + UserSettings.pythonType(sent).replace("<class '", "").replace("'>", "") + ".", path);
        }
        ObjectNode tab = JsonNodeFactory.instance.objectNode();
        boolean given = sent.has("pinned");
        for (String field : TEXT) {
            JsonNode v = sent.get(field);
            if (v == null) {
                continue;
            }
            String at = path + "__" + field;
            if (v.isNull()) {
                if (!NULLABLE.contains(field)) {
                    throw new ValidationException("null", "This field may not be null.", at);
                }
                tab.putNull(field);
            } else if (v.isTextual() || v.isNumber()) {
                String text = v.isTextual() ? v.textValue().strip() : v.asText();
                if (text.isEmpty() && field.equals("pathname")) {
                    throw new ValidationException("blank", "This field may not be blank.", at);
                }
                tab.put(field, text);
            } else {
                throw new ValidationException("invalid", "Not a valid string.", at);
            }
        }
        if (sent.has("sceneParams")) {
            tab.set("sceneParams", sent.get("sceneParams"));
        }
        if (sent.has("pinned")) {
            DrfBoolean.read(sent.get("pinned"), path + "__pinned");
        }
        if (tab.isEmpty() && !given) {
            return null;
        }
        tab.put("pinned", true);
        return tab;
    }
}

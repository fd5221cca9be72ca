package dev.quarry.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import java.util.Objects;
import java.util.UUID;

/**
 * Writes PostHog's activity log entries ({@code activity_log}, {@link ActivityLogEntity}) beside the changes they
 * record, in the same transaction. An entry's {@code detail} is PostHog's {@code Detail}: {@code {changes, merge,
 * trigger, name, short_id, type}} ({@code changes} null for a create, else a list of {@code {type, action: "changed",
 * field, before, after}}).
 */
public final class ActivityLogEntries {
    private ActivityLogEntries() {
    }

    /**
     * Adds an entry in the current Panache session's transaction (call inside a {@code Sessions.write}).
     *
     * @param userId who made the change; null for the system
     */
    public static Uni<Void> add(long teamId, String scope, String itemId, Long userId, String activity,
                                ObjectNode detail) {
        ActivityLogEntity entry = new ActivityLogEntity();
        entry.id = UUID.randomUUID();
        entry.teamId = teamId;
        entry.scope = scope;
        entry.itemId = itemId;
        entry.activity = activity;
        entry.userId = userId;
        entry.detail = detail.toString();
        return entry.persist().replaceWithVoid();
    }

    /** PostHog's {@code Detail} with no changes yet ({@code changes} null) and the item's name. */
    public static ObjectNode detail(String name, String shortId) {
        ObjectNode detail = JsonNodeFactory.instance.objectNode();
        detail.putNull("changes");
        detail.putNull("merge");
        detail.putNull("trigger");
        detail.put("name", name);
        detail.put("short_id", shortId);
        detail.putNull("type");
        return detail;
    }

    /**
     * The most JSON text one side of a change keeps. A saved query or a cohort's filters may be 2 MiB each, and an edit
     * logged them whole before and after: a cohort edit wrote a 7.8 MB entry that no page could answer, and repeated
     * edits of large insights grew the log by 30 GB an hour (breaker pass 2 of 2026-12-06). A larger value is kept as
     * {@link #elided}.
     */
    public static final int MAX_VALUE_CHARS = 64 * 1024;

    /** Adds a {@code changed} entry for {@code field} to {@code changes} when the values differ. */
    public static void change(ArrayNode changes, String type, String field, JsonNode before, JsonNode after) {
        JsonNode b = before == null ? JsonNodeFactory.instance.nullNode() : before;
        JsonNode a = after == null ? JsonNodeFactory.instance.nullNode() : after;
        if (!Objects.equals(b, a)) {
            ObjectNode change = changes.addObject();
            change.put("type", type);
            change.put("action", "changed");
            change.put("field", field);
            change.set("before", kept(b));
            change.set("after", kept(a));
        }
    }

    /** {@code value}, or when its JSON is longer than {@link #MAX_VALUE_CHARS}, {@link #elided} in its place. */
    static JsonNode kept(JsonNode value) {
        if (value.isValueNode() && !value.isTextual()) {
            return value;
        }
        String text = value.toString();
        return text.length() <= MAX_VALUE_CHARS ? value : elided(text);
    }

    /**
     * What a change keeps of a value too large to log: {@code {"elided": true, "characters": n, "sha256": hex}} (its
     * length and digest, so two logged versions can still be told apart).
     */
    static ObjectNode elided(String text) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("elided", true);
        out.put("characters", text.length());
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.put("sha256", java.util.HexFormat.of().formatHex(digest));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
        return out;
    }

    /** {@link #change} of two texts (null: JSON null). */
    public static void change(ArrayNode changes, String type, String field, String before, String after) {
        change(changes, type, field, text(before), text(after));
    }

    /** {@link #change} of two booleans. */
    public static void change(ArrayNode changes, String type, String field, boolean before, boolean after) {
        change(changes, type, field, JsonNodeFactory.instance.booleanNode(before),
                JsonNodeFactory.instance.booleanNode(after));
    }

    private static JsonNode text(String value) {
        return value == null ? JsonNodeFactory.instance.nullNode() : JsonNodeFactory.instance.textNode(value);
    }
}

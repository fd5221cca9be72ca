package dev.quarry.plugins;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.web.ValidationException;
import java.time.OffsetDateTime;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A validated {@code {"entries": [...]}} body, held column by column for one unnest insert. Any bad entry
 * fails the whole batch with attr {@code entries__<index>__<field>}.
 */
public record LogEntryBatch(UUID[] ids, OffsetDateTime[] timestamps, String[] sources, String[] types,
                            String[] messages, UUID[] instanceIds) {
    public static final int MAX_ENTRIES = 1000;
    static final Set<String> SOURCES = Set.of("SYSTEM", "PLUGIN", "CONSOLE");
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    public static LogEntryBatch parse(JsonNode body, OffsetDateTime now) {
        JsonNode entries = body == null ? null : body.get("entries");
        if (entries == null || entries.isNull()) {
            throw new ValidationException("required", "This field is required.", "entries");
        }
        if (!entries.isArray()) {
            throw new ValidationException("not_a_list",
                    "Expected a list of items but got type \"" + entries.getNodeType().name().toLowerCase() + "\".",
                    "entries");
        }
        if (entries.isEmpty()) {
            throw new ValidationException("empty", "This list may not be empty.", "entries");
        }
        if (entries.size() > MAX_ENTRIES) {
            throw new ValidationException("max_length",
                    "Ensure this field has no more than " + MAX_ENTRIES + " elements.", "entries");
        }
        int n = entries.size();
        LogEntryBatch batch = new LogEntryBatch(new UUID[n], new OffsetDateTime[n], new String[n], new String[n],
                new String[n], new UUID[n]);
        OffsetDateTime defaultTime = Timestamps.utc(now);
        for (int i = 0; i < n; i++) {
            JsonNode entry = entries.get(i);
            String prefix = "entries__" + i + "__";
            if (!entry.isObject()) {
                throw new ValidationException("Invalid data. Expected a dictionary.", "entries__" + i);
            }
            batch.ids[i] = UUID.randomUUID();
            batch.types[i] = choice(entry, "type", LogFilter.TYPES, null, prefix);
            batch.sources[i] = choice(entry, "source", SOURCES, "PLUGIN", prefix);
            batch.messages[i] = message(entry.get("message"), prefix + "message");
            batch.timestamps[i] = timestamp(entry.get("timestamp"), defaultTime, prefix + "timestamp");
            batch.instanceIds[i] = instanceId(entry.get("instance_id"), prefix + "instance_id");
        }
        return batch;
    }

    public int size() {
        return ids.length;
    }

    private static String choice(JsonNode entry, String field, Set<String> allowed, String fallback, String prefix) {
        JsonNode value = entry.get(field);
        if (value == null || value.isNull()) {
            if (fallback == null) {
                throw new ValidationException("required", "This field is required.", prefix + field);
            }
            return fallback;
        }
        if (!value.isTextual() || !allowed.contains(value.asText())) {
            throw new ValidationException("invalid_choice", "\"" + value.asText() + "\" is not a valid choice.",
                    prefix + field);
        }
        return value.asText();
    }

    private static String message(JsonNode value, String attr) {
        if (value == null || value.isNull()) {
            throw new ValidationException("required", "This field is required.", attr);
        }
        if (!value.isTextual()) {
            throw new ValidationException("Not a valid string.", attr);
        }
        if (value.asText().indexOf('\0') >= 0) {
            throw new ValidationException("null_characters_not_allowed", "Null characters are not allowed.", attr);
        }
        return value.asText();
    }

    private static OffsetDateTime timestamp(JsonNode value, OffsetDateTime fallback, String attr) {
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw new ValidationException("Datetime has wrong format. Use ISO-8601.", attr);
        }
        return Timestamps.parse(value.asText())
                .orElseThrow(() -> new ValidationException("Datetime has wrong format. Use ISO-8601.", attr));
    }

    private static UUID instanceId(JsonNode value, String attr) {
        if (value == null || value.isNull()) {
            return UUID.randomUUID();
        }
        if (value.isTextual() && UUID_TEXT.matcher(value.asText()).matches()) {
            return UUID.fromString(value.asText());
        }
        throw new ValidationException("Must be a valid UUID.", attr);
    }
}

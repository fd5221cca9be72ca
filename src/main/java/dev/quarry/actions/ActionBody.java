package dev.quarry.actions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.web.ValidationException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * A create or partial-update body, read as PostHog's ActionSerializer reads it: {@code name} (string up to 400
 * characters, or null), {@code description}, {@code tags} (a list of strings), {@code post_to_slack},
 * {@code slack_message_format} (up to 1200 characters), {@code steps} ({@link ActionSteps#read}), {@code pinned_at}
 * (an ISO 8601 date-time or null) and {@code deleted}; read-only and unknown keys are ignored, as DRF ignores them.
 * A value of the wrong type is a 400 naming its field in DRF's words.
 */
final class ActionBody {
    /** The longest description an action keeps, as a definition's (the two lists must fit an answer alike). */
    static final int MAX_DESCRIPTION = 4_096;

    private ActionBody() {
    }

    static Actions.Edit read(JsonNode body, boolean create) {
        if (body == null || !body.isObject()) {
            throw new ValidationException("parse_error", "Request body must be a JSON object.", null);
        }
        boolean nameGiven = body.has("name");
        String name = nameGiven ? nullableText(body, "name", 400) : null;
        // PostHog's description is an unbounded text; Quarry keeps at most MAX_DESCRIPTION characters so that a
        // page of actions always fits an answer (3 MB descriptions made the default list a 400 for everyone)
        String description = body.has("description")
                ? text(body, "description", MAX_DESCRIPTION) : null;
        String tags = null;
        if (body.has("tags")) {
            JsonNode t = body.get("tags");
            if (!t.isArray()) {
                throw new ValidationException("Expected a list of items but got type \"" + type(t) + "\".", "tags");
            }
            for (JsonNode tag : t) {
                if (!tag.isTextual()) {
                    throw new ValidationException("Not a valid string.", "tags");
                }
            }
            tags = t.toString();
        }
        Boolean postToSlack = body.has("post_to_slack") ? bool(body, "post_to_slack") : null;
        String slack = body.has("slack_message_format") ? text(body, "slack_message_format", 1200) : null;
        String steps = body.has("steps") ? ActionSteps.read(body.get("steps")).toString() : null;
        boolean pinnedGiven = body.has("pinned_at");
        OffsetDateTime pinnedAt = null;
        if (pinnedGiven && !body.get("pinned_at").isNull()) {
            try {
                pinnedAt = OffsetDateTime.parse(body.get("pinned_at").asText());
            } catch (DateTimeParseException e) {
                throw new ValidationException("Datetime has wrong format. Use one of these formats instead: "
                        + "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].", "pinned_at");
            }
        }
        Boolean deleted = body.has("deleted") ? bool(body, "deleted") : null;
        return new Actions.Edit(name, nameGiven, description, steps, tags, postToSlack, slack, pinnedAt, pinnedGiven,
                deleted);
    }

    private static String nullableText(JsonNode body, String field, int max) {
        return body.get(field).isNull() ? null : text(body, field, max);
    }

    private static String text(JsonNode body, String field, int max) {
        JsonNode v = body.get(field);
        if (v.isNull()) {
            throw new ValidationException("This field may not be null.", field);
        }
        if (!v.isTextual() && !v.isNumber()) {
            throw new ValidationException("Not a valid string.", field);
        }
        if (v.asText().length() > max) {
            throw new ValidationException("Ensure this field has no more than " + max + " characters.", field);
        }
        return v.asText();
    }

    private static Boolean bool(JsonNode body, String field) {
        return dev.quarry.web.DrfBoolean.read(body.get(field), field);
    }

    private static String type(JsonNode v) {
        return v.isObject() ? "dict" : v.isTextual() ? "str" : v.isBoolean() ? "bool" : v.isNumber() ? "int"
                : "NoneType";
    }
}

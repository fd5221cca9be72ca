package dev.quarry.definitions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.web.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Parses a definition's create/PATCH body into an {@link Definitions.Edit}; unknown fields are ignored, as DRF does. */
final class Edits {
    static final Set<String> PROPERTY_TYPES = Set.of("DateTime", "String", "Numeric", "Boolean", "Duration");

    private Edits() {
    }

    static Definitions.Edit parse(JsonNode body, boolean property) {
        if (body == null || !body.isObject()) {
            throw new ValidationException("Request body must be a JSON object.", null);
        }
        JsonNode description = body.get("description");
        if (description != null && !description.isNull() && !description.isTextual()) {
            throw new ValidationException("Not a valid string.", "description");
        }
        if (description != null && description.isTextual()
                && description.asText().length() > Definitions.MAX_DESCRIPTION) {
            throw new ValidationException("Ensure this field has no more than " + Definitions.MAX_DESCRIPTION
                    + " characters.", "description");
        }
        List<String> tags = null;
        if (body.has("tags") && !body.get("tags").isNull()) {
            JsonNode t = body.get("tags");
            if (!t.isArray()) {
                throw new ValidationException("Expected a list of items but got type \"" + t.getNodeType().name().toLowerCase()
                        + "\".", "tags");
            }
            if (t.size() > dev.quarry.web.Tags.MAX_TAGS) {
                throw new ValidationException("An item holds at most " + dev.quarry.web.Tags.MAX_TAGS + " tags.",
                        "tags");
            }
            List<String> raw = new ArrayList<>();
            for (JsonNode tag : t) {
                if (!tag.isTextual()) {
                    throw new ValidationException("Tags must be non-empty strings of at most 255 characters.", "tags");
                }
                raw.add(tag.asText());
            }
            tags = dev.quarry.web.Tags.normalized(raw, "tags");
        }
        Boolean verified = bool(body, "verified");
        Boolean hidden = bool(body, "hidden");
        if (Boolean.TRUE.equals(verified) && Boolean.TRUE.equals(hidden)) {
            throw new ValidationException("A definition cannot be both hidden and verified", "hidden");
        }
        String propertyType = null;
        if (property && body.has("property_type") && !body.get("property_type").isNull()) {
            JsonNode type = body.get("property_type");
            if (!type.isTextual() || !PROPERTY_TYPES.contains(type.asText())) {
                throw new ValidationException("\"" + (type.isTextual() ? type.asText() : type.toString())
                        + "\" is not a valid choice.", "property_type");
            }
            propertyType = type.asText();
        }
        return new Definitions.Edit(description == null || description.isNull() ? null : description.asText(),
                description != null, tags, verified, hidden, propertyType, property && body.has("property_type"));
    }

    private static Boolean bool(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            throw new ValidationException("Must be a valid boolean.", field);
        }
        return value.asBoolean();
    }

    static java.util.UUID uuid(String id) {
        try {
            return id != null && id.length() == 36 ? java.util.UUID.fromString(id) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The definition id in a path: a uuid, else 404 (as PostHog's router answers a malformed id). */
    static java.util.UUID existing(String id) {
        java.util.UUID uuid = uuid(id);
        if (uuid == null) {
            throw new dev.quarry.web.NotFoundException("Not found.");
        }
        return uuid;
    }
}

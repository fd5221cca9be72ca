package dev.quarry.definitions;

import dev.quarry.capture.DefinitionsRecorder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.mutiny.sqlclient.Row;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** A property definition as stored; {@link #toJson} is PostHog's PropertyDefinition serializer shape. */
public record PropertyDefinition(UUID id, String name, int type, String propertyType, boolean isNumerical,
                                 String description, List<String> tags, boolean verified, OffsetDateTime verifiedAt,
                                 boolean hidden, OffsetDateTime updatedAt) {
    static final String COLUMNS = "id, name, type, property_type, is_numerical, description, tags, verified, "
            + "verified_at, hidden, updated_at";

    static PropertyDefinition from(Row row) {
        return new PropertyDefinition(row.getUUID(0), row.getString(1), row.getShort(2), row.getString(3),
                row.getBoolean(4), row.getString(5), Arrays.asList(row.getArrayOfStrings(6)), row.getBoolean(7),
                row.getOffsetDateTime(8), row.getBoolean(9), row.getOffsetDateTime(10));
    }

    /** PostHog's type names by stored number (PropertyDefinition.Type). */
    public static String typeName(int type) {
        return type == DefinitionsRecorder.PERSON ? "person" : "event";
    }

    /** @param seenOnEvents whether seen with the filtered events; null when no event filter was given */
    public ObjectNode toJson(ObjectMapper mapper, Boolean seenOnEvents) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id.toString());
        o.put("name", name);
        o.put("description", description);
        var tagArray = o.putArray("tags");
        tags.forEach(tagArray::add);
        o.put("is_numerical", isNumerical);
        o.put("updated_at", EventDefinition.time(updatedAt));
        o.putNull("updated_by");
        o.put("is_seen_on_filtered_events", seenOnEvents);
        o.put("property_type", propertyType);
        o.put("verified", verified);
        o.put("verified_at", EventDefinition.time(verifiedAt));
        o.putNull("verified_by");
        o.put("hidden", hidden);
        o.put("type", type);
        return o;
    }
}

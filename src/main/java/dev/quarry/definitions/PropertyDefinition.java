package dev.quarry.definitions;

import dev.quarry.capture.DefinitionsRecorder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.PropertyDefinitionEntity;
import dev.quarry.data.UserBasic;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A property definition as stored; {@link #toJson} is PostHog's PropertyDefinition serializer shape. */
public record PropertyDefinition(UUID id, String name, int type, String propertyType, boolean isNumerical,
                                 String description, List<String> tags, boolean verified, OffsetDateTime verifiedAt,
                                 boolean hidden, OffsetDateTime updatedAt, UserBasic updatedBy,
                                 UserBasic verifiedBy) {
    /** The stored row as a value, its editors looked up in {@code users} (by id); null for null. */
    static PropertyDefinition from(PropertyDefinitionEntity row, Map<Long, UserBasic> users) {
        return row == null ? null : new PropertyDefinition(row.id, row.name, row.type, row.propertyType,
                row.numerical, row.description, Arrays.asList(row.tags), row.verified, row.verifiedAt, row.hidden,
                row.updatedAt, row.updatedById == null ? null : users.get(row.updatedById),
                row.verifiedById == null ? null : users.get(row.verifiedById));
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
        o.set("updated_by", UserBasic.json(mapper.getNodeFactory(), updatedBy));
        o.put("is_seen_on_filtered_events", seenOnEvents);
        o.put("property_type", propertyType);
        o.put("verified", verified);
        o.put("verified_at", EventDefinition.time(verifiedAt));
        o.set("verified_by", UserBasic.json(mapper.getNodeFactory(), verifiedBy));
        o.put("hidden", hidden);
        o.put("type", type);
        return o;
    }
}

package dev.quarry.definitions;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.web.QueryValues;
import dev.quarry.data.EventDefinitionEntity;
import dev.quarry.data.UserBasic;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** An event definition as stored; {@link #toJson} is PostHog's EventDefinition serializer shape. */
public record EventDefinition(UUID id, String name, String description, List<String> tags, boolean verified,
                              OffsetDateTime verifiedAt, boolean hidden, OffsetDateTime createdAt,
                              OffsetDateTime updatedAt, OffsetDateTime lastSeenAt, UserBasic updatedBy,
                              UserBasic verifiedBy) {
    /** The stored row as a value, its editors looked up in {@code users} (by id); null for null. */
    static EventDefinition from(EventDefinitionEntity row, Map<Long, UserBasic> users) {
        return row == null ? null : new EventDefinition(row.id, row.name, row.description, Arrays.asList(row.tags),
                row.verified, row.verifiedAt, row.hidden, row.createdAt, row.updatedAt, row.lastSeenAt,
                row.updatedById == null ? null : users.get(row.updatedById),
                row.verifiedById == null ? null : users.get(row.verifiedById));
    }

    /** @param volume30Day events in the last 30 days, null when not counted */
    public ObjectNode toJson(ObjectMapper mapper, Long volume30Day) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id.toString());
        o.put("name", name);
        o.putNull("owner");
        o.put("description", description);
        var tagArray = o.putArray("tags");
        tags.forEach(tagArray::add);
        o.put("created_at", time(createdAt));
        o.put("updated_at", time(updatedAt));
        o.set("updated_by", UserBasic.json(mapper.getNodeFactory(), updatedBy));
        o.put("last_seen_at", time(lastSeenAt));
        o.put("last_updated_at", time(updatedAt));
        o.put("verified", verified);
        o.put("verified_at", time(verifiedAt));
        o.set("verified_by", UserBasic.json(mapper.getNodeFactory(), verifiedBy));
        o.put("hidden", hidden);
        o.put("is_action", false);
        o.put("action_id", (Integer) null);
        o.put("is_calculating", false);
        o.put("last_calculated_at", (String) null);
        o.putNull("created_by");
        o.put("post_to_slack", false);
        o.putArray("default_columns");
        o.put("volume_30_day", volume30Day);
        o.putNull("query_usage_30_day");
        o.putArray("media_preview_urls");
        return o;
    }

    static String time(OffsetDateTime t) {
        return t == null ? null : QueryValues.timestamp(t);
    }
}

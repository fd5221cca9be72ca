package dev.quarry.capture;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/**
 * A fix or refusal capture applied to an event, stored per project and listed by
 * {@code GET /api/projects/:id/ingestion_warnings}. {@code type} is PostHog's warning type name
 * ({@code cannot_merge_with_illegal_distinct_id}, {@code cannot_merge_already_identified},
 * {@code invalid_event_when_process_person_profile_is_false}, {@code invalid_process_person_profile},
 * {@code distinct_id_truncated}, {@code invalid_group_set}, {@code person_properties_size_violation}, and Quarry's
 * {@code invalid_person_properties});
 * {@code details} its JSON details with PostHog's camelCase keys.
 */
public record IngestionWarning(String type, ObjectNode details, Instant timestamp) {
    public static IngestionWarning of(String type, UUID eventUuid, Instant now) {
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        details.put("eventUuid", eventUuid.toString());
        return new IngestionWarning(type, details, now);
    }

    public IngestionWarning with(String key, String value) {
        details.put(key, value);
        return this;
    }
}

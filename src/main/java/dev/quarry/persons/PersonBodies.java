package dev.quarry.persons;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * The JSON bodies of the persons edit endpoints, read with {@link dev.quarry.web.LenientJson} as PostHog's
 * serializers read them: other keys ignored, a key of the wrong type a 400 naming it.
 */
final class PersonBodies {
    private PersonBodies() {
    }

    /**
     * {@code POST persons/:id/update_property/}: {@code key} (required, a non-empty string) and {@code value}
     * (required, any JSON value: JSON null is a value, an absent key is not).
     */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record UpdateProperty(String key, JsonNode value) {
    }

    /**
     * {@code PATCH}/{@code PUT persons/:id/}: {@code properties} (required, an object), set on the person as one
     * {@code $set}; PostHog's update writes nothing else of the person.
     */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Update(JsonNode properties) {
    }

    /** {@code POST persons/:id/delete_property/}: {@code $unset}, a property name or a list of them. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record DeleteProperty(@JsonProperty("$unset") JsonNode unset) {
    }

    /**
     * {@code POST persons/bulk_delete/}: person uuids ({@code ids}) or {@code distinct_ids} (together at most 1,000),
     * and PostHog's flags {@code delete_events}, {@code keep_person}, {@code delete_recordings} (JSON booleans).
     */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record BulkDelete(List<String> ids, @JsonProperty("distinct_ids") List<String> distinctIds,
                      @JsonProperty("delete_events") Boolean deleteEvents,
                      @JsonProperty("keep_person") Boolean keepPerson,
                      @JsonProperty("delete_recordings") Boolean deleteRecordings) {
    }

    /** {@code POST persons/reset_person_distinct_id/}: {@code distinct_id}, a non-empty string. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ResetDistinctId(@JsonProperty("distinct_id") JsonNode distinctId) {
    }
}

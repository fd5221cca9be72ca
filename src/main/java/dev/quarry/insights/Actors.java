package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.quarry.web.DrfDateTime;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/** The serialized person of actor lists (contract Part A 8 and §1.1). */
public final class Actors {
    /**
     * PostHog's {@code distinct_id_limit} for serialized persons ({@code get_serialized_people}): a person answers at
     * most its first 1,000 distinct ids. Unbounded, one person given 400,000 ids by aliases made the project's
     * persons list a 400 for good, 6–19 s a read (breaker pass 9 F6).
     */
    public static final int DISTINCT_ID_LIMIT = 1000;

    /**
     * HogQL reading the first {@link #DISTINCT_ID_LIMIT} distinct ids of each person of {@code {ids}} (a list of
     * uuids), in stored order: rows {@code (person_id, distinct_id)}.
     */
    public static final String FIRST_DISTINCT_IDS = "SELECT person_id, distinct_id FROM (SELECT person_id, distinct_id, "
            + "created_order, row_number() OVER (PARTITION BY person_id ORDER BY created_order NULLS FIRST, distinct_id) "
            + "AS n FROM person_distinct_ids WHERE person_id IN {ids}) WHERE n <= " + DISTINCT_ID_LIMIT
            + " ORDER BY created_order NULLS FIRST, distinct_id";

    public static final List<String> DEFAULT_DISPLAY_PROPERTIES = List.of("email", "Email", "$email", "name", "Name",
            "username", "Username", "UserName");
    /**
     * PostHog's {@code is_anonymous_id} ({@code ANONYMOUS_REGEX}): five dash-separated groups of lower-case letters and
     * digits — a lower-case UUID, and posthog-js's older anonymous ids ({@code 18c5a0f2a7e3f0-0b2ba0a3b4d6b38-…}).
     */
    private static final Pattern ANONYMOUS = Pattern.compile("^([a-z0-9]+-){4}([a-z0-9]+)$");

    private Actors() {
    }

    /**
     * A person of an actor list, as PostHog's actor queries serialize it ({@link #toJson}: {@code type}, {@code id},
     * {@code uuid}, {@code created_at}, {@code properties}, {@code is_identified}, {@code name},
     * {@code distinct_ids}, {@code matched_recordings}, {@code value_at_data_point}, in that order).
     *
     * @param uuid the person's id
     * @param createdAt as DRF renders datetimes ({@code …T10:00:00Z}, six fraction digits only when there is a
     *                  fraction), or null
     * @param properties the stored properties (an object)
     * @param identified {@code is_identified}
     * @param name the display name, as PostHog's {@code get_person_name}: the value (any JSON type, as stored) of the
     *             first display-name property that is truthy in Python's sense, else the first non-anonymous distinct
     *             id, else the uuid
     * @param distinctIds in the order they were stored, as PostHog's {@code Person.distinct_ids}
     */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record Person(UUID uuid, String createdAt, JsonNode properties, boolean identified, JsonNode name,
                         List<String> distinctIds) {
        /** The person object of actor answers (key order as PostHog writes it). */
        public ObjectNode toJson(ObjectMapper mapper) {
            ObjectNode o = mapper.createObjectNode();
            o.put("type", "person");
            o.put("id", uuid.toString());
            o.put("uuid", uuid.toString());
            o.put("created_at", createdAt);
            o.set("properties", properties);
            o.put("is_identified", identified);
            o.set("name", name);
            ArrayNode ids = o.putArray("distinct_ids");
            distinctIds.forEach(ids::add);
            o.putArray("matched_recordings");
            o.putNull("value_at_data_point");
            return o;
        }
    }

    /**
     * A group of an actor list (an insight aggregated by groups, or a series counting them): the stored group of that
     * type and key. PostHog's ActorsQuery writes it as its GroupStrategy reads it ({@link #toJson}); its legacy
     * persons endpoints as {@code SerializedGroup} ({@link #toLegacyJson}).
     *
     * @param key the group's key ({@code $group_N} of its events)
     * @param groupTypeIndex 0–4
     * @param createdAt as DRF renders datetimes, or null
     * @param properties the stored group properties (an object)
     */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record Group(String key, int groupTypeIndex, String createdAt, JsonNode properties) {
        /**
         * The group object of ActorsQuery answers: {@code id} (the key), {@code type} "group", {@code properties},
         * then the stored fields {@code group_key}, {@code group_type_index}, {@code created_at},
         * {@code group_properties}, in that order.
         */
        public ObjectNode toJson(ObjectMapper mapper) {
            ObjectNode o = mapper.createObjectNode();
            o.put("id", key);
            o.put("type", "group");
            o.set("properties", properties);
            o.put("group_key", key);
            o.put("group_type_index", groupTypeIndex);
            o.put("created_at", createdAt);
            o.set("group_properties", properties);
            return o;
        }

        /**
         * PostHog's legacy {@code SerializedGroup} (persons/funnel, persons/lifecycle, …): {@code id}, {@code type},
         * {@code group_type_index}, {@code group_key}, {@code created_at}, {@code matched_recordings},
         * {@code properties}, {@code value_at_data_point}, in that order.
         */
        public ObjectNode toLegacyJson(ObjectMapper mapper) {
            ObjectNode o = mapper.createObjectNode();
            o.put("id", key);
            o.put("type", "group");
            o.put("group_type_index", groupTypeIndex);
            o.put("group_key", key);
            o.put("created_at", createdAt);
            o.putArray("matched_recordings");
            o.set("properties", properties);
            o.putNull("value_at_data_point");
            return o;
        }
    }

    /** An actor's stored properties (JSON text; none: an empty object). */
    private static JsonNode storedProperties(ObjectMapper mapper, String json, String actor) {
        try {
            return json == null ? mapper.createObjectNode() : mapper.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("Stored " + actor + " properties are not JSON", e);
        }
    }

    /** A group from its stored columns ({@code group_properties} as JSON text). */
    public static Group group(ObjectMapper mapper, String key, int groupTypeIndex, OffsetDateTime createdAt,
                              String propertiesJson) {
        JsonNode props = storedProperties(mapper, propertiesJson, "group");
        return new Group(key, groupTypeIndex, createdAt == null ? null : DrfDateTime.format(createdAt), props);
    }

    /** A person from its stored columns and distinct ids, with the project's display-name setting (JSON). */
    public static Person of(ObjectMapper mapper, UUID uuid, OffsetDateTime createdAt, String propertiesJson,
                            boolean identified, List<String> distinctIds, String displayPropertiesJson) {
        JsonNode props = storedProperties(mapper, propertiesJson, "person");
        // PostHog serializes the person's datetime with DRF's encoder (ActorsQuery, persons list and retrieve, the
        // legacy persons endpoints alike); the ids stay in stored order, only the name prefers a non-anonymous one
        return new Person(uuid, createdAt == null ? null : DrfDateTime.format(createdAt), props, identified,
                name(props, sortedDistinctIds(distinctIds), uuid, displayProperties(mapper, displayPropertiesJson)),
                List.copyOf(distinctIds));
    }

    /** {@link #of} as its JSON object ({@link Person#toJson}). */
    public static ObjectNode person(ObjectMapper mapper, UUID uuid, OffsetDateTime createdAt, String propertiesJson,
                                    boolean identified, List<String> distinctIds, String displayPropertiesJson) {
        return of(mapper, uuid, createdAt, propertiesJson, identified, distinctIds, displayPropertiesJson)
                .toJson(mapper);
    }

    /** Non-anonymous ids ({@link #ANONYMOUS}) first, each group in its stored order. */
    static List<String> sortedDistinctIds(List<String> ids) {
        List<String> out = new ArrayList<>();
        ids.stream().filter(d -> !ANONYMOUS.matcher(d).matches()).forEach(out::add);
        ids.stream().filter(d -> ANONYMOUS.matcher(d).matches()).forEach(out::add);
        return out;
    }

    static JsonNode name(JsonNode props, List<String> sortedIds, UUID uuid, List<String> displayProperties) {
        for (String p : displayProperties) {
            JsonNode v = props.get(p);
            if (truthy(v)) {
                return v;
            }
        }
        return TextNode.valueOf(sortedIds.isEmpty() ? uuid.toString() : sortedIds.get(0));
    }

    /** Python's truth of a JSON value: null, false, 0, "", [] and {} are false. */
    static boolean truthy(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return false;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isNumber()) {
            return v.doubleValue() != 0;
        }
        if (v.isTextual()) {
            return !v.textValue().isEmpty();
        }
        return v.size() > 0;
    }

    /** The project's display-name properties (its setting as JSON), PostHog's defaults when unset. */
    static List<String> displayProperties(ObjectMapper mapper, String json) {
        if (json == null || json.isBlank()) {
            return DEFAULT_DISPLAY_PROPERTIES;
        }
        try {
            JsonNode n = mapper.readTree(json);
            if (!n.isArray() || n.isEmpty()) {
                return DEFAULT_DISPLAY_PROPERTIES;
            }
            List<String> out = new ArrayList<>();
            n.forEach(x -> out.add(x.asText()));
            return out;
        } catch (IOException e) {
            return DEFAULT_DISPLAY_PROPERTIES;
        }
    }
}

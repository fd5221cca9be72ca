package dev.quarry.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups for one batch, as PostHog's ingestion does it, for events whose person is processed (an event with
 * {@code $process_person_profile: false} links to no group):
 * <ul>
 * <li>Each group type named in {@code $groups} or by {@code $groupidentify}'s {@code $group_type} gets the lowest
 * free index 0…4 of its project the first time it is seen (created at that event's time); a sixth type is ignored.</li>
 * <li>An event's {@code $groups} {type: key} become {@code $group_<index>} = key (on the event's row and in its
 * properties).</li>
 * <li>{@code $groupidentify} with {@code $group_type} and {@code $group_key} upserts that group: {@code $group_set}
 * keys overwrite, others stay (a shallow merge, later events of the batch winning); the group's created_at is the
 * earliest event that touched it. A {@code $group_set} that is not an object drops the event (warning
 * {@code invalid_group_set}).</li>
 * <li>A group key is JavaScript's {@code toString()} of {@code $group_key} ({@code 12.0} is {@code "12"}, {@code 1e308}
 * {@code "1e+308"}), and an event's {@code $group_<index>} column the value's JSON text as PostHog's ClickHouse column
 * reads it (a string unquoted); its property keeps the value as sent.</li>
 * <li>Keys and types are at most {@link #MAX_KEY_CHARS} characters, PostHog's column width: a longer type is not given
 * an index (warning {@code group_type_too_long}), a {@code $groupidentify} of a longer key upserts no group (warning
 * {@code group_key_too_long}); the event itself is kept, and the rest of its batch.</li>
 * </ul>
 */
final class GroupResolution {
    static final int MAX_GROUP_TYPES = 5;
    /** PostHog's {@code posthog_group.group_key} and {@code posthog_grouptypemapping.group_type}: varchar(400). */
    static final int MAX_KEY_CHARS = 400;

    record GroupType(String type, int index, Instant createdAt) {
    }

    record Group(int index, String key, ObjectNode properties, Instant createdAt) {
    }

    /**
     * @param eventGroups per event, its five group keys ("" where none), or null when the event has no groups
     * @param dropped     per event, whether it is dropped
     */
    record Outcome(List<String[]> eventGroups, List<Boolean> dropped, List<GroupType> newTypes, List<Group> groups,
                   List<IngestionWarning> warnings) {
    }

    private final Map<String, Integer> typeIndex;
    private final Instant now;
    private final List<GroupType> newTypes = new ArrayList<>();
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final List<IngestionWarning> warnings = new ArrayList<>();

    /** @param existingTypes the project's group types and their indexes */
    GroupResolution(Map<String, Integer> existingTypes, Instant now) {
        this.typeIndex = new HashMap<>(existingTypes);
        this.now = now;
    }

    /** Whether any event of the batch deals with groups (so the project's group types need loading). */
    static boolean concernsGroups(List<CapturedEvent> events) {
        for (CapturedEvent event : events) {
            if (event.event().equals("$groupidentify") || event.properties().has("$groups")) {
                return true;
            }
        }
        return false;
    }

    Outcome process(List<CapturedEvent> events, List<Boolean> processed) {
        List<String[]> eventGroups = new ArrayList<>(events.size());
        List<Boolean> dropped = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            CapturedEvent event = events.get(i);
            if (!processed.get(i)) {
                eventGroups.add(null);
                dropped.add(false);
                continue;
            }
            boolean drop = event.event().equals("$groupidentify") && !identify(event);
            dropped.add(drop);
            eventGroups.add(drop ? null : columns(event));
        }
        List<Group> sorted = new ArrayList<>(groups.values());
        sorted.sort(Comparator.comparingInt(Group::index).thenComparing(Group::key));
        return new Outcome(eventGroups, dropped, newTypes, sorted, warnings);
    }

    private String[] columns(CapturedEvent event) {
        JsonNode groupsNode = event.properties().get("$groups");
        if (!(groupsNode instanceof ObjectNode map)) {
            return null;
        }
        String[] keys = {"", "", "", "", ""};
        boolean any = false;
        for (var it = map.fields(); it.hasNext(); ) {
            var entry = it.next();
            if (entry.getValue() == null || entry.getValue().isNull()) {
                continue;
            }
            Integer index = indexOf(entry.getKey(), event);
            if (index != null) {
                keys[index] = columnText(entry.getValue());
                event.properties().set("$group_" + index, entry.getValue().deepCopy());
                any = true;
            }
        }
        return any ? keys : null;
    }

    /** @return false when the event is to be dropped */
    private boolean identify(CapturedEvent event) {
        JsonNode type = event.properties().get("$group_type");
        JsonNode key = event.properties().get("$group_key");
        if (!truthy(type) || !truthy(key)) {
            return true;
        }
        String groupType = type.isTextual() ? type.textValue() : type.toString();
        String groupKey = jsToString(key);
        JsonNode set = event.properties().get("$group_set");
        if (set != null && !set.isNull() && !set.isObject()) {
            warnings.add(IngestionWarning.of("invalid_group_set", event.uuid(), now)
                    .with("distinctId", event.distinctId()).with("groupType", groupType).with("groupKey", groupKey)
                    .with("receivedType", set.isArray() ? "array" : set.isTextual() ? "string"
                            : set.isNumber() ? "number" : set.isBoolean() ? "boolean" : "object"));
            return false;
        }
        Integer index = indexOf(groupType, event);
        if (index == null) {
            return true;
        }
        if (tooLong(groupKey)) {
            warnings.add(IngestionWarning.of("group_key_too_long", event.uuid(), now)
                    .with("distinctId", event.distinctId()).with("groupType", groupType)
                    .with("groupKey", groupKey.substring(0, groupKey.offsetByCodePoints(0, MAX_KEY_CHARS)))
                    .with("maxLength", String.valueOf(MAX_KEY_CHARS)));
            return true;
        }
        Group group = groups.computeIfAbsent(index + "\u0000" + groupKey,
                k -> new Group(index, groupKey, JsonNodeFactory.instance.objectNode(), event.timestamp()));
        if (set instanceof ObjectNode properties) {
            group.properties().setAll(properties);
        }
        if (event.timestamp().isBefore(group.createdAt())) {
            groups.put(index + "\u0000" + groupKey,
                    new Group(index, groupKey, group.properties(), event.timestamp()));
        }
        return true;
    }

    private Integer indexOf(String type, CapturedEvent event) {
        Integer index = typeIndex.get(type);
        if (index != null || typeIndex.size() >= MAX_GROUP_TYPES) {
            return index;
        }
        if (tooLong(type)) {
            warnings.add(IngestionWarning.of("group_type_too_long", event.uuid(), now)
                    .with("distinctId", event.distinctId())
                    .with("groupType", type.substring(0, type.offsetByCodePoints(0, MAX_KEY_CHARS)))
                    .with("maxLength", String.valueOf(MAX_KEY_CHARS)));
            return null;
        }
        Instant at = event.timestamp();
        int free = 0;
        while (typeIndex.containsValue(free)) {
            free++;
        }
        typeIndex.put(type, free);
        newTypes.add(new GroupType(type, free, at));
        return free;
    }

    private static boolean tooLong(String text) {
        return text.length() > MAX_KEY_CHARS && text.codePointCount(0, text.length()) > MAX_KEY_CHARS;
    }

    /**
     * JavaScript's {@code value.toString()}, what PostHog's ingestion keys a group by: a string as is, a number in
     * JavaScript's form, an array its elements' joined by commas (null as empty), an object {@code [object Object]}.
     */
    static String jsToString(JsonNode value) {
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isNumber()) {
            double d = value.doubleValue();
            return Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : JsNumbers.text(d);
        }
        if (value.isArray()) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < value.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                JsonNode element = value.get(i);
                if (element != null && !element.isNull()) {
                    out.append(jsToString(element));
                }
            }
            return out.toString();
        }
        if (value.isObject()) {
            return "[object Object]";
        }
        return value.asText();
    }

    /**
     * An event's {@code $group_<index>} column: PostHog's ClickHouse column is the property's JSON text with a
     * string's quotes taken off, numbers as JavaScript writes them.
     */
    static String columnText(JsonNode value) {
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isNumber()) {
            double d = value.doubleValue();
            return Double.isInfinite(d) ? "null" : JsNumbers.text(d); // JSON.stringify(Infinity) is null
        }
        return value.isContainerNode() ? JsNumbers.byTree(value) : value.asText();
    }

    private static boolean truthy(JsonNode value) {
        return value != null && !value.isNull() && !(value.isTextual() && value.textValue().isEmpty())
                && !(value.isNumber() && value.asDouble() == 0) && !(value.isBoolean() && !value.booleanValue());
    }
}

package dev.quarry.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The person updates an event keeps in its own stored properties, as PostHog's ingestion leaves them on the event
 * (its event normalisation, then its person-profile normalisation):
 * <ul>
 * <li>{@code $set} / {@code $set_once}: the properties' own object merged with the top-level one of the same name
 * (top-level keys win). When the event carries any property PostHog copies onto persons
 * ({@link DerivedPersonProperties#EVENT_TO_PERSON}; a server SDK's {@code $os}/{@code $os_version} do not count), both
 * are stored, with the derived keys added where the event's own objects do not name them: the current values into
 * {@code $set} and {@code $initial_*} into {@code $set_once} — exactly the maps the person writes apply
 * ({@link DerivedPersonProperties#of}). Otherwise each is stored only when sent: the merged object when a top-level
 * object was sent, else the properties' value as sent (a non-object included).</li>
 * <li>{@code $unset}: the properties' value as sent (a top-level {@code $unset} is not part of PostHog's event).</li>
 * <li>Nothing of the three on {@code $groupidentify} and on events with {@code $process_person_profile: false}
 * (PostHog deletes them there); {@code $snapshot} and {@code $performance_event} derive nothing.</li>
 * </ul>
 * Property definitions skip the three keys, as PostHog's property-definitions service does.
 */
final class StoredPersonUpdates {
    private StoredPersonUpdates() {
    }

    /**
     * Writes the keys into {@code properties} (which hold none of them on entry).
     *
     * @return the event's {@link DerivedPersonProperties#of person updates} when they were derived here (the event
     *         carries a key PostHog copies onto persons), else null
     *
     * @param topSet      the event's top-level {@code $set} (null, JSON null or an object)
     * @param sentSet     {@code properties.$set} as sent, or null when absent
     * @param set         the merged object the parser made of both (non-objects read as {})
     * @param sentUnset   {@code properties.$unset} as sent, or null when absent
     */
    static DerivedPersonProperties.Updates store(String event, ObjectNode properties, JsonNode topSet,
                                                 JsonNode sentSet, ObjectNode set, JsonNode topSetOnce,
                                                 JsonNode sentSetOnce, ObjectNode setOnce, JsonNode sentUnset) {
        if (event.equals("$groupidentify") || isPersonless(properties)) {
            return null;
        }
        DerivedPersonProperties.Updates updates = null;
        if (DerivedPersonProperties.derivesAny(event, properties)) {
            updates = DerivedPersonProperties.of(event, properties, set, setOnce);
            properties.set("$set", objectOf(updates.set()));
            properties.set("$set_once", objectOf(updates.setOnce()));
        } else {
            keep(properties, "$set", topSet, sentSet, set);
            keep(properties, "$set_once", topSetOnce, sentSetOnce, setOnce);
        }
        if (sentUnset != null) {
            properties.set("$unset", sentUnset);
        }
        return updates;
    }

    /** The rows PostHog's property definitions never hold for event properties. */
    static boolean skippedByDefinitions(String key) {
        return key.equals("$set") || key.equals("$set_once") || key.equals("$unset");
    }

    private static boolean isPersonless(ObjectNode properties) {
        JsonNode flag = properties.get("$process_person_profile");
        return flag != null && flag.isBoolean() && !flag.booleanValue();
    }

    private static void keep(ObjectNode properties, String name, JsonNode top, JsonNode sent, ObjectNode merged) {
        if (top != null && top.isObject()) {
            properties.set(name, merged);
        } else if (sent != null) {
            properties.set(name, sent);
        }
    }

    private static ObjectNode objectOf(Map<String, JsonNode> values) {
        ObjectNode object = JsonNodeFactory.instance.objectNode();
        values.forEach(object::set);
        return object;
    }
}

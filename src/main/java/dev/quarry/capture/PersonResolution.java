package dev.quarry.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Person processing for one batch, in memory and in event order, as PostHog's ingestion does it: an unseen
 * distinct id creates a person (created at that event's time); {@code $identify} (with {@code $anon_distinct_id}),
 * {@code $create_alias} and {@code $merge_dangerously} join two distinct ids into one person, merging two persons
 * where needed; {@code $set_once}, {@code $set} and {@code $unset} update properties. The outcome is a list of
 * writes ({@link Outcome}) that the ingestor applies in one transaction. A distinct id of a deleted person stays
 * with that person until it is reset: its events count for the deleted person and change nothing else.
 */
final class PersonResolution {
    private final Map<String, PersonRecord> byDistinctId;
    private final Set<String> remappedDistinctIds = new LinkedHashSet<>();
    private final Map<UUID, UUID> mergedInto = new HashMap<>();
    private final Map<UUID, PersonRecord> persons = new LinkedHashMap<>();

    /** @param existing the current mapping of every distinct id the batch names (absent ids are unseen) */
    PersonResolution(Map<String, PersonRecord> existing) {
        this.byDistinctId = new HashMap<>(existing);
        existing.values().forEach(person -> persons.put(person.uuid, person));
    }

    record Merge(UUID from, UUID into) {
    }

    record Outcome(List<PersonRecord> created, List<PersonRecord> updated, Map<String, UUID> distinctIds,
                   List<Merge> merges, List<UUID> deletedExisting, List<UUID> eventPersons) {
    }

    /** Every distinct id an event may touch: its own and the one it merges with. */
    static List<String> distinctIdsOf(CapturedEvent event) {
        List<String> ids = new ArrayList<>(2);
        ids.add(event.distinctId());
        String other = otherDistinctId(event);
        if (other != null) {
            ids.add(other);
        }
        return ids;
    }

    Outcome process(List<CapturedEvent> events) {
        List<UUID> eventPersons = new ArrayList<>(events.size());
        for (CapturedEvent event : events) {
            eventPersons.add(apply(event).uuid);
        }
        List<UUID> resolved = new ArrayList<>(eventPersons.size());
        eventPersons.forEach(uuid -> resolved.add(finalPerson(uuid)));
        List<PersonRecord> created = new ArrayList<>();
        List<PersonRecord> updated = new ArrayList<>();
        List<UUID> deletedExisting = new ArrayList<>();
        for (PersonRecord person : persons.values()) {
            boolean merged = mergedInto.containsKey(person.uuid);
            if (person.isNew && !merged) {
                created.add(person);
            } else if (!person.isNew && merged) {
                deletedExisting.add(person.uuid);
            } else if (!person.isNew && !person.deleted && person.changed) {
                updated.add(person);
            }
        }
        Map<String, UUID> distinctIds = new LinkedHashMap<>();
        remappedDistinctIds.forEach(id -> distinctIds.put(id, byDistinctId.get(id).uuid));
        List<Merge> merges = new ArrayList<>();
        for (UUID from : mergedInto.keySet()) {
            if (!persons.get(from).isNew) {
                merges.add(new Merge(from, finalPerson(from)));
            }
        }
        return new Outcome(created, updated, distinctIds, merges, deletedExisting, resolved);
    }

    private PersonRecord apply(CapturedEvent event) {
        String other = otherDistinctId(event);
        PersonRecord held = byDistinctId.get(event.distinctId());
        if (held != null && held.deleted) {
            return held;
        }
        PersonRecord person;
        if (other != null && !other.equals(event.distinctId())
                && (byDistinctId.get(other) == null || !byDistinctId.get(other).deleted)) {
            person = join(event, other);
        } else {
            person = personFor(event.distinctId(), event);
        }
        updateProperties(person, event);
        return person;
    }

    private PersonRecord join(CapturedEvent event, String other) {
        String main = event.distinctId();
        PersonRecord mainPerson = byDistinctId.get(main);
        PersonRecord otherPerson = byDistinctId.get(other);
        PersonRecord result;
        if (mainPerson == null && otherPerson == null) {
            result = create(event);
            assign(main, result);
            assign(other, result);
        } else if (mainPerson != null && otherPerson == null) {
            result = mainPerson;
            assign(other, result);
        } else if (mainPerson == null) {
            result = otherPerson;
            assign(main, result);
        } else if (mainPerson == otherPerson) {
            result = mainPerson;
        } else if (mergeAllowed(event, otherPerson)) {
            merge(otherPerson, mainPerson);
            result = mainPerson;
        } else {
            result = mainPerson;
        }
        if (!result.identified && !event.event().equals("$merge_dangerously")) {
            result.identified = true;
            result.changed = true;
        }
        return result;
    }

    /** An identified person is not merged away by $identify or $create_alias; only $merge_dangerously does that. */
    private static boolean mergeAllowed(CapturedEvent event, PersonRecord otherPerson) {
        return event.event().equals("$merge_dangerously") || !otherPerson.identified;
    }

    private void merge(PersonRecord from, PersonRecord into) {
        ObjectNode properties = from.properties.deepCopy();
        properties.setAll(into.properties);
        into.properties = properties;
        if (from.createdAt.isBefore(into.createdAt)) {
            into.createdAt = from.createdAt;
        }
        into.identified = into.identified || from.identified;
        into.changed = true;
        mergedInto.put(from.uuid, into.uuid);
        for (Map.Entry<String, PersonRecord> entry : byDistinctId.entrySet()) {
            if (entry.getValue() == from) {
                entry.setValue(into);
                remappedDistinctIds.add(entry.getKey());
            }
        }
    }

    private PersonRecord personFor(String distinctId, CapturedEvent event) {
        PersonRecord person = byDistinctId.get(distinctId);
        if (person == null) {
            person = create(event);
            assign(distinctId, person);
        }
        return person;
    }

    private PersonRecord create(CapturedEvent event) {
        PersonRecord person = new PersonRecord(UUID.randomUUID(), true, event.timestamp(),
                JsonNodeFactory.instance.objectNode(), false);
        persons.put(person.uuid, person);
        return person;
    }

    private void assign(String distinctId, PersonRecord person) {
        byDistinctId.put(distinctId, person);
        remappedDistinctIds.add(distinctId);
    }

    private static void updateProperties(PersonRecord person, CapturedEvent event) {
        boolean changed = false;
        Iterator<Map.Entry<String, JsonNode>> once = event.setOnce().fields();
        while (once.hasNext()) {
            Map.Entry<String, JsonNode> field = once.next();
            if (!person.properties.has(field.getKey())) {
                person.properties.set(field.getKey(), field.getValue());
                changed = true;
            }
        }
        Iterator<Map.Entry<String, JsonNode>> set = event.set().fields();
        while (set.hasNext()) {
            Map.Entry<String, JsonNode> field = set.next();
            if (!field.getValue().equals(person.properties.get(field.getKey()))) {
                person.properties.set(field.getKey(), field.getValue());
                changed = true;
            }
        }
        for (String key : event.unset()) {
            changed |= person.properties.remove(key) != null;
        }
        person.changed |= changed;
    }

    private UUID finalPerson(UUID uuid) {
        UUID current = uuid;
        while (mergedInto.containsKey(current)) {
            current = mergedInto.get(current);
        }
        return current;
    }

    private static String otherDistinctId(CapturedEvent event) {
        JsonNode other = switch (event.event()) {
            case "$identify" -> event.properties().get("$anon_distinct_id");
            case "$create_alias", "$merge_dangerously" -> event.properties().get("alias");
            default -> null;
        };
        return other != null && (other.isTextual() || other.isNumber()) && !other.asText().isBlank()
                ? other.asText() : null;
    }
}

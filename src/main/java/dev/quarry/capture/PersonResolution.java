package dev.quarry.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Person processing for one batch, in memory and in event order, as PostHog's ingestion does it:
 * <ul>
 * <li>An unseen distinct id creates a person (created at that event's time) whose uuid is PostHog's deterministic
 * {@link PersonUuids#of(long, String)} (a random one if that uuid belonged to a person since deleted or merged away,
 * so that person's events stay its own); {@code $set_once}, {@code $set} and {@code $unset} update properties, with the
 * event properties PostHog copies onto persons added ({@link DerivedPersonProperties}).</li>
 * <li>{@code $identify} (with {@code $anon_distinct_id}), {@code $create_alias} and {@code $merge_dangerously} (with
 * {@code alias}) join two distinct ids into one person, merging two persons where needed; an identified person is
 * only merged away by {@code $merge_dangerously} (else warning {@code cannot_merge_already_identified}). Neither id
 * may be one of {@link IllegalDistinctIds} (warning {@code cannot_merge_with_illegal_distinct_id}; the event is then
 * processed as an ordinary event of its distinct id).</li>
 * <li>{@code $process_person_profile: false} (only the boolean): no person is created or changed; the event counts for
 * the distinct id's existing person, else for the deterministic uuid, so a person created later owns it. Sent with
 * {@code $identify}, {@code $create_alias}, {@code $merge_dangerously} or {@code $groupidentify} the event is dropped
 * (warning {@code invalid_event_when_process_person_profile_is_false}); any other value is ignored (warning
 * {@code invalid_process_person_profile}).</li>
 * <li>{@code $groupidentify} never changes person properties; {@code $exception} and {@code $$heatmap} neither.</li>
 * </ul>
 * A distinct id of a deleted person stays with that person until it is reset: its events count for the deleted
 * person and change nothing else. The outcome is a list of writes ({@link Outcome}) the ingestor applies in one
 * transaction.
 */
final class PersonResolution {
    private static final Set<String> MERGE_EVENTS = Set.of("$identify", "$create_alias", "$merge_dangerously");
    private static final Set<String> NOT_WITHOUT_PERSON = Set.of("$identify", "$create_alias", "$merge_dangerously",
            "$groupidentify");

    private final long teamId;
    private final Instant now;
    private final Map<String, PersonRecord> byDistinctId;
    private final Set<String> personlessBefore;
    private final Set<UUID> retired;
    private final Set<String> personlessNow = new LinkedHashSet<>();
    private final Set<String> remappedDistinctIds = new LinkedHashSet<>();
    private final Map<UUID, UUID> mergedInto = new HashMap<>();
    private final Map<UUID, PersonRecord> persons = new LinkedHashMap<>();
    private final List<IngestionWarning> warnings = new ArrayList<>();

    /**
     * @param existing  the current mapping of every distinct id the batch names (absent ids are unseen)
     * @param personless those of the batch's distinct ids already used by events without a person
     * @param retired    deterministic uuids of the batch's ids that belonged to a deleted or merged-away person
     */
    PersonResolution(long teamId, Map<String, PersonRecord> existing, Set<String> personless, Set<UUID> retired,
                     Instant now) {
        this.teamId = teamId;
        this.now = now;
        this.byDistinctId = new HashMap<>(existing);
        this.personlessBefore = Set.copyOf(personless);
        this.retired = Set.copyOf(retired);
        existing.values().forEach(person -> persons.put(person.uuid, person));
    }

    /** For tests: team 1, nothing personless. */
    PersonResolution(Map<String, PersonRecord> existing) {
        this(1, existing, Set.of(), Set.of(), Instant.EPOCH);
    }

    record Merge(UUID from, UUID into) {
    }

    /**
     * @param eventPersons per event, the person it counts for; null for an event that is dropped
     * @param processed    per event, whether its person was processed (false: {@code $process_person_profile: false})
     * @param overrides    person uuids whose events now count for another person: merged-away persons and the
     *                     deterministic uuids of personless distinct ids that joined another person
     * @param newPersonless distinct ids used without a person for the first time
     */
    record Outcome(List<PersonRecord> created, List<PersonRecord> updated, Map<String, UUID> distinctIds,
                   List<Merge> merges, List<Merge> overrides, List<UUID> deletedExisting, List<UUID> eventPersons,
                   List<Boolean> processed, List<String> newPersonless, List<IngestionWarning> warnings) {
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
        List<Boolean> processed = new ArrayList<>(events.size());
        for (CapturedEvent event : events) {
            Boolean processPerson = processPerson(event);
            if (processPerson == null) {
                eventPersons.add(null);
                processed.add(false);
            } else if (processPerson) {
                eventPersons.add(apply(event).uuid);
                processed.add(true);
            } else {
                eventPersons.add(personless(event));
                processed.add(false);
            }
        }
        List<UUID> resolved = new ArrayList<>(eventPersons.size());
        eventPersons.forEach(uuid -> resolved.add(uuid == null ? null : finalPerson(uuid)));
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
        remappedDistinctIds.forEach(id -> distinctIds.put(id, finalPerson(byDistinctId.get(id).uuid)));
        List<Merge> merges = new ArrayList<>();
        Map<UUID, UUID> overrides = new LinkedHashMap<>();
        for (UUID from : mergedInto.keySet()) {
            if (!persons.get(from).isNew) {
                merges.add(new Merge(from, finalPerson(from)));
                overrides.put(from, finalPerson(from));
            }
        }
        // A personless id's events carry its deterministic uuid; once the id belongs to a person with another
        // uuid, they count for that person (PostHog writes the same override when such an id is merged).
        for (String id : remappedDistinctIds) {
            if (personlessBefore.contains(id) || personlessNow.contains(id)) {
                UUID own = PersonUuids.of(teamId, id);
                UUID into = finalPerson(byDistinctId.get(id).uuid);
                if (!own.equals(into)) {
                    overrides.putIfAbsent(own, into);
                }
            }
        }
        List<Merge> overrideList = new ArrayList<>();
        overrides.forEach((from, into) -> overrideList.add(new Merge(from, into)));
        List<String> newPersonless = new ArrayList<>();
        personlessNow.forEach(id -> {
            if (!personlessBefore.contains(id)) {
                newPersonless.add(id);
            }
        });
        return new Outcome(created, updated, distinctIds, merges, overrideList, deletedExisting, resolved, processed,
                newPersonless, warnings);
    }

    /** true / false as PostHog reads {@code $process_person_profile}; null: the event is dropped. */
    private Boolean processPerson(CapturedEvent event) {
        JsonNode flag = event.properties().get("$process_person_profile");
        if (flag == null || (flag.isBoolean() && flag.booleanValue())) {
            event.properties().remove("$process_person_profile");
            return true;
        }
        if (!flag.isBoolean()) {
            warnings.add(warning("invalid_process_person_profile", event)
                    .with("$process_person_profile", flag.isTextual() ? flag.textValue() : flag.toString())
                    .with("message", "Only a boolean value is valid for the $process_person_profile property"));
            event.properties().remove("$process_person_profile");
            return true;
        }
        if (NOT_WITHOUT_PERSON.contains(event.event())) {
            warnings.add(warning("invalid_event_when_process_person_profile_is_false", event));
            return null;
        }
        return false;
    }

    private UUID personless(CapturedEvent event) {
        PersonRecord person = byDistinctId.get(event.distinctId());
        if (person != null) {
            return person.uuid;
        }
        personlessNow.add(event.distinctId());
        return PersonUuids.of(teamId, event.distinctId());
    }

    private PersonRecord apply(CapturedEvent event) {
        String other = otherDistinctId(event);
        String main = event.distinctId();
        PersonRecord held = byDistinctId.get(main);
        if (held != null && held.deleted) {
            return held;
        }
        PersonRecord person;
        if (other != null && !other.equals(main)
                && (byDistinctId.get(other) == null || !byDistinctId.get(other).deleted)) {
            if (IllegalDistinctIds.isIllegal(main) || IllegalDistinctIds.isIllegal(other)) {
                boolean mainIllegal = IllegalDistinctIds.isIllegal(main);
                warnings.add(warning("cannot_merge_with_illegal_distinct_id", event)
                        .with("illegalDistinctId", mainIllegal ? main : other)
                        .with("otherDistinctId", mainIllegal ? other : main));
                person = personFor(main, event);
            } else {
                person = join(event, other);
            }
        } else {
            person = personFor(main, event);
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
            // PostHog names the new person after the id already used without a person, so its events need no
            // override; otherwise after the event's own distinct id.
            boolean otherFirst = isPersonless(other) && !isPersonless(main);
            result = create(otherFirst ? other : main, event);
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
            warnings.add(warning("cannot_merge_already_identified", event)
                    .with("sourcePersonDistinctId", other).with("targetPersonDistinctId", main));
            result = mainPerson;
        }
        // PostHog marks the person identified for all three merge events once the two ids are legal and distinct.
        if (!result.identified) {
            result.identified = true;
            result.changed = true;
        }
        return result;
    }

    private boolean isPersonless(String distinctId) {
        return personlessBefore.contains(distinctId) || personlessNow.contains(distinctId);
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
            person = create(distinctId, event);
            assign(distinctId, person);
        }
        return person;
    }

    private PersonRecord create(String distinctId, CapturedEvent event) {
        UUID uuid = PersonUuids.of(teamId, distinctId);
        if (persons.containsKey(uuid) || retired.contains(uuid)) {
            // The uuid belonged to a deleted or merged-away person: its events stay with that person.
            uuid = UUID.randomUUID();
        }
        PersonRecord person = new PersonRecord(uuid, true, event.timestamp(), JsonNodeFactory.instance.objectNode(),
                false);
        persons.put(person.uuid, person);
        return person;
    }

    private void assign(String distinctId, PersonRecord person) {
        byDistinctId.put(distinctId, person);
        remappedDistinctIds.add(distinctId);
    }

    private static void updateProperties(PersonRecord person, CapturedEvent event) {
        if (event.event().equals("$groupidentify")
                || DerivedPersonProperties.NO_PERSON_UPDATE_EVENTS.contains(event.event())) {
            return;
        }
        DerivedPersonProperties.Updates updates = event.personUpdates();
        boolean personEvent = DerivedPersonProperties.PERSON_EVENTS.contains(event.event());
        boolean changed = false;
        for (Map.Entry<String, JsonNode> field : updates.setOnce().entrySet()) {
            if (!person.properties.has(field.getKey())) {
                person.properties.set(field.getKey(), field.getValue());
                changed = true;
            }
        }
        for (Map.Entry<String, JsonNode> field : updates.set().entrySet()) {
            JsonNode current = person.properties.get(field.getKey());
            if (!field.getValue().equals(current)) {
                person.properties.set(field.getKey(), field.getValue());
                // PostHog does not rewrite a person only because a fast-changing key (URL, browser, …) moved.
                changed |= current == null || personEvent || !DerivedPersonProperties.FILTERED.contains(field.getKey());
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

    private IngestionWarning warning(String type, CapturedEvent event) {
        return IngestionWarning.of(type, event.uuid(), now).with("event", event.event())
                .with("distinctId", event.distinctId());
    }

    /**
     * The id an event joins to its own, read as PostHog does: {@code $identify} takes {@code $anon_distinct_id}
     * whenever the key is present (so {@code null} reads "null", an object "[object Object]" — both illegal);
     * {@code $create_alias} and {@code $merge_dangerously} take {@code alias} when it is truthy.
     */
    private static String otherDistinctId(CapturedEvent event) {
        if (!MERGE_EVENTS.contains(event.event())) {
            return null;
        }
        if (event.event().equals("$identify")) {
            return event.properties().has("$anon_distinct_id")
                    ? bounded(jsString(event.properties().get("$anon_distinct_id"))) : null;
        }
        JsonNode alias = event.properties().get("alias");
        if (alias == null || alias.isNull() || (alias.isTextual() && alias.textValue().isEmpty())
                || (alias.isNumber() && alias.asDouble() == 0) || (alias.isBoolean() && !alias.booleanValue())) {
            return null;
        }
        return bounded(jsString(alias));
    }

    /**
     * A merge's other id cut as an event's own distinct id is cut ({@link CapturePayloadParser#MAX_DISTINCT_ID_CHARS}
     * code points), so that it names the id an event of it stored: unbounded, one person held 1,000 ids of 200 kB
     * (200 MB a persons page read), and an id past the index's row limit failed its whole batch (breaker pass 10).
     */
    static String bounded(String id) {
        if (id.length() <= CapturePayloadParser.MAX_DISTINCT_ID_CHARS
                || id.codePointCount(0, id.length()) <= CapturePayloadParser.MAX_DISTINCT_ID_CHARS) {
            return id;
        }
        return id.substring(0, id.offsetByCodePoints(0, CapturePayloadParser.MAX_DISTINCT_ID_CHARS));
    }

    /** JavaScript's String(value) for a JSON value. */
    private static String jsString(JsonNode value) {
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isNull()) {
            return "null";
        }
        if (value.isObject()) {
            return "[object Object]";
        }
        if (value.isArray()) {
            List<String> parts = new ArrayList<>();
            value.forEach(element -> parts.add(element.isNull() ? "" : jsString(element)));
            return String.join(",", parts);
        }
        return value.asText();
    }
}

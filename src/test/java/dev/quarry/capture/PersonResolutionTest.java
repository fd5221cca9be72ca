package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PersonResolutionTest {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static CapturedEvent event(String name, String distinctId, int minute, ObjectNode properties, ObjectNode set) {
        return new CapturedEvent(UUID.randomUUID(), name, distinctId, properties, T0.plusSeconds(60L * minute),
                set, JSON.objectNode(), List.of());
    }

    private static CapturedEvent event(String name, String distinctId, int minute) {
        return event(name, distinctId, minute, JSON.objectNode(), JSON.objectNode());
    }

    @Test
    void unseenDistinctIdCreatesOnePersonAtItsFirstEvent() {
        var outcome = new PersonResolution(Map.of()).process(List.of(event("a", "d1", 5), event("b", "d1", 9)));
        assertEquals(1, outcome.created().size());
        assertEquals(T0.plusSeconds(300), outcome.created().get(0).createdAt);
        assertEquals(outcome.eventPersons().get(0), outcome.eventPersons().get(1));
        assertEquals(Map.of("d1", outcome.created().get(0).uuid), outcome.distinctIds());
    }

    @Test
    void identifyOfANewUserIdJoinsItToTheAnonymousPerson() {
        var identify = event("$identify", "user", 2, JSON.objectNode().put("$anon_distinct_id", "anon"),
                JSON.objectNode().put("email", "u@x"));
        var outcome = new PersonResolution(Map.of()).process(List.of(event("view", "anon", 1), identify));
        assertEquals(1, outcome.created().size());
        PersonRecord person = outcome.created().get(0);
        assertTrue(person.identified);
        assertEquals("u@x", person.properties.get("email").asText());
        assertEquals(person.uuid, outcome.distinctIds().get("user"));
        assertEquals(person.uuid, outcome.distinctIds().get("anon"));
    }

    @Test
    void identifyMergesTwoExistingPersonsKeepingTheIdentifiedOnesProperties() {
        PersonRecord anon = new PersonRecord(UUID.randomUUID(), false, T0,
                JSON.objectNode().put("plan", "free").put("ref", "ad"), false);
        PersonRecord user = new PersonRecord(UUID.randomUUID(), false, T0.plusSeconds(600),
                JSON.objectNode().put("plan", "pro"), true);
        Map<String, PersonRecord> existing = new HashMap<>(Map.of("anon", anon, "user", user));
        var outcome = new PersonResolution(existing).process(List.of(
                event("$identify", "user", 20, JSON.objectNode().put("$anon_distinct_id", "anon"), JSON.objectNode())));
        assertEquals(List.of(new PersonResolution.Merge(anon.uuid, user.uuid)), outcome.merges());
        assertEquals(List.of(anon.uuid), outcome.deletedExisting());
        assertEquals(List.of(user), outcome.updated());
        assertEquals("pro", user.properties.get("plan").asText());
        assertEquals("ad", user.properties.get("ref").asText());
        assertEquals(T0, user.createdAt); // the earlier of the two
        assertEquals(user.uuid, outcome.distinctIds().get("anon"));
    }

    @Test
    void anIdentifiedPersonIsNotMergedAwayByIdentifyButIsByMergeDangerously() {
        PersonRecord a = new PersonRecord(UUID.randomUUID(), false, T0, JSON.objectNode(), true);
        PersonRecord b = new PersonRecord(UUID.randomUUID(), false, T0, JSON.objectNode(), true);
        var identify = new PersonResolution(new HashMap<>(Map.of("a", a, "b", b))).process(List.of(
                event("$identify", "a", 1, JSON.objectNode().put("$anon_distinct_id", "b"), JSON.objectNode())));
        assertTrue(identify.merges().isEmpty());
        var merge = new PersonResolution(new HashMap<>(Map.of("a", a, "b", b))).process(List.of(
                event("$merge_dangerously", "a", 1, JSON.objectNode().put("alias", "b"), JSON.objectNode())));
        assertEquals(List.of(new PersonResolution.Merge(b.uuid, a.uuid)), merge.merges());
    }

    @Test
    void eventsBeforeAMergeInTheSameBatchEndWithTheSurvivingPerson() {
        var outcome = new PersonResolution(Map.of()).process(List.of(
                event("view", "x", 1), event("view", "y", 2),
                event("$create_alias", "x", 3, JSON.objectNode().put("alias", "y"), JSON.objectNode())));
        assertEquals(1, outcome.created().size());
        UUID survivor = outcome.created().get(0).uuid;
        assertEquals(List.of(survivor, survivor, survivor), outcome.eventPersons());
        assertTrue(outcome.merges().isEmpty()); // the merged-away person never reached the database
        assertFalse(outcome.distinctIds().isEmpty());
        assertEquals(survivor, outcome.distinctIds().get("y"));
    }
}

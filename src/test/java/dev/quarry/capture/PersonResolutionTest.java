package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
    void mergeDangerouslyIdentifiesLikeIdentifyAndAlias() {
        for (String name : List.of("$identify", "$create_alias", "$merge_dangerously")) {
            String key = name.equals("$identify") ? "$anon_distinct_id" : "alias";
            var outcome = new PersonResolution(Map.of()).process(List.of(
                    event(name, "main", 1, JSON.objectNode().put(key, "other"), JSON.objectNode())));
            assertTrue(outcome.created().get(0).identified, name);
        }
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

    private static CapturedEvent with(String name, String distinctId, int minute, ObjectNode properties) {
        return event(name, distinctId, minute, properties, JSON.objectNode());
    }

    private static List<String> types(PersonResolution.Outcome outcome) {
        return outcome.warnings().stream().map(IngestionWarning::type).toList();
    }

    @Test
    void newPersonsGetPostHogsDeterministicUuid() {
        var outcome = new PersonResolution(9, Map.of(), java.util.Set.of(), java.util.Set.of(), T0).process(List.of(event("a", "d1", 1)));
        assertEquals(PersonUuids.of(9, "d1"), outcome.created().get(0).uuid);
    }

    @Test
    void aRetiredDeterministicUuidIsNotReused() {
        UUID own = PersonUuids.of(9, "d1");
        var outcome = new PersonResolution(9, Map.of(), java.util.Set.of(), java.util.Set.of(own), T0)
                .process(List.of(event("a", "d1", 1)));
        assertNotEquals(own, outcome.created().get(0).uuid);
    }

    @Test
    void identifyWithAnIllegalIdDoesNotMergeButStoresTheEventAndWarns() {
        for (String illegal : List.of("undefined", "\"null\"", "NaN", "Anonymous", "0", "[object Object]")) {
            PersonRecord user = new PersonRecord(UUID.randomUUID(), false, T0, JSON.objectNode(), false);
            var outcome = new PersonResolution(new HashMap<>(Map.of("user", user))).process(List.of(
                    with("$identify", "user", 1, JSON.objectNode().put("$anon_distinct_id", illegal))));
            assertEquals(List.of("cannot_merge_with_illegal_distinct_id"), types(outcome), illegal);
            assertEquals(illegal, outcome.warnings().get(0).details().get("illegalDistinctId").asText());
            assertEquals(List.of(user.uuid), outcome.eventPersons());
            assertFalse(outcome.distinctIds().containsKey(illegal), illegal);
            assertTrue(outcome.merges().isEmpty());
            assertFalse(user.identified);
        }
    }

    @Test
    void anIllegalOwnDistinctIdOrAliasDoesNotMergeEither() {
        var identify = new PersonResolution(Map.of()).process(List.of(
                with("$identify", "undefined", 1, JSON.objectNode().put("$anon_distinct_id", "anon-1"))));
        assertEquals(List.of("cannot_merge_with_illegal_distinct_id"), types(identify));
        assertEquals(Map.of("undefined", identify.created().get(0).uuid), identify.distinctIds());
        var alias = new PersonResolution(Map.of()).process(List.of(
                with("$create_alias", "user", 1, JSON.objectNode().put("alias", "GUEST")),
                with("$merge_dangerously", "user", 2, JSON.objectNode().put("alias", "'email'")),
                with("$identify", "user", 3, JSON.objectNode().putNull("$anon_distinct_id"))));
        assertEquals(3, alias.warnings().size());
        assertEquals(java.util.Set.of("user"), alias.distinctIds().keySet());
    }

    @Test
    void personlessEventsCreateNothingAndUseTheDeterministicUuidOrTheExistingPerson() {
        PersonRecord known = new PersonRecord(UUID.randomUUID(), false, T0, JSON.objectNode().put("plan", "free"), false);
        ObjectNode off = JSON.objectNode().put("$process_person_profile", false);
        var outcome = new PersonResolution(5, new HashMap<>(Map.of("known", known)), java.util.Set.of(), java.util.Set.of(), T0)
                .process(List.of(
                        event("view", "anon", 1, off.deepCopy(), JSON.objectNode().put("plan", "pro")),
                        event("view", "known", 2, off.deepCopy(), JSON.objectNode().put("plan", "pro")),
                        with("$identify", "anon", 3, off.deepCopy().put("$anon_distinct_id", "other")),
                        with("$groupidentify", "anon", 4, off.deepCopy())));
        assertTrue(outcome.created().isEmpty());
        assertTrue(outcome.updated().isEmpty());
        assertEquals("free", known.properties.get("plan").asText());
        assertEquals(java.util.Arrays.asList(PersonUuids.of(5, "anon"), known.uuid, null, null), outcome.eventPersons());
        assertEquals(List.of("anon"), outcome.newPersonless());
        assertEquals(List.of("invalid_event_when_process_person_profile_is_false",
                "invalid_event_when_process_person_profile_is_false"), types(outcome));
    }

    @Test
    void aPersonlessIdJoiningAnotherPersonGetsAnOverride() {
        PersonRecord user = new PersonRecord(UUID.randomUUID(), false, T0, JSON.objectNode(), false);
        var outcome = new PersonResolution(5, new HashMap<>(Map.of("user", user)), java.util.Set.of("anon"), java.util.Set.of(), T0)
                .process(List.of(with("$identify", "user", 1, JSON.objectNode().put("$anon_distinct_id", "anon"))));
        assertEquals(List.of(new PersonResolution.Merge(PersonUuids.of(5, "anon"), user.uuid)), outcome.overrides());
        // A person created for the personless id itself takes its uuid: no override needed.
        var own = new PersonResolution(5, Map.of(), java.util.Set.of("anon"), java.util.Set.of(), T0).process(List.of(event("x", "anon", 1)));
        assertEquals(PersonUuids.of(5, "anon"), own.created().get(0).uuid);
        assertTrue(own.overrides().isEmpty());
    }

    @Test
    void anInvalidProcessPersonProfileValueIsIgnoredWithAWarning() {
        var outcome = new PersonResolution(Map.of()).process(List.of(
                event("view", "d", 1, JSON.objectNode().put("$process_person_profile", "false"),
                        JSON.objectNode().put("plan", "pro"))));
        assertEquals(1, outcome.created().size());
        assertEquals("pro", outcome.created().get(0).properties.get("plan").asText());
        assertEquals(List.of("invalid_process_person_profile"), types(outcome));
    }

    @Test
    void groupIdentifyNeverTouchesPersonProperties() {
        var outcome = new PersonResolution(Map.of()).process(List.of(event("$groupidentify", "g", 1,
                JSON.objectNode().put("$group_type", "company").put("$group_key", "acme").put("$browser", "Chrome"),
                JSON.objectNode().put("plan", "pro"))));
        assertEquals(JSON.objectNode(), outcome.created().get(0).properties);
    }

    @Test
    void eventPropertiesAreCopiedToThePersonWithInitialValuesSetOnce() {
        ObjectNode first = JSON.objectNode().put("$browser", "Chrome").put("utm_source", "google")
                .put("$current_url", "https://a.test/1").put("gclid", "g1").putNull("fbclid").put("other", 1);
        ObjectNode second = JSON.objectNode().put("$browser", "Firefox").put("utm_source", "bing")
                .put("$current_url", "https://a.test/2");
        var outcome = new PersonResolution(Map.of()).process(List.of(with("$pageview", "d", 1, first),
                with("$pageview", "d", 2, second)));
        ObjectNode p = outcome.created().get(0).properties;
        assertEquals("Firefox", p.get("$browser").asText());
        assertEquals("Chrome", p.get("$initial_browser").asText());
        assertEquals("bing", p.get("utm_source").asText());
        assertEquals("google", p.get("$initial_utm_source").asText());
        assertEquals("https://a.test/1", p.get("$initial_current_url").asText());
        assertEquals("g1", p.get("$initial_gclid").asText());
        assertTrue(p.get("fbclid").isNull());
        assertFalse(p.has("$initial_fbclid")); // a null never blocks the first real touch
        assertFalse(p.has("other"));
    }

    @Test
    void explicitSetWinsOverDerivedAndServerEventsKeepTheirHostOs() {
        ObjectNode props = JSON.objectNode().put("$browser", "Chrome").put("$os", "Linux").put("$is_server", true);
        var outcome = new PersonResolution(Map.of()).process(List.of(event("$pageview", "d", 1, props,
                JSON.objectNode().put("$browser", "Mine"))));
        ObjectNode p = outcome.created().get(0).properties;
        assertEquals("Mine", p.get("$browser").asText());
        assertEquals("Chrome", p.get("$initial_browser").asText());
        assertFalse(p.has("$os"));
        assertFalse(p.has("$initial_os"));
    }

    @Test
    void aChangedUrlAloneDoesNotRewriteAnExistingPerson() {
        PersonRecord known = new PersonRecord(UUID.randomUUID(), false, T0,
                JSON.objectNode().put("$current_url", "https://a.test/1").put("$initial_current_url", "https://a.test/1"),
                false);
        var outcome = new PersonResolution(new HashMap<>(Map.of("d", known))).process(List.of(
                with("$pageview", "d", 1, JSON.objectNode().put("$current_url", "https://a.test/2"))));
        assertTrue(outcome.updated().isEmpty());
        var set = new PersonResolution(new HashMap<>(Map.of("d", known))).process(List.of(
                with("$pageview", "d", 1, JSON.objectNode().put("$current_url", "https://a.test/3").put("utm_term", "x"))));
        assertEquals(List.of(known), set.updated()); // utm_term is new, so the person is written, with the new URL
        assertEquals("https://a.test/3", known.properties.get("$current_url").asText());
    }

    @Test
    void refusedMergeOfAnIdentifiedPersonIsAWarning() {
        PersonRecord a = new PersonRecord(UUID.randomUUID(), false, T0, JSON.objectNode(), true);
        PersonRecord b = new PersonRecord(UUID.randomUUID(), false, T0, JSON.objectNode(), true);
        var outcome = new PersonResolution(new HashMap<>(Map.of("a", a, "b", b))).process(List.of(
                with("$identify", "a", 1, JSON.objectNode().put("$anon_distinct_id", "b"))));
        assertEquals(List.of("cannot_merge_already_identified"), types(outcome));
    }
}

package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The person updates the parser derives for an event (to store them on it) are reused by person processing and the
 * definitions instead of being derived twice more: they must be what deriving them again gives, before and after
 * person processing changed the event's properties.
 */
class DerivedUpdatesReuseTest {
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    @Test
    void theParsersUpdatesAreWhatDerivingAgainGives() {
        String body = """
                {"api_key":"tok","sent_at":"2026-12-02T10:00:00Z","batch":[
                 {"event":"$pageview","distinct_id":"a","properties":{"$browser":"Chrome","$os_name":"iOS",
                  "$current_url":"https://x/1","utm_source":null,"$set":{"$browser":"Own"},"$set_once":{"x":1}},
                  "$set":{"plan":"pro"}},
                 {"event":"$pageview","distinct_id":"b","properties":{"$os":"Mac OS X","$os_version":"14","$browser":"Firefox",
                  "$is_server":true,"$groups":{"company":"c1"},"$process_person_profile":true}},
                 {"event":"$identify","distinct_id":"c","properties":{"$anon_distinct_id":"a","$referrer":"r"}},
                 {"event":"custom","distinct_id":"d","properties":{"plain":1},"$set":{"email":"d@x"}},
                 {"event":"$pageview","distinct_id":"e","properties":{"$browser":"Safari","$process_person_profile":false}},
                 {"event":"$groupidentify","distinct_id":"f","properties":{"$group_type":"company","$group_key":"c1",
                  "$browser":"Edge","$group_set":{"name":"C"}}},
                 {"event":"$exception","distinct_id":"g","properties":{"$current_url":"https://x/e"}}]}""";
        List<CapturedEvent> events = new CapturePayloadParser(new ObjectMapper())
                .parse(body.getBytes(StandardCharsets.UTF_8), null, null, NOW).events();
        assertNotNull(events.get(0).derivedUpdates());
        assertNotNull(events.get(1).derivedUpdates());
        assertNotNull(events.get(2).derivedUpdates());
        assertNull(events.get(3).derivedUpdates(), "nothing derived: made when asked");
        assertNull(events.get(4).derivedUpdates(), "personless: no person updates stored");
        assertNull(events.get(5).derivedUpdates(), "$groupidentify: no person updates stored");
        assertEqualsDerivedAgain(events);
        assertEquals(Map.of("$browser", "Own", "plan", "pro", "$os", "iOS", "$current_url", "https://x/1",
                "utm_source", "null"), texts(events.get(0).personUpdates().set()));
        new PersonResolution(Map.of()).process(events);
        assertEqualsDerivedAgain(events);
    }

    private static void assertEqualsDerivedAgain(List<CapturedEvent> events) {
        for (CapturedEvent event : events) {
            DerivedPersonProperties.Updates again = DerivedPersonProperties.of(event.event(), event.properties(),
                    event.set(), event.setOnce());
            DerivedPersonProperties.Updates reused = event.personUpdates();
            assertEquals(List.copyOf(again.set().entrySet()), List.copyOf(reused.set().entrySet()), event.event());
            assertEquals(List.copyOf(again.setOnce().entrySet()), List.copyOf(reused.setOnce().entrySet()),
                    event.event());
        }
    }

    private static Map<String, String> texts(Map<String, com.fasterxml.jackson.databind.JsonNode> values) {
        Map<String, String> texts = new java.util.HashMap<>();
        values.forEach((key, value) -> texts.put(key, value.asText()));
        return texts;
    }
}

package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link DerivedPersonProperties#of} and {@code derivesAny} find the event-to-person keys from the event's own keys
 * when it has fewer than the list (a handful for server SDKs) instead of probing all 44 keys: the same updates, in
 * the same order, as probing each key of the list (the earlier code, kept here as the reference), for 20,000 random
 * events — few and many properties, JSON nulls, {@code $os}/{@code $os_name} stand-ins, server events, explicit
 * {@code $set}/{@code $set_once} keys that win, and the events that derive nothing.
 */
class DerivedPersonPropertiesLookupTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String[] EVENTS = {"$pageview", "$identify", "$snapshot", "$performance_event", "signed up"};
    private static final String[] OTHER_KEYS = {"plan", "$lib", "$session_id", "$is_server", "$initial_os", "n", "$set"};

    @Test
    void sameUpdatesInTheSameOrderAsProbingEveryKey() {
        Random random = new Random(18);
        List<String> keys = new ArrayList<>(DerivedPersonProperties.EVENT_TO_PERSON);
        keys.addAll(List.of(OTHER_KEYS));
        for (int n = 0; n < 20_000; n++) {
            ObjectNode properties = NODES.objectNode();
            if (random.nextInt(4) == 0) {
                // as many keys as the list or more (posthog-js events): the list's keys are probed
                java.util.Collections.shuffle(keys, random);
                for (String key : keys.subList(0, 44 + random.nextInt(keys.size() - 43))) {
                    properties.set(key, value(random));
                }
            } else {
                for (int i = random.nextInt(12); i > 0; i--) {
                    properties.set(keys.get(random.nextInt(keys.size())), value(random));
                }
            }
            if (random.nextInt(3) == 0) {
                properties.put("$is_server", random.nextBoolean());
            }
            if (random.nextInt(4) == 0) {
                properties.set("$os_name", value(random));
            }
            ObjectNode set = NODES.objectNode();
            ObjectNode setOnce = NODES.objectNode();
            if (random.nextBoolean()) {
                set.put("$browser", "explicit");
                setOnce.put("$initial_browser", "explicit");
                set.put("email", "a@example.com");
            }
            String event = EVENTS[random.nextInt(EVENTS.length)];
            DerivedPersonProperties.Updates got = DerivedPersonProperties.of(event, properties, set, setOnce);
            Map<String, JsonNode>[] expected = reference(event, properties, set, setOnce);
            assertEquals(List.copyOf(expected[0].entrySet()), List.copyOf(got.set().entrySet()), properties.toString());
            assertEquals(List.copyOf(expected[1].entrySet()), List.copyOf(got.setOnce().entrySet()), properties.toString());
            assertEquals(referenceDerivesAny(event, properties), DerivedPersonProperties.derivesAny(event, properties),
                    properties.toString());
        }
    }

    private static JsonNode value(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.numberNode(random.nextInt(2000));
            default -> NODES.textNode("v" + random.nextInt(5));
        };
    }

    /** The earlier derivation: every key of the list probed in turn. */
    @SuppressWarnings("unchecked")
    private static Map<String, JsonNode>[] reference(String event, ObjectNode properties, ObjectNode set, ObjectNode setOnce) {
        Map<String, JsonNode> toSet = new LinkedHashMap<>();
        set.fields().forEachRemaining(f -> toSet.put(f.getKey(), f.getValue()));
        Map<String, JsonNode> toSetOnce = new LinkedHashMap<>();
        setOnce.fields().forEachRemaining(f -> toSetOnce.put(f.getKey(), f.getValue()));
        if (event.equals("$snapshot") || event.equals("$performance_event")) {
            return new Map[] {toSet, toSetOnce};
        }
        JsonNode isServer = properties.get("$is_server");
        boolean server = isServer != null && isServer.isBoolean() && isServer.booleanValue();
        JsonNode osName = properties.get("$os_name");
        for (String key : DerivedPersonProperties.EVENT_TO_PERSON) {
            JsonNode value = properties.get(key);
            if (key.equals("$os_name")) {
                continue;
            }
            if (key.equals("$os") && (value == null || value.isNull()) && osName != null && !osName.isNull()) {
                value = osName;
            }
            if (value == null || (server && (key.equals("$os") || key.equals("$os_version")))) {
                continue;
            }
            toSet.putIfAbsent(key, value);
            if (!value.isNull()) {
                toSetOnce.putIfAbsent(DerivedPersonProperties.initialKey(key), value);
            }
        }
        return new Map[] {toSet, toSetOnce};
    }

    private static boolean referenceDerivesAny(String event, ObjectNode properties) {
        if (event.equals("$snapshot") || event.equals("$performance_event")) {
            return false;
        }
        JsonNode isServer = properties.get("$is_server");
        boolean server = isServer != null && isServer.isBoolean() && isServer.booleanValue();
        for (String key : DerivedPersonProperties.EVENT_TO_PERSON) {
            if (properties.has(key) && !(server && (key.equals("$os") || key.equals("$os_version")))) {
                return true;
            }
        }
        return false;
    }
}

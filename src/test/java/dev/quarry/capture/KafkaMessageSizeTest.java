package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * PostHog's capture refuses an event by the size of the Kafka message it would produce (capture-rs: the event read
 * into RawEvent, written back by serde_json into CapturedEvent's string field {@code data}, the CapturedEvent written
 * again; librdkafka adds 36 bytes of record overhead, the key {@code token:distinct_id} and nine headers, and refuses
 * past {@code message.max.bytes} = 1,000,000). Quarry counted the JSON text as sent, so an event whose text is mostly
 * escapes ({@code \u00e9}: 6 bytes sent, 2 in the message) was refused although PostHog takes it, and an event full
 * of quotes (each 4 bytes in the message, escaped twice) was taken although PostHog refuses it.
 *
 * <p>The expected sizes are not taken from {@link KafkaMessageSize}: each test writes the message out with Jackson
 * (compact, non-ASCII raw, control characters escaped as serde_json escapes them, same lengths) and measures it.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class KafkaMessageSizeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UUID_TEXT = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b";
    private static final String TIMESTAMP = "2026-11-30T12:00:00.000Z";
    private static final String NOW = "2026-11-30T12:00:01.123456789Z";

    /** The message PostHog's capture would produce for a batch event without token, uuid given, no sent_at. */
    private static long written(String token, String distinctId, String event, Map<String, Object> properties)
            throws Exception {
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("distinct_id", distinctId);
        raw.put("uuid", UUID_TEXT);
        raw.put("event", event);
        raw.put("properties", properties);
        raw.put("timestamp", TIMESTAMP);
        String data = JSON.writeValueAsString(raw);
        Map<String, Object> captured = new LinkedHashMap<>();
        captured.put("uuid", UUID_TEXT);
        captured.put("distinct_id", distinctId);
        captured.put("ip", "127.0.0.1");
        captured.put("data", data);
        captured.put("now", NOW);
        captured.put("token", token);
        captured.put("event", event);
        captured.put("timestamp", "2026-11-30T12:00:00Z"); // chrono: no fraction for whole seconds
        long value = JSON.writeValueAsString(captured).getBytes(StandardCharsets.UTF_8).length;
        long key = (token + ":" + distinctId).getBytes(StandardCharsets.UTF_8).length;
        long millis = Instant.parse(TIMESTAMP).toEpochMilli();
        Object[][] headers = {{"token", token}, {"distinct_id", distinctId}, {"session_id", ""},
                {"timestamp", String.valueOf(millis)}, {"event", event}, {"uuid", UUID_TEXT}, {"now", NOW},
                {"force_disable_person_processing", ""}, {"historical_migration", ""}};
        long headerBytes = 0;
        for (Object[] h : headers) {
            int name = ((String) h[0]).length();
            int v = ((String) h[1]).getBytes(StandardCharsets.UTF_8).length;
            headerBytes += KafkaMessageSize.varint(name) + name + KafkaMessageSize.varint(v) + v;
        }
        return 36 + key + value + headerBytes;
    }

    private static JsonNode rawEvent(String distinctId, String event, Map<String, Object> properties) {
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("event", event);
        raw.put("distinct_id", distinctId);
        raw.put("uuid", UUID_TEXT);
        raw.put("properties", properties);
        raw.put("timestamp", TIMESTAMP);
        raw.put("type", "capture"); // not a RawEvent field: dropped by PostHog's capture, not counted
        return JSON.valueToTree(raw);
    }

    @Test
    void countsTheMessageAsWrittenTwice() throws Exception {
        // é (2 bytes), a quote (\" then \\\" : 4), a newline (\n then \\n : 3), a unit separator (\u001f then
        // \\u001f : 7), an emoji (4), a backslash (4), and a number serde writes as 100.0
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("s", "é\"\n\u001f\uD83D\uDE00\\/");
        properties.put("n", 1e2);
        properties.put("list", java.util.List.of(1, true, "x"));
        properties.put("o", Map.of("k\"", "v"));
        JsonNode raw = rawEvent("user \"1\"", "ev\u00e9nt", properties);
        CapturedEvent event = new CapturedEvent(UUID.fromString(UUID_TEXT), "ev\u00e9nt", "user \"1\"", null,
                Instant.parse(TIMESTAMP), null, null, java.util.List.of());
        long expected = written("phc_token", "user \"1\"", "ev\u00e9nt", properties);
        // Jackson writes 1e2 as 100.0, as serde_json does
        assertEquals(expected, KafkaMessageSize.of(raw, event, "phc_token", null, false));
    }

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + "/batch/"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * An event whose message is exactly {@code target} bytes: a run of {@code unit} (as sent: {@code sentUnit}) then
     * plain letters to make up the rest. Returns the body and checks the size with {@link #written}.
     */
    private String eventOf(Project p, long target, String unit, String sentUnit, int units) throws Exception {
        Map<String, Object> empty = new LinkedHashMap<>();
        empty.put("pad", unit.repeat(units));
        long base = written(p.apiToken(), "edge", "big", empty);
        int letters = (int) (target - base);
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("pad", unit.repeat(units) + "a".repeat(letters));
        assertEquals(target, written(p.apiToken(), "edge", "big", properties));
        return "{\"api_key\":\"" + p.apiToken() + "\",\"batch\":[{\"event\":\"big\",\"distinct_id\":\"edge\",\"uuid\":\""
                + UUID_TEXT + "\",\"properties\":{\"pad\":\"" + sentUnit.repeat(units) + "a".repeat(letters)
                + "\"},\"timestamp\":\"" + TIMESTAMP + "\"}]}";
    }

    @Test
    void theLimitIsTheMessageNotTheTextAsSent() throws Exception {
        Project p = TestProjects.create("kafka size edge");
        // 200,000 é sent as the escape \u00e9: 1,200,000 bytes as sent, 400,000 in the message; a message of exactly
        // 1,000,000 bytes is taken (librdkafka refuses only past message.max.bytes)
        String atLimit = eventOf(p, 1_000_000, "é", "\\u00e9", 200_000);
        assertTrue(atLimit.length() > 1_000_000);
        HttpResponse<String> taken = post(atLimit);
        assertEquals(200, taken.statusCode(), taken.body().length() > 300 ? taken.body().substring(0, 300) : taken.body());
        // one byte more is refused
        HttpResponse<String> over = post(eventOf(p, 1_000_001, "é", "\\u00e9", 200_000));
        assertEquals(413, over.statusCode());
        assertTrue(over.body().contains("\"event_too_big\"") && over.body().contains("event at index 0 is 1000001 bytes"),
                over.body());
        // quotes: 100,000 sent as \" (200,000 bytes as sent), 400,000 in the message; the body is under 1,000,000
        // bytes as sent and still refused one byte past the limit
        String quotes = eventOf(p, 1_000_001, "\"", "\\\"", 100_000);
        assertTrue(quotes.getBytes(StandardCharsets.UTF_8).length < 1_000_000);
        HttpResponse<String> refused = post(quotes);
        assertEquals(413, refused.statusCode(), refused.body());
        HttpResponse<String> fits = post(eventOf(p, 1_000_000, "\"", "\\\"", 100_000));
        assertEquals(200, fits.statusCode(), fits.body());
        // newlines (\n as sent, 3 in the message) and 3-byte characters (€) mixed in the same way
        assertEquals(413, post(eventOf(p, 1_000_001, "€\n", "€\\n", 50_000)).statusCode());
        assertEquals(200, post(eventOf(p, 1_000_000, "€\n", "€\\n", 50_000)).statusCode());
    }
}

package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decoding and timestamps of capture payloads, without HTTP (the endpoints are in ClientWireFormatsTest). */
class CapturePayloadParserTest {
    private static final Instant NOW = Instant.parse("2026-03-02T12:00:00Z");
    private final CapturePayloadParser parser = new CapturePayloadParser(new ObjectMapper());

    private static String batch(String extra, String eventExtra) {
        return "{\"api_key\":\"phc_x\",\"sent_at\":\"2026-03-02T10:00:00Z\"" + extra + ",\"batch\":[{\"event\":\"e\","
                + "\"distinct_id\":\"d\",\"timestamp\":\"2026-03-02T09:00:00Z\",\"properties\":{" + eventExtra + "}}]}";
    }

    /** sent_at two hours behind our clock: the event's timestamp moves two hours forward, as PostHog does. */
    @Test
    void clockSkewIsCorrectedByDefault() {
        CaptureBatch parsed = parser.parse(batch("", "").getBytes(StandardCharsets.UTF_8), null, null, NOW);
        assertEquals(Instant.parse("2026-03-02T11:00:00Z"), parsed.events().get(0).timestamp());
    }

    @Test
    void ignoreSentAtKeepsTheTimestamp() {
        CaptureBatch parsed = parser.parse(batch("", "\"$ignore_sent_at\":true").getBytes(StandardCharsets.UTF_8),
                null, null, NOW);
        assertEquals(Instant.parse("2026-03-02T09:00:00Z"), parsed.events().get(0).timestamp());
    }

    @Test
    void historicalMigrationBatchesKeepTheirTimestamps() {
        CaptureBatch parsed = parser.parse(batch(",\"historical_migration\":true", "").getBytes(StandardCharsets.UTF_8),
                null, null, NOW);
        assertEquals(Instant.parse("2026-03-02T09:00:00Z"), parsed.events().get(0).timestamp());
        CaptureBatch notHistorical = parser.parse(batch(",\"historical_migration\":false", "")
                .getBytes(StandardCharsets.UTF_8), null, null, NOW);
        assertEquals(Instant.parse("2026-03-02T11:00:00Z"), notHistorical.events().get(0).timestamp());
    }

    /** Older posthog-js could post lz64 without saying so in the URL: the form field is tried as lz-string. */
    @Test
    void lz64FormWithoutTheParameter() throws IOException {
        byte[] form = fixture("posthog-js-lz64.form");
        assertEquals(30, parser.parse(form, null, null, NOW).events().size());
        assertEquals(30, parser.parse(form, null, "lz64", NOW).events().size());
    }

    /** compression=base64 with the base64 text as the whole body (no form), and a form with its own field. */
    @Test
    void base64BodyAndFormCompressionField() {
        String json = batch("", "");
        String base64 = Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
        assertEquals(1, parser.parse(base64.getBytes(StandardCharsets.UTF_8), null, "base64", NOW).events().size());
        String form = "data=" + URLEncoder.encode(base64, StandardCharsets.UTF_8) + "&compression=base64";
        assertEquals(1, parser.parse(form.getBytes(StandardCharsets.UTF_8), null, null, NOW).events().size());
    }

    /**
     * A gateway that decompressed the body but left {@code Content-Encoding: gzip} on it (an API Gateway REST API with
     * compression enabled): the plain JSON or form is read as it is; the magic bytes, not the label, decide.
     */
    @Test
    void bodyLabelledGzipThatIsAlreadyDecompressed() throws IOException {
        byte[] json = batch("", "").getBytes(StandardCharsets.UTF_8);
        assertEquals(1, parser.parse(json, "gzip", null, NOW).events().size());
        assertEquals(1, parser.parse(json, "gzip", "gzip-js", NOW).events().size());
        assertEquals(30, parser.parse(fixture("posthog-js-lz64.form"), "gzip", "lz64", NOW).events().size());
        // The real gzip bytes of posthog-node's fixture, labelled or not, still decode.
        byte[] gzip = fixture("posthog-node.json.gz");
        assertEquals(parser.parse(gzip, "gzip", null, NOW).events().size(), parser.parse(gzip, null, null, NOW).events().size());
    }

    /** Gzip that a text-only hop mangled (bytes that are not UTF-8 replaced by U+FFFD) is a 400, not a 500. */
    @Test
    void gzipCorruptedAsTextIsA400() throws IOException {
        byte[] mangled = new String(fixture("posthog-node.json.gz"), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
        CaptureValidationException error = assertThrows(CaptureValidationException.class,
                () -> parser.parse(mangled, "gzip", null, NOW));
        assertEquals(true, error.getMessage().startsWith("Malformed gzip payload"), error.getMessage());
    }

    /**
     * Anything but whitespace after the body's JSON value is a 400, as serde_json's from_slice refuses trailing
     * characters in PostHog's capture: two batches written one after the other stored only the first.
     */
    @Test
    void trailingDataAfterTheJsonIsA400() {
        String json = batch("", "");
        assertEquals(1, parser.parse((json + " \n\t").getBytes(StandardCharsets.UTF_8), null, null, NOW).events().size());
        for (String body : List.of(json + " " + json, json + " garbage", json + "]", "[{\"event\":\"a\",\"distinct_id\":\"x\","
                + "\"api_key\":\"phc_x\"}] {}")) {
            CaptureValidationException error = assertThrows(CaptureValidationException.class,
                    () -> parser.parse(body.getBytes(StandardCharsets.UTF_8), null, null, NOW), body);
            assertEquals(true, error.getMessage().startsWith("Malformed request data"), error.getMessage());
        }
    }

    @Test
    void garbageInAFormIsA400() {
        assertThrows(CaptureValidationException.class,
                () -> parser.parse("data=%%%".getBytes(StandardCharsets.UTF_8), null, null, NOW));
        assertThrows(CaptureValidationException.class,
                () -> parser.parse("data=not-base64-and-not-lz!".getBytes(StandardCharsets.UTF_8), null, null, NOW));
        assertThrows(CaptureValidationException.class,
                () -> parser.parse("data=AAAAAAAA".getBytes(StandardCharsets.UTF_8), null, "lz64", NOW));
    }

    private CaptureBatch event(String fields) {
        return parser.parse(("{\"api_key\":\"phc_x\",\"batch\":[{\"event\":\"ok\",\"distinct_id\":\"d\"},{" + fields
                + "}]}").getBytes(StandardCharsets.UTF_8), null, null, NOW);
    }

    private String refused(String fields) {
        return assertThrows(CaptureValidationException.class, () -> event(fields)).getMessage();
    }

    /**
     * Every envelope field typed as PostHog's capture types it (its Rust {@code RawEvent}, decoded by serde: a value
     * of another type fails the decoding of the whole request, a 400). The second event of a two-event batch is the
     * wrong one, so the message names index 1 and the parse throws before anything is returned.
     */
    @Test
    void envelopeFieldsOfTheWrongTypeRefuseTheWholeRequest() {
        assertEquals("Event at index 1: uuid must be a UUID string, got number",
                refused("\"event\":\"e\",\"distinct_id\":\"d\",\"uuid\":123"));
        assertEquals("Event at index 1: invalid event uuid: not-a-uuid",
                refused("\"event\":\"e\",\"distinct_id\":\"d\",\"uuid\":\"not-a-uuid\""));
        assertEquals("Event at index 1: invalid event uuid: 1-1-1-1-1",
                refused("\"event\":\"e\",\"distinct_id\":\"d\",\"uuid\":\"1-1-1-1-1\""));
        assertEquals("Event at index 1: uuid must be a UUID string, got boolean",
                refused("\"event\":\"e\",\"distinct_id\":\"d\",\"uuid\":true"));
        assertEquals("Event at index 1: event must be a string, got number",
                refused("\"event\":7,\"distinct_id\":\"d\""));
        assertEquals("Event at index 1 is missing the event name", refused("\"event\":null,\"distinct_id\":\"d\""));
        assertEquals("Event at index 1: timestamp must be a string, got number",
                refused("\"event\":\"e\",\"distinct_id\":\"d\",\"timestamp\":1700000000"));
        assertEquals("Event at index 1: offset must be an integer, got string",
                refused("\"event\":\"e\",\"distinct_id\":\"d\",\"offset\":\"5\""));
        assertEquals("Event at index 1: properties must be an object",
                refused("\"event\":\"e\",\"distinct_id\":\"d\",\"properties\":null"));
        assertEquals("Event at index 1: properties must be an object",
                refused("\"event\":\"e\",\"distinct_id\":\"d\",\"properties\":[1]"));
        assertEquals("Event at index 1: $set must be an object, got number",
                refused("\"event\":\"e\",\"distinct_id\":\"d\",\"$set\":42"));
        assertEquals("Event at index 1: $set_once must be an object, got array",
                refused("\"event\":\"e\",\"distinct_id\":\"d\",\"$set_once\":[1]"));
        assertEquals("Event at index 1: token must be a string, got number",
                refused("\"event\":\"e\",\"distinct_id\":\"d\",\"token\":5"));
        assertEquals("Event at index 1 is missing distinct_id", refused("\"event\":\"e\",\"distinct_id\":\"\""));
        assertEquals("Event at index 1 is missing distinct_id", refused("\"event\":\"e\",\"distinct_id\":null"));
    }

    /**
     * What PostHog's capture takes: uuid "" or null is a new uuid, the other UUID spellings Rust's parser reads; a
     * distinct id of any type is its JSON text (a number 42 is "42", true is "true", an object its compact JSON);
     * $set / timestamp / offset null are absent.
     */
    @Test
    void envelopeValuesPostHogAccepts() {
        java.util.UUID u = java.util.UUID.fromString("0190a3c1-7e2b-7c4d-9a6f-123456789abc");
        assertEquals(u, event("\"event\":\"e\",\"distinct_id\":\"d\",\"uuid\":\"0190A3C17E2B7C4D9A6F123456789ABC\"")
                .events().get(1).uuid());
        assertEquals(u, event("\"event\":\"e\",\"distinct_id\":\"d\",\"uuid\":\"{0190a3c1-7e2b-7c4d-9a6f-123456789abc}\"")
                .events().get(1).uuid());
        CaptureBatch blank = event("\"event\":\"e\",\"distinct_id\":\"d\",\"uuid\":\"\",\"$set\":null,"
                + "\"timestamp\":null,\"offset\":null");
        assertEquals(4, blank.events().get(1).uuid().version());
        assertEquals(NOW, blank.events().get(1).timestamp());
        assertEquals("42", event("\"event\":\"e\",\"distinct_id\":42").events().get(1).distinctId());
        assertEquals("true", event("\"event\":\"e\",\"distinct_id\":true").events().get(1).distinctId());
        assertEquals("{\"a\":1}", event("\"event\":\"e\",\"distinct_id\":{\"a\":1}").events().get(1).distinctId());
        assertEquals("p", event("\"event\":\"e\",\"distinct_id\":null,\"properties\":{\"distinct_id\":\"p\"}")
                .events().get(1).distinctId());
    }

    /**
     * serde_json reads the integer {@code -0} as the float {@code -0.0} (an i64 cannot keep the sign), so PostHog's
     * capture stores the distinct id {@code -0} as "-0.0" and a property {@code -0} as -0.0; {@code 0}, {@code -1},
     * {@code -0.0} and a long past int range keep their own text, and a string "-0" stays "-0".
     */
    @Test
    void minusZeroIsSerdesFloat() {
        assertEquals("-0.0", event("\"event\":\"e\",\"distinct_id\":-0").events().get(1).distinctId());
        assertEquals("-0.0", event("\"event\":\"e\",\"distinct_id\":-0.0").events().get(1).distinctId());
        assertEquals("0", event("\"event\":\"e\",\"distinct_id\":0").events().get(1).distinctId());
        assertEquals("-1", event("\"event\":\"e\",\"distinct_id\":-1").events().get(1).distinctId());
        assertEquals("-9007199254740993",
                event("\"event\":\"e\",\"distinct_id\":-9007199254740993").events().get(1).distinctId());
        assertEquals("-0", event("\"event\":\"e\",\"distinct_id\":\"-0\"").events().get(1).distinctId());
        assertEquals("[-0.0,0]", event("\"event\":\"e\",\"distinct_id\":[-0,0]").events().get(1).distinctId());
        com.fasterxml.jackson.databind.JsonNode p = event("\"event\":\"e\",\"distinct_id\":\"d\",\"properties\":"
                + "{\"z\":-0,\"n\":{\"k\":-0},\"i\":7}").events().get(1).properties();
        assertEquals(true, p.get("z").isDouble());
        assertEquals("-0.0", Double.toString(p.get("z").doubleValue()));
        assertEquals("-0.0", Double.toString(p.get("n").get("k").doubleValue()));
        assertEquals(true, p.get("i").isInt());
    }

    /**
     * The canonical 36-character form (what SDKs send) takes a fast path: it must give the same uuid in either case,
     * and a string of that length that is not a uuid (a non-hex digit, a hyphen out of place) stays a 400.
     */
    @Test
    void canonicalUuidsAndLookAlikes() {
        java.util.UUID u = java.util.UUID.fromString("0190a3c1-7e2b-7c4d-9a6f-123456789abc");
        assertEquals(u, CapturePayloadParser.parseUuid("0190a3c1-7e2b-7c4d-9a6f-123456789abc"));
        assertEquals(u, CapturePayloadParser.parseUuid("0190A3C1-7E2B-7C4D-9A6F-123456789ABC"));
        assertEquals(null, CapturePayloadParser.parseUuid("0190a3c1-7e2b-7c4d-9a6f-123456789abg"));
        assertEquals(null, CapturePayloadParser.parseUuid("0190a3c17-e2b-7c4d-9a6f-123456789abc"));
        assertEquals(null, CapturePayloadParser.parseUuid("0190a3c1-7e2b-7c4d-9a6f+123456789abc"));
        assertEquals(null, CapturePayloadParser.parseUuid("0190a3c1-7e2b-7c4d-9a6f-12345678\u0663abc"));
        assertThrows(CaptureValidationException.class, () -> event(
                "\"event\":\"e\",\"distinct_id\":\"d\",\"uuid\":\"0190a3c1-7e2b-7c4d-9a6f-12345678zabc\""));
    }

    /**
     * U+0000 (sent as the escape) becomes U+FFFD in keys and values, nested too; the scan that skips the walk for
     * bodies without the escape must not skip a body that has one.
     */
    @Test
    void nulCharactersBecomeReplacementCharacters() {
        CaptureBatch parsed = event("\"event\":\"e\\u0000\",\"distinct_id\":\"d\",\"properties\":"
                + "{\"k\\u0000\":\"v\\u0000\",\"o\":{\"n\":[\"\\u0000\"]}}");
        CapturedEvent e = parsed.events().get(1);
        assertEquals("e\uFFFD", e.event());
        assertEquals("v\uFFFD", e.properties().get("k\uFFFD").textValue());
        assertEquals("\uFFFD", e.properties().get("o").get("n").get(0).textValue());
        assertEquals(true, CapturePayloadParser.mayHoldNul("{\"a\":\"\\u0000\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(false, CapturePayloadParser.mayHoldNul("{\"a\":\"\\u0001\"}".getBytes(StandardCharsets.UTF_8)));
    }

    /** One batch sent_at serves every event (parsed once); an event's own sent_at still wins for that event. */
    @Test
    void batchSentAtAppliesToEveryEventAndAnEventsOwnSentAtWins() {
        String body = "{\"api_key\":\"phc_x\",\"sent_at\":\"2026-03-02T10:00:00Z\",\"batch\":["
                + "{\"event\":\"a\",\"distinct_id\":\"d\",\"timestamp\":\"2026-03-02T09:00:00Z\"},"
                + "{\"event\":\"b\",\"distinct_id\":\"d\",\"timestamp\":\"2026-03-02T09:30:00.5+01:00\"},"
                + "{\"event\":\"c\",\"distinct_id\":\"d\",\"timestamp\":\"2026-03-02T09:00:00Z\","
                + "\"sent_at\":\"2026-03-02T11:00:00Z\"}]}";
        CaptureBatch parsed = parser.parse(body.getBytes(StandardCharsets.UTF_8), null, null, NOW);
        assertEquals(Instant.parse("2026-03-02T11:00:00Z"), parsed.events().get(0).timestamp());
        assertEquals(Instant.parse("2026-03-02T10:30:00.5Z"), parsed.events().get(1).timestamp());
        assertEquals(Instant.parse("2026-03-02T10:00:00Z"), parsed.events().get(2).timestamp());
        String unreadable = body.replace("\"sent_at\":\"2026-03-02T10:00:00Z\"", "\"sent_at\":\"soon\"");
        // an unreadable sent_at is ignored, as PostHog's capture ignores it: no skew correction, the event is kept
        assertEquals(Instant.parse("2026-03-02T09:00:00Z"),
                parser.parse(unreadable.getBytes(StandardCharsets.UTF_8), null, null, NOW).events().get(0).timestamp());
    }

    /**
     * A distinct id past the double range ({@code 1e400}, a 400-digit integer): serde_json refuses the number ("number
     * out of range") and PostHog's capture answers 400; Quarry stored the person {@code "null"} (a breaker's finding).
     */
    @Test
    void aDistinctIdPastTheDoubleRangeIsRefused() {
        for (String number : new String[]{"1e400", "-1e400", "1" + "0".repeat(400)}) {
            assertThrows(CaptureValidationException.class,
                    () -> event("\"event\":\"e\",\"distinct_id\":" + number), number);
        }
    }

    private String batchRefused(String envelope) {
        return assertThrows(CaptureValidationException.class, () -> parser.parse(("{" + envelope
                + ",\"batch\":[{\"event\":\"e\",\"distinct_id\":\"d\"}]}").getBytes(StandardCharsets.UTF_8),
                null, null, NOW)).getMessage();
    }

    /**
     * PostHog's BatchedRequest: the token a string (api_key or token, not both), sent_at a string or null,
     * historical_migration a boolean or null; any other type fails its decoding of the whole body (400). A sent_at
     * string that is not a date is ignored there (no clock-skew correction), as here.
     */
    @Test
    void batchEnvelopeFieldsOfTheWrongTypeRefuseTheRequest() {
        assertEquals("Batch: sent_at must be a string, got number", batchRefused("\"api_key\":\"phc_x\",\"sent_at\":1700000000000"));
        assertEquals("Batch: sent_at must be a string, got object", batchRefused("\"api_key\":\"phc_x\",\"sent_at\":{}"));
        assertEquals("Batch: api_key must be a string, got number", batchRefused("\"api_key\":12345"));
        assertEquals("Batch: api_key must be a string, got null", batchRefused("\"api_key\":null"));
        assertEquals("Batch: token must be a string, got array", batchRefused("\"token\":[\"phc_x\"]"));
        assertEquals("Batch: historical_migration must be a boolean, got string",
                batchRefused("\"api_key\":\"phc_x\",\"historical_migration\":\"yes\""));
        assertEquals("Batch: give the project token as api_key or token, not both",
                batchRefused("\"api_key\":\"phc_x\",\"token\":\"phc_x\""));
        CaptureBatch nullSentAt = parser.parse(("{\"api_key\":\"phc_x\",\"sent_at\":null,\"batch\":[{\"event\":\"e\","
                + "\"distinct_id\":\"d\",\"timestamp\":\"2026-03-02T09:00:00Z\"}]}").getBytes(StandardCharsets.UTF_8),
                null, null, NOW);
        assertEquals(Instant.parse("2026-03-02T09:00:00Z"), nullSentAt.events().get(0).timestamp());
        CaptureBatch badDate = parser.parse(("{\"api_key\":\"phc_x\",\"sent_at\":\"yesterday\",\"batch\":[{\"event\":\"e\","
                + "\"distinct_id\":\"d\",\"timestamp\":\"2026-03-02T09:00:00Z\"}]}").getBytes(StandardCharsets.UTF_8),
                null, null, NOW);
        assertEquals(Instant.parse("2026-03-02T09:00:00Z"), badDate.events().get(0).timestamp());
    }

    /** PostHog's RawEvent has no top-level $unset: serde drops it; properties.$unset is what its ingestion reads. */
    @Test
    void onlyPropertiesUnsetIsRead() {
        assertEquals(java.util.List.of(), event("\"event\":\"e\",\"distinct_id\":\"d\",\"$unset\":[\"plan\"]")
                .events().get(1).unset());
        assertEquals(java.util.List.of("plan"), event("\"event\":\"e\",\"distinct_id\":\"d\",\"properties\":{\"$unset\":[\"plan\"]}")
                .events().get(1).unset());
    }

    /**
     * A distinct id that is not a string is serde_json's text of it (PostHog's test: 23 gives "23", 23.4 "23.4",
     * {"string":"a","number":3} gives {"number":3,"string":"a"}): integers within i64/u64 exact, every other number
     * an f64 written by ryu, keys sorted.
     */
    @Test
    void nonStringDistinctIdsAreSerdeJsonText() {
        String[][] cases = {
                {"23", "23"}, {"23.4", "23.4"}, {"-7", "-7"}, {"1.0", "1.0"}, {"1e2", "100.0"}, {"1.5e300", "1.5e300"},
                {"1.5E300", "1.5e300"}, {"1e-7", "1e-7"}, {"0.00001", "0.00001"}, {"1e15", "1000000000000000.0"},
                {"1e16", "1e16"}, {"12345678.9", "12345678.9"}, {"0.1", "0.1"}, {"-2.5e-10", "-2.5e-10"},
                {"18446744073709551615", "18446744073709551615"}, {"-9223372036854775808", "-9223372036854775808"},
                {"18446744073709551616", "1.8446744073709552e19"},
                {"123456789012345678901234567890", "1.2345678901234568e29"},
                {"[1,2.5,\"a\"]", "[1,2.5,\"a\"]"},
                {"{\"string\":\"a\",\"number\":3}", "{\"number\":3,\"string\":\"a\"}"},
                {"{\"b\":{\"z\":1e300,\"a\":null},\"a\":\"x\\ny\"}", "{\"a\":\"x\\ny\",\"b\":{\"a\":null,\"z\":1e300}}"},
                {"false", "false"}};
        for (String[] c : cases) {
            assertEquals(c[1], event("\"event\":\"e\",\"distinct_id\":" + c[0]).events().get(1).distinctId(), c[0]);
        }
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = CapturePayloadParserTest.class.getResourceAsStream("/capture-fixtures/" + name)) {
            return in.readAllBytes();
        }
    }
}

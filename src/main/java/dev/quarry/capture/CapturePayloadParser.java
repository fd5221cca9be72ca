package dev.quarry.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.quarry.web.PayloadTooLargeException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPInputStream;

/**
 * Reads what PostHog's SDKs send to /batch/, /capture/, /e/ and /i/v0/e/: JSON, gzip-compressed JSON
 * (Content-Encoding: gzip, ?compression=gzip-js, or gzip magic bytes), or a form body {@code data=<json|base64>};
 * a single event, a list of events, or {@code {"api_key"|"token", "batch": [...], "sent_at"}}.
 */
public final class CapturePayloadParser {
    /**
     * Decompressed bodies beyond this are refused, so a small gzip bomb cannot exhaust memory: 413, as PostHog's
     * capture answers a body that exceeds its limit while unzipping ({@code EventTooBig}).
     */
    public static final int MAX_DECOMPRESSED_BYTES = 20 * 1024 * 1024;
    /**
     * One event's Kafka message at most: PostHog's capture sends each event to Kafka as one message, which its producer
     * refuses past 1,000,000 bytes ({@code EventTooBig}: 413 "Event too big"), so no event larger than that is stored.
     * The message is measured as {@link KafkaMessageSize} does, not the JSON text as sent.
     */
    public static final int MAX_EVENT_BYTES = 1_000_000;
    /**
     * JSON nested deeper than this is refused while it is read: PostHog's capture parses the body with serde_json, whose
     * recursion limit (128) refuses the 128th nested array or object (400, "recursion limit exceeded").
     */
    public static final int MAX_NESTING_DEPTH = 127;
    public static final int MAX_EVENTS = 10_000;
    /** PostHog's legacy endpoints keep the first 200 characters of a longer distinct id. */
    public static final int MAX_DISTINCT_ID_CHARS = 200;
    /**
     * PostHog's ingestion keeps the first 200 characters of an event name ({@code sanitizeEventName}: JavaScript's
     * {@code substr(0, 200)}, UTF-16 units; here a surrogate pair the cut would split is dropped whole, so no lone
     * surrogate is stored).
     */
    public static final int MAX_EVENT_NAME_CHARS = 200;

    private final ObjectMapper mapper;
    /** The application mapper's factory with serde_json's nesting limit: deeper bodies stop at the limit, unread. */
    private final JsonFactory factory;

    public CapturePayloadParser(ObjectMapper mapper) {
        this.mapper = mapper.copy().setNodeFactory(new SerdeJsonNumbers());
        this.factory = mapper.getFactory().copy();
        // serde_json has no limit on a key's length; a key is at most the event's size anyway (read in linear time)
        factory.setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH)
                .maxNameLength(MAX_EVENT_BYTES).build());
    }

    /**
     * One request body, as sent to a capture endpoint.
     *
     * @param contentEncoding the Content-Encoding header ({@code gzip} is decoded), or null
     * @param compression the {@code compression} query parameter: {@code gzip-js}/{@code gzip}, {@code base64},
     *                    {@code lz64}, or null; a form body may carry its own {@code compression} field
     * @throws CaptureValidationException (a 400) for anything that is not a capture payload
     */
    public CaptureBatch parse(byte[] body, String contentEncoding, String compression, Instant now) {
        if (body == null || body.length == 0) {
            throw new CaptureValidationException("Empty request body");
        }
        byte[] json = jsonText(body, contentEncoding, compression);
        JsonNode root = readJson(json);
        // JSON text can carry U+0000 only as the escape \u0000 (a raw control character fails the parse), so a body
        // without that escape needs no walk over every value
        return toBatch(mayHoldNul(json) ? withoutNul(root) : root, now, json.length);
    }

    /**
     * The body of the SDKs' other calls to the capture host (their feature-flag requests), decoded as a capture body
     * is (gzip by its magic bytes, a form {@code data=} field, base64, lz64) and read as one JSON value.
     *
     * @throws CaptureValidationException (a 400) for an empty body or one that decodes to no JSON
     */
    public JsonNode readBody(byte[] body, String contentEncoding, String compression) {
        if (body == null || body.length == 0) {
            throw new CaptureValidationException("Empty request body");
        }
        return readJson(jsonText(body, contentEncoding, compression));
    }

    /** The JSON text of a body: gunzipped when it is gzip, then {@link #decode}d. */
    private static byte[] jsonText(byte[] body, String contentEncoding, String compression) {
        byte[] raw = isGzip(body) ? gunzip(body) : alreadyDecoded(body, contentEncoding, compression);
        return decode(raw, compression);
    }

    /**
     * Gzip whatever the content type says: posthog-node, posthog-python and the Java SDK send it labelled
     * application/json with Content-Encoding; posthog-js (gzip-js) as text/plain with neither header nor, since
     * 1.4xx, the query parameter. The magic bytes decide: the labels are not trusted either way (below).
     */
    private static boolean isGzip(byte[] body) {
        return body.length > 2 && (body[0] & 0xff) == 0x1f && (body[1] & 0xff) == 0x8b;
    }

    /**
     * A body that is not gzip although {@code Content-Encoding: gzip} or {@code ?compression=gzip-js} says so. A
     * gateway that decompresses request bodies (an API Gateway REST API with compression enabled does, per
     * api-gateway-make-request-with-compressed-payload.html) may pass the header on with the plain JSON or form body;
     * that body is read as it is. Anything else so labelled is a broken gzip stream and a 400.
     */
    private static byte[] alreadyDecoded(byte[] body, String contentEncoding, String compression) {
        boolean labelledGzip = "gzip".equalsIgnoreCase(contentEncoding) || "gzip-js".equalsIgnoreCase(compression)
                || "gzip".equalsIgnoreCase(compression);
        if (labelledGzip && !looksLikeJson(body) && !startsWith(body, "data=")) {
            throw new CaptureValidationException("Malformed gzip payload: not in gzip format");
        }
        return body;
    }

    private static byte[] gunzip(byte[] body) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(body.length * 4, MAX_DECOMPRESSED_BYTES));
            byte[] buffer = new byte[8192];
            int total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
                if (total > MAX_DECOMPRESSED_BYTES) {
                    throw new PayloadTooLargeException("event_too_big",
                            "Event too big: decompressed payload exceeds " + MAX_DECOMPRESSED_BYTES + " bytes");
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new CaptureValidationException("Malformed gzip payload: " + e.getMessage());
        }
    }

    /**
     * The JSON text of a (decompressed) body: as it is; a form {@code data=<json | base64 | lz64>} (posthog-js's
     * base64 mode, older posthog-js's lz64, their sendBeacon variants); or a bare base64 / lz64 body when the
     * compression parameter says so.
     */
    private static byte[] decode(byte[] raw, String compression) {
        if (startsWith(raw, "data=")) {
            Map<String, String> form = formFields(raw);
            String data = form.get("data");
            String mode = compression != null ? compression : form.get("compression");
            return decodeText(data == null ? "" : data, mode, true);
        }
        if ("base64".equalsIgnoreCase(compression) || "lz64".equalsIgnoreCase(compression)) {
            String text = new String(raw, StandardCharsets.UTF_8).trim();
            if (!text.startsWith("{") && !text.startsWith("[")) {
                return decodeText(text, compression, false);
            }
        }
        return raw;
    }

    private static byte[] decodeText(String value, String mode, boolean form) {
        String trimmed = value.trim();
        if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
            return trimmed.getBytes(StandardCharsets.UTF_8);
        }
        if ("lz64".equalsIgnoreCase(mode)) {
            return lz64(trimmed);
        }
        byte[] decoded = base64(trimmed);
        if (decoded != null && (mode != null || looksLikeJson(decoded))) {
            return decoded;
        }
        if (mode == null && form) {
            // Older posthog-js sent lz64 without saying so in the URL; its text is base64's alphabet too.
            try {
                return LzString.decompressFromBase64(trimmed, MAX_DECOMPRESSED_BYTES).getBytes(StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new CaptureValidationException("Form field data is neither JSON, base64 nor lz64");
            }
        }
        throw new CaptureValidationException("Form field data is neither JSON nor base64");
    }

    private static byte[] base64(String text) {
        try {
            // A '+' that was not percent-encoded became a space in the form decoding.
            return Base64.getDecoder().decode(text.replace(' ', '+'));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean looksLikeJson(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '{' || b == '[') {
                return true;
            }
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return false;
    }

    private static byte[] lz64(String text) {
        try {
            return LzString.decompressFromBase64(text, MAX_DECOMPRESSED_BYTES).getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new CaptureValidationException("Malformed lz64 payload: " + e.getMessage());
        }
    }

    private static boolean startsWith(byte[] raw, String prefix) {
        if (raw.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (raw[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** An application/x-www-form-urlencoded body's fields (the first of each name). */
    private static Map<String, String> formFields(byte[] raw) {
        Map<String, String> fields = new java.util.HashMap<>();
        for (String pair : new String(raw, StandardCharsets.UTF_8).split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                fields.putIfAbsent(URLDecoder.decode(name, StandardCharsets.UTF_8),
                        URLDecoder.decode(value, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new CaptureValidationException("Form field " + name + " is not URL-encoded");
            }
        }
        return fields;
    }

    /**
     * The body's JSON, read as one token stream within PostHog's capture budget: nested at most
     * {@link #MAX_NESTING_DEPTH} deep (400 when deeper, found at the first container past it), checked before any
     * event is processed or stored. Each event's size is checked once the events are read ({@code checkEventSizes}).
     */
    private JsonNode readJson(byte[] raw) {
        try (JsonParser parser = new NegativeZeroParser(factory.createParser(raw))) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new CaptureValidationException("Empty request body");
            }
            JsonNode body;
            if (first == JsonToken.START_ARRAY) {
                body = readEvents(parser);
            } else if (first != JsonToken.START_OBJECT) {
                body = mapper.readTree(parser);
            } else {
                ObjectNode root = mapper.createObjectNode();
                for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
                    JsonToken value = parser.nextToken();
                    root.set(name, name.equals("batch") && value == JsonToken.START_ARRAY ? readEvents(parser)
                            : mapper.readTree(parser));
                }
                body = root;
            }
            // serde_json's from_slice refuses anything after the value but whitespace ("trailing characters"): a
            // second batch concatenated to the first is a 400, not half a request stored
            if (parser.nextToken() != null) {
                throw new CaptureValidationException("Malformed request data: trailing characters after the JSON value");
            }
            return body;
        } catch (StreamConstraintsException e) {
            // the nesting limit is serde_json's; a number of more than 1,000 characters is Jackson's own limit (its
            // parse of longer integers is quadratic), refused in its own words rather than as nesting
            String limit = e.getOriginalMessage();
            throw new CaptureValidationException(limit != null && limit.startsWith("Number value length")
                    ? "Malformed request data: number too long (a JSON number of more than "
                    + StreamReadConstraints.DEFAULT_MAX_NUM_LEN + " characters)"
                    : "Malformed request data: recursion limit exceeded (JSON nested deeper than " + MAX_NESTING_DEPTH
                    + " levels)");
        } catch (JsonProcessingException e) {
            throw new CaptureValidationException("Malformed request data: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new CaptureValidationException("Malformed request data");
        }
    }

    /** The elements of the array the parser is at (its START_ARRAY read), each one event checked for its size. */
    private ArrayNode readEvents(JsonParser parser) throws IOException {
        ArrayNode events = mapper.createArrayNode();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
            if (t == null) {
                throw new CaptureValidationException("Malformed request data: unexpected end of input");
            }
            events.add((JsonNode) mapper.readTree(parser));
        }
        return events;
    }

    /**
     * Each event's size as PostHog's capture measures it ({@link KafkaMessageSize}: the Kafka message it would produce,
     * the event written back by serde_json and escaped again inside it), at most {@link #MAX_EVENT_BYTES}: 413
     * {@code event_too_big} naming the first event past it. Checked once every event of the request has been read,
     * as PostHog's capture refuses at the producer, after every event was processed (a 400 of a later event wins).
     * Events of less than a tenth of the limit as sent cannot reach it (serde and the second escaping at most
     * multiply the text by about 5) and are not counted.
     */
    private static void checkEventSizes(List<JsonNode> raws, List<CapturedEvent> events, String token, String sentAt,
                                        boolean historical, long bodyBytes) {
        if (bodyBytes <= MAX_EVENT_BYTES / 10) {
            return;
        }
        for (int i = 0; i < raws.size(); i++) {
            long bytes = KafkaMessageSize.of(raws.get(i), events.get(i), token, sentAt, historical);
            if (bytes > MAX_EVENT_BYTES) {
                throw new PayloadTooLargeException("event_too_big", "Event too big: event at index " + i + " is "
                        + bytes + " bytes as PostHog's capture produces it to Kafka (its JSON written back compactly and "
                        + "escaped inside the message); an event may be at most " + MAX_EVENT_BYTES + " bytes");
            }
        }
    }

    /** Whether the JSON text holds the escape {@code \u0000} (also when that escape is itself escaped: harmless). */
    static boolean mayHoldNul(byte[] json) {
        for (int i = 0; i + 5 < json.length; i++) {
            if (json[i] == '\\' && json[i + 1] == 'u' && json[i + 2] == '0' && json[i + 3] == '0'
                    && json[i + 4] == '0' && json[i + 5] == '0') {
                return true;
            }
        }
        return false;
    }

    /**
     * PostgreSQL's text and jsonb cannot hold U+0000 (a batch with one was refused whole, as a 500); PostHog's
     * ingestion replaces it with U+FFFD, in keys and values alike, and so does Quarry.
     */
    static JsonNode withoutNul(JsonNode node) {
        if (node.isTextual()) {
            String text = node.textValue();
            return text.indexOf('\u0000') < 0 ? node : TextNode.valueOf(text.replace('\u0000', '\uFFFD'));
        }
        if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, withoutNul(array.get(i)));
            }
        } else if (node instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                JsonNode value = withoutNul(object.get(name));
                if (name.indexOf('\u0000') >= 0) {
                    object.remove(name);
                    object.set(name.replace('\u0000', '\uFFFD'), value);
                } else {
                    object.set(name, value);
                }
            }
        }
        return node;
    }

    private CaptureBatch toBatch(JsonNode root, Instant now, long bodyBytes) {
        List<JsonNode> rawEvents = new ArrayList<>();
        String token = null;
        String sentAt = null;
        boolean historical = false;
        if (root.isArray()) {
            root.forEach(rawEvents::add);
        } else if (root.isObject() && root.has("batch")) {
            JsonNode batch = root.get("batch");
            if (!batch.isArray()) {
                throw new CaptureValidationException("batch must be a list of events");
            }
            batch.forEach(rawEvents::add);
            checkBatchEnvelope(root);
            token = tokenOf(root);
            sentAt = EventTimestamps.sentAtOrNull(textOrNull(root.has("sent_at") ? root.get("sent_at") : root.get("sentAt")));
            historical = root.path("historical_migration").asBoolean(false);
        } else if (root.isObject()) {
            rawEvents.add(root);
        } else {
            throw new CaptureValidationException("Request body must be an event, a list of events or a batch");
        }
        if (rawEvents.isEmpty()) {
            throw new CaptureValidationException("No events in the request");
        }
        if (rawEvents.size() > MAX_EVENTS) {
            throw new CaptureValidationException("At most " + MAX_EVENTS + " events per request");
        }
        List<CapturedEvent> events = new ArrayList<>(rawEvents.size());
        List<IngestionWarning> warnings = new ArrayList<>();
        SentAt batchSentAt = new SentAt(sentAt);
        for (int i = 0; i < rawEvents.size(); i++) {
            JsonNode raw = rawEvents.get(i);
            if (!raw.isObject()) {
                throw new CaptureValidationException("Event at index " + i + " is not an object");
            }
            String eventToken = tokenOf(raw);
            if (token == null) {
                token = eventToken;
            } else if (eventToken != null && !eventToken.equals(token)) {
                throw new CaptureValidationException("All events of a batch must belong to one project");
            }
            events.add(toEvent((ObjectNode) raw, i, batchSentAt, historical, now, warnings));
        }
        if (token == null || token.isBlank()) {
            throw new CaptureValidationException(
                    "API key is missing: send the project API token as api_key or token");
        }
        checkEventSizes(rawEvents, events, token, sentAt, historical, bodyBytes);
        return new CaptureBatch(token, events, warnings);
    }

    /**
     * The batch envelope as PostHog's capture types it ({@code BatchedRequest} of its Rust capture): the project
     * token a string under {@code api_key} or {@code token} (not both), {@code sent_at} a string or null,
     * {@code historical_migration} a boolean or null. A value of another type (a null token included) fails that
     * decoding, and no other shape of request matches a body with {@code batch} and no {@code event}, so PostHog
     * refuses the whole request with a 400; so does Quarry, naming the field. A {@code sent_at} string that is not
     * ISO 8601 is accepted and ignored, as there. A batch without a top-level token still takes its events' tokens
     * (Quarry's leniency: older PostHog capture read them).
     */
    private static void checkBatchEnvelope(JsonNode root) {
        if (root.has("api_key") && root.has("token")) {
            throw new CaptureValidationException("Batch: give the project token as api_key or token, not both");
        }
        for (String field : new String[]{"api_key", "token"}) {
            JsonNode node = root.get(field);
            if (node != null && !node.isTextual()) {
                throw wrongType("Batch", field, "a string", node);
            }
        }
        JsonNode sentAt = root.get("sent_at");
        if (sentAt != null && !sentAt.isNull() && !sentAt.isTextual()) {
            throw wrongType("Batch", "sent_at", "a string", sentAt);
        }
        JsonNode historical = root.get("historical_migration");
        if (historical != null && !historical.isNull() && !historical.isBoolean()) {
            throw wrongType("Batch", "historical_migration", "a boolean", historical);
        }
    }

    /** The event name as PostHog's ingestion stores it: at most {@link #MAX_EVENT_NAME_CHARS} UTF-16 units. */
    static String eventName(String sent) {
        if (sent.length() <= MAX_EVENT_NAME_CHARS) {
            return sent;
        }
        int end = Character.isHighSurrogate(sent.charAt(MAX_EVENT_NAME_CHARS - 1)) ? MAX_EVENT_NAME_CHARS - 1
                : MAX_EVENT_NAME_CHARS;
        return sent.substring(0, end);
    }

    /**
     * One event. Its time is the client's {@code timestamp} corrected by the clock skew that {@code sent_at}
     * reveals, as PostHog does, except where PostHog keeps the timestamp as sent: an event with
     * {@code properties.$ignore_sent_at: true}, and every event of a {@code historical_migration} batch (imports of
     * past data, whose sent_at says nothing about the clock that stamped them).
     *
     * <p>The envelope is typed as PostHog's capture types it ({@code RawEvent} of its Rust capture, read with serde):
     * {@code event} a string; {@code distinct_id} any value (a string as it is, anything else as its JSON text);
     * {@code uuid} a UUID string ({@code ""} or null: a new one); {@code timestamp} a string; {@code offset} an
     * integer; {@code properties}, {@code $set} and {@code $set_once} objects (null allowed where PostHog's field is
     * optional: {@code $set}, {@code $set_once}, {@code timestamp}, {@code offset}); {@code token}/{@code api_key} a
     * string. A value of another type fails PostHog's decoding of the whole request, so here it is a 400 for the whole
     * request, naming the event and the field, and nothing of the request is stored. ({@code $set} inside
     * {@code properties} is read by PostHog's ingestion, which empties a non-object one with a warning.)
     */
    private CapturedEvent toEvent(ObjectNode raw, int index, SentAt batchSentAt, boolean historical, Instant now,
                                  List<IngestionWarning> warnings) {
        String at = "Event at index " + index;
        JsonNode eventNode = raw.get("event");
        if (eventNode != null && !eventNode.isNull() && !eventNode.isTextual()) {
            throw wrongType(at, "event", "a string", eventNode);
        }
        if (eventNode == null || eventNode.isNull() || eventNode.asText().isBlank()) {
            throw new CaptureValidationException(at + " is missing the event name");
        }
        String event = eventName(eventNode.asText());
        JsonNode propsNode = raw.get("properties");
        if (propsNode != null && !propsNode.isObject()) {
            throw new CaptureValidationException(at + ": properties must be an object");
        }
        for (String field : new String[]{"$set", "$set_once"}) {
            JsonNode node = raw.get(field);
            if (node != null && !node.isNull() && !node.isObject()) {
                throw wrongType(at, field, "an object", node);
            }
        }
        for (String field : new String[]{"token", "api_key", "$token"}) {
            JsonNode node = raw.get(field);
            if (node != null && !node.isNull() && !node.isTextual()) {
                throw wrongType(at, field, "a string", node);
            }
        }
        JsonNode timestampNode = raw.get("timestamp");
        if (timestampNode != null && !timestampNode.isNull() && !timestampNode.isTextual()) {
            throw wrongType(at, "timestamp", "a string", timestampNode);
        }
        JsonNode offsetNode = raw.get("offset");
        if (offsetNode != null && !offsetNode.isNull() && !(offsetNode.isIntegralNumber() && offsetNode.canConvertToLong())) {
            throw wrongType(at, "offset", "an integer", offsetNode);
        }
        UUID uuid = uuidOf(raw, at);
        // the parsed request is this parser's own and nothing reads the raw event after this: no copy needed
        ObjectNode properties = propsNode instanceof ObjectNode object ? object : mapper.createObjectNode();
        String distinctId = distinctIdOf(raw, properties);
        if (distinctId == null) {
            throw new CaptureValidationException(at + " is missing distinct_id");
        }
        if (distinctId.codePointCount(0, distinctId.length()) > MAX_DISTINCT_ID_CHARS) {
            // PostHog's legacy capture endpoints cut it and ingest the event.
            distinctId = distinctId.substring(0, distinctId.offsetByCodePoints(0, MAX_DISTINCT_ID_CHARS));
            warnings.add(IngestionWarning.of("distinct_id_truncated", uuid, now).with("event", event)
                    .with("distinctId", distinctId));
        }
        properties.remove("token");
        properties.remove("api_key");
        properties.remove("distinct_id");
        // PostHog's getElementsChain: a non-empty $elements_chain becomes the events' elements_chain column, else an
        // older SDK's $elements list is written as one (ElementsToChain); both properties are dropped (a non-string
        // chain too: PostHog's ClickHouse string would not take it), but $elements stays where its conversion fails
        JsonNode sentChain = properties.remove("$elements_chain");
        String elementsChain = sentChain != null && sentChain.isTextual() ? sentChain.textValue() : "";
        JsonNode sentElements = properties.get("$elements");
        if (elementsChain.isEmpty() && sentElements != null && sentElements.isArray() && !sentElements.isEmpty()) {
            String converted = ElementsToChain.of(sentElements);
            if (converted != null) {
                elementsChain = converted;
                properties.remove("$elements");
            }
        } else if (sentElements != null) {
            properties.remove("$elements");
        }
        JsonNode sentSet = properties.remove("$set");
        JsonNode sentSetOnce = properties.remove("$set_once");
        ObjectNode set = mergedObject(raw.get("$set"), sentSet, "$set", uuid, event, distinctId, now, warnings);
        ObjectNode setOnce = mergedObject(raw.get("$set_once"), sentSetOnce, "$set_once", uuid, event, distinctId,
                now, warnings);
        // PostHog's RawEvent has no top-level $unset (serde drops it); its ingestion reads properties.$unset only
        JsonNode sentUnset = properties.remove("$unset");
        List<String> unset = unsetKeys(sentUnset);
        DerivedPersonProperties.Updates updates = StoredPersonUpdates.store(event, properties, raw.get("$set"),
                sentSet, set, raw.get("$set_once"), sentSetOnce, setOnce, sentUnset);
        boolean ignoreSentAt = historical || properties.path("$ignore_sent_at").asBoolean(false);
        String sentAt = ignoreSentAt ? null : EventTimestamps.sentAtOrNull(textOrNull(raw.get("sent_at")));
        Long offset = offsetNode != null && !offsetNode.isNull() ? offsetNode.asLong() : null;
        Instant sent = sentAt != null || ignoreSentAt ? EventTimestamps.parse(sentAt) : batchSentAt.get();
        Instant timestamp = EventTimestamps.resolveSent(textOrNull(timestampNode), sent, offset, now);
        return new CapturedEvent(uuid, event, distinctId, properties, timestamp, set, setOnce, unset, updates,
                elementsChain);
    }

    /**
     * The batch's {@code sent_at} (already checked readable, else null), parsed into an instant once, when the first
     * event needs it.
     */
    private static final class SentAt {
        private final String text;
        private Instant parsed;
        private boolean done;

        SentAt(String text) {
            this.text = text;
        }

        Instant get() {
            if (!done) {
                parsed = EventTimestamps.parse(text);
                done = true;
            }
            return parsed;
        }
    }

    private static CaptureValidationException wrongType(String at, String field, String expected, JsonNode got) {
        return new CaptureValidationException(at + ": " + field + " must be " + expected + ", got "
                + got.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * PostHog's distinct id: the top-level {@code distinct_id} (or {@code $distinct_id}) unless missing or null, else
     * the properties' {@code distinct_id} (Quarry also reads {@code $distinct_id} there); a string as it is, any other
     * value as its JSON text as serde_json writes it ({@link SerdeJsonText}: {@code 1.5e300}, {@code 23.4},
     * {@code {"a":1,"b":2}} with sorted keys); empty means missing.
     */
    private static String distinctIdOf(ObjectNode raw, ObjectNode properties) {
        for (JsonNode candidate : new JsonNode[]{raw.get("distinct_id"), raw.get("$distinct_id"),
                properties.get("distinct_id"), properties.get("$distinct_id")}) {
            if (candidate != null && !candidate.isNull()) {
                String text = candidate.isTextual() ? candidate.asText() : SerdeJsonText.of(candidate);
                return text.isEmpty() ? null : text;
            }
        }
        return null;
    }

    /** A non-object value is replaced by {} (as PostHog's ingestion reads it) and reported as a warning. */
    private ObjectNode mergedObject(JsonNode topLevel, JsonNode inProperties, String name, UUID uuid, String event,
                                   String distinctId, Instant now, List<IngestionWarning> warnings) {
        ObjectNode merged = mapper.createObjectNode();
        for (JsonNode node : new JsonNode[]{inProperties, topLevel}) {
            if (node == null || node.isNull()) {
                continue;
            }
            if (!node.isObject()) {
                warnings.add(IngestionWarning.of("invalid_person_properties", uuid, now).with("event", event)
                        .with("distinctId", distinctId).with("property", name)
                        .with("receivedType", node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
                continue;
            }
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                merged.set(field.getKey(), field.getValue());
            }
        }
        return merged;
    }

    private static List<String> unsetKeys(JsonNode node) {
        List<String> keys = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(key -> keys.add(key.asText()));
        } else if (node != null && node.isObject()) {
            node.fieldNames().forEachRemaining(keys::add);
        }
        return keys;
    }

    /** PostHog's event uuid: a UUID string; missing, null or {@code ""} gives a new one; anything else is a 400. */
    private static UUID uuidOf(ObjectNode raw, String at) {
        JsonNode node = raw.get("uuid");
        if (node == null || node.isNull() || (node.isTextual() && node.asText().isEmpty())) {
            return UUID.randomUUID();
        }
        if (!node.isTextual()) {
            throw wrongType(at, "uuid", "a UUID string", node);
        }
        String value = node.asText();
        UUID parsed = parseUuid(value);
        if (parsed == null) {
            throw new CaptureValidationException(at + ": invalid event uuid: " + value);
        }
        return parsed;
    }

    private static final java.util.regex.Pattern UUID_TEXT = java.util.regex.Pattern.compile(
            "(?i)(?:urn:uuid:)?\\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})}?");

    /**
     * The forms PostHog's capture accepts (Rust's {@code Uuid::parse_str}): hyphenated, 32 hex digits, braced or
     * {@code urn:uuid:}; null for anything else ({@code UUID.fromString} would take {@code 1-1-1-1-1}).
     */
    static UUID parseUuid(String value) {
        if (value.length() == 36 && isCanonicalUuid(value)) {
            // what every SDK sends; UUID.fromString is exact for this one form
            return UUID.fromString(value);
        }
        java.util.regex.Matcher m = UUID_TEXT.matcher(value);
        if (!m.matches() || value.startsWith("{") != value.endsWith("}")) {
            return null;
        }
        String hex = m.group(1) + m.group(2) + m.group(3) + m.group(4) + m.group(5);
        boolean hyphens = value.indexOf('-') >= 0;
        String body = value.replaceFirst("(?i)^urn:uuid:", "").replace("{", "").replace("}", "");
        if (hyphens && body.length() != 36 || !hyphens && body.length() != 32) {
            return null;
        }
        return new UUID(Long.parseUnsignedLong(hex.substring(0, 16), 16), Long.parseUnsignedLong(hex.substring(16), 16));
    }

    /** 8-4-4-4-12 hex digits with hyphens, nothing else. */
    private static boolean isCanonicalUuid(String value) {
        for (int i = 0; i < 36; i++) {
            char c = value.charAt(i);
            boolean hyphen = i == 8 || i == 13 || i == 18 || i == 23;
            if (hyphen ? c != '-' : Character.digit(c, 16) < 0 || c > 'f') {
                return false;
            }
        }
        return true;
    }

    private static String tokenOf(JsonNode node) {
        for (String field : new String[]{"api_key", "token"}) {
            String value = textOrNull(node.get(field));
            if (value != null) {
                return value;
            }
        }
        JsonNode properties = node.get("properties");
        return properties != null && properties.isObject() ? textOrNull(properties.get("token")) : null;
    }

    private static String textOrNull(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }
}

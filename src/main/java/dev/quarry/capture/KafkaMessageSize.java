package dev.quarry.capture;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.Map;

/**
 * The size, in bytes, that PostHog's capture (capture-rs) measures an event by before refusing it as
 * {@code EventTooBig} (413 {@code event_too_big}): the Kafka message it would produce, as librdkafka checks it against
 * the producer's {@code message.max.bytes} (capture's {@code KAFKA_PRODUCER_MESSAGE_MAX_BYTES}, default 1,000,000). Not
 * the JSON text as sent. Facts followed:
 * <ul>
 * <li>{@code rust/capture/src/events/analytics.rs} {@code process_single_event}: the event is read into
 *     {@code RawEvent} (only {@code token}/{@code $token}/{@code api_key}, {@code distinct_id}/{@code $distinct_id},
 *     {@code uuid}, {@code event}, {@code properties}, {@code timestamp}, {@code offset}, {@code $set},
 *     {@code $set_once}; other keys are dropped) and written back with {@code serde_json::to_string} into the string
 *     field {@code data} — compact, non-ASCII as raw UTF-8, only {@code "} {@code \} and control characters escaped,
 *     numbers as serde_json writes them ({@link SerdeJsonText}), {@code "uuid":null} when the event has none.</li>
 * <li>{@code rust/common/types/src/event.rs} {@code CapturedEvent}: the message value is that struct serialized
 *     again, so {@code data} is escaped a second time (each {@code "} and {@code \} of it doubles), next to
 *     {@code uuid}, {@code distinct_id}, {@code ip}, {@code now} (RFC 3339, nanoseconds: 30 characters),
 *     {@code sent_at} (when sent), {@code token}, {@code event}, {@code timestamp} (chrono, 0/3/6/9 fraction digits),
 *     {@code is_cookieless_mode} and {@code historical_migration} (only when true); the key is
 *     {@code token:distinct_id} ({@code token:ip} in cookieless mode); nine headers ({@code to_headers}).</li>
 * <li>librdkafka {@code rd_kafka_msg_new0}: refused when {@code RD_KAFKAP_MESSAGE_V2_MAX_OVERHEAD} (36) + key + value +
 *     serialized headers (each: zig-zag varint of the name length, the name, varint of the value length, the value)
 *     exceeds {@code message.max.bytes}.</li>
 * </ul>
 * Quarry does not know the client IP the way PostHog's load balancer passes it; it counts {@link #IP} in its place.
 * Counting walks the parsed tree once and builds no text.
 */
final class KafkaMessageSize {
    /** librdkafka's producer limit as PostHog's capture configures it. */
    static final int MAX_MESSAGE_BYTES = 1_000_000;
    /** RD_KAFKAP_MESSAGE_V2_MAX_OVERHEAD: length 5, attributes 1, timestamp delta 10, offset delta 5, key length 5,
     * value length 5, header count 5. */
    static final int RECORD_OVERHEAD = 36;
    /** The client IP counted in place of the one PostHog's capture would see. */
    static final String IP = "127.0.0.1";
    /** chrono's {@code to_rfc3339_opts(AutoSi, true)} of a nanosecond clock: {@code 2026-01-01T00:00:00.123456789Z}. */
    private static final int NOW_CHARS = 30;
    private static final String[] HEADER_NAMES = {"token", "distinct_id", "session_id", "timestamp", "event", "uuid",
            "now", "force_disable_person_processing", "historical_migration"};
    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final BigInteger I64_MIN = BigInteger.valueOf(Long.MIN_VALUE);

    private KafkaMessageSize() {
    }

    /**
     * The Kafka message's size for one event.
     *
     * @param raw the event object as sent
     * @param event the event as Quarry read it (its distinct id, name, uuid and computed timestamp are PostHog's)
     * @param token the project token of the request
     * @param sentAt the request's {@code sent_at} text, or null
     * @param historical the batch's {@code historical_migration}
     */
    static long of(JsonNode raw, CapturedEvent event, String token, String sentAt, boolean historical) {
        boolean cookieless = raw.path("properties").path("$cookieless_mode").asBoolean(false)
                && raw.path("properties").path("$cookieless_mode").isBoolean();
        String timestamp = chrono(event.timestamp());
        long value = 1 // {
                + field("uuid") + 38
                + 1 + field("distinct_id") + once(event.distinctId())
                + 1 + field("ip") + once(IP)
                + 1 + field("data") + 2 + data(raw)
                + 1 + field("now") + 2 + NOW_CHARS
                + (sentAt == null ? 0 : 1 + field("sent_at") + 2 + timeRfc3339(sentAt))
                + 1 + field("token") + once(token)
                + 1 + field("event") + once(event.event())
                + 1 + field("timestamp") + 2 + timestamp.length()
                + (cookieless ? 1 + field("is_cookieless_mode") + 4 : 0)
                + (historical ? 1 + field("historical_migration") + 4 : 0)
                + 1; // }
        long key = utf8(token) + 1 + utf8(cookieless ? IP : event.distinctId());
        long[] values = {utf8(token), utf8(event.distinctId()), 0, String.valueOf(event.timestamp().toEpochMilli()).length(),
                utf8(event.event()), 36, NOW_CHARS, 0, historical ? 4 : 0};
        long headers = 0;
        for (int i = 0; i < HEADER_NAMES.length; i++) {
            headers += varint(HEADER_NAMES[i].length()) + HEADER_NAMES[i].length() + varint(values[i]) + values[i];
        }
        return RECORD_OVERHEAD + key + value + headers;
    }

    /** {@code "name":} */
    private static int field(String name) {
        return name.length() + 3;
    }

    /**
     * The bytes of {@code data} inside the message value, without its enclosing quotes: the RawEvent's serde_json text
     * with each {@code "} and {@code \} of it escaped again.
     */
    static long data(JsonNode raw) {
        long n = 1; // {
        boolean first = true;
        JsonNode token = firstPresent(raw, "token", "$token", "api_key");
        if (token != null && token.isTextual()) {
            n += key("token") + value(token);
            first = false;
        }
        JsonNode distinctId = firstPresent(raw, "distinct_id", "$distinct_id");
        if (distinctId != null && !distinctId.isNull()) {
            n += (first ? 0 : 1) + key("distinct_id") + value(distinctId);
            first = false;
        }
        JsonNode uuid = raw.get("uuid");
        boolean hasUuid = uuid != null && uuid.isTextual() && !uuid.asText().isEmpty();
        n += (first ? 0 : 1) + key("uuid") + (hasUuid ? 2 + 36 + 2 : 4);
        n += 1 + key("event") + value(raw.path("event"));
        JsonNode properties = raw.get("properties");
        n += 1 + key("properties") + (properties != null && properties.isObject() ? value(properties) : 2);
        for (String optional : new String[]{"timestamp", "offset", "$set", "$set_once"}) {
            JsonNode v = raw.get(optional);
            if (v != null && !v.isNull()) {
                n += 1 + key(optional) + value(v);
            }
        }
        return n + 1; // }
    }

    private static JsonNode firstPresent(JsonNode raw, String... names) {
        for (String name : names) {
            if (raw.has(name)) {
                return raw.get(name);
            }
        }
        return null;
    }

    /** {@code "name":} inside data: its two quotes escaped again (2 bytes each), the colon. */
    private static long key(String name) {
        return twice(name) + 1;
    }

    /** A JSON value's bytes inside data. */
    private static long value(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return 4;
        }
        if (node.isTextual()) {
            return twice(node.textValue());
        }
        if (node.isBoolean()) {
            return node.booleanValue() ? 4 : 5;
        }
        if (node.isIntegralNumber()) {
            BigInteger v = node.bigIntegerValue();
            return v.compareTo(I64_MIN) >= 0 && v.compareTo(U64_MAX) <= 0 ? v.toString().length()
                    : SerdeJsonText.number(v.doubleValue()).length();
        }
        if (node.isNumber()) {
            return SerdeJsonText.number(node.doubleValue()).length();
        }
        if (node.isArray()) {
            long n = 2 + Math.max(0, node.size() - 1);
            for (JsonNode element : node) {
                n += value(element);
            }
            return n;
        }
        long n = 2 + Math.max(0, node.size() - 1);
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> f = fields.next();
            n += twice(f.getKey()) + 1 + value(f.getValue());
        }
        return n;
    }

    /**
     * A string serde_json writes inside data, then escaped again: quotes 2 + 2; per character {@code "} or {@code \}
     * 4 ({@code \\\"}), b f n r t 3 ({@code \\n}), other controls 7 ({@code \\u001f}), otherwise its UTF-8 length (a lone
     * surrogate, which capture replaces by U+FFFD, 3).
     */
    static long twice(String s) {
        long n = 4;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                n += 4;
            } else if (c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
                n += 3;
            } else if (c < 0x20) {
                n += 7;
            } else {
                n += utf8Char(s, i);
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                }
            }
        }
        return n;
    }

    /** A string serde_json writes once (the envelope's fields), with its quotes. */
    static long once(String s) {
        long n = 2;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
                n += 2;
            } else if (c < 0x20) {
                n += 6;
            } else {
                n += utf8Char(s, i);
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                }
            }
        }
        return n;
    }

    private static long utf8(String s) {
        return once(s) - 2 - escapes(s);
    }

    private static long escapes(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
                n += 1;
            } else if (c < 0x20) {
                n += 5;
            }
        }
        return n;
    }

    /** The UTF-8 length of the character at i (4 for a surrogate pair, 3 for a lone surrogate). */
    private static int utf8Char(String s, int i) {
        char c = s.charAt(i);
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800) {
            return 2;
        }
        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            return 4;
        }
        return 3;
    }

    /** Kafka's zig-zag varint length of a non-negative length. */
    static int varint(long length) {
        long v = length << 1;
        int bytes = 1;
        while (v >= 0x80) {
            v >>>= 7;
            bytes++;
        }
        return bytes;
    }

    /** chrono's serialization of a UTC time: fraction digits 0, 3, 6 or 9 as needed, then Z. */
    static String chrono(Instant t) {
        OffsetDateTime at = t.atOffset(ZoneOffset.UTC);
        String base = String.format("%04d-%02d-%02dT%02d:%02d:%02d", at.getYear(), at.getMonthValue(),
                at.getDayOfMonth(), at.getHour(), at.getMinute(), at.getSecond());
        int nanos = at.getNano();
        String fraction = nanos == 0 ? "" : nanos % 1_000_000 == 0 ? String.format(".%03d", nanos / 1_000_000)
                : nanos % 1_000 == 0 ? String.format(".%06d", nanos / 1_000) : String.format(".%09d", nanos);
        return base + fraction + "Z";
    }

    /** The time crate's RFC 3339 text length of sent_at: fraction with trailing zeros trimmed, Z or ±hh:mm. */
    private static int timeRfc3339(String sentAt) {
        try {
            OffsetDateTime at = OffsetDateTime.parse(sentAt.trim());
            int nanos = at.getNano();
            int digits = 0;
            if (nanos != 0) {
                String f = String.format("%09d", nanos).replaceAll("0+$", "");
                digits = 1 + f.length();
            }
            return 19 + digits + (at.getOffset().getTotalSeconds() == 0 ? 1 : 6);
        } catch (java.time.DateTimeException e) {
            return 24; // a sent_at PostHog would not parse is not sent; the usual millisecond UTC form
        }
    }
}

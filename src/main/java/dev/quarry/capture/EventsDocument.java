package dev.quarry.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/**
 * The rows of capture's events insert as one UTF-8 JSON document, sent as a single {@code bytea} parameter and read
 * in SQL with {@code jsonb_to_recordset(convert_from($2, 'UTF8')::jsonb)}: an array of row objects
 * {@code {"u": uuid, "e": event, "d": distinct id, "p": {properties}, "t": timestamp, "i": person uuid,
 * "g0" … "g4": group keys ('' when none)}}. It replaces twelve array parameters, whose text elements the reactive pg
 * client encodes one char at a time (its {@code DataTypeCodec.binaryEncodeTEXT}), with one buffer it copies as is
 * ({@code binaryEncodeBYTEA}); the properties objects arrive in PostgreSQL already parsed as part of the document,
 * so each is no longer a text parsed by {@code p::jsonb} of its own.
 *
 * <p>Stores exactly what the twelve arrays stored (the oracle is {@code EventsDocumentTest}, which keeps the old
 * statement): each properties object is written by {@link JsNumbers#write(JsonGenerator, com.fasterxml.jackson.databind.JsonNode, boolean)},
 * the code path of {@link JsNumbers#json}, so every number keeps its text; a timestamp is written as the microsecond
 * the pg client's binary {@code timestamptz} stored ({@link #timestamp}); strings with a surrogate that is not half of
 * a pair are written as the client's UTF-8 encoder wrote them ({@link #asNettyWrites}).
 */
final class EventsDocument {
    /**
     * Jackson's defaults (as {@link JsNumbers}'s writer) and surrogate pairs written as the 4 UTF-8 bytes of their code
     * point (by default the UTF-8 writer escapes each half: {@code \ud83d\ude00}, which PostgreSQL reads back to the
     * same character at more cost).
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();
    /** 2000-01-01T00:00:00Z in Unix seconds: PostgreSQL's timestamp epoch, from which the client counts microseconds. */
    private static final long PG_EPOCH_SECONDS = 946_684_800L;

    private EventsDocument() {
    }

    /**
     * @param rows    the indexes in {@code events} of the rows to write, in order
     * @param persons each event's person uuid (by index in {@code events})
     * @param groups  each event's group keys (by index; null: {@code ''} for all five)
     * @return the document's UTF-8 bytes
     */
    static Buffer of(List<CapturedEvent> events, List<Integer> rows, List<UUID> persons, List<String[]> groups) {
        try {
            return write(events, rows, persons, groups, false);
        } catch (JsNumbers.UnexpectedNode e) {
            // a node JSON text never parses to (not made by capture's parser): every object through the tree path
            return write(events, rows, persons, groups, true);
        }
    }

    private static Buffer write(List<CapturedEvent> events, List<Integer> rows, List<UUID> persons,
                                List<String[]> groups, boolean reparsed) {
        Buffer buffer = Buffer.buffer(rows.size() * 1024);
        try (JsonGenerator g = FACTORY.createGenerator(new BufferStream(buffer))) {
            g.writeStartArray();
            for (int i : rows) {
                CapturedEvent e = events.get(i);
                g.writeStartObject();
                g.writeStringField("u", e.uuid().toString());
                g.writeFieldName("e");
                g.writeString(asNettyWrites(e.event()));
                g.writeFieldName("d");
                g.writeString(asNettyWrites(e.distinctId()));
                g.writeFieldName("p");
                JsNumbers.write(g, reparsed ? JsNumbers.reparsed(e.properties()) : e.properties(), true);
                g.writeStringField("t", timestamp(e.timestamp()));
                g.writeStringField("i", persons.get(i).toString());
                String[] keys = groups.get(i);
                for (int k = 0; k < GroupResolution.MAX_GROUP_TYPES; k++) {
                    g.writeFieldName(GROUP_FIELDS[k]);
                    g.writeString(keys == null ? "" : asNettyWrites(keys[k]));
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer;
    }

    private static final String[] GROUP_FIELDS = {"g0", "g1", "g2", "g3", "g4"};

    /**
     * The instant that the pg client's binary {@code timestamptz} encoding stores for {@code t}, as ISO-8601 text with
     * six fraction digits and {@code Z} (which PostgreSQL reads exactly): the client counts whole microseconds from
     * 2000-01-01T00:00:00Z with {@code LocalDateTime.until(…, MICROS)}, which cuts a sub-microsecond rest towards that
     * epoch — down after 2000, up before it ({@code 2026-03-02T10:00:00.123456789Z} stores {@code …00.123456},
     * {@code 1999-12-31T23:59:59.9999995Z} stores {@code 2000-01-01T00:00:00}). Capture's timestamps are in years
     * 1–9999 ({@link EventTimestamps}).
     */
    static String timestamp(Instant t) {
        long seconds = t.getEpochSecond();
        int nanos = t.getNano();
        int rest = nanos % 1_000;
        if (rest != 0) {
            nanos -= rest;
            if (seconds < PG_EPOCH_SECONDS) { // before the epoch: the cut goes up, towards it
                nanos += 1_000;
                if (nanos == 1_000_000_000) {
                    nanos = 0;
                    seconds++;
                }
            }
        }
        LocalDateTime at = LocalDateTime.ofEpochSecond(seconds, nanos, ZoneOffset.UTC);
        char[] out = new char[27];
        digits(out, 0, at.getYear(), 4);
        out[4] = '-';
        digits(out, 5, at.getMonthValue(), 2);
        out[7] = '-';
        digits(out, 8, at.getDayOfMonth(), 2);
        out[10] = 'T';
        digits(out, 11, at.getHour(), 2);
        out[13] = ':';
        digits(out, 14, at.getMinute(), 2);
        out[16] = ':';
        digits(out, 17, at.getSecond(), 2);
        out[19] = '.';
        digits(out, 20, nanos / 1_000, 6);
        out[26] = 'Z';
        return new String(out);
    }

    private static void digits(char[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /**
     * {@code s} as the pg client's text encoding left it in PostgreSQL (Netty's {@code ByteBufUtil.writeUtf8}): a
     * surrogate that is not half of a pair is written as {@code ?}, and a high surrogate followed by anything but a
     * low one takes that next character with it as a second {@code ?} when it is a high surrogate, else keeps it. (Netty
     * writes that next character's low byte only, which for a character past U+007F is not UTF-8 and failed the
     * batch; here it is kept whole.) A string without surrogates, or with whole pairs only, is returned as is.
     */
    static String asNettyWrites(String s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i += 2;
                    continue;
                }
                return replaced(s, i);
            }
            i++;
        }
        return s;
    }

    private static String replaced(String s, int from) {
        StringBuilder out = new StringBuilder(s.length()).append(s, 0, from);
        int n = s.length();
        for (int i = from; i < n; i++) {
            char c = s.charAt(i);
            if (!Character.isSurrogate(c)) {
                out.append(c);
            } else if (!Character.isHighSurrogate(c)) {
                out.append('?');
            } else if (++i == n) {
                out.append('?');
            } else {
                char next = s.charAt(i);
                if (Character.isLowSurrogate(next)) {
                    out.append(c).append(next);
                } else {
                    out.append('?').append(Character.isHighSurrogate(next) ? '?' : next);
                }
            }
        }
        return out.toString();
    }

    /** Jackson's output appended to a Vert.x buffer (the generator writes its own 8 KB chunks). */
    private static final class BufferStream extends OutputStream {
        private final Buffer buffer;

        BufferStream(Buffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public void write(int b) {
            buffer.appendByte((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            buffer.appendBytes(b, off, len);
        }
    }
}

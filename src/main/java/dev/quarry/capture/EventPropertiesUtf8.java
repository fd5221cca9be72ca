package dev.quarry.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The properties objects of capture's events insert as UTF-8 bytes, one {@code bytea} element each of the statement's
 * {@code $5::bytea[]} array, read in SQL with {@code convert_from(p, 'UTF8')::jsonb}. The reactive pg client encodes
 * a {@code String} (alone or in an array) one char at a time ({@code DataTypeCodec.binaryEncodeTEXT} through
 * {@code ByteBuf.writeCharSequence}) and copies a {@code Buffer} as is ({@code binaryEncodeBYTEA}, one
 * {@code writeBytes}); the properties texts are the bulk of what a batch sends. PostgreSQL parses each object as it
 * parsed {@code p::jsonb} of its text before (measured: the same backend CPU; one JSON document of the whole batch
 * read with {@code jsonb_to_recordset} cost it ≈ 7 ms more per 1,000 events — README "Capture, sixteenth round").
 *
 * <p>Stores exactly what the text array stored (the oracle is {@code EventPropertiesUtf8Test}, which keeps the old
 * statement): each object is written by {@link JsNumbers#write(JsonGenerator, com.fasterxml.jackson.databind.JsonNode, boolean)},
 * the code path of {@link JsNumbers#json}, so every number keeps its text; strings with a surrogate that is not half
 * of a pair are written as the client's UTF-8 encoder wrote them ({@link #asNettyWrites}).
 */
final class EventPropertiesUtf8 {
    /**
     * Jackson's defaults (as {@link JsNumbers}'s writer) and surrogate pairs written as the 4 UTF-8 bytes of their code
     * point (by default the UTF-8 writer escapes each half: {@code \ud83d\ude00}, which PostgreSQL reads back to the
     * same character at more cost).
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();

    private EventPropertiesUtf8() {
    }

    /**
     * @param rows the indexes in {@code events} of the rows to write, in order
     * @return each row's properties object as UTF-8 JSON: slices of one buffer, in {@code rows}' order
     */
    static Buffer[] of(List<CapturedEvent> events, List<Integer> rows) {
        try {
            return write(events, rows, false);
        } catch (JsNumbers.UnexpectedNode e) {
            // a node JSON text never parses to (not made by capture's parser): every object through the tree path
            return write(events, rows, true);
        }
    }

    private static Buffer[] write(List<CapturedEvent> events, List<Integer> rows, boolean reparsed) {
        Buffer buffer = Buffer.buffer(rows.size() * 1024);
        int[] ends = new int[rows.size()];
        try (JsonGenerator g = FACTORY.createGenerator(new BufferStream(buffer))) {
            // one root value after another, nothing between them: each object's bytes end where the next begin
            g.setRootValueSeparator(null);
            for (int r = 0; r < ends.length; r++) {
                CapturedEvent e = events.get(rows.get(r));
                JsNumbers.write(g, reparsed ? JsNumbers.reparsed(e.properties()) : e.properties(), true);
                g.flush();
                ends[r] = buffer.length();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Buffer[] objects = new Buffer[ends.length];
        for (int r = 0, from = 0; r < ends.length; from = ends[r], r++) {
            objects[r] = buffer.slice(from, ends[r]);
        }
        return objects;
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

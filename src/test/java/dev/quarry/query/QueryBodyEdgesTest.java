package dev.quarry.query;

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
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Bodies of {@code POST query} at their edges, sent byte for byte over a socket: a JSON body in the charset its
 * Content-Type declares (DRF's JSONParser decodes by it: {@code charset=latin-1} is Python's ISO-8859-1), a chunked
 * body of no bytes (read as the empty body is: {@code {}}, so pydantic's "Field required" for {@code query}), and
 * {@code useSessionsTable} read as pydantic reads a bool.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class QueryBodyEdgesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One HTTP/1.1 exchange: {@code head} (request line and headers, CRLF-separated, without the blank line) then the body. */
    static Reply exchange(String head, byte[] body) throws Exception {
        try (Socket socket = new Socket(RestAssured.baseURI.replace("http://", ""), RestAssured.port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            int status = Integer.parseInt(text.substring(9, 12));
            int split = text.indexOf("\r\n\r\n");
            String headers = text.substring(0, split);
            String rest = text.substring(split + 4);
            if (headers.toLowerCase().contains("transfer-encoding: chunked")) {
                rest = unchunk(rest);
            }
            return new Reply(status, rest);
        }
    }

    private static String unchunk(String chunked) {
        StringBuilder b = new StringBuilder();
        int at = 0;
        while (true) {
            int eol = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, eol).trim(), 16);
            if (size == 0) {
                return b.toString();
            }
            b.append(chunked, eol + 2, eol + 2 + size); // ASCII bodies here: chars are bytes
            at = eol + 2 + size + 2;
        }
    }

    record Reply(int status, String body) {
        JsonNode json() throws Exception {
            return MAPPER.readTree(body);
        }
    }

    private static String head(Project p, String extra) {
        return "POST /api/projects/" + p.id() + "/query/ HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + p.key()
                + "\r\n" + extra;
    }

    @Test
    void aLatin1BodyIsReadInItsCharset() throws Exception {
        Project p = TestProjects.create("Body latin-1");
        // "select 'café'" with é as the one byte 0xE9, as a client that encodes in Latin-1 sends it
        byte[] body = "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 'caf\u00e9'\"}}"
                .getBytes(StandardCharsets.ISO_8859_1);
        for (String charset : new String[] {"latin-1", "iso-8859-1", "ISO_8859_1", "latin1"}) {
            Reply r = exchange(head(p, "Content-Type: application/json; charset=" + charset + "\r\nContent-Length: "
                    + body.length), body);
            assertEquals(200, r.status(), charset + ": " + r.body());
            assertEquals("caf\u00e9", r.json().path("results").path(0).path(0).asText(), charset);
        }
        // the same bytes without a charset are not UTF-8: DRF's parse error
        Reply utf8 = exchange(head(p, "Content-Type: application/json\r\nContent-Length: " + body.length), body);
        assertEquals(400, utf8.status(), utf8.body());
        assertEquals("parse_error", utf8.json().path("code").asText(), utf8.body());
    }

    /**
     * {@code charset=utf-16} over UTF-8 bytes: Django takes the charset (Python knows it), DRF's JSONParser reads the
     * body through Python's UTF-16 stream reader, which wants a byte order mark and raises "UTF-16 stream does not
     * start with BOM" ({@code encodings/utf_16.py}); DRF answers its 400 parse_error with that text. The UTF-32 reader
     * first decodes in the native order ({@code utf_32_ex_decode}, little-endian), and "{\"qu" is no code point
     * there, so {@code charset=utf-32} fails on that before its mark is looked at. The same query in UTF-16 with its
     * mark (either order) is read; {@code charset=foo} is no codec, so Django keeps UTF-8 (200).
     */
    @Test
    void utf16LabelOverUtf8BytesIsDrfsParseError() throws Exception {
        Project p = TestProjects.create("Body utf-16 label");
        String query = "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 'caf\u00e9'\"}}";
        byte[] utf8 = query.getBytes(StandardCharsets.UTF_8);
        for (String charset : new String[] {"utf-16", "UTF-16"}) {
            Reply r = exchange(head(p, "Content-Type: application/json; charset=" + charset + "\r\nContent-Length: "
                    + utf8.length), utf8);
            assertEquals(400, r.status(), charset + ": " + r.body());
            assertEquals("parse_error", r.json().path("code").asText(), r.body());
            assertEquals("JSON parse error - " + charset.toUpperCase() + " stream does not start with BOM",
                    r.json().path("detail").asText(), r.body());
        }
        Reply utf32 = exchange(head(p, "Content-Type: application/json; charset=utf-32\r\nContent-Length: "
                + utf8.length), utf8);
        assertEquals(400, utf32.status(), utf32.body());
        assertEquals("JSON parse error - 'utf-32-le' codec can't decode bytes in position 0-3: code point not in "
                + "range(0x110000)", utf32.json().path("detail").asText(), utf32.body());
        byte[] le = ("\uFEFF" + query).getBytes(StandardCharsets.UTF_16LE);
        byte[] be = query.getBytes(StandardCharsets.UTF_16); // Java writes the big-endian mark
        for (byte[] body : new byte[][] {le, be}) {
            Reply r = exchange(head(p, "Content-Type: application/json; charset=utf-16\r\nContent-Length: "
                    + body.length), body);
            assertEquals(200, r.status(), r.body());
            assertEquals("caf\u00e9", r.json().path("results").path(0).path(0).asText(), r.body());
        }
        Reply foo = exchange(head(p, "Content-Type: application/json; charset=foo\r\nContent-Length: "
                + utf8.length), utf8);
        assertEquals(200, foo.status(), foo.body());
        assertEquals("caf\u00e9", foo.json().path("results").path(0).path(0).asText(), foo.body());
    }

    /**
     * The siblings of a body that does not read in its declared charset, each with the text DRF's JSONParser gives
     * ("JSON parse error - " + Python's exception): UTF-8 bytes labelled {@code utf-16le} / {@code utf-16-le} /
     * {@code UTF_16BE} (Python's spellings of one codec) decode to CJK characters no JSON value starts with, so
     * {@code json.load} says "Expecting value: line 1 column 1 (char 0)" (Jackson's own words came back before);
     * {@code utf-32le} fails on the first unit; {@code ascii} names the first byte past 127 and its position; bytes
     * that are not UTF-8 under no charset are the UTF-8 codec's "invalid continuation byte"; a lone low surrogate in
     * UTF-16LE is "illegal encoding"; a byte order mark under {@code utf-16le} is kept by the reader and refused by
     * {@code json} ("Unexpected UTF-8 BOM"). {@code charset=} (empty) and a quoted {@code "utf-8"} are UTF-8 (Django
     * ignores a name {@code codecs.lookup} refuses, and strips quotes).
     */
    @Test
    void aBodyThatDoesNotReadInItsCharsetIsDrfsParseErrorInPythonsWords() throws Exception {
        Project p = TestProjects.create("Body charset siblings");
        String query = "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 'caf\u00e9'\"}}";
        byte[] utf8 = query.getBytes(StandardCharsets.UTF_8);
        java.util.function.BiFunction<String, byte[], Reply> post = (type, body) -> {
            try {
                return exchange(head(p, "Content-Type: " + type + "\r\nContent-Length: " + body.length), body);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        java.util.Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("application/json; charset=utf-16le", "JSON parse error - Expecting value: line 1 column 1 (char 0)");
        expected.put("application/json; charset=utf-16-le", "JSON parse error - Expecting value: line 1 column 1 (char 0)");
        expected.put("application/json; charset=UTF_16BE", "JSON parse error - Expecting value: line 1 column 1 (char 0)");
        expected.put("application/json; charset=utf-32le", "JSON parse error - 'utf-32-le' codec can't decode bytes in "
                + "position 0-3: code point not in range(0x110000)");
        expected.put("application/json; charset=ascii", "JSON parse error - 'ascii' codec can't decode byte 0xc3 in "
                + "position 50: ordinal not in range(128)");
        for (var e : expected.entrySet()) {
            Reply r = post.apply(e.getKey(), utf8);
            assertEquals(400, r.status(), e.getKey() + ": " + r.body());
            assertEquals("parse_error", r.json().path("code").asText(), r.body());
            assertEquals(e.getValue(), r.json().path("detail").asText(), e.getKey());
        }
        Reply latin = post.apply("application/json", query.getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(400, latin.status(), latin.body());
        assertEquals("JSON parse error - 'utf-8' codec can't decode byte 0xe9 in position 50: invalid continuation byte",
                latin.json().path("detail").asText());
        // "é" as UTF-16LE is E9 00; DC00 (00 DC) in its place is a low surrogate with no high one before it
        byte[] le = query.getBytes(StandardCharsets.UTF_16LE);
        int at = query.indexOf('\u00e9') * 2;
        le[at] = 0x00;
        le[at + 1] = (byte) 0xdc;
        Reply lone = post.apply("application/json; charset=utf-16le", le);
        assertEquals(400, lone.status(), lone.body());
        assertEquals("JSON parse error - 'utf-16-le' codec can't decode bytes in position " + at + "-" + (at + 1)
                + ": illegal encoding", lone.json().path("detail").asText());
        byte[] marked = ("\uFEFF" + query).getBytes(StandardCharsets.UTF_16LE);
        Reply bom = post.apply("application/json; charset=utf-16le", marked);
        assertEquals(400, bom.status(), bom.body());
        assertEquals("JSON parse error - Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)",
                bom.json().path("detail").asText());
        for (String type : new String[] {"application/json; charset=", "application/json; charset=\"utf-8\""}) {
            Reply r = post.apply(type, utf8);
            assertEquals(200, r.status(), type + ": " + r.body());
            assertEquals("caf\u00e9", r.json().path("results").path(0).path(0).asText(), type);
        }
        // the same reading for every JSON body, not only the query endpoint's
        byte[] cohort = "{\"name\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        Reply c = exchange("POST /api/projects/" + p.id() + "/cohorts/ HTTP/1.1\r\nHost: localhost\r\nAuthorization: "
                + "Bearer " + p.key() + "\r\nContent-Type: application/json\r\nContent-Length: " + cohort.length, cohort);
        assertEquals(400, c.status(), c.body());
        assertEquals("JSON parse error - 'utf-8' codec can't decode byte 0xe9 in position 12: invalid continuation byte",
                c.json().path("detail").asText());
    }

    @Test
    void aChunkedEmptyBodyIsTheEmptyBody() throws Exception {
        Project p = TestProjects.create("Body chunked empty");
        Reply plain = exchange(head(p, "Content-Type: application/json\r\nContent-Length: 0"), new byte[0]);
        Reply chunked = exchange(head(p, "Content-Type: application/json\r\nTransfer-Encoding: chunked"),
                "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(400, plain.status(), plain.body());
        assertEquals(plain.status(), chunked.status(), chunked.body());
        assertEquals(plain.json(), chunked.json());
        assertEquals("query", chunked.json().path("attr").asText(), chunked.body());
        assertTrue(chunked.json().path("detail").asText().contains("Field required"), chunked.body());
    }

    /**
     * A negative Content-Length never reaches Quarkus: Vert.x's HTTP/1.1 decoder refuses the request line and headers
     * and answers 400 itself, closing the connection (Quarkus 3.33.2 gives no hook for Vert.x's invalid-request
     * handler); the server PostHog runs behind refuses it in the same layer (gunicorn: "Invalid header CONTENT-LENGTH").
     * No project's data is read and no handler runs: pinned here so a change of the HTTP layer is seen.
     */
    @Test
    void aNegativeContentLengthIsRefusedByTheHttpLayer() throws Exception {
        Project p = TestProjects.create("Body negative length");
        Reply r = exchange(head(p, "Content-Type: application/json\r\nContent-Length: -1"), "{}".getBytes(StandardCharsets.US_ASCII));
        assertEquals(400, r.status(), r.body());
    }

    @Test
    void useSessionsTableIsReadAsPydanticReadsABool() throws Exception {
        Project p = TestProjects.create("Body useSessionsTable");
        java.util.function.Function<String, String> trends = v -> "{\"query\":{\"kind\":\"TrendsQuery\",\"series\":"
                + "[{\"kind\":\"EventsNode\",\"event\":\"$pageview\"}],\"useSessionsTable\":" + v + "}}";
        for (String off : new String[] {"false", "\"no\"", "\"off\"", "0", "null"}) {
            byte[] body = trends.apply(off).getBytes(StandardCharsets.UTF_8);
            Reply r = exchange(head(p, "Content-Type: application/json\r\nContent-Length: " + body.length), body);
            assertEquals(200, r.status(), off + ": " + r.body());
        }
        for (String on : new String[] {"true", "\"yes\"", "\"Y\"", "1"}) {
            byte[] body = trends.apply(on).getBytes(StandardCharsets.UTF_8);
            Reply r = exchange(head(p, "Content-Type: application/json\r\nContent-Length: " + body.length), body);
            assertEquals(400, r.status(), on + ": " + r.body());
            assertTrue(r.json().path("detail").asText().contains("useSessionsTable is not supported"), r.body());
        }
        byte[] bad = trends.apply("\"maybe\"").getBytes(StandardCharsets.UTF_8);
        Reply r = exchange(head(p, "Content-Type: application/json\r\nContent-Length: " + bad.length), bad);
        assertEquals(400, r.status(), r.body());
        assertEquals("useSessionsTable", r.json().path("attr").asText(), r.body());
        assertTrue(r.json().path("detail").asText().endsWith(
                "Input should be a valid boolean, unable to interpret input"), r.body());
        byte[] list = trends.apply("[1]").getBytes(StandardCharsets.UTF_8);
        Reply l = exchange(head(p, "Content-Type: application/json\r\nContent-Length: " + list.length), list);
        assertEquals(400, l.status(), l.body());
        assertTrue(l.json().path("detail").asText().endsWith("Input should be a valid boolean"), l.body());
        // the other bool fields Quarry refuses unless off are read the same way (HogQLQuery.explain, sendRawQuery)
        byte[] explainNo = "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 1\",\"explain\":\"no\",\"sendRawQuery\":0}}"
                .getBytes(StandardCharsets.UTF_8);
        Reply no = exchange(head(p, "Content-Type: application/json\r\nContent-Length: " + explainNo.length), explainNo);
        assertEquals(200, no.status(), no.body());
        byte[] explainBad = "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 1\",\"explain\":\"later\"}}"
                .getBytes(StandardCharsets.UTF_8);
        Reply bad2 = exchange(head(p, "Content-Type: application/json\r\nContent-Length: " + explainBad.length), explainBad);
        assertEquals(400, bad2.status(), bad2.body());
        assertEquals("explain", bad2.json().path("attr").asText(), bad2.body());
    }
}

package dev.quarry.web;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.common.core.BlockingNotAllowedException;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The NUL character (U+0000) in a REST request's path, query parameters or JSON body is refused before the resource
 * runs, with the answer PostHog's serializers give for it (Django REST framework's
 * {@code ProhibitNullCharactersValidator}): 400 {@code validation_error}, code {@code null_characters_not_allowed},
 * "Null characters are not allowed.", {@code attr} the parameter or body field (nested body fields joined with
 * {@code __}, as PostHog names nested errors; a parameter holding JSON that holds U+0000 once parsed is named with
 * the path inside it, {@code properties__0__value}). PostgreSQL's text and jsonb cannot hold the character, so without this
 * the request failed in the database with PostgreSQL's own message, possibly after part of it was written.
 *
 * <p>A JSON body is read in the charset its Content-Type names, as DRF reads it ({@link #utf8}). A body DRF has no
 * parser for (no Content-Type, or not JSON) is not scanned: it is DRF's 415, answered by the auth filter after
 * authentication ({@link RequestBodyMediaType}); a request without a body reads as {@code {}}.
 *
 * <p>Not here: the capture endpoints (PostHog's ingestion stores U+FFFD in its place, and so does capture), and the
 * body of {@code POST query} (the query runner answers its own 400 and keeps the run in the query log): resources
 * marked {@link NulCharactersAccepted}.
 */
public class NulCharacterFilter {
    static final String CODE = "null_characters_not_allowed";
    static final String DETAIL = "Null characters are not allowed.";
    /** The JSON escape of U+0000 as it appears in a body: only bodies holding it are parsed here. */
    private static final byte[] ESCAPE = {'\\', 'u', '0', '0', '0', '0'};

    @Inject
    ObjectMapper mapper;

    /** After authentication (a request without valid credentials is still a 401, not this 400). */
    @ServerRequestFilter(readBody = true, priority = Priorities.USER + 10)
    public void refuseNul(ContainerRequestContext request, ResourceInfo resource) {
        FormBody.readInto(request, mapper); // a form's fields are scanned as the JSON object they become
        Class<?> type = resource == null ? null : resource.getResourceClass();
        NulCharactersAccepted accepted = type == null ? null : type.getAnnotation(NulCharactersAccepted.class);
        if (accepted != null && !accepted.bodyOnly()) {
            return;
        }
        if (request.getUriInfo().getPath().indexOf('\u0000') >= 0) {
            throw refused(null);
        }
        MultivaluedMap<String, String> params = request.getUriInfo().getQueryParameters();
        for (Map.Entry<String, List<String>> param : params.entrySet()) {
            if (param.getKey().indexOf('\u0000') >= 0) {
                throw refused(param.getKey().replace("\u0000", ""));
            }
            for (String value : param.getValue()) {
                if (value != null && value.indexOf('\u0000') >= 0) {
                    throw refused(param.getKey());
                }
                String inJson = value == null ? null : nulInJsonParameter(value);
                if (inJson != null) {
                    throw refused(inJson.isEmpty() ? param.getKey() : param.getKey() + "__" + inJson);
                }
            }
        }
        String method = request.getMethod();
        boolean withBody = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
        // readBody = true has the body of these methods in memory before filters run; other methods' bodies are not
        // read ahead, and reading them here would block the event loop
        // a body DRF has no parser for (no Content-Type, text/plain, …) is labelled JSON before routing and refused
        // by the auth filter (RequestBodyMediaType): it is not scanned here
        if (request.getProperty(RequestBodyMediaType.UNSUPPORTED) != null) {
            return;
        }
        if (!withBody || !request.hasEntity() || !isJson(request.getMediaType())) {
            return;
        }
        if (accepted != null) {
            // not scanned (the query runner answers U+0000 itself), but read in its declared charset as DRF reads it
            transcode(request);
            return;
        }
        byte[] body;
        try (InputStream in = request.getEntityStream()) {
            body = utf8(in.readAllBytes(), request.getMediaType());
            request.setEntityStream(new ByteArrayInputStream(body));
        } catch (BlockingNotAllowedException e) {
            return; // the route takes no body (readBody reads ahead only a body the resource method takes)
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!holdsNulEscape(body)) {
            return;
        }
        String at;
        try (JsonParser parser = mapper.getFactory().createParser(body)) {
            at = nulAt(parser);
        } catch (IOException e) {
            return; // not JSON (or nested past Jackson's limit): the resource answers its parse error
        }
        if (at != null) {
            throw refused(at.isEmpty() ? null : at);
        }
    }

    /**
     * A body whose Content-Type names a charset other than UTF-8 ({@code application/json; charset=latin-1}) is
     * decoded in it and handed on as UTF-8, as DRF's JSONParser decodes by the declared charset; a UTF-8 body is
     * checked as Python's UTF-8 reader checks it and otherwise left as it is, for the resource to parse.
     */
    private static void transcode(ContainerRequestContext request) {
        try (InputStream in = request.getEntityStream()) {
            byte[] body = in.readAllBytes();
            byte[] read = utf8(body, request.getMediaType());
            request.setEntityStream(new ByteArrayInputStream(read == body ? body : read));
        } catch (BlockingNotAllowedException e) {
            // the route takes no body
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The body as UTF-8 JSON text, read as Django REST framework's {@code JSONParser} reads a body
     * ({@link PythonCodecs}): in the charset the Content-Type names, UTF-8 when it names none or one Python does not
     * know (Django ignores it; names are read as Python reads them, {@code utf-16-le} included). A body that does not
     * decode in its charset is DRF's 400 {@code parse_error} "JSON parse error - " and CPython's text ("'utf-16-le'
     * codec can't decode bytes in position 2-3: illegal encoding", "'utf-8' codec can't decode byte 0xe9 in position
     * 44: invalid continuation byte", "UTF-16 stream does not start with BOM"); a body in another charset that decodes
     * to text no JSON value starts with (UTF-8 bytes labelled {@code utf-16le}) is Python's "Expecting value: line 1
     * column 1 (char 0)", and one starting with U+FEFF "Unexpected UTF-8 BOM". The text is handed on re-encoded as
     * UTF-8 (so a NUL escaped in UTF-16 is found too). In UTF-8 a byte order mark is refused (Python's {@code json}:
     * "Unexpected UTF-8 BOM") and so is a zero byte (never part of UTF-8 JSON: a UTF-16 or UTF-32 body sent without its
     * charset, which Jackson alone would have guessed and read); the reader drops an incomplete sequence at the very
     * end, and so does this. The same array comes back when nothing changed.
     */
    static byte[] utf8(byte[] body, MediaType type) {
        PythonCodecs.Declared declared = PythonCodecs.declared(type == null ? null : type.getParameters().get("charset"));
        if (declared.utf8()) {
            if (body.length >= 3 && (body[0] & 0xff) == 0xef && (body[1] & 0xff) == 0xbb && (body[2] & 0xff) == 0xbf) {
                throw new ParseErrorException("JSON parse error - Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 "
                        + "column 1 (char 0)");
            }
            for (int i = 0; i < body.length; i++) {
                if (body[i] == 0) {
                    throw new ParseErrorException("JSON parse error - the body holds a zero byte at position " + i
                            + ": it is not UTF-8 JSON (a UTF-16 or UTF-32 body needs its charset in Content-Type)");
                }
            }
            int length = PythonCodecs.utf8Length(body);
            return length == body.length ? body : java.util.Arrays.copyOf(body, length);
        }
        String text = PythonCodecs.decode(body, declared);
        if (body.length > 0) {
            PythonCodecs.refuseNonJsonStart(text);
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Where a parameter holding JSON ({@code properties=[…]}, {@code breakdown}, {@code events}, …: the legacy
     * endpoints parse these) holds U+0000 once parsed, as the path inside it ({@code ""} for the value itself), or null.
     * Only a value with the escape is parsed; one that is not JSON is left to the endpoint.
     */
    private String nulInJsonParameter(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (!holdsNulEscape(bytes)) {
            return null;
        }
        try (JsonParser parser = mapper.getFactory().createParser(bytes)) {
            return nulAt(parser);
        } catch (IOException e) {
            return null;
        }
    }

    private static ValidationException refused(String attr) {
        return new ValidationException(CODE, DETAIL, attr);
    }

    private static boolean isJson(MediaType type) {
        return type == null || type.isWildcardSubtype() || type.getSubtype().equals("json")
                || type.getSubtype().endsWith("+json");
    }

    /**
     * The path of the first string or key holding U+0000 ({@code ""} for the root), or null if none does. One pass of
     * tokens, no tree and no strings built per node: the path is put together from Jackson's parsing context only
     * when a NUL is found (a body of millions of nodes costs one scan).
     */
    static String nulAt(JsonParser parser) throws IOException {
        for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
            if ((token == JsonToken.FIELD_NAME || token == JsonToken.VALUE_STRING) && holdsNul(parser)) {
                return pathOf(parser.getParsingContext(), token == JsonToken.VALUE_STRING);
            }
        }
        return null;
    }

    private static boolean holdsNul(JsonParser parser) throws IOException {
        char[] text = parser.getTextCharacters();
        int end = parser.getTextOffset() + parser.getTextLength();
        for (int i = parser.getTextOffset(); i < end; i++) {
            if (text[i] == '\u0000') {
                return true;
            }
        }
        return false;
    }

    /** Field names (NUL removed) and array positions from the root down, joined with {@code __}. */
    private static String pathOf(JsonStreamContext context, boolean value) {
        java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject()) {
                String name = c.getCurrentName();
                parts.addFirst(name == null ? "" : name.replace("\u0000", ""));
            } else if (c.inArray()) {
                parts.addFirst(String.valueOf(Math.max(c.getCurrentIndex(), 0)));
            }
        }
        return String.join("__", parts);
    }

    /**
     * Whether the body holds the JSON escape of U+0000 (a backslash, then {@code u0000}, the backslash the last of an
     * odd run: after an even run the backslashes escape each other and the text is those characters, not a NUL). A JSON text cannot hold
     * a raw U+0000 (Jackson refuses it), so only bodies with the escape are scanned.
     */
    static boolean holdsNulEscape(byte[] body) {
        for (int i = indexOf(body, ESCAPE, 0); i >= 0; i = indexOf(body, ESCAPE, i + 1)) {
            int backslashes = 0;
            for (int j = i; j >= 0 && body[j] == '\\'; j--) {
                backslashes++;
            }
            if (backslashes % 2 == 1) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

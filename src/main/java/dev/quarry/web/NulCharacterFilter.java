package dev.quarry.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.capture.CaptureResource;
import dev.quarry.query.QueryResource;
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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.common.core.BlockingNotAllowedException;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The NUL character (U+0000) in a REST request's path, query parameters or JSON body is refused before the resource
 * runs, with the answer PostHog's serializers give for it (Django REST framework's
 * {@code ProhibitNullCharactersValidator}): 400 {@code validation_error}, code {@code null_characters_not_allowed},
 * "Null characters are not allowed.", {@code attr} the parameter or body field (nested body fields joined with
 * {@code __}, as PostHog names nested errors). PostgreSQL's text and jsonb cannot hold the character, so without this
 * the request failed in the database with PostgreSQL's own message, possibly after part of it was written.
 *
 * <p>Not here: the capture endpoints (PostHog's ingestion stores U+FFFD in its place, and so does capture), and the
 * body of {@code POST query} (the query runner answers its own 400 and keeps the run in the query log).
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
        Class<?> type = resource == null ? null : resource.getResourceClass();
        if (type == CaptureResource.class) {
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
            }
        }
        String method = request.getMethod();
        boolean withBody = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
        // readBody = true has the body of these methods in memory before filters run; other methods' bodies are not
        // read ahead, and reading them here would block the event loop
        if (!withBody || type == QueryResource.class || !request.hasEntity() || !isJson(request.getMediaType())) {
            return;
        }
        byte[] body;
        try (InputStream in = request.getEntityStream()) {
            body = in.readAllBytes();
            request.setEntityStream(new ByteArrayInputStream(body));
        } catch (BlockingNotAllowedException e) {
            return; // the route takes no body (readBody reads ahead only a body the resource method takes)
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (indexOf(body, ESCAPE) < 0) {
            return;
        }
        JsonNode tree;
        try {
            tree = mapper.readTree(body);
        } catch (IOException e) {
            return; // not JSON: the resource answers its parse error
        }
        String at = nulAt(tree, null);
        if (at != null) {
            throw refused(at.isEmpty() ? null : at);
        }
    }

    private static ValidationException refused(String attr) {
        return new ValidationException(CODE, DETAIL, attr);
    }

    private static boolean isJson(MediaType type) {
        return type == null || type.getSubtype().equals("json") || type.getSubtype().endsWith("+json");
    }

    /** The path of the first string or key holding U+0000 ({@code ""} for the root), or null if none does. */
    static String nulAt(JsonNode node, String path) {
        if (node.isTextual()) {
            return node.textValue().indexOf('\u0000') >= 0 ? (path == null ? "" : path) : null;
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = nulAt(node.get(i), path == null ? String.valueOf(i) : path + "__" + i);
                if (found != null) {
                    return found;
                }
            }
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String key = field.getKey();
                String here = path == null ? key.replace("\u0000", "") : path + "__" + key.replace("\u0000", "");
                if (key.indexOf('\u0000') >= 0) {
                    return here;
                }
                String found = nulAt(field.getValue(), here);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
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

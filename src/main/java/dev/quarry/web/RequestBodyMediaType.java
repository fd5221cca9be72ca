package dev.quarry.web;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The body of a POST, PUT or PATCH under {@code /api/} as Django REST framework's {@code Request} reads it, before
 * routing (so RESTEasy's own {@code @Consumes} matching, which runs before authentication, never answers first):
 * <ul>
 *   <li>No body (no Content-Length or 0, not chunked): DRF has no stream and reads the data as {@code {}} whatever
 *       the Content-Type ({@code Request._parse}: {@code empty_data = {}}), so the view answers its own validation
 *       error (PostHog's query view: the pydantic "Field required" for {@code query}). Here the body becomes
 *       {@code {}} labelled {@code application/json}.</li>
 *   <li>A form body ({@code application/x-www-form-urlencoded}, {@code multipart/form-data}), which DRF's
 *       {@code FormParser} and {@code MultiPartParser} read: labelled JSON here, its fields made a JSON object by
 *       {@link FormBody} once the body is read.</li>
 *   <li>A body with no Content-Type, or one no parser takes ({@code text/plain}, …): DRF raises
 *       {@code UnsupportedMediaType} (415) only when the view first reads {@code request.data}, which is after
 *       authentication (401: PostHog's {@code PersonalAPIKeyAuthentication} takes a key from the Authorization header
 *       without reading the body) and the permission checks (the project's 404, the scopes' 403). The request is
 *       labelled JSON for routing and keeps the type as sent in a property; {@link #refused} gives the 415 later: the
 *       auth filter when it must look for the key in the body (no key in the header: DRF's {@code request.data}),
 *       otherwise {@link NulCharacterFilter} right after authentication.</li>
 * </ul>
 * Capture and the other paths outside {@code /api/} are not DRF's and are left as they are.
 */
public class RequestBodyMediaType {
    /** The request property holding the Content-Type as sent ({@code ""} for none) of a body DRF has no parser for. */
    static final String UNSUPPORTED = "quarry.unsupported-media-type";
    private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH");
    private static final byte[] EMPTY_DATA = "{}".getBytes(StandardCharsets.UTF_8);

    /** After the path rewrite and the body-size limit, before authentication and routing. */
    @ServerRequestFilter(preMatching = true, priority = Priorities.USER + 100)
    public void label(ContainerRequestContext request) {
        if (!WRITES.contains(request.getMethod()) || !request.getUriInfo().getPath().startsWith("/api/")) {
            return;
        }
        String type = request.getHeaderString(HttpHeaders.CONTENT_TYPE);
        if (!declaresBody(request)) {
            request.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON);
            request.getHeaders().putSingle(HttpHeaders.CONTENT_LENGTH, String.valueOf(EMPTY_DATA.length));
            request.setEntityStream(new ByteArrayInputStream(EMPTY_DATA));
            return;
        }
        if (type != null && isForm(type)) {
            request.setProperty(FormBody.SENT_AS, type);
            request.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON);
        } else if (type == null || !isJson(type)) {
            request.setProperty(UNSUPPORTED, type == null ? "" : type);
            request.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON);
        }
    }

    /**
     * The error a request's body gets once it is read: DRF's 415 if it has no parser for it (a body with no
     * Content-Type on any route, a body of another type on a route that reads JSON), or the 400 of a form body that
     * does not parse ({@link FormBody}). For a route that takes any type (none under {@code /api/} reads the body
     * then), the Content-Type as sent is put back and nothing is refused.
     */
    public static Optional<ApiException> refused(ContainerRequestContext request, ResourceInfo resource) {
        if (request.getProperty(FormBody.MALFORMED) instanceof ApiException malformed) {
            return Optional.of(malformed);
        }
        Object sent = request.getProperty(UNSUPPORTED);
        if (!(sent instanceof String type)) {
            return Optional.empty();
        }
        if (type.isEmpty() || readsJson(resource)) {
            return Optional.of(new UnsupportedMediaTypeException(type));
        }
        request.removeProperty(UNSUPPORTED);
        request.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, type);
        return Optional.empty();
    }

    private static boolean readsJson(ResourceInfo resource) {
        if (resource == null || resource.getResourceMethod() == null) {
            return true;
        }
        Consumes consumes = resource.getResourceMethod().getAnnotation(Consumes.class);
        if (consumes == null) {
            consumes = resource.getResourceClass().getAnnotation(Consumes.class);
        }
        return consumes == null || Arrays.stream(consumes.value()).noneMatch(MediaType.WILDCARD::equals);
    }

    private static boolean isForm(String type) {
        try {
            return FormBody.isForm(MediaType.valueOf(type));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** DRF's {@code JSONParser} media type {@code application/json} matches the type sent (its parameters aside). */
    private static boolean isJson(String type) {
        try {
            MediaType parsed = MediaType.valueOf(type);
            return MediaType.APPLICATION_JSON_TYPE.isCompatible(new MediaType(parsed.getType(), parsed.getSubtype()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A request that says it carries a body: a positive Content-Length, or a chunked one. */
    public static boolean declaresBody(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        String encoding = request.getHeaderString("Transfer-Encoding");
        if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            return true;
        }
        try {
            return length != null && Long.parseLong(length.trim()) > 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}

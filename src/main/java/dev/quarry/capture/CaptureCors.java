package dev.quarry.capture;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.util.Set;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * CORS on the capture endpoints, as PostHog's capture answers it, so that posthog-js in a browser on any site can
 * send: a request with an {@code Origin} gets {@code Access-Control-Allow-Origin} = that origin (mirrored, since any
 * site may capture), {@code Access-Control-Allow-Credentials: true}, {@code Access-Control-Allow-Methods: GET, POST,
 * OPTIONS} and {@code Access-Control-Allow-Headers} = the headers the preflight asks for (else
 * {@code X-Requested-With,Content-Type}); a preflight {@code OPTIONS} is answered 200 here, before routing. Only the
 * capture paths: the {@code /api/} endpoints stay without CORS (they take a personal API key, not a browser's).
 */
public class CaptureCors {
    /** Capture's paths, and the paths of the SDKs' feature-flag requests to the same host. */
    static final Set<String> PATHS = Set.of("/batch", "/capture", "/e", "/i/v0/e", "/track", "/flags", "/decide");
    /**
     * posthog-js's remote config ({@code flags.RemoteConfigResource}) and its scripts ({@code flags.StaticAssetsResource},
     * loaded {@code crossorigin="anonymous"}), fetched from the same host.
     */
    static final java.util.regex.Pattern REMOTE_CONFIG = java.util.regex.Pattern.compile("/array/[^/]+/config(\\.js)?"
            + "|/static/.+");
    static final String METHODS = "GET, POST, OPTIONS";
    static final String DEFAULT_HEADERS = "X-Requested-With,Content-Type";

    /**
     * Whether the path is one of capture's as routing reads it: the path as sent in one look-up (what SDKs send), and
     * only otherwise the path as the router resolves it — percent-escapes decoded, path parameters ({@code ;x=1}) left out, repeated slashes as one, dot
     * segments resolved, trailing slashes dropped — so that {@code //batch/}, {@code /b%61tch/} or {@code /batch///},
     * which reach capture, carry its CORS headers too.
     */
    static boolean isCapture(String path) {
        if (path == null) {
            return false;
        }
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (PATHS.contains(p)) {
            return true;
        }
        if (REMOTE_CONFIG.matcher(p).matches()) {
            return true;
        }
        String routed = routed(path);
        return routed != null && (PATHS.contains(routed) || REMOTE_CONFIG.matcher(routed).matches());
    }

    /** The path as the router resolves it, without its trailing slashes; null when an escape does not decode. */
    static String routed(String path) {
        String decoded = path;
        if (path.indexOf('%') >= 0) {
            try {
                decoded = java.net.URLDecoder.decode(path.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        java.util.ArrayDeque<String> segments = new java.util.ArrayDeque<>();
        for (String segment : decoded.split("/")) {
            int matrix = segment.indexOf(';');
            if (matrix >= 0) {
                segment = segment.substring(0, matrix); // a path parameter, which routing leaves out
            }
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                segments.pollLast();
            } else {
                segments.addLast(segment);
            }
        }
        return "/" + String.join("/", segments);
    }

    /** A preflight on a capture path: 200 with the CORS headers, the resource not run. */
    @ServerRequestFilter(preMatching = true, priority = 10)
    public Response preflight(ContainerRequestContext request, HttpServerRequest http) {
        if (!"OPTIONS".equals(request.getMethod()) || !isCapture(http.path())) {
            return null;
        }
        Response.ResponseBuilder answer = Response.ok();
        String origin = request.getHeaderString("Origin");
        if (origin != null) {
            answer.header("Access-Control-Allow-Origin", origin)
                    .header("Access-Control-Allow-Credentials", "true")
                    .header("Access-Control-Allow-Methods", METHODS)
                    .header("Access-Control-Allow-Headers", allowHeaders(request))
                    .header("Vary", "Origin, Access-Control-Request-Headers");
        }
        return answer.build();
    }

    /** Every answer of a capture path to a request with an {@code Origin} (errors included) carries the headers. */
    @ServerResponseFilter
    public void headers(ContainerRequestContext request, ContainerResponseContext response, HttpServerRequest http) {
        String origin = request.getHeaderString("Origin");
        // the raw path as received (Vert.x's, no URI built per request): capture's paths are never rewritten
        if (origin == null || !isCapture(http.path())) {
            return;
        }
        MultivaluedMap<String, Object> headers = response.getHeaders();
        headers.putSingle("Access-Control-Allow-Origin", origin);
        headers.putSingle("Access-Control-Allow-Credentials", "true");
        headers.putSingle("Access-Control-Allow-Methods", METHODS);
        headers.putSingle("Access-Control-Allow-Headers", allowHeaders(request));
        headers.putSingle("Vary", "Origin, Access-Control-Request-Headers");
    }

    private static String allowHeaders(ContainerRequestContext request) {
        String asked = request.getHeaderString("Access-Control-Request-Headers");
        return asked == null || asked.isBlank() ? DEFAULT_HEADERS : asked;
    }
}

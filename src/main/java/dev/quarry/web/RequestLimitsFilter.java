package dev.quarry.web;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.net.URI;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The request line and header limits, answered in PostHog's error body: a request line longer than
 * {@value #MAX_REQUEST_LINE_BYTES} bytes is a 414 {@code request_uri_too_long}, header fields larger than
 * {@value #MAX_HEADER_BYTES} bytes together (API Gateway HTTP API's own limit, so a request the functions would never
 * see is refused locally too) a 431 {@code request_header_fields_too_large}. Vert.x's HTTP codec used to refuse these
 * itself with an empty body; its limits are now set higher ({@code quarkus.http.limits.max-header-size},
 * {@code max-initial-line-length}) so that these requests reach this filter, first of all filters (before
 * authentication: a 100 KB Authorization header is this 431, not a 401). Beyond the codec's own limits Vert.x still
 * answers with an empty body.
 */
public class RequestLimitsFilter {
    /** API Gateway HTTP API's limit for the request line and headers together; here for the headers. */
    public static final int MAX_HEADER_BYTES = 10_240;
    /** Vert.x's default limit for the request line, kept. */
    public static final int MAX_REQUEST_LINE_BYTES = 4_096;

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION - 1000)
    public void limit(ContainerRequestContext request, HttpServerRequest http) {
        if (requestLineBytes(request, http) > MAX_REQUEST_LINE_BYTES) {
            throw new RequestTooLargeException(414, "request_uri_too_long",
                    "Request line is longer than " + MAX_REQUEST_LINE_BYTES + " bytes.");
        }
        if (headerBytes(http) > MAX_HEADER_BYTES) {
            throw new RequestTooLargeException(431, "request_header_fields_too_large",
                    "Request header fields are larger than " + MAX_HEADER_BYTES + " bytes.");
        }
    }

    /**
     * The request line's length: method, space, the path and query as sent, {@code " HTTP/1.1"}. Read from the
     * request target as Vert.x holds it (the raw path and query of an origin-form target, no URI built per request);
     * an absolute-form target ({@code http://host/path}) is measured by its path and query, as before.
     */
    static int requestLineBytes(ContainerRequestContext request, HttpServerRequest http) {
        String target = http.uri();
        int pathAndQuery;
        if (target != null && target.startsWith("/")) {
            pathAndQuery = target.length();
        } else {
            URI uri = request.getUriInfo().getRequestUri();
            pathAndQuery = length(uri.getRawPath()) + (uri.getRawQuery() == null ? 0 : 1 + length(uri.getRawQuery()));
        }
        return request.getMethod().length() + 1 + pathAndQuery + " HTTP/1.1".length();
    }

    /** Each header field as {@code name: value\r\n}, summed over the fields as received (a repeated name counts each time). */
    static long headerBytes(HttpServerRequest http) {
        long headers = 0;
        for (Map.Entry<String, String> header : http.headers()) {
            headers += header.getKey().length() + 2 + length(header.getValue()) + 2;
        }
        return headers;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    /** 414 or 431 {@code invalid_request}: the request line or its headers are larger than Quarry accepts. */
    public static final class RequestTooLargeException extends ApiException {
        private final int status;

        RequestTooLargeException(int status, String code, String detail) {
            super(code, detail, null);
            this.status = status;
        }

        @Override
        public int status() {
            return status;
        }

        @Override
        public String type() {
            return "invalid_request";
        }
    }
}

package dev.quarry.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Work the web filters no longer do on every request (capture's path, issue 18 item 5): capture's answer
 * {@code {"status":1}} is not serialised per request but is the bytes Jackson writes for it; the request-line limit and
 * the path rewrite read the request target as received instead of building a {@link URI} (a URI is built only for
 * an absolute-form target, or when the path is rewritten). Same answers as before: the bytes equal Jackson's, the
 * lengths equal the URI's.
 */
class PerRequestWorkTest {
    /** A mapper that counts what it serialises. */
    static final class CountingMapper extends ObjectMapper {
        final AtomicInteger writes = new AtomicInteger();

        @Override
        public byte[] writeValueAsBytes(Object value) throws JsonProcessingException {
            writes.incrementAndGet();
            return super.writeValueAsBytes(value);
        }

        @Override
        public void writeValue(java.io.OutputStream out, Object value) throws java.io.IOException {
            writes.incrementAndGet(); // ResponseLimit.write's path
            super.writeValue(out, value);
        }
    }

    @Test
    void theStatusAnswerIsJacksonsBytesWrittenOnce() throws Exception {
        CountingMapper mapper = new CountingMapper();
        ResponseLimitFilter filter = new ResponseLimitFilter(mapper);
        byte[] jackson = new ObjectMapper().writeValueAsBytes(Map.of("status", 1));
        assertArrayEquals(jackson, ResponseLimitFilter.STATUS_ONE_BYTES);
        for (Map<String, Object> entity : java.util.List.<Map<String, Object>>of(Map.of("status", 1),
                new HashMap<>(Map.of("status", 1)), new LinkedHashMap<>(Map.of("status", 1)))) {
            AtomicReference<Object> written = new AtomicReference<>();
            filter.limit(response(entity, written));
            assertArrayEquals(jackson, (byte[]) written.get());
        }
        assertEquals(0, mapper.writes.get(), "capture's answer serialised per request");
        // anything else is serialised as before: another status, another number type, another key, a second key
        for (Map<String, Object> entity : java.util.List.<Map<String, Object>>of(Map.of("status", 0),
                Map.of("status", 1L), Map.of("Status", 1), Map.of("status", 1, "x", 2))) {
            AtomicReference<Object> written = new AtomicReference<>();
            filter.limit(response(entity, written));
            assertArrayEquals(new ObjectMapper().writeValueAsBytes(entity), (byte[]) written.get());
        }
        assertEquals(4, mapper.writes.get());
    }

    @Test
    void theRequestLineIsMeasuredWithoutAUri() {
        RequestLimitsFilter filter = new RequestLimitsFilter();
        for (String target : new String[] {"/batch/", "/e/?ip=1&_=1764583200000&ver=1.200.0&compression=gzip-js",
                "/api/projects/1/query/?x=%40a%25b", "/e/?", "/i/v0/e/?ver=" + "9".repeat(4_000)}) {
            URI uri = URI.create("http://127.0.0.1:8000" + target);
            int expected = "POST".length() + 1 + uri.getRawPath().length()
                    + (uri.getRawQuery() == null ? 0 : 1 + uri.getRawQuery().length()) + " HTTP/1.1".length();
            ContainerRequestContext noUri = request("POST", null, null);
            assertEquals(expected, RequestLimitsFilter.requestLineBytes(noUri, http(target, MultiMap.caseInsensitiveMultiMap())));
            if (expected <= RequestLimitsFilter.MAX_REQUEST_LINE_BYTES) {
                filter.limit(noUri, http(target, MultiMap.caseInsensitiveMultiMap()));
            } else {
                assertEquals(414, assertThrows(RequestLimitsFilter.RequestTooLargeException.class,
                        () -> filter.limit(noUri, http(target, MultiMap.caseInsensitiveMultiMap()))).status());
            }
        }
        // an absolute-form target is measured by its path and query, as before (through the URI)
        URI absolute = URI.create("http://example.com/batch/?a=1");
        assertEquals("POST /batch/?a=1 HTTP/1.1".length(), RequestLimitsFilter.requestLineBytes(
                request("POST", absolute, null), http(absolute.toString(), MultiMap.caseInsensitiveMultiMap())));
        // headers: each field counted as received, a repeated name each time
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "text/plain")
                .add("X-A", "1").add("X-A", "22");
        assertEquals(("Content-Type: text/plain\r\n" + "X-A: 1\r\n" + "X-A: 22\r\n").length(),
                RequestLimitsFilter.headerBytes(http("/e/", headers)));
        headers.add("X-Big", "a".repeat(RequestLimitsFilter.MAX_HEADER_BYTES));
        assertEquals(431, assertThrows(RequestLimitsFilter.RequestTooLargeException.class,
                () -> filter.limit(request("POST", null, null), http("/e/", headers))).status());
    }

    @Test
    void pathsLeftAsTheyAreBuildNoUri() {
        PathRewriteFilter filter = new PathRewriteFilter();
        for (String path : new String[] {"/batch/", "/e/", "/i/v0/e/", "/api/projects/1/query/", "/api/projects/@current/"}) {
            filter.rewrite(request("POST", null, null), http(path, MultiMap.caseInsensitiveMultiMap()));
        }
        AtomicReference<URI> set = new AtomicReference<>();
        filter.rewrite(request("GET", URI.create("http://h/api/environments/%40current/query/q%25/?a=1"), set),
                http("/api/environments/%40current/query/q%25/", MultiMap.caseInsensitiveMultiMap()));
        // rewritten as before (the percent escaped once more, see PathRewriteFilter), the query kept
        assertEquals(true, set.get().getRawPath().startsWith("/api/projects/@current/query/q%25"), set.get().toString());
        assertEquals("a=1", set.get().getRawQuery());
        set.set(null);
        filter.rewrite(request("GET", URI.create("http://h/api/projects/1/"), set),
                http("/api/projects/1/", MultiMap.caseInsensitiveMultiMap()));
        assertNull(set.get());
    }

    /** A request whose URI (when {@code uri} is null) must not be asked for; {@code set} records a new request URI. */
    private static ContainerRequestContext request(String method, URI uri, AtomicReference<URI> set) {
        UriInfo info = (UriInfo) Proxy.newProxyInstance(UriInfo.class.getClassLoader(), new Class<?>[] {UriInfo.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "getRequestUri" -> {
                        if (uri == null) {
                            throw new AssertionError("a URI was built for this request");
                        }
                        yield uri;
                    }
                    default -> throw new AssertionError("unexpected UriInfo." + m.getName());
                });
        return (ContainerRequestContext) Proxy.newProxyInstance(ContainerRequestContext.class.getClassLoader(),
                new Class<?>[] {ContainerRequestContext.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getMethod" -> method;
                    case "getUriInfo" -> info;
                    case "setRequestUri" -> {
                        set.set((URI) args[0]);
                        yield null;
                    }
                    default -> throw new AssertionError("unexpected ContainerRequestContext." + m.getName());
                });
    }

    private static HttpServerRequest http(String target, MultiMap headers) {
        return (HttpServerRequest) Proxy.newProxyInstance(HttpServerRequest.class.getClassLoader(),
                new Class<?>[] {HttpServerRequest.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "uri" -> target;
                    case "path" -> {
                        int q = target.indexOf('?');
                        yield q < 0 ? target : target.substring(0, q);
                    }
                    case "headers" -> headers;
                    default -> throw new AssertionError("unexpected HttpServerRequest." + m.getName());
                });
    }

    private static ContainerResponseContext response(Object entity, AtomicReference<Object> written) {
        return (ContainerResponseContext) Proxy.newProxyInstance(ContainerResponseContext.class.getClassLoader(),
                new Class<?>[] {ContainerResponseContext.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getEntity" -> written.get() != null ? written.get() : entity;
                    case "getMediaType" -> MediaType.APPLICATION_JSON_TYPE;
                    case "setEntity" -> {
                        written.set(args[0]);
                        yield null;
                    }
                    default -> throw new AssertionError("unexpected ContainerResponseContext." + m.getName());
                });
    }
}

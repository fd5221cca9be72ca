package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Capture's answer to an accepted batch, byte for byte as SDKs read it: status 200, the body {@code {"status":1}}
 * (12 bytes), {@code Content-Type: application/json}, and with an {@code Origin} the CORS headers —
 * the same before and after the answer's bytes were kept instead of serialised per request
 * ({@code web.ResponseLimitFilter}) and the capture paths' filters stopped building a URI per request.
 * Requests as posthog-node (gzip JSON to /batch/) and posthog-js in a browser (base64 form to /e/, text/plain gzip-js
 * to /e/ with {@code ?compression=gzip-js}) send them.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CaptureAnswerBytesTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final byte[] OK = "{\"status\":1}".getBytes(StandardCharsets.UTF_8);

    @Test
    void everyClientGetsTheSameTwelveBytes() throws Exception {
        Project p = TestProjects.create("answer bytes");
        String event = "{\"uuid\":\"%s\",\"event\":\"$pageview\",\"distinct_id\":\"answer-1\",\"timestamp\":"
                + "\"2026-12-01T10:00:00.000Z\",\"properties\":{\"$browser\":\"Chrome\",\"$lib\":\"%s\"}}";
        String node = "{\"api_key\":\"" + p.apiToken() + "\",\"batch\":[" + event.formatted(
                "0192a1b2-0000-7000-8000-000000000001", "posthog-node") + "],\"sent_at\":\"2026-12-01T10:00:01.000Z\"}";
        HttpResponse<byte[]> a = send("/batch/", gzip(node), Map.of("Content-Type", "application/json",
                "Content-Encoding", "gzip", "User-Agent", "posthog-node/5.8.0"));
        assertAnswer(a, false);

        String js = "[" + event.formatted("0192a1b2-0000-7000-8000-000000000002", "web").replace("\"properties\":{",
                "\"properties\":{\"token\":\"" + p.apiToken() + "\",") + "]";
        String form = "data=" + URLEncoder.encode(Base64.getEncoder().encodeToString(js.getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8);
        HttpResponse<byte[]> b = send("/e/?ip=1&_=1764583200000&ver=1.200.0", form.getBytes(StandardCharsets.UTF_8),
                Map.of("Content-Type", "application/x-www-form-urlencoded", "Origin", "https://shop.example.com"));
        assertAnswer(b, true);

        String js2 = js.replace("0192a1b2-0000-7000-8000-000000000002", "0192a1b2-0000-7000-8000-000000000003");
        HttpResponse<byte[]> c = send("/e/?ip=0&_=1764583200001&ver=1.200.0&compression=gzip-js", gzip(js2),
                Map.of("Content-Type", "text/plain", "Origin", "https://shop.example.com"));
        assertAnswer(c, true);
    }

    private static void assertAnswer(HttpResponse<byte[]> r, boolean cors) {
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertArrayEquals(OK, r.body());
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(r.headers().map());
        assertEquals(List.of("application/json"), headers.get("Content-Type"), headers.toString());
        assertEquals(List.of("12"), headers.get("Content-Length"), headers.toString());
        if (cors) {
            assertEquals(List.of("https://shop.example.com"), headers.get("Access-Control-Allow-Origin"));
            assertEquals(List.of("true"), headers.get("Access-Control-Allow-Credentials"));
            assertEquals(List.of("GET, POST, OPTIONS"), headers.get("Access-Control-Allow-Methods"));
            assertEquals(List.of("X-Requested-With,Content-Type"), headers.get("Access-Control-Allow-Headers"));
        } else {
            assertEquals(null, headers.get("Access-Control-Allow-Origin"));
        }
    }

    private static HttpResponse<byte[]> send(String pathAndQuery, byte[] body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + pathAndQuery))
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}

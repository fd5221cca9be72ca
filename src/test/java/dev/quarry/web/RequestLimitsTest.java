package dev.quarry.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The HTTP layer's limits answer in PostHog's error body (breaker finding: a 100 KB header and a 7 KB URL got 431 and
 * 414 with an empty body, which clients that parse every error body could not read): 431
 * {@code request_header_fields_too_large} past 10,240 bytes of headers, 414 {@code request_uri_too_long} past a
 * 4,096-byte request line, both before authentication; requests within them answer as before.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RequestLimitsTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static HttpResponse<String> get(String pathAndQuery, String header, String value) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + pathAndQuery))
                .timeout(Duration.ofSeconds(30));
        if (header != null) {
            b.header(header, value);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        JsonNode body = JSON.readTree(r.body());
        assertEquals("invalid_request", body.path("type").asText(), r.body());
        assertEquals(code, body.path("code").asText(), r.body());
        assertEquals(true, body.has("detail") && body.has("attr") && body.get("attr").isNull(), r.body());
    }

    @Test
    void oversizedHeadersAndUrlsAnswerInPostHogsErrorBody() throws Exception {
        Project p = TestProjects.create("limits");
        String project = "/api/projects/" + p.id() + "/";
        // the breaker's requests: a 100 KB header (here the Authorization header itself) and a 7 KB URL
        assertError(get(project, "Authorization", "Bearer " + "k".repeat(100_000)), 431, "request_header_fields_too_large");
        assertError(get(project, "X-Big", "a".repeat(100_000)), 431, "request_header_fields_too_large");
        assertError(get(project + "?x=" + "a".repeat(7_000), "Authorization", "Bearer " + p.key()), 414,
                "request_uri_too_long");
        // just within both limits: answered as usual
        assertEquals(401, get(project + "?x=" + "a".repeat(3_900), "X-Fill", "b".repeat(9_000)).statusCode());
        HttpResponse<String> ok = HTTP.send(HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port
                + project + "?x=" + "a".repeat(3_900))).header("Authorization", "Bearer " + p.key())
                .header("X-Fill", "b".repeat(9_000)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode(), ok.body());
    }

    /** One raw HTTP/1.1 GET with the Host header as given: the status line and the body. */
    private static String[] rawGet(String path, String host, String key) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", RestAssured.port)) {
            socket.setSoTimeout(30_000);
            String request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + key
                    + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            String statusLine = response.substring(0, response.indexOf("\r\n"));
            return new String[] {statusLine, response.substring(response.indexOf("\r\n\r\n") + 4)};
        }
    }

    /**
     * A Host header that is no host and port is a 400 invalid_host, as PostHog's Django answers DisallowedHost: the
     * lists' absolute links are built from it, and {@code [zz]:1} failed to parse there (a 500), a blank one gave
     * {@code http://null/}. Names, IPv4 and IPv6 addresses with or without a port still pass.
     */
    @Test
    void aHostHeaderThatIsNoHostIsA400() throws Exception {
        Project p = TestProjects.create("hosts");
        String persons = "/api/environments/" + p.id() + "/persons/";
        for (String bad : new String[] {"[zz]:1", "[::g]", " ", "a b", "evil.example:port", "[::1", "h/ost"}) {
            String[] r = rawGet(persons, bad, p.key());
            assertEquals(true, r[0].contains(" 400 "), bad + ": " + r[0] + " " + r[1]);
            JsonNode body = JSON.readTree(r[1].substring(r[1].indexOf('{')));
            assertEquals("invalid_host", body.path("code").asText(), "[" + bad + "] " + r[1]);
            assertEquals("invalid_request", body.path("type").asText(), r[1]);
        }
        for (String good : new String[] {"localhost", "127.0.0.1:" + RestAssured.port, "[::1]:8080",
                "abc123.execute-api.us-east-1.amazonaws.com", "Quarry.Example", "internal_api:80"}) {
            String[] r = rawGet(persons, good, p.key());
            assertEquals(true, r[0].contains(" 200 "), good + ": " + r[0] + " " + r[1]);
        }
    }
}

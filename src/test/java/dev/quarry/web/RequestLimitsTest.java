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
}

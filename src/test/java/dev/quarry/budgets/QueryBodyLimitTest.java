package dev.quarry.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.query.QueryBodies;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The query endpoints' body: at most 2 MiB (quarry.query.max-body-bytes; a HogQL text is refused past 262,144
 * characters anyway), refused with PostHog's 413 from the Content-Length before it is read, or once buffered when
 * it comes chunked; a body within the limit is parsed in the project's lane, never on the event loop. Before, a
 * 6 MB body was read into a JSON tree on the event loop and answered 200, and project A's large bodies slowed
 * project B's calls to a p50 of 562 ms (README, Budgets).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class QueryBodyLimitTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Project project;

    @Inject
    QueryBodies bodies;

    @Inject
    io.vertx.core.Vertx vertx;

    @BeforeEach
    void project() {
        if (project == null) {
            project = TestProjects.create("Query bodies");
        }
    }

    /** A HogQLQuery {@code select 1} whose {@code values} carry {@code numbers} numbers (about 2 bytes each). */
    static String bodyWithNumbers(int numbers) {
        return "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 1\",\"values\":{\"x\":["
                + IntStream.range(0, numbers).mapToObj(i -> "1").collect(Collectors.joining(",")) + "]}},"
                + "\"refresh\":\"force_blocking\"}";
    }

    private static HttpResponse<String> post(String path, HttpRequest.BodyPublisher body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + path))
                        .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + project.key())
                        .header("Content-Type", "application/json").POST(body).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertTooLarge(HttpResponse<String> response) throws Exception {
        assertEquals(413, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body());
        assertEquals("invalid_request", error.path("type").asText());
        assertEquals("payload_too_large", error.path("code").asText());
        assertEquals("Request body is larger than 2097152 bytes.", error.path("detail").asText());
        assertTrue(error.has("attr"));
    }

    @Test
    void aBodyOverTheLimitIsRefusedWithPostHogs413() throws Exception {
        String six = bodyWithNumbers(3_000_000); // about 6 MB, under the 8 MiB of every other endpoint
        assertTrue(six.length() > 5_000_000);
        for (String path : new String[] {"/api/environments/" + project.id() + "/query/",
                "/api/projects/" + project.id() + "/query/HogQLQuery/", "/api/projects/" + project.id() + "/query/upgrade/"}) {
            assertTooLarge(post(path, HttpRequest.BodyPublishers.ofString(six)));
        }
        // without a Content-Length (chunked), refused once buffered
        byte[] three = bodyWithNumbers(1_500_000).getBytes(StandardCharsets.UTF_8);
        assertTooLarge(post("/api/projects/" + project.id() + "/query/",
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(three))));
    }

    @Test
    void aLargeBodyWithinTheLimitIsAnswered() throws Exception {
        String body = bodyWithNumbers(1_000_000); // about 2,000,080 bytes: just under 2 MiB
        assertTrue(body.length() < 2_097_152 && body.length() > 1_990_000, "" + body.length());
        for (HttpRequest.BodyPublisher publisher : new HttpRequest.BodyPublisher[] {HttpRequest.BodyPublishers.ofString(body),
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)))}) {
            HttpResponse<String> response = post("/api/environments/" + project.id() + "/query/", publisher);
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("[[1]]", JSON.readTree(response.body()).path("results").toString());
        }
    }

    @Test
    void malformedOrEmptyBodiesAreParseErrors() throws Exception {
        for (String body : new String[] {"{\"query\":", "", "[]", "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 1\"}}x"}) {
            HttpResponse<String> response = post("/api/projects/" + project.id() + "/query/",
                    HttpRequest.BodyPublishers.ofString(body));
            assertEquals(400, response.statusCode(), body + " -> " + response.body());
            JsonNode error = JSON.readTree(response.body());
            assertEquals("parse_error", error.path("code").asText(), response.body());
            assertTrue(error.path("detail").asText().startsWith("JSON parse error"), response.body());
        }
    }

    /** Called from an event-loop thread, as the resource is, a large body is parsed and handled on a worker thread. */
    @Test
    void theBodyIsParsedOffTheEventLoop() throws Exception {
        CompletableFuture<String> parsedOn = new CompletableFuture<>();
        CompletableFuture<String> calledOn = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            calledOn.complete(Thread.currentThread().getName());
            bodies.read(project.id(), bodyWithNumbers(40_000).getBytes(StandardCharsets.UTF_8), // 80 KB
                            json -> Uni.createFrom().item(Thread.currentThread().getName() + " " + json.path("query").path("query")))
                    .subscribe().with(parsedOn::complete, parsedOn::completeExceptionally);
        });
        assertTrue(calledOn.get(10, TimeUnit.SECONDS).startsWith("vert.x-eventloop"), calledOn.get());
        String result = parsedOn.get(10, TimeUnit.SECONDS);
        assertFalse(result.startsWith("vert.x-eventloop"), result);
        assertTrue(result.endsWith(" \"select 1\""), result);
    }
}

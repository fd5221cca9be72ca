package dev.quarry.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the default build serves: Quarkus's own HTTP server, concurrent, on loopback unless told otherwise, with no
 * Lambda runtime API on its port, and no response larger than a function could return.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ServingTest {
    private static Project project;

    @Inject
    Pool pool;

    @BeforeEach
    void project() {
        if (project == null) {
            project = TestProjects.create("Serving");
        }
    }

    /**
     * A query held up in PostgreSQL (the test holds a lock on the events table, so the query waits inside its
     * statement) does not hold up other requests: a project read and a 404 are answered while it waits, and the
     * query completes once the lock is released.
     */
    @Test
    void aSlowQueryInFlightDoesNotDelayAnotherRequest() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://127.0.0.1:" + RestAssured.port;
        String query = "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select count() from events where event = 'serving-slow'\"},"
                + "\"refresh\":\"force_blocking\"}";
        SqlConnection locker = pool.getConnection().await().atMost(Duration.ofSeconds(10));
        CompletableFuture<HttpResponse<String>> slow;
        try {
            locker.query("BEGIN").execute().await().atMost(Duration.ofSeconds(10));
            locker.query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE").execute().await().atMost(Duration.ofSeconds(10));
            slow = client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/api/projects/" + project.id() + "/query/"))
                    .header("Authorization", "Bearer " + project.key()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(query)).build(), HttpResponse.BodyHandlers.ofString());
            awaitQueryWaitingOnLock();

            long started = System.nanoTime();
            HttpResponse<String> other = client.send(HttpRequest.newBuilder(URI.create(base + "/api/projects/" + project.id() + "/"))
                    .header("Authorization", "Bearer " + project.key()).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> missing = client.send(HttpRequest.newBuilder(URI.create(base + "/no/such/route/"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertEquals(200, other.statusCode(), other.body());
            assertEquals(404, missing.statusCode());
            assertFalse(slow.isDone(), "the query was still waiting while the other requests were answered");
            assertTrue(elapsedMs < 5_000, "answered in " + elapsedMs + " ms while a query was in flight");
        } finally {
            locker.query("ROLLBACK").execute().await().atMost(Duration.ofSeconds(10));
            locker.close().await().atMost(Duration.ofSeconds(10));
        }
        HttpResponse<String> done = slow.get(30, TimeUnit.SECONDS);
        assertEquals(200, done.statusCode(), done.body());
    }

    private void awaitQueryWaitingOnLock() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            long waiting = pool.query("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    + " AND query ILIKE '%events%'").execute().await().atMost(Duration.ofSeconds(10))
                    .iterator().next().getLong(0);
            if (waiting > 0) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the query never reached PostgreSQL");
    }

    /** Unless QUARRY_HTTP_HOST says otherwise, the server listens on 127.0.0.1 only. */
    @Test
    void defaultBindIsLoopbackOnly() throws IOException {
        assertEquals(null, System.getenv("QUARRY_HTTP_HOST"), "this test checks the default");
        assertEquals("127.0.0.1", ConfigProvider.getConfig().getValue("quarkus.http.host", String.class));
        int port = RestAssured.port;
        try (Socket loopback = new Socket()) {
            loopback.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        }
        List<InetAddress> external = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress())
                .toList();
        for (InetAddress address : external) {
            assertThrows(ConnectException.class, () -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(address, port), 2_000);
                }
            }, "reachable on " + address.getHostAddress());
        }
    }

    /** The Lambda runtime API of the old local mock (next / response / requeue / error) answers nothing here. */
    @Test
    void noLambdaRuntimeApiOnThePort() {
        String runtime = "/_lambda_/2018-06-01/runtime/invocation/";
        given().get(runtime + "next").then().statusCode(404).body("code", equalTo("not_found"));
        given().contentType("application/json").body("{}").post(runtime + "some-request-id/response")
                .then().statusCode(404);
        given().contentType("application/json").body("{}").post(runtime + "some-request-id/requeue")
                .then().statusCode(404);
        given().contentType("application/json").body("{}").post(runtime + "some-request-id/error")
                .then().statusCode(404);
        given().contentType("application/json").body("{}").post("/_lambda_").then().statusCode(404);
    }

    /**
     * A response larger than a function may return is PostHog's 400 {@code response_too_large}, here as in the
     * functions; one just under the limit is served whole.
     */
    @Test
    void responsesOverTheFunctionLimitAreRefusedWithAPostHogError() {
        given().contentType("application/json").body(java.util.Map.of("api_key", project.apiToken(), "batch",
                        List.of(java.util.Map.of("event", "serving-big", "distinct_id", "big",
                                "timestamp", "2026-03-02T10:00:00Z"))))
                .post("/batch/").then().statusCode(200);
        String under = given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(hogql(inflated(5_800_000))).post("/api/projects/" + project.id() + "/query/")
                .then().statusCode(200).extract().path("results[0][0]");
        assertEquals(5_800_000, under.length());
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(hogql(inflated(6_400_000))).post("/api/projects/" + project.id() + "/query/")
                .then().statusCode(400)
                .body("type", equalTo("invalid_request"))
                .body("code", equalTo("response_too_large"));
    }

    private static String hogql(String select) {
        return "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select " + select
                + " from events where event = 'serving-big'\"},\"refresh\":\"force_blocking\"}";
    }

    /** A HogQL expression whose value is {@code n} letters, built in PostgreSQL (n a multiple of 10,000). */
    private static String inflated(int n) {
        return "replaceAll(replaceAll('" + "a".repeat(n / 10_000) + "', 'a', '" + "a".repeat(100) + "'), 'a', '"
                + "a".repeat(100) + "')";
    }

    /**
     * A percent-encoded {@code %} in a path under /api/environments/ (rewritten to /api/projects/ before routing) is
     * answered as under /api/projects/ (404 for an unknown id), not a 500 from decoding it twice (found by the
     * breaker: {@code query/bq1%25/}).
     */
    @Test
    void anEncodedPercentInAnEnvironmentsPathIsAnsweredAsUnderProjects() {
        Project p = TestProjects.create("Serving percent");
        for (String rest : List.of("/query/bq1%25/", "/persons/abc%25/", "/query/x%25/log/", "/insights/%25/",
                "/cohorts/1%25/")) {
            int underProjects = status(p, "/api/projects/" + p.id() + rest);
            int underEnvironments = status(p, "/api/environments/" + p.id() + rest);
            assertTrue(underEnvironments < 500, rest + " got " + underEnvironments);
            assertEquals(underProjects, underEnvironments, rest);
        }
        assertEquals(404, status(p, "/api/environments/" + p.id() + "/query/bq1%25/"));
        int unauthenticated = given().urlEncodingEnabled(false).get("/api/environments/" + p.id() + "/query/bq1%25/")
                .then().extract().statusCode();
        assertTrue(unauthenticated == 401 || unauthenticated == 404, "got " + unauthenticated);
    }

    private static int status(Project p, String rawPath) {
        return given().urlEncodingEnabled(false).header("Authorization", "Bearer " + p.key()).get(rawPath)
                .then().extract().statusCode();
    }
}

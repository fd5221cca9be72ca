package dev.quarry.capture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.posthog.server.PostHog;
import com.posthog.server.PostHogCaptureOptions;
import com.posthog.server.PostHogConfig;
import com.posthog.server.PostHogInterface;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What each official SDK sends on its default (and documented alternative) settings lands once, and a re-send of
 * the same batch (same uuids, as SDKs retry) changes nothing. The bodies are fixtures in
 * {@code src/test/resources/capture-fixtures/}, made with the libraries the SDKs use (generate.mjs,
 * generate_python.py there); the requests carry the SDKs' exact paths, query parameters, content types and
 * encodings. Counts are read back with HogQL through the query API. The Java server SDK is the real one.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ClientWireFormatsTest {
    /** The project API token the fixtures were made with. */
    private static final String FIXTURE_TOKEN = "phc_fixtureToken00000000000000000000000000";
    private static Project project;

    @Inject
    Pool pool;

    @BeforeEach
    void project() {
        if (project == null) {
            project = TestProjects.create("Client wire formats");
            pool.preparedQuery("UPDATE teams SET api_token = $1 WHERE id = $2")
                    .execute(Tuple.of(FIXTURE_TOKEN, project.id())).await().atMost(Duration.ofSeconds(10));
        }
    }

    /** posthog-node 5.x default: POST /batch/, application/json, Content-Encoding: gzip. */
    @Test
    void posthogNodeGzip() throws IOException, InterruptedException {
        sendTwice(fixture("posthog-node.json.gz"), "/batch/", "application/json", "gzip");
        assertEquals(3, count("fixture node"));
        assertEquals(3, count("fixture node", "properties.plan = 'café ✓'"));
    }

    /**
     * posthog-python with gzip=True and historical_migration=True: the gzip batch lands, and its 2025 timestamps are
     * kept as sent (no correction by the 2026 sent_at).
     */
    @Test
    void posthogPythonGzipHistoricalMigration() throws IOException, InterruptedException {
        sendTwice(fixture("posthog-python-historical.json.gz"), "/batch/", "application/json", "gzip");
        assertEquals(3, count("fixture python"));
        assertEquals(3, count("fixture python", "timestamp >= toDateTime('2025-11-20 09:00:00')"
                + " and timestamp <= toDateTime('2025-11-20 09:00:02')"));
    }

    /** posthog-js 1.4xx default (gzip-js): POST /e/, text/plain, raw gzip, no header and no parameter. */
    @Test
    void posthogJsGzipJs() throws IOException, InterruptedException {
        sendTwice(fixture("posthog-js-gzip-js.bin"), "/e/?ip=0&_=1772445600000&ver=1.449.2", "text/plain", null);
        assertEquals(4, count("fixture js gzip"));
        assertEquals(4, count("fixture js gzip", "properties.title = 'Préférences — ✓ “quoted”'"));
    }

    /** posthog-js's beacon on page unload: the gzip body in a text/plain Blob, with compression and beacon=1. */
    @Test
    void posthogJsBeaconGzipJs() throws IOException, InterruptedException {
        sendTwice(fixture("posthog-js-beacon-gzip-js.bin"), "/e/?compression=gzip-js&ip=0&_=1772445600000&ver=1.449.2&beacon=1",
                "text/plain", null);
        assertEquals(2, count("fixture js beacon gzip"));
    }

    /** posthog-js base64 mode: a form body of about 31 KB (far past the old 2 KiB form field limit). */
    @Test
    void posthogJsBase64Form() throws IOException, InterruptedException {
        sendTwice(fixture("posthog-js-base64.form"), "/e/?compression=base64&ip=0&_=1772445600000&ver=1.449.2",
                "application/x-www-form-urlencoded", null);
        assertEquals(60, count("fixture js base64"));
    }

    /** The base64 beacon: the form body in a Blob typed application/x-www-form-urlencoded, /e without a slash. */
    @Test
    void posthogJsBeaconBase64Form() throws IOException, InterruptedException {
        sendTwice(fixture("posthog-js-beacon-base64.form"), "/e?compression=base64&ver=1.449.2&beacon=1",
                "application/x-www-form-urlencoded", null);
        assertEquals(3, count("fixture js beacon base64"));
    }

    /** Older posthog-js lz64: form {@code data=<lz-string compressToBase64>} with ?compression=lz64. */
    @Test
    void posthogJsLz64Form() throws IOException, InterruptedException {
        sendTwice(fixture("posthog-js-lz64.form"), "/e/?compression=lz64&ip=1&_=1772445600000&ver=1.30.0",
                "application/x-www-form-urlencoded; charset=UTF-8", null);
        assertEquals(30, count("fixture js lz64"));
        assertEquals(30, count("fixture js lz64", "properties.$current_url = 'https://example.com/pricing?q=a+b&c=%20'"));
    }

    /**
     * The real Java server SDK (com.posthog:posthog-server) on its defaults: gzip always on, POST /batch with no
     * trailing slash, application/json; charset=utf-8. Its queue sends when it holds 20 events (flushAt), so the
     * test captures 19 and identifies once; {@code flush()} and {@code close()} do not wait for a send in flight.
     */
    @Test
    void posthogJavaServerSdk() throws InterruptedException {
        PostHogInterface posthog = PostHog.with(new PostHogConfig.Builder(FIXTURE_TOKEN)
                .host("http://127.0.0.1:" + RestAssured.port).build());
        try {
            for (int i = 0; i < 19; i++) {
                posthog.capture("java-user-" + (i % 5), "fixture java sdk",
                        PostHogCaptureOptions.builder().property("plan", "pro").property("n", i).build());
            }
            posthog.identify("java-user-0", java.util.Map.of("email", "java0@example.com"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (count("$identify", "distinct_id = 'java-user-0'") < 1 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        } finally {
            posthog.close();
        }
        assertEquals(19, count("fixture java sdk"));
        assertEquals(19, count("fixture java sdk", "properties.plan = 'pro'"));
        assertEquals(1, count("$identify", "distinct_id = 'java-user-0'"));
    }

    /** The exact bytes, path and headers, twice (an SDK's retry): 200 {"status": 1} both times. */
    private static void sendTwice(byte[] body, String path, String contentType, String contentEncoding)
            throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int attempt = 0; attempt < 2; attempt++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + path))
                    .header("Content-Type", contentType).timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (contentEncoding != null) {
                request.header("Content-Encoding", contentEncoding);
            }
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("{\"status\":1}", response.body());
        }
    }

    private static byte[] fixture(String name) throws IOException {
        return dev.quarry.testing.Fixtures.capture(name);
    }

    private static long count(String event) {
        return count(event, "true");
    }

    private static long count(String event, String condition) {
        String hogql = "select count() from events where event = '" + event + "' and " + condition;
        List<List<Object>> results = given().header("Authorization", "Bearer " + project.key())
                .contentType("application/json")
                .body(java.util.Map.of("query", java.util.Map.of("kind", "HogQLQuery", "query", hogql),
                        "refresh", "force_blocking"))
                .post("/api/projects/" + project.id() + "/query/")
                .then().log().ifValidationFails().statusCode(200).extract().path("results");
        return ((Number) results.get(0).get(0)).longValue();
    }
}

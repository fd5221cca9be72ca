package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Numbers and keys at the edges of what PostHog's capture (serde_json) reads (breaker findings): a number past the
 * 64-bit float range is refused with a 400 in a small request as in a large one (it was stored as null below 100 KB);
 * a key of more than 50,000 characters is read (Jackson's default limit refused it as "nested too deep"); a number of
 * more than 1,000 characters is refused in its own words, not as nesting.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CaptureNumbersAndKeysTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Inject
    Pool pool;

    /** posthog-node's batch body (plain JSON, as its fetch sends it) with one event of the given properties text. */
    private static HttpResponse<String> send(Project p, String event, String properties) throws Exception {
        String body = "{\"api_key\":\"" + p.apiToken() + "\",\"batch\":[{\"event\":\"" + event + "\",\"distinct_id\":"
                + "\"d1\",\"type\":\"capture\",\"timestamp\":\"2026-01-05T10:00:00.000Z\",\"library\":\"posthog-node\","
                + "\"properties\":" + properties + "}],\"sent_at\":\"2026-01-05T10:00:01.000Z\"}";
        return HTTP.send(HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + "/batch/"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private long stored(Project p, String event) {
        return pool.preparedQuery("SELECT count(*) FROM events WHERE team_id = $1 AND event = $2")
                .execute(Tuple.of(p.id(), event)).await().atMost(Duration.ofSeconds(30)).iterator().next().getLong(0);
    }

    @Test
    void aNumberPastTheFloatRangeIsRefusedInASmallRequest() throws Exception {
        Project p = TestProjects.create("Numbers");
        for (String number : new String[] {"1e400", "-1e400", "1" + "0".repeat(400)}) {
            HttpResponse<String> answer = send(p, "huge", "{\"x\":" + number + "}");
            assertEquals(400, answer.statusCode(), number + ": " + answer.body());
            assertTrue(answer.body().contains("number out of range"), answer.body());
        }
        assertEquals(0, stored(p, "huge"));
        // the largest finite double and an integer past u64 that a double holds are taken, as serde_json takes them
        assertEquals(200, send(p, "big", "{\"x\":1.7976931348623157e308,\"y\":1" + "0".repeat(30) + "}").statusCode());
        assertEquals(1, stored(p, "big"));
    }

    @Test
    void longKeysAreReadAndLongNumbersAreRefusedInTheirOwnWords() throws Exception {
        Project p = TestProjects.create("Keys");
        String key = "k".repeat(50_001);
        assertEquals(200, send(p, "long key", "{\"" + key + "\":1}").statusCode());
        assertEquals(1L, pool.preparedQuery("SELECT count(*) FROM events WHERE team_id = $1 AND event = 'long key' "
                        + "AND (properties ->> $2)::int = 1").execute(Tuple.of(p.id(), key))
                .await().atMost(Duration.ofSeconds(30)).iterator().next().getLong(0));
        HttpResponse<String> answer = send(p, "long number", "{\"x\":0." + "0".repeat(1_500) + "1}");
        assertEquals(400, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("number too long"), answer.body());
        assertEquals(0, stored(p, "long number"));
    }
}

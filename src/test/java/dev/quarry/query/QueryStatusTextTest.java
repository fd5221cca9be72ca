package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * GET query/:id answers a finished query's result as the text stored for it, unparsed (a parse of a multi-MB result
 * on every read ran the heap out), in the same bytes as the parse-and-render it replaced.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class QueryStatusTextTest {
    @Inject
    Pool pool;
    @Inject
    ObjectMapper mapper;
    @Inject
    QueryStatusStore statuses;

    private static Response get(Project project, String id) {
        return given().header("Authorization", "Bearer " + project.key())
                .get("/api/environments/" + project.id() + "/query/" + id + "/");
    }

    /**
     * A finished async query's status, as before: its result is the known answer (numbers PostHog's way, a character
     * outside the BMP, quotes), and the body is exactly what parsing it and rendering it again gives, which is how
     * the answer was made before it was served as stored text.
     */
    @Test
    void aFinishedQueryAnswersTheSameJsonAsBefore() throws Exception {
        Project project = TestProjects.create("Status text");
        String id = "text-" + UUID.randomUUID();
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("refresh", "force_async", "client_query_id", id, "query", Map.of("kind", "HogQLQuery",
                        "query", "select 1e308 as big, 0.1 + 0.2 as sum, 1.5e-7 as small, 12345678901234 as wide, "
                                + "'\uD83D\uDE00 \u00e9 \"q\" \\\\' as text")))
                .post("/api/environments/" + project.id() + "/query/").then().statusCode(202);
        Response done = null;
        for (int i = 0; i < 400; i++) {
            done = get(project, id);
            if (done.statusCode() != 202) {
                break;
            }
            Thread.sleep(25);
        }
        assertEquals(200, done.statusCode(), done.asString());
        byte[] body = done.asByteArray();
        JsonNode status = mapper.readTree(body).get("query_status");
        assertEquals(mapper.readTree("[[1e308, 0.30000000000000004, 1.5e-7, 12345678901234, "
                        + "\"\uD83D\uDE00 \u00e9 \\\"q\\\" \\\\\"]]"), status.get("results").get("results"),
                new String(body, StandardCharsets.UTF_8));
        assertEquals(mapper.readTree("[[\"big\",\"Float64\"],[\"sum\",\"Float64\"],[\"small\",\"Float64\"],"
                + "[\"wide\",\"UInt64\"],[\"text\",\"String\"]]"), status.get("results").get("types"));
        assertEquals(false, status.get("results").get("is_cached").booleanValue());
        assertTrue(status.get("complete").booleanValue());
        // the bytes the parse-and-render answered (its keys, numbers, escapes: the emoji as its UTF-8 bytes, as
        // PostHog's renderer writes it; AstralCharactersTest)
        assertArrayEquals(mapper.writeValueAsBytes(mapper.readTree(body)), body, new String(body, StandardCharsets.UTF_8));
        assertTrue(new String(body, StandardCharsets.UTF_8).contains("[[1e+308,0.30000000000000004,1.5e-7,12345678901234,"
                + "\"\uD83D\uDE00 \u00e9 \\\"q\\\" \\\\\"]]"), new String(body, StandardCharsets.UTF_8));
    }

    /**
     * A stored result whose text a parse and render would change ({@code 1.0E2} is rendered {@code 100.0}, the
     * whitespace dropped, an escaped e-acute unescaped) comes back verbatim, both from the store and over HTTP.
     */
    @Test
    void aStoredResultIsAnsweredVerbatimNotParsed() throws Exception {
        Project project = TestProjects.create("Status text verbatim");
        String id = "verbatim-" + UUID.randomUUID();
        String stored = "{\"results\": [[1.0E2, 5E-1, -0]],\n  \"z\" : \"\\u00e9\", \"a\":[ ] }";
        pool.preparedQuery("INSERT INTO query_status (team_id, id, status, complete, expiration_time, results) "
                + "VALUES ($1, $2, jsonb_build_object('id', $2::text, 'team_id', $1::bigint, 'query_async', true, "
                + "'complete', true, 'error', false, 'error_message', null, 'results', null, 'start_time', "
                + "'2026-01-01T00:00:00.000000Z', 'pickup_time', '2026-01-01T00:00:01.000000Z', 'end_time', "
                + "'2026-01-01T00:00:02.000000Z', 'expiration_time', '2099-01-01T00:00:00.000000Z', 'task_id', "
                + "$2::text, 'insight_id', null, 'dashboard_id', null, 'query_progress', null, 'labels', null), "
                + "true, '2099-01-01', $3)")
                .execute(Tuple.of(project.id(), id, stored)).await().indefinitely();

        QueryStatus status = statuses.get(project.id(), id).await().indefinitely();
        String rendered = mapper.writeValueAsString(status.json(mapper, true));
        assertTrue(rendered.contains("\"results\":" + stored + ","), rendered);

        Response response = get(project, id);
        assertEquals(200, response.statusCode(), response.asString());
        assertEquals("{\"query_status\":{\"id\":\"" + id + "\",\"error\":false,\"labels\":null,\"results\":" + stored
                + ",\"task_id\":\"" + id + "\",\"team_id\":" + project.id() + ",\"complete\":true,"
                + "\"end_time\":\"2026-01-01T00:00:02.000000Z\",\"insight_id\":null,"
                + "\"start_time\":\"2026-01-01T00:00:00.000000Z\",\"pickup_time\":\"2026-01-01T00:00:01.000000Z\","
                + "\"query_async\":true,\"dashboard_id\":null,\"error_message\":null,\"query_progress\":null,"
                + "\"expiration_time\":\"2099-01-01T00:00:00.000000Z\"}}", response.asString());
    }
}

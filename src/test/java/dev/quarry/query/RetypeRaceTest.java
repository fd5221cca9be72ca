package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The retype race: a query that read a property's old type while {@code PATCH property_definitions/:id/} changed it
 * must not store its answer after the PATCH dropped the project's cached answers. A calculation reads the project's
 * definitions version before its definitions ({@link QueryCache#definitionsVersion}) and stores only if it is unchanged
 * ({@link QueryCache#put(long, String, ObjectNode, Instant, Long)}); the steps are interleaved here in the order
 * the race takes, each awaited, with no sleeps.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RetypeRaceTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Inject
    QueryCache cache;

    @Inject
    Pool pool;

    private static void retype(Project p, String propertyType) {
        String base = "/api/projects/" + p.id() + "/property_definitions/";
        String id = given().header("Authorization", "Bearer " + p.key()).get(base + "?properties=amount").then()
                .statusCode(200).extract().path("results[0].id");
        given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("property_type", propertyType)).patch(base + id + "/").then().statusCode(200);
    }

    private static ObjectNode answer(String label) {
        return MAPPER.createObjectNode().put("label", label);
    }

    @Test
    void anAnswerReadWithTheOldTypeIsNotStoredAfterTheRetype() {
        Project p = TestProjects.create("Retype race");
        Capture.to(p).event("buy", "u1", "2026-01-05T10:00:00Z", Map.of("amount", 7)).send();
        String key = "cache_retype_race_1";
        Instant now = Instant.now();

        // the query starts: version read before its definitions (amount: Numeric)
        long before = cache.definitionsVersion(p.id()).await().indefinitely();
        // the PATCH runs to its commit while the query runs: the type changes, the cached answers are dropped
        retype(p, "String");
        long after = cache.definitionsVersion(p.id()).await().indefinitely();
        assertEquals(before + 1, after);
        // the query ends and stores its answer, read with the old type: not stored
        cache.put(p.id(), key, answer("numeric"), now, before).await().indefinitely();
        assertNull(cache.get(p.id(), key).await().indefinitely(), "an answer read with the old type was stored");
        // a query that started after the PATCH stores its answer
        cache.put(p.id(), key, answer("string"), now, after).await().indefinitely();
        assertEquals("string", cache.get(p.id(), key).await().indefinitely().response().path("label").asText());
        // a PATCH that does not change the type leaves the version (and the cache) as they are
        retype(p, "String");
        assertEquals(after, cache.definitionsVersion(p.id()).await().indefinitely());
        assertNotNull(cache.get(p.id(), key).await().indefinitely());
    }

    /**
     * The PATCH's transaction has moved the version on and dropped the answers but not committed yet when the query
     * stores: the store waits for the commit (the version is read with a share lock) and then stores nothing. Without
     * the lock it would insert a row the PATCH's DELETE, already run, never saw.
     */
    @Test
    void aStoreDuringTheRetypesTransactionWaitsAndStoresNothing() throws Exception {
        Project p = TestProjects.create("Retype race, in flight");
        String key = "cache_retype_race_2";
        long before = cache.definitionsVersion(p.id()).await().indefinitely();
        SqlConnection conn = pool.getConnection().await().indefinitely();
        try {
            Transaction tx = conn.begin().await().indefinitely();
            conn.preparedQuery("UPDATE teams SET definitions_version = definitions_version + 1 WHERE id = $1")
                    .execute(Tuple.of(p.id())).await().indefinitely();
            conn.preparedQuery("DELETE FROM query_cache WHERE team_id = $1").execute(Tuple.of(p.id()))
                    .await().indefinitely();
            CompletableFuture<Void> store = cache.put(p.id(), key, answer("old"), Instant.now(), before)
                    .subscribeAsCompletionStage();
            // the store cannot finish while the version's row is locked by the uncommitted retype
            assertFalse(store.isDone(), "the store did not wait for the retype's transaction");
            tx.commit().await().indefinitely();
            store.get(60, TimeUnit.SECONDS);
        } finally {
            conn.close().await().indefinitely();
        }
        assertNull(cache.get(p.id(), key).await().indefinitely(), "the store ran past the uncommitted retype");
    }
}

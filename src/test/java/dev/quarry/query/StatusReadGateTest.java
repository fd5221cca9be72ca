package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A project's status reads pass a gate of four at once and wait for their turn (a breaker's 150 concurrent GETs of one
 * 3 MB async result took every pool connection and ran the heap out). With the project's four places held, a GET
 * query/:id waits, and is answered once a place is given back; another project's reads are not held.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class StatusReadGateTest {
    @Inject
    QueryService service;

    private static Response get(Project p, String id) {
        return given().header("Authorization", "Bearer " + p.key())
                .get("/api/environments/" + p.id() + "/query/" + id + "/");
    }

    private static String finishedQuery(Project p) throws InterruptedException {
        String id = given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select 41 + 1"), "refresh", "force_async"))
                .post("/api/environments/" + p.id() + "/query/").then().statusCode(202).extract().path("query_status.id");
        for (int i = 0; i < 200 && get(p, id).statusCode() == 202; i++) {
            Thread.sleep(50);
        }
        return id;
    }

    /**
     * A POST that reuses a finished query's {@code client_query_id} answers that query's status, result included: it
     * is a status read too and waits at the same gate (a breaker's 400 such POSTs of a 3 MB result bypassed it and ran
     * the heap out).
     */
    @Test
    void aPostReusingAFinishedQuerysIdWaitsAtTheGate() throws Exception {
        Project p = TestProjects.create("Status gate post");
        String id = finishedQuery(p);
        List<UniEmitter<? super Integer>> held = new ArrayList<>();
        for (int i = 0; i < QueryService.STATUS_READS_AT_ONCE; i++) {
            service.statusGate(p.id()).run(p.id(), () -> Uni.createFrom().<Integer>emitter(held::add))
                    .subscribeAsCompletionStage();
        }
        CompletableFuture<Response> waiting = CompletableFuture.supplyAsync(() -> given()
                .header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select 7"), "refresh", "async",
                        "client_query_id", id))
                .post("/api/environments/" + p.id() + "/query/"));
        Thread.sleep(500);
        assertFalse(waiting.isDone(), "the POST read the finished status while the project's four places were held");
        held.forEach(e -> e.complete(1));
        Response answered = waiting.get(30, TimeUnit.SECONDS);
        assertEquals(200, answered.statusCode(), answered.asString());
        assertEquals(42, answered.jsonPath().getInt("query_status.results.results[0][0]"));
    }

    @Test
    void aProjectsStatusReadsWaitWhileItsFourPlacesAreHeld() throws Exception {
        Project p = TestProjects.create("Status gate");
        Project other = TestProjects.create("Status gate other");
        String id = finishedQuery(p);
        String otherId = finishedQuery(other);
        List<UniEmitter<? super Integer>> held = new ArrayList<>();
        List<CompletableFuture<Integer>> holders = new ArrayList<>();
        for (int i = 0; i < QueryService.STATUS_READS_AT_ONCE; i++) {
            holders.add(service.statusGate(p.id()).run(p.id(), () -> Uni.createFrom().<Integer>emitter(held::add))
                    .subscribeAsCompletionStage());
        }
        CompletableFuture<Response> waiting = CompletableFuture.supplyAsync(() -> get(p, id));
        // the other project's reads pass while this project's places are held
        get(other, otherId).then().statusCode(200).body("query_status.results.results[0][0]", equalTo(42));
        Thread.sleep(500);
        assertFalse(waiting.isDone(), "the read passed the gate while its four places were held");
        held.get(0).complete(1);
        Response answered = waiting.get(30, TimeUnit.SECONDS);
        assertEquals(200, answered.statusCode(), answered.asString());
        assertEquals(42, answered.jsonPath().getInt("query_status.results.results[0][0]"));
        held.subList(1, held.size()).forEach(e -> e.complete(1));
        for (CompletableFuture<Integer> h : holders) {
            assertEquals(1, h.get(5, TimeUnit.SECONDS));
        }
    }
}

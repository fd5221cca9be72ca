package dev.quarry.projects;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A timezone change rebuilds the project's rollups in its own transaction, on the shared pool: the breaker's ten
 * concurrent changes of one project each held a connection while queued on the project's zone lock, and other
 * projects got 503s. Now a change is admitted one per project and two at once in all, without waiting (a 429 with
 * Retry-After otherwise, nothing changed), and waits at most 10 s for capture batches in flight (V116_2). Each case
 * holds the lock a running change (or a capture batch) would hold, from a connection of its own.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class TimezoneChangeAdmissionTest {
    private static final int REZONE_KEY = 715206973;
    private static final int SLOTS_KEY = 715206974;
    private static final int ZONE_KEY = 715206972;

    @Inject
    Pool pool;

    private static RequestSpecification as(Project project) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json");
    }

    private static String project(Project project) {
        return "/api/projects/" + project.id() + "/";
    }

    /** Runs {@code test} while a transaction of another connection holds {@code lock} (an advisory lock SELECT). */
    private void holding(String lock, Tuple args, Runnable test) {
        SqlConnection conn = pool.getConnection().await().indefinitely();
        Transaction tx = conn.begin().await().indefinitely();
        try {
            conn.preparedQuery(lock).execute(args).await().indefinitely();
            test.run();
        } finally {
            tx.rollback().await().indefinitely();
            conn.close().await().indefinitely();
        }
    }

    @Inject
    dev.quarry.query.QueryExecutor executor;

    /**
     * A change holds one of the instance's statement slots while it rebuilds (the breaker's D3: with every slot taken
     * by long queries, two changes took the connections kept for capture and the API): with every slot held it
     * waits, and runs once one is free; edits that keep the timezone never wait.
     */
    @Test
    void aChangeWaitsForAStatementSlot() throws Exception {
        Project team = TestProjects.create("Rezone in a slot");
        java.util.concurrent.CompletableFuture<Integer> change = new java.util.concurrent.CompletableFuture<>();
        try (dev.quarry.testing.HeldStatementSlots held = dev.quarry.testing.HeldStatementSlots.all(executor, team.id())) {
            new Thread(() -> change.complete(as(team).body(Map.of("timezone", "Asia/Tokyo")).patch(project(team))
                    .statusCode())).start();
            as(team).body(Map.of("name", "Renamed while waiting")).patch(project(team)).then().statusCode(200)
                    .body("timezone", equalTo("UTC"));
            Thread.sleep(1_000);
            org.junit.jupiter.api.Assertions.assertFalse(change.isDone(), "the change ran without a statement slot");
        }
        org.junit.jupiter.api.Assertions.assertEquals(200, change.get(60, java.util.concurrent.TimeUnit.SECONDS));
        as(team).get(project(team)).then().statusCode(200).body("timezone", equalTo("Asia/Tokyo"));
    }

    @Test
    void oneChangeAtATimePerProject() {
        Project team = TestProjects.create("Rezone one at a time");
        holding("SELECT pg_advisory_xact_lock($1, hashint8($2))", Tuple.of(REZONE_KEY, team.id()), () -> {
            as(team).body(Map.of("timezone", "Asia/Tokyo")).patch(project(team)).then().statusCode(429)
                    .header("Retry-After", equalTo("5")).body("type", equalTo("throttled_error"))
                    .body("detail", startsWith("A timezone change of this project is already running"));
            // nothing changed; edits that keep the timezone are not held up
            as(team).body(Map.of("name", "Renamed meanwhile")).patch(project(team)).then().statusCode(200)
                    .body("timezone", equalTo("UTC")).body("name", equalTo("Renamed meanwhile"));
        });
        as(team).body(Map.of("timezone", "Asia/Tokyo")).patch(project(team)).then().statusCode(200)
                .body("timezone", equalTo("Asia/Tokyo"));
    }

    @Test
    void twoChangesAtOnceInAll() {
        Project team = TestProjects.create("Rezone slots");
        holding("SELECT pg_advisory_xact_lock($1, 0), pg_advisory_xact_lock($1, 1)", Tuple.of(SLOTS_KEY), () ->
                as(team).body(Map.of("timezone", "Europe/Berlin")).patch(project(team)).then().statusCode(429)
                        .body("detail", equalTo("Too many timezone changes are running: retry shortly.")));
        holding("SELECT pg_advisory_xact_lock($1, 0)", Tuple.of(SLOTS_KEY), () ->
                as(team).body(Map.of("timezone", "Europe/Berlin")).patch(project(team)).then().statusCode(200)
                        .body("timezone", equalTo("Europe/Berlin")));
    }

    @Test
    void aCaptureBatchHoldingTheZoneLockPastTenSecondsIsA429() {
        Project team = TestProjects.create("Rezone lock wait");
        holding("SELECT pg_advisory_xact_lock_shared($1, hashint8($2))", Tuple.of(ZONE_KEY, team.id()), () ->
                as(team).body(Map.of("timezone", "America/New_York")).patch(project(team)).then().statusCode(429)
                        .body("detail", startsWith("The project's capture held its timezone lock too long")));
        as(team).get(project(team)).then().statusCode(200).body("timezone", equalTo("UTC"));
    }
}

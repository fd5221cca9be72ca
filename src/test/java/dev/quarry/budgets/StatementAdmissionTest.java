package dev.quarry.budgets;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.query.QueryExecutor;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import dev.quarry.web.ThrottledException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Statements, not ids, are admitted: a project never runs more than its limit of statements at once however it
 * chooses client_query_id (security finding F3); every user statement carries the memory bounds; DELETE of an id
 * the project does not have is PostHog's 200 and touches nothing of another project.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class StatementAdmissionTest {
    @Inject
    QueryExecutor executor;

    private CompletableFuture<RowSet<Row>> run(long team, String queryId, String sql) {
        return executor.execute(team, queryId, "HogQLQuery", sql, List.of(), null).subscribeAsCompletionStage();
    }

    /** Six statements sharing one client id, all at once: three run, three are refused with 429. */
    @Test
    void reusedQueryIdDoesNotBypassThePerProjectLimit() {
        Project a = TestProjects.create("Admission A");
        List<CompletableFuture<RowSet<Row>>> runs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            runs.add(run(a.id(), "same-client-id", "SELECT pg_sleep(2)"));
        }
        int ok = 0;
        int throttled = 0;
        for (CompletableFuture<RowSet<Row>> r : runs) {
            try {
                r.join();
                ok++;
            } catch (CompletionException e) {
                assertInstanceOf(ThrottledException.class, e.getCause());
                throttled++;
            }
        }
        assertEquals(3, ok);
        assertEquals(3, throttled);
    }

    @Test
    void userStatementsCarryTheMemoryBounds() {
        Project a = TestProjects.create("Admission memory");
        Row row = run(a.id(), "settings", "SELECT current_setting('work_mem'), current_setting('hash_mem_multiplier'), "
                + "current_setting('temp_file_limit'), current_setting('max_parallel_workers_per_gather'), "
                + "current_user::text").join().iterator().next();
        assertEquals("32MB", row.getString(0));
        assertEquals("2", row.getString(1));
        assertEquals("1GB", row.getString(2));
        assertEquals("1", row.getString(3));
        assertEquals("quarry_query_reader", row.getString(4));
    }

    @Test
    void deleteOfAnUnknownOrForeignQueryIdIs200AndTouchesNothing() {
        Project a = TestProjects.create("Delete A");
        Project b = TestProjects.create("Delete B");
        String asyncId = given().header("Authorization", "Bearer " + b.key()).contentType(ContentType.JSON)
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select 1"), "refresh", "force_async",
                        "client_query_id", "b-query"))
                .post("/api/projects/" + b.id() + "/query/").then().extract().path("query_status.id");
        assertEquals("b-query", asyncId);
        // PostHog's cancel_query catches QueryNotFoundError and carries on (contract Part B §3.5)
        given().header("Authorization", "Bearer " + a.key()).delete("/api/projects/" + a.id() + "/query/never-seen/")
                .then().statusCode(200).contentType(ContentType.JSON)
                .body("message", org.hamcrest.Matchers.equalTo("Cancelled query on clickhouse"));
        given().header("Authorization", "Bearer " + a.key()).delete("/api/projects/" + a.id() + "/query/b-query/")
                .then().statusCode(200);
        // the owner can still see it: the cancel above touched nothing of B's
        int status = given().header("Authorization", "Bearer " + b.key())
                .get("/api/projects/" + b.id() + "/query/b-query/").statusCode();
        assertTrue(status == 200 || status == 202, "status " + status);
    }

    /** A running blocking query has no status row, yet DELETE finds and stops it. */
    @Test
    void deleteStopsARunningStatementWithoutAStatus() throws InterruptedException {
        Project a = TestProjects.create("Delete running");
        CompletableFuture<RowSet<Row>> slow = run(a.id(), "slow-one", "SELECT pg_sleep(20)");
        long deadline = System.currentTimeMillis() + 10_000;
        // a DELETE before the statement starts finds nothing to stop (still 200): repeat until it has stopped it
        do {
            given().header("Authorization", "Bearer " + a.key()).delete("/api/projects/" + a.id() + "/query/slow-one/")
                    .then().statusCode(200);
            Thread.sleep(20);
        } while (!slow.isDone() && System.currentTimeMillis() < deadline);
        CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, slow::join);
        assertInstanceOf(dev.quarry.web.QueryCancelledException.class, e.getCause());
    }
}

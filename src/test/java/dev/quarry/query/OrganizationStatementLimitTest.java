package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The projects of one organization run at most four statements at once (V122_4, the breaker's D4: two projects of one
 * customer held every statement slot of an instance). Each case holds organization slots the way running statements
 * hold them, from a connection of its own.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class OrganizationStatementLimitTest {
    @Inject
    Pool pool;

    private static Response hogql(Project project) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select 1"), "refresh", "force_blocking"))
                .post("/api/environments/" + project.id() + "/query/");
    }

    /** Runs {@code test} while another connection holds {@code slots} of the project's organization's slots. */
    private void holdingOrganizationSlots(Project project, int slots, Runnable test) {
        SqlConnection conn = pool.getConnection().await().indefinitely();
        Transaction tx = conn.begin().await().indefinitely();
        try {
            for (int slot = 0; slot < slots; slot++) {
                conn.preparedQuery("SELECT pg_advisory_xact_lock($1, hashtext(organization_id::text)) FROM teams "
                        + "WHERE id = $2").execute(Tuple.of(-1_000_000 - slot, project.id())).await().indefinitely();
            }
            test.run();
        } finally {
            tx.rollback().await().indefinitely();
            conn.close().await().indefinitely();
        }
    }

    @Test
    void aFifthStatementOfTheOrganizationIs429() {
        Project project = TestProjects.create("Organization limit");
        Project elsewhere = TestProjects.create("Another organization");
        holdingOrganizationSlots(project, 4, () -> {
            hogql(project).then().statusCode(429).header("Retry-After", equalTo("1"))
                    .body("type", equalTo("throttled_error"))
                    .body("detail", startsWith("Too many queries are running for this organization's projects (at "
                            + "most 4 at once)"));
            // another organization's projects are not held back
            hogql(elsewhere).then().statusCode(200).body("results[0][0]", equalTo(1));
        });
        holdingOrganizationSlots(project, 3, () -> hogql(project).then().statusCode(200));
    }
}

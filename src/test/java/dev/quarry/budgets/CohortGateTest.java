package dev.quarry.budgets;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.cohorts.CohortRecalculation;
import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Cohort calculation passes the same gate as user queries (security finding F4): it runs through the query
 * executor (logged as a query of the project), its filters have a size budget, and the schedule backs off a cohort
 * that keeps failing.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CohortGateTest {
    @Inject
    Pool pool;
    @Inject
    CohortRecalculation recalculation;

    private static Map<String, Object> behavioral(String event, int days) {
        return Map.of("type", "behavioral", "value", "performed_event", "key", event, "event_type", "events",
                "time_value", days, "time_interval", "day");
    }

    private static Response create(Project p, List<Map<String, Object>> values) {
        return given().header("Authorization", "Bearer " + p.key()).contentType(ContentType.JSON)
                .body(Map.of("name", "c", "filters", Map.of("properties", Map.of("type", "OR", "values", values))))
                .post("/api/projects/" + p.id() + "/cohorts/");
    }

    private Row one(String sql, Object... args) {
        return pool.preparedQuery(sql).execute(Tuple.from(args)).await().indefinitely().iterator().next();
    }

    @Test
    void calculationRunsThroughTheQueryExecutor() {
        Project p = TestProjects.create("Cohort gate");
        Capture.to(p).event("purchase", "buyer", "2099-01-01T00:00:00Z").send();
        long id = create(p, List.of(behavioral("purchase", 36500))).then().statusCode(201).extract().jsonPath().getLong("id");
        Row log = one("SELECT count(*), max(kind) FROM query_log WHERE team_id = $1 AND query_id = $2", p.id(), "cohort_" + id);
        assertEquals(1L, log.getLong(0));
        assertEquals("CohortCalculation", log.getString(1));
    }

    @Test
    void tooManyFiltersAre400AndNothingIsStored() {
        Project p = TestProjects.create("Cohort budget");
        List<Map<String, Object>> values = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            values.add(behavioral("e" + i, 1 + i));
        }
        Response r = create(p, values);
        assertEquals(400, r.statusCode(), r.asString());
        assertEquals("filters", r.jsonPath().getString("attr"));
        assertTrue(r.jsonPath().getString("detail").contains("at most 200"), r.asString());
        assertEquals(0L, one("SELECT count(*) FROM cohorts WHERE team_id = $1", p.id()).getLong(0));
    }

    /** A cohort that failed three times in a row and just now waits; one that failed long ago is tried again. */
    @Test
    void scheduleBacksOffAFailingCohort() {
        Project p = TestProjects.create("Cohort back-off");
        Capture.to(p).event("purchase", "buyer", "2099-01-01T00:00:00Z").send();
        long failing = create(p, List.of(behavioral("purchase", 36500))).then().statusCode(201).extract().jsonPath().getLong("id");
        long recovered = create(p, List.of(behavioral("purchase", 36500))).then().statusCode(201).extract().jsonPath().getLong("id");
        pool.preparedQuery("UPDATE cohorts SET errors_calculating = 3, last_error_at = now(), last_calculation = NULL, "
                + "count = 0 WHERE team_id = $1 AND id = $2").execute(Tuple.of(p.id(), failing)).await().indefinitely();
        pool.preparedQuery("UPDATE cohorts SET errors_calculating = 3, last_error_at = now() - interval '1 day', "
                + "last_calculation = NULL, count = 0 WHERE team_id = $1 AND id = $2")
                .execute(Tuple.of(p.id(), recovered)).await().indefinitely();
        recalculation.recalculateAll().await().indefinitely();
        Row a = one("SELECT errors_calculating, count, last_calculation IS NULL FROM cohorts WHERE team_id = $1 AND id = $2",
                p.id(), failing);
        assertEquals(3, a.getInteger(0));
        assertEquals(0, a.getInteger(1));
        assertTrue(a.getBoolean(2));
        Row b = one("SELECT errors_calculating, count FROM cohorts WHERE team_id = $1 AND id = $2", p.id(), recovered);
        assertEquals(0, b.getInteger(0));
        assertEquals(1, b.getInteger(1));
    }
}

package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.RoundTripProxy;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/**
 * Database round trips of whole query calls, counted on the wire (see {@link RoundTripProfile}): a HogQL
 * {@code select 1} forced past the cache costs the key and project lookups, the rate-limit admission, the
 * statement's two (admission, settings, role, statement and commit in one pipelined transaction), and one for the
 * meter row, the statement's query log row and the cache entry, pipelined; a trends query's four statements (two
 * series, compare) are in flight at once.
 */
@QuarkusTest
@TestProfile(RoundTripProfile.class)
class RequestRoundTripsTest {
    /** key, project, plan, rate-limit counters, statement ×2, then meter row + log row + cache entry pipelined. */
    private static final int SELECT_ONE_ROUND_TRIPS = 7;
    private static final int COUNTED_CALLS = 5;

    private static String body(String query) {
        return "{\"refresh\":\"force_blocking\",\"query\":" + query + "}";
    }

    private static void post(Project project, String query) {
        given().header("Authorization", "Bearer " + project.key()).contentType(ContentType.JSON).body(body(query))
                .post("/api/environments/" + project.id() + "/query/").then().statusCode(200);
    }

    @Test
    void aForcedSelectOneCostsSevenRoundTripsAndItsLogAndCacheAreWritten() {
        Project project = TestProjects.create("Request round trips");
        String selectOne = "{\"kind\":\"HogQLQuery\",\"query\":\"select 1\"}";
        for (int i = 0; i < 20; i++) {
            post(project, selectOne); // the pooled connections have parsed the statements a call uses
        }
        RoundTripProxy proxy = RoundTripProfile.ProxiedPostgres.proxy;
        java.util.List<Integer> counted = new java.util.ArrayList<>();
        for (int i = 0; i < COUNTED_CALLS; i++) {
            proxy.reset();
            given().header("Authorization", "Bearer " + project.key()).contentType(ContentType.JSON)
                    .body("{\"refresh\":\"force_blocking\",\"client_query_id\":\"counted-" + i + "\",\"query\":"
                            + selectOne + "}")
                    .post("/api/environments/" + project.id() + "/query/")
                    .then().statusCode(200).body("results[0][0]", equalTo(1));
            counted.add(proxy.turns());
        }
        // The proxy counts every turn of the pool, so a call that meets a once-an-hour key touch or a pooled
        // connection being replaced counts more; what a call costs is the median of several.
        java.util.List<Integer> sorted = counted.stream().sorted().toList();
        assertTrue(sorted.get(COUNTED_CALLS / 2) <= SELECT_ONE_ROUND_TRIPS, "round trips of a forced select 1: " + counted);
        String lastId = "counted-" + (COUNTED_CALLS - 1);
        // the log row went out with the meter row, before the answer: it is there at once
        given().header("Authorization", "Bearer " + project.key())
                .get("/api/environments/" + project.id() + "/query/" + lastId + "/log/")
                .then().statusCode(200).body("results.size()", equalTo(1));
        // and the answer was cached before it went out
        given().header("Authorization", "Bearer " + project.key()).contentType(ContentType.JSON)
                .body("{\"query\":" + selectOne + "}").post("/api/environments/" + project.id() + "/query/")
                .then().statusCode(200).body("is_cached", equalTo(true));
    }

    @Test
    void aTrendsQuerysStatementsAreInFlightTogether() {
        Project project = TestProjects.create("Request round trips trends");
        String trends = "{\"kind\":\"TrendsQuery\",\"dateRange\":{\"date_from\":\"2026-01-01\",\"date_to\":\"2026-01-07\"},"
                + "\"compareFilter\":{\"compare\":true},\"series\":[{\"kind\":\"EventsNode\",\"event\":\"a\"},"
                + "{\"kind\":\"EventsNode\",\"event\":\"b\"}]}";
        for (int i = 0; i < 3; i++) {
            post(project, trends);
        }
        RoundTripProxy proxy = RoundTripProfile.ProxiedPostgres.proxy;
        proxy.reset();
        post(project, trends);
        int concurrent = proxy.maxConcurrent();
        assertTrue(concurrent >= 2, "connections waiting on the database at once: " + concurrent);
    }
}

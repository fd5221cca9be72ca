package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.pageviews;
import static dev.quarry.insights.InsightTestSupport.query;
import static dev.quarry.insights.InsightTestSupport.range;
import static dev.quarry.testing.BatchSender.event;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.BatchSender;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The person rollups as capture-time deltas folded later (V48_1): events sent as posthog-node sends them (gzip JSON
 * to /batch/) are answered from the unfolded deltas, and lifecycle and stickiness (daily: the activity bitmaps;
 * weekly: the person-day rollup) give the same answers before and after {@code POST /internal/rollups/fold}, also
 * with a merge ($identify) and with new events on keys already folded.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RollupFoldEndpointTest {
    @Inject
    Pool pool;

    /** Lifecycle and stickiness by day and by week over March 2024, as the answers' JSON. */
    private static List<String> answers(Project project) {
        List<String> out = new ArrayList<>();
        for (String interval : new String[] {"day", "week"}) {
            for (String kind : new String[] {"LifecycleQuery", "StickinessQuery"}) {
                Object results = query(project, Map.of("kind", kind, "interval", interval,
                        "series", List.of(pageviews()), "dateRange", range("2024-03-02", "2024-03-30")))
                        .get("results");
                out.add(kind + " " + interval + " " + results);
            }
        }
        return out;
    }

    private long count(String sql, long team) {
        return pool.preparedQuery(sql).execute(Tuple.of(team)).await().indefinitely().iterator().next().getLong(0);
    }

    private static long fold() {
        return given().header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET).post("/internal/rollups/fold")
                .then().statusCode(200).extract().jsonPath().getLong("folded");
    }

    @Test
    void sameAnswersBeforeAndAfterAFold() throws Exception {
        Project project = TestProjects.create("Rollup fold", "Europe/Berlin");
        List<Map<String, Object>> first = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            for (int d = 1; d <= 28; d += 1 + p) {
                // 23:30 UTC is the next local day in Berlin
                first.add(event("$pageview", "user-" + p, String.format("2024-03-%02dT%s:30:00Z", d,
                        d % 2 == 0 ? "23" : "10"), Map.of("$browser", "Chrome")));
            }
        }
        first.add(event("$pageview", "anon-1", "2024-03-05T09:00:00Z", Map.of()));
        first.add(event("$pageview", "anon-1", "2024-03-09T09:00:00Z", Map.of()));
        // the anonymous id joins user-5: its events count for user-5 through the overrides
        first.add(event("$identify", "user-5", "2024-03-10T09:00:00Z", Map.of("$anon_distinct_id", "anon-1")));
        BatchSender.gzip(project, first);

        assertTrue(count("SELECT count(*) FROM events_person_days_delta WHERE team_id = $1", project.id()) > 0);
        assertEquals(0, count("SELECT count(*) FROM events_person_days_folded WHERE team_id = $1", project.id()));
        List<String> unfolded = answers(project);

        assertTrue(fold() > 0);
        assertEquals(0, count("SELECT count(*) FROM events_person_days_delta WHERE team_id = $1", project.id()));
        assertTrue(count("SELECT count(*) FROM events_person_months_folded WHERE team_id = $1", project.id()) > 0);
        assertEquals(unfolded, answers(project));

        // more events on days already folded, and new days
        List<Map<String, Object>> second = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            second.add(event("$pageview", "user-" + p, "2024-03-03T12:00:00Z", Map.of()));
            second.add(event("$pageview", "user-" + p, "2024-03-27T12:00:00Z", Map.of()));
        }
        second.add(event("$pageview", "anon-1", "2024-03-20T09:00:00Z", Map.of()));
        BatchSender.gzip(project, second);
        List<String> partlyFolded = answers(project);
        assertNotEquals(unfolded, partlyFolded, "the new events count");
        assertTrue(fold() > 0);
        assertEquals(partlyFolded, answers(project));
    }

    @Test
    void foldNeedsTheOperatorSecret() {
        given().post("/internal/rollups/fold").then().statusCode(403);
        given().header("X-Quarry-Operator-Secret", "wrong").post("/internal/rollups/fold").then().statusCode(403);
    }
}

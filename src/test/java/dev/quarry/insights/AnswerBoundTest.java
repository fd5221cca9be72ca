package dev.quarry.insights;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An insight answer is bounded before it is built and never cached or stored past what a response can carry (a
 * breaker's trends breakdown on {@code toString(uuid)} with {@code breakdown_limit} 100000 built a 625 MB answer,
 * cached it, and served it again from the cache on every repeat).
 *
 * <p>400 {@code $pageview}s on 2020-01-01, one a minute from 00:00, each with its own {@code ref} ("r0" … "r399"),
 * and on every fourth one {@code kind} "a", "b", "c" or "d" by turn.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class AnswerBoundTest {
    private static Project team;

    @Inject
    Pool pool;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("AnswerBound");
        Capture c = Capture.to(team);
        for (int i = 0; i < 400; i++) {
            String at = String.format("2020-01-01T%02d:%02d:00Z", i / 60, i % 60);
            c.event("$pageview", "u" + (i % 50), at, i % 4 == 0
                    ? Map.of("ref", "r" + i, "kind", String.valueOf((char) ('a' + (i / 4) % 4)))
                    : Map.of("ref", "r" + i));
        }
        c.send();
    }

    private static Map<String, Object> trends(String breakdown, String breakdownType, int limit, String interval) {
        return Map.of("kind", "TrendsQuery", "interval", interval,
                "dateRange", Map.of("date_from", "2020-01-01T00:00:00", "date_to", "2020-01-01T23:59:59"),
                "series", List.of(Map.of("kind", "EventsNode", "event", "$pageview", "math", "total")),
                "breakdownFilter", Map.of("breakdown", breakdown, "breakdown_type", breakdownType,
                        "breakdown_limit", limit));
    }

    private static Response post(Map<String, Object> body) {
        return given().header("Authorization", "Bearer " + team.key()).contentType("application/json").body(body)
                .post("/api/environments/" + team.id() + "/query/");
    }

    private long cachedAnswers() {
        return pool.preparedQuery("SELECT count(*) FROM query_cache WHERE team_id = $1").execute(Tuple.of(team.id()))
                .await().indefinitely().iterator().next().getLong(0);
    }

    /**
     * 400 values × 1,440 minute buckets (≈ 582,000 cells with the rows' own fields) is refused as PostHog's
     * {@code response_too_large}, by the one-scan path (math total, event property) and by the ranked path (a HogQL
     * breakdown of distinct persons), and nothing is cached; the same breakdown by hour (400 × 39) is answered.
     */
    @Test
    void aTrendsAnswerPastItsCellBoundIsRefusedAndNotCached() {
        long before = cachedAnswers();
        post(Map.of("query", trends("ref", "event", 100_000, "minute"))).then().statusCode(400)
                .body("type", equalTo("invalid_request")).body("code", equalTo("response_too_large"))
                .body("detail", containsString("trends answer"));
        Map<String, Object> persons = new java.util.HashMap<>(trends("concat(properties.ref, '')", "hogql", 100_000,
                "minute"));
        persons.put("series", List.of(Map.of("kind", "EventsNode", "event", "$pageview", "math", "dau")));
        post(Map.of("query", persons)).then().statusCode(400).body("code", equalTo("response_too_large"));
        assertEquals(before, cachedAnswers());

        JsonPath hourly = post(Map.of("query", trends("ref", "event", 100_000, "hour"))).then().statusCode(200)
                .extract().jsonPath();
        assertEquals(400, hourly.getList("results").size());
        assertEquals(false, hourly.getBoolean("hasMore"));
    }

    /**
     * Long breakdown values: 400 values of 100,000 repetitions of their ref (200–400 kB each) are over 100 MB of rows,
     * past the 32 MiB a trends statement may return, refused by the database before the rows reach the app (a
     * breaker's 250,000 values of 900 bytes ran a 512 MB heap out while the client read them).
     */
    @Test
    void aTrendsStatementsRowsAreBoundedInBytes() {
        post(Map.of("query", trends("repeat(properties.ref, 100000)", "hogql", 100_000, "day"), "refresh",
                "force_blocking")).then().log().ifValidationFails().statusCode(400)
                .body("code", equalTo("response_too_large")).body("detail", containsString("passed the 33554432 bytes"));
    }

    /**
     * Every formula repeats the breakdown's rows, so formulas are charged too: 20 formulas over 400 values × 24 hours
     * (312,000 cells) are refused; one is answered.
     */
    @Test
    void formulasAreChargedToTheAnswer() {
        Map<String, Object> q = new java.util.HashMap<>(trends("ref", "event", 100_000, "hour"));
        q.put("series", List.of(Map.of("kind", "EventsNode", "event", "$pageview"),
                Map.of("kind", "EventsNode", "event", "$pageview", "math", "dau")));
        List<Map<String, Object>> twenty = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            twenty.add(Map.of("formula", "A + B * " + i));
        }
        q.put("trendsFilter", Map.of("formulaNodes", twenty));
        post(Map.of("query", q, "refresh", "force_blocking")).then().statusCode(400)
                .body("code", equalTo("response_too_large")).body("detail", containsString("trends answer"));
        q.put("trendsFilter", Map.of("formulaNodes", List.of(Map.of("formula", "A + B"))));
        assertEquals(400, post(Map.of("query", q, "refresh", "force_blocking")).then().statusCode(200).extract()
                .jsonPath().getList("results").size());
    }

    /**
     * The one scan folds the values past breakdown_limit into "other" in SQL: the kept values are the top ones by
     * count (then by value), the other bucket carries the rest, bucket by bucket, and nothing is lost.
     */
    @Test
    void valuesPastTheLimitFoldIntoOtherBucketByBucket() {
        JsonPath body = post(Map.of("query", trends("kind", "event", 2, "hour"), "refresh", "force_blocking"))
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("$$_posthog_breakdown_null_$$", "a", "$$_posthog_breakdown_other_$$"),
                body.getList("results.breakdown_value"));
        assertEquals(true, body.getBoolean("hasMore"));
        List<Integer> counts = body.getList("results.count", Integer.class);
        assertEquals(List.of(300, 25, 75), counts);
        // 00:00–00:59: "a" at minutes 0, 16, 32, 48; "b", "c", "d" at 4, 8, 12, 20, 24, … (11 of them) folded
        assertEquals(List.of(11, 11, 11, 12, 11, 11, 8), body.getList("results[2].data", Integer.class).subList(0, 7));
        assertEquals(List.of(4, 4, 4, 3, 4, 4, 2), body.getList("results[1].data", Integer.class).subList(0, 7));
    }

    /**
     * An answer that passes the cell bounds but not what a response carries (a HogQL result of 8 MB) is refused
     * before it is cached; run async, its status is the same 400 with PostHog's code and the cause, not a 500.
     */
    @Test
    void anAnswerTooLargeToSendIsNeitherCachedNorStored() throws InterruptedException {
        long before = cachedAnswers();
        Map<String, Object> big = Map.of("kind", "HogQLQuery",
                "query", "select number, repeat('x', 1000000) from numbers(8) -- " + System.nanoTime());
        post(Map.of("query", big, "refresh", "blocking")).then().statusCode(400)
                .body("code", equalTo("response_too_large"));
        assertEquals(before, cachedAnswers());

        String id = post(Map.of("query", big, "refresh", "force_async")).then().statusCode(202).extract()
                .path("query_status.id");
        Response status = null;
        for (int i = 0; i < 200; i++) {
            status = given().header("Authorization", "Bearer " + team.key())
                    .get("/api/environments/" + team.id() + "/query/" + id + "/");
            if (status.statusCode() != 202) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals(400, status.statusCode(), status.asString());
        assertTrue(status.jsonPath().getString("query_status.error_message").contains("bytes"),
                status.asString());
        assertEquals(before, cachedAnswers());
    }
}

package dev.quarry.insights;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An ActorsQuery page is budgeted before its answer is built: at most {@link ActorsQueryRunner#MAX_ANSWER_VALUES}
 * values (rows × select columns), and its JSON is refused while it is written once past Lambda's 6 MB. A breaker's
 * {@code "select": ["person"] × 1500} over 10,000 actors was a 500 ("Requested array size exceeds VM limit") and,
 * from two projects at once, an OutOfMemoryError for every project on the server.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ActorsAnswerSizeTest {
    private static final int PERSONS = 700;
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Actors answer size");
        Capture capture = Capture.to(team);
        for (int i = 0; i < PERSONS; i++) {
            capture.event("$pageview", "user-" + i, "2026-01-02T12:00:00Z",
                    Map.of("$set", Map.of("email", "user-" + i + "@example.com", "bio", "b".repeat(200))));
        }
        capture.send();
    }

    private static io.restassured.response.Response actors(List<String> select, int limit) {
        return RestAssured.given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "ActorsQuery", "select", select, "limit", limit)))
                .post("/api/environments/" + team.id() + "/query/");
    }

    @Test
    void aPageOfMoreValuesThanTheBudgetIsRefusedBeforeItIsBuilt() {
        actors(Collections.nCopies(1500, "person"), 10_000).then().statusCode(400)
                .body("type", equalTo("invalid_request")).body("code", equalTo("response_too_large"))
                .body("detail", containsString("rows × select columns"))
                .body("detail", containsString("1050000 values"));
    }

    @Test
    void aPageWithinTheBudgetWhoseJsonIsTooLargeIsRefusedAsItIsWritten() {
        // 700 rows × 100 person objects of ≈ 400 bytes: ≈ 28 MB of JSON
        actors(Collections.nCopies(100, "person"), 10_000).then().statusCode(400)
                .body("code", equalTo("response_too_large"))
                .body("detail", containsString("bytes an API response may carry"));
    }

    @Test
    void aSearchIsAtMostAThousandCharacters() {
        RestAssured.given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "ActorsQuery", "search", "x".repeat(1001))))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(400)
                .body("attr", equalTo("search")).body("detail", equalTo("search must be at most 1000 characters"));
        RestAssured.given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "ActorsQuery", "search", "user-1@" + "x".repeat(993))))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(200)
                .body("results.size()", equalTo(0));
        // characters, not UTF-16 units: 600 emoji are 600 characters
        RestAssured.given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "ActorsQuery", "search", "😀".repeat(600))))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(200);
    }

    @Test
    void aPageThatFitsIsAnswered() {
        actors(List.of("person", "id", "properties.email"), 10_000).then().statusCode(200)
                .body("results.size()", equalTo(PERSONS))
                .body("columns", equalTo(List.of("person", "id", "properties.email")));
    }
}

package dev.quarry.insights;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An ActorsQuery's fields checked as PostHog's schema types them, each refusal naming its field. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ActorsQueryInputTest {
    private static final Map<String, Object> TRENDS = Map.of("kind", "TrendsQuery",
            "series", List.of(Map.of("kind", "EventsNode", "event", "$pageview")));
    private static Project team;

    @BeforeEach
    void data() {
        if (team == null) {
            team = TestProjects.create("Actors query input");
        }
    }

    private static ValidatableResponse post(String body) {
        return RestAssured.given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(body).post("/api/environments/" + team.id() + "/query/").then();
    }

    private static ValidatableResponse insightActors(Map<String, Object> fields) {
        Map<String, Object> source = new java.util.HashMap<>(fields);
        source.put("kind", "InsightActorsQuery");
        source.put("source", TRENDS);
        return RestAssured.given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "ActorsQuery", "source", source)))
                .post("/api/environments/" + team.id() + "/query/").then();
    }

    @Test
    void limitAndOffsetAreNamedForWhatIsWrongWithThem() {
        post("{\"query\":{\"kind\":\"ActorsQuery\",\"limit\":2147483648}}").statusCode(400).body("attr", equalTo("limit"))
                .body("detail", equalTo("Invalid value for ActorsQuery.limit: Input should be less than or equal to "
                        + "2147483647"));
        post("{\"query\":{\"kind\":\"ActorsQuery\",\"offset\":-1}}").statusCode(400).body("attr", equalTo("offset"));
        post("{\"query\":{\"kind\":\"ActorsQuery\",\"limit\":0}}").statusCode(400).body("attr", equalTo("limit"));
    }

    @Test
    void compareAndBreakdownAreCheckedAsPostHogTypesThem() {
        insightActors(Map.of("compare", "bogus")).statusCode(400).body("attr", equalTo("compare"))
                .body("detail", equalTo("Invalid value for InsightActorsQuery.compare: Input should be 'current' or "
                        + "'previous'"));
        insightActors(Map.of("breakdown", Map.of("a", 1))).statusCode(400).body("attr", equalTo("breakdown"));
        insightActors(Map.of("breakdown", List.of(1, 2))).statusCode(400).body("attr", equalTo("breakdown"));
        insightActors(Map.of("compare", "current", "breakdown", "Chrome")).statusCode(200);
        insightActors(Map.of("breakdown", List.of("Chrome", "Mac"))).statusCode(200);
        insightActors(Map.of("breakdown", 3)).statusCode(200);
        insightActors(Map.of("day", List.of("x"))).statusCode(400).body("attr", equalTo("day"))
                .body("detail", containsString("valid string or a valid integer"));
        insightActors(Map.of("day", Map.of("a", 1))).statusCode(400).body("attr", equalTo("day"));
    }
}

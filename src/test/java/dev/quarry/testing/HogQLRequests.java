package dev.quarry.testing;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.TestProjects.Project;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** HogQLQuery requests as PostHog's clients post them, for tests that read values one query at a time. */
public final class HogQLRequests {
    private HogQLRequests() {
    }

    /** {@code POST /api/environments/:id/query/} with the query text as JSON and a blocking refresh. */
    public static Response post(Project team, String query) {
        return given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", query), "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/");
    }

    /** The first result row; the answer must be 200. */
    public static List<Object> firstRow(Project team, String query) {
        Response r = post(team, query);
        assertEquals(200, r.statusCode(), r.asString());
        return r.jsonPath().getList("results[0]");
    }

    /** The first row's values, each followed by its column's ClickHouse type from {@code types}; 200 required. */
    public static List<Object> valuesAndTypes(Project team, String query) {
        Response r = post(team, query);
        assertEquals(200, r.statusCode(), r.asString());
        List<Object> values = r.jsonPath().getList("results[0]");
        List<List<String>> types = r.jsonPath().getList("types");
        List<Object> out = new ArrayList<>();
        for (int k = 0; k < values.size(); k++) {
            out.add(values.get(k));
            out.add(types.get(k).get(1));
        }
        return out;
    }
}

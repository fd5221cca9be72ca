package dev.quarry.insights;

import static io.restassured.RestAssured.given;

import dev.quarry.testing.TestProjects.Project;
import io.restassured.path.json.JsonPath;
import java.util.Map;

/** Posts insight queries over HTTP, as a client would. */
final class InsightTestSupport {
    private InsightTestSupport() {
    }

    static JsonPath query(Project project, Map<String, Object> node) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", node, "refresh", "force_blocking"))
                .post("/api/environments/" + project.id() + "/query/")
                .then().log().ifValidationFails().statusCode(200).extract().jsonPath();
    }

    static int status(Project project, Map<String, Object> node) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", node, "refresh", "force_blocking"))
                .post("/api/environments/" + project.id() + "/query/")
                .then().extract().statusCode();
    }

    static Map<String, Object> range(String from, String to) {
        return Map.of("date_from", from, "date_to", to);
    }

    static Map<String, Object> pageviews() {
        return Map.of("kind", "EventsNode", "event", "$pageview");
    }
}

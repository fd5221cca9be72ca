package dev.quarry.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/**
 * A request body is one JSON value and nothing after it, as PostHog's JSON parser requires (the breaker's
 * {@code {"a":1} x} created an insight and an action and patched a project): anything after the value is a 400
 * {@code parse_error} and nothing is written. Whitespace after the value is still fine.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class TrailingJsonTest {
    private static RequestSpecification as(Project project) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json");
    }

    @Test
    void anythingAfterTheBodysValueIsAParseError() {
        Project team = TestProjects.create("Trailing JSON");
        String base = "/api/projects/" + team.id() + "/";
        as(team).body("{\"name\": \"x\"} x").post(base + "insights/").then().statusCode(400)
                .body("type", equalTo("invalid_request")).body("code", equalTo("parse_error"))
                .body("detail", startsWith("JSON parse error"));
        as(team).body("{\"name\": \"a\", \"steps\": [{\"event\": \"e\"}]}{}").post(base + "actions/").then()
                .statusCode(400).body("code", equalTo("parse_error"));
        as(team).body("{\"name\": \"Renamed\"} 1").patch(base).then().statusCode(400).body("code", equalTo("parse_error"));
        // nothing was written
        as(team).get(base + "insights/").then().statusCode(200).body("results.size()", equalTo(0));
        as(team).get(base + "actions/").then().statusCode(200).body("results.size()", equalTo(0));
        as(team).get(base).then().statusCode(200).body("name", equalTo("Trailing JSON"));
        // whitespace after the value is no token
        as(team).body("{\"name\": \"Renamed\"}\n  ").patch(base).then().statusCode(200).body("name", equalTo("Renamed"));
    }
}

package dev.quarry.deploy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/** The query function serves only the query group: every other group's path is a PostHog 404 before auth. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestProfile(FunctionGroupProfile.class)
class FunctionGroupFilterTest {
    @Test
    void ownGroupIsServed() {
        // Reaches the query resource's auth: 401, not the filter's 404.
        given().contentType("application/json").body("{}").post("/api/projects/1/query/").then().statusCode(401);
        given().get("/api/environments/1/query/abc").then().statusCode(401);
    }

    @Test
    void otherGroupsAreNotFound() {
        given().contentType("application/json").body("{\"api_key\": \"phc_x\", \"batch\": []}").post("/batch/")
                .then().statusCode(404)
                .body("type", equalTo("invalid_request")).body("code", equalTo("not_found"));
        given().get("/api/projects/1/plugin_configs/").then().statusCode(404).body("code", equalTo("not_found"));
        given().get("/api/environments/1/plugin_configs/2/logs").then().statusCode(404);
        given().get("/api/projects/1/").then().statusCode(404);
        given().get("/api/users/@me/").then().statusCode(404);
        given().header("X-Quarry-Operator-Secret", "test-operator-secret").contentType("application/json")
                .body("{\"name\": \"x\"}").post("/admin/projects").then().statusCode(404);
        given().get("/api/projects/1/persons/").then().statusCode(404);
        given().get("/nowhere").then().statusCode(404);
    }
}

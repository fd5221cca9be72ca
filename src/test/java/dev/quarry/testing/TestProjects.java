package dev.quarry.testing;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;

/** Makes projects and keys for tests through the operator endpoint, as an operator would. */
public final class TestProjects {
    public static final String OPERATOR_SECRET = "test-operator-secret";

    private TestProjects() {
    }

    public record Project(long id, String apiToken, String key, long ownerUserId) {
        /** A further key of this project's owner. */
        public String keyWith(List<String> scopes, List<Long> scopedTeams) {
            return given().contentType(ContentType.JSON).header("X-Quarry-Operator-Secret", OPERATOR_SECRET)
                    .body(Map.of("label", "test key", "scopes", scopes, "scoped_teams", scopedTeams))
                    .post("/admin/projects/" + id + "/keys")
                    .then().statusCode(200).extract().path("value");
        }

        public String keyWith(String... scopes) {
            return keyWith(List.of(scopes), List.of());
        }
    }

    public static Project create(String name) {
        return create(name, "UTC");
    }

    public static Project create(String name, String timezone) {
        JsonPath created = given().contentType(ContentType.JSON).header("X-Quarry-Operator-Secret", OPERATOR_SECRET)
                .body(Map.of("name", name, "timezone", timezone, "scopes", List.of("*")))
                .post("/admin/projects")
                .then().statusCode(200).extract().jsonPath();
        return new Project(created.getLong("id"), created.getString("api_token"),
                created.getString("personal_api_key.value"), created.getLong("owner_user_id"));
    }
}

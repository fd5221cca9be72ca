package dev.quarry.budgets;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator's key and plan endpoints: list (masks only), revoke (refused at once), roll, set plan. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class OperatorKeysTest {
    private static RequestSpecification operator() {
        return given().header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET);
    }

    private static int projectCall(Project p, String key) {
        return given().header("Authorization", "Bearer " + key).get("/api/projects/" + p.id() + "/").statusCode();
    }

    private static String idOfKey(Project p, String value) {
        // the mask shows the key's last four characters
        List<Map<String, Object>> keys = operator().get("/admin/projects/" + p.id() + "/keys").then().statusCode(200)
                .extract().jsonPath().getList("$");
        return keys.stream().filter(k -> ((String) k.get("mask_value")).endsWith(value.substring(value.length() - 4)))
                .map(k -> (String) k.get("id")).findFirst().orElseThrow();
    }

    @Test
    void listShowsMasksOnly() {
        Project p = TestProjects.create("Keys list");
        String body = operator().get("/admin/projects/" + p.id() + "/keys").then().statusCode(200)
                .body("size()", equalTo(1)).body("[0].mask_value", org.hamcrest.Matchers.notNullValue())
                .extract().asString();
        assertFalse(body.contains(p.key()), body);
        assertFalse(body.contains("secure_value"), body);
        operator().get("/admin/projects/999999/keys").then().statusCode(404);
        given().get("/admin/projects/" + p.id() + "/keys").then().statusCode(403);
    }

    @Test
    void revokedKeyIsRefusedAtOnce() {
        Project p = TestProjects.create("Keys revoke");
        String other = p.keyWith("query:read");
        assertEquals(200, projectCall(p, p.key()));
        String id = idOfKey(p, p.key());
        operator().delete("/admin/projects/" + p.id() + "/keys/" + id).then().statusCode(204);
        assertEquals(401, projectCall(p, p.key()));
        given().header("Authorization", "Bearer " + p.key()).contentType(ContentType.JSON)
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select 1")))
                .post("/api/projects/" + p.id() + "/query/").then().statusCode(401);
        operator().delete("/admin/projects/" + p.id() + "/keys/" + id).then().statusCode(404);
        // the project's other key still works, and another project cannot revoke it
        Project q = TestProjects.create("Keys other");
        operator().delete("/admin/projects/" + q.id() + "/keys/" + idOfKey(p, other)).then().statusCode(404);
        given().header("Authorization", "Bearer " + other).contentType(ContentType.JSON)
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select 1")))
                .post("/api/projects/" + p.id() + "/query/").then().statusCode(200);
    }

    @Test
    void rollGivesANewValueAndRefusesTheOld() {
        Project p = TestProjects.create("Keys roll");
        String id = idOfKey(p, p.key());
        JsonPath rolled = operator().post("/admin/projects/" + p.id() + "/keys/" + id + "/roll").then().statusCode(200)
                .body("id", equalTo(id)).extract().jsonPath();
        String fresh = rolled.getString("value");
        assertEquals(401, projectCall(p, p.key()));
        assertEquals(200, projectCall(p, fresh));
    }

    @Test
    void planAndOverridesAreSet() {
        Project p = TestProjects.create("Plan");
        Map<String, Object> overrides = new HashMap<>();
        overrides.put("query_per_minute", 1);
        overrides.put("persons_per_hour", null);
        operator().contentType(ContentType.JSON).body(Map.of("plan", "default", "overrides", overrides))
                .put("/admin/projects/" + p.id() + "/plan").then().statusCode(200)
                .body("plan", equalTo("default")).body("overrides.query_per_minute", equalTo(1));
        String query = "{\"query\":{\"kind\":\"EventsQuery\",\"select\":[\"event\"]}}";
        given().header("Authorization", "Bearer " + p.key()).contentType(ContentType.JSON).body(query)
                .post("/api/projects/" + p.id() + "/query/").then().statusCode(200);
        given().header("Authorization", "Bearer " + p.key()).contentType(ContentType.JSON).body(query)
                .post("/api/projects/" + p.id() + "/query/").then().statusCode(429);
        operator().contentType(ContentType.JSON).body(Map.of("plan", "gold"))
                .put("/admin/projects/" + p.id() + "/plan").then().statusCode(400).body("attr", equalTo("plan"));
        operator().contentType(ContentType.JSON).body(Map.of("plan", "default", "overrides", Map.of("nope", 1)))
                .put("/admin/projects/" + p.id() + "/plan").then().statusCode(400).body("attr", equalTo("overrides"));
        operator().contentType(ContentType.JSON).body(Map.of("plan", "default", "overrides", Map.of("query_per_minute", -1)))
                .put("/admin/projects/" + p.id() + "/plan").then().statusCode(400);
        given().contentType(ContentType.JSON).body(Map.of("plan", "default"))
                .put("/admin/projects/" + p.id() + "/plan").then().statusCode(403);
        // PUT replaces: without overrides the default plan's limits apply again
        operator().contentType(ContentType.JSON).body(Map.of("plan", "default"))
                .put("/admin/projects/" + p.id() + "/plan").then().statusCode(200).body("overrides", not(hasItem("x")));
        given().header("Authorization", "Bearer " + p.key()).contentType(ContentType.JSON).body(query)
                .post("/api/projects/" + p.id() + "/query/").then().statusCode(200);
    }
}

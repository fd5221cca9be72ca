package dev.quarry.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.quarry.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The OpenAPI document at PostHog's path, with every key-guarded operation's scopes. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ApiSchemaTest {
    @Test
    void servedAtApiSchemaWithScopesPerOperation() {
        JsonPath doc = given().accept("application/json").get("/api/schema/").then().statusCode(200)
                .body("openapi", notNullValue())
                .body("components.securitySchemes.PersonalAPIKeyAuth.scheme", equalTo("bearer"))
                .extract().jsonPath();
        assertScopes(doc, "/api/projects/{project_id}/insights", "get", List.of("insight:read"));
        assertScopes(doc, "/api/projects/{project_id}/insights", "post", List.of("insight:write"));
        assertScopes(doc, "/api/projects/{project_id}/persons/{id}/update_property", "post", List.of("person:write"));
        assertScopes(doc, "/api/projects/{project_id}/event_definitions/{id}", "patch", List.of("event_definition:write"));
        assertScopes(doc, "/api/projects/{project_id}/query", "post", List.of("query:read"));
        assertScopes(doc, "/api/organizations/{organization_id}", "get", List.of("organization:read"));
        assertScopes(doc, "/api/organizations/{organization_id}/members", "get", List.of("organization_member:read"));
        assertScopes(doc, "/api/projects/{project_id}/elements/stats", "get", List.of("element:read"));
        assertScopes(doc, "/api/projects/{project_id}/mcp_tools/execute_sql", "post", List.of("query:read", "insight:read"));
        // every operation behind a key says which scopes it needs; capture, the SDKs' flag requests and posthog-js's
        // remote config (project token) have none
        Map<String, Map<String, Map<String, Object>>> paths = doc.getMap("paths");
        int guarded = 0;
        for (var path : paths.entrySet()) {
            for (var op : path.getValue().entrySet()) {
                boolean capture = List.of("/batch", "/capture", "/e", "/i/v0/e", "/track", "/flags", "/decide",
                        "/array/{token}/config", "/array/{token}/config.js", "/static/{file}").contains(path.getKey());
                if (path.getKey().startsWith("/admin") || path.getKey().startsWith("/internal")) {
                    throw new AssertionError("operator route in the public schema: " + path.getKey());
                }
                if (!capture) {
                    if (op.getValue().get("x-required-scopes") == null) {
                        throw new AssertionError("no scopes on " + op.getKey() + " " + path.getKey());
                    }
                    guarded++;
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(guarded > 40, "operations with scopes: " + guarded);
    }

    /** The schema is the document; no Swagger UI is served beside it (quarkus.swagger-ui.enabled=false). */
    @Test
    void noSwaggerUi() {
        given().get("/q/swagger-ui/").then().statusCode(404);
    }

    private static void assertScopes(JsonPath doc, String path, String method, List<String> scopes) {
        String op = "paths.'" + path + "'." + method;
        org.junit.jupiter.api.Assertions.assertEquals(scopes, doc.getList(op + ".x-required-scopes"), op);
        org.junit.jupiter.api.Assertions.assertEquals(scopes, doc.getList(op + ".security[0].PersonalAPIKeyAuth"), op);
    }
}

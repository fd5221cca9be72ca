package dev.quarry.function;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The function build serves the OpenAPI document without the OpenAPI extension ({@link ApiSchemaResource}): the same
 * bytes and content types as the default build's extension (the committed documents, which the default build's
 * {@code ApiSchemaDocumentTest} keeps equal to what it serves), chosen the same way (Accept, {@code format}, path
 * suffix). Fails when the function build drops the documents (a 404) or serves anything else.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ApiSchemaResourceTest {
    private static final Path COMMITTED = Path.of("src", "function", "resources", "META-INF", "quarry");

    @BeforeEach
    void port() {
        RestAssured.port = ConfigProvider.getConfig().getValue("quarkus.lambda.mock-event-server.test-port", Integer.class);
    }

    @Test
    void jsonWhenTheClientAcceptsJson() throws IOException {
        Response json = given().accept("application/json").get("/api/schema/");
        assertDocument(json, "openapi.json", "application/json;charset=UTF-8");
        JsonNode doc = new ObjectMapper().readTree(json.asByteArray());
        assertEquals("bearer", doc.at("/components/securitySchemes/PersonalAPIKeyAuth/scheme").asText());
        assertEquals("query:read", doc.at("/paths/~1api~1projects~1{project_id}~1query/post/x-required-scopes/0").asText());
        assertDocument(given().accept("application/json, text/plain, */*").get("/api/schema"), "openapi.json",
                "application/json;charset=UTF-8");
        assertDocument(given().queryParam("format", "JSON").get("/api/schema/"), "openapi.json", "application/json;charset=UTF-8");
    }

    @Test
    void yamlOtherwise() throws IOException {
        assertDocument(given().get("/api/schema/"), "openapi.yaml", "application/yaml;charset=UTF-8");
        assertDocument(given().accept("application/yaml").get("/api/schema"), "openapi.yaml", "application/yaml;charset=UTF-8");
        assertDocument(given().queryParam("format", "yaml").get("/api/schema"), "openapi.yaml", "application/yaml;charset=UTF-8");
    }

    @Test
    void theSuffixDecides() throws IOException {
        assertDocument(given().get("/api/schema.json"), "openapi.json", "application/json;charset=UTF-8");
        assertDocument(given().accept("application/json").get("/api/schema.yaml"), "openapi.yaml", "application/yaml;charset=UTF-8");
        assertDocument(given().get("/api/schema.yml"), "openapi.yaml", "application/yaml;charset=UTF-8");
    }

    private static void assertDocument(Response response, String committed, String contentType) throws IOException {
        assertEquals(200, response.statusCode(), response.asString());
        assertEquals(contentType, response.getHeader("Content-Type"));
        assertArrayEquals(Files.readAllBytes(COMMITTED.resolve(committed)), response.asByteArray(), committed);
    }
}

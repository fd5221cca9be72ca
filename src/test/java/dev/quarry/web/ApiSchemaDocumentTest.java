package dev.quarry.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The function build leaves {@code quarkus-smallrye-openapi} out (README "Start-up round six": Quarkus rebuilt the
 * document at every function start) and serves the two documents committed under
 * {@code src/function/resources/META-INF/quarry/} instead ({@code dev.quarry.function.ApiSchemaResource}). They are
 * what this build's OpenAPI extension serves at {@code /api/schema}, byte for byte: this test fetches both formats as a
 * client does and fails when the committed copies differ, e.g. after an endpoint changed. To refresh them, copy the
 * documents this test wrote to {@code target/openapi/} (the failure message gives the command).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ApiSchemaDocumentTest {
    static final Path COMMITTED = Path.of("src", "function", "resources", "META-INF", "quarry");

    @Test
    void theFunctionBuildsCopiesAreWhatTheExtensionServes() throws IOException {
        Response json = given().accept("application/json").get("/api/schema/");
        Response yaml = given().get("/api/schema/");
        assertEquals(200, json.statusCode());
        assertEquals(200, yaml.statusCode());
        // What the function's own resource sends too (ApiSchemaResourceTest in the function build checks it).
        assertEquals("application/json;charset=UTF-8", json.contentType());
        assertEquals("application/yaml;charset=UTF-8", yaml.contentType());
        byte[] servedJson = json.asByteArray();
        byte[] servedYaml = yaml.asByteArray();
        assertTrue(servedJson.length > 10_000 && servedYaml.length > 10_000, "a whole document");
        Path fresh = Files.createDirectories(Path.of("target", "openapi"));
        Files.write(fresh.resolve("openapi.json"), servedJson);
        Files.write(fresh.resolve("openapi.yaml"), servedYaml);
        String refresh = " differs from what /api/schema serves in this build; refresh the function build's copies: "
                + "cp target/openapi/openapi.json target/openapi/openapi.yaml " + COMMITTED + "/";
        assertTrue(Arrays.equals(servedJson, read("openapi.json")), COMMITTED.resolve("openapi.json") + refresh);
        assertTrue(Arrays.equals(servedYaml, read("openapi.yaml")), COMMITTED.resolve("openapi.yaml") + refresh);
    }

    private static byte[] read(String name) throws IOException {
        Path file = COMMITTED.resolve(name);
        return Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
    }
}

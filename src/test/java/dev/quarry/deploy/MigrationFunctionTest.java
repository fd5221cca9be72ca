package dev.quarry.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.quarry.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The deploy-time migration step, driven as CloudFormation drives a custom resource. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class MigrationFunctionTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Inject
    Pool pool;

    @Test
    void createMigratesAndAnswersCloudFormationAtTheResponseUrl() throws Exception {
        CompletableFuture<Map.Entry<String, byte[]>> received = new CompletableFuture<>();
        HttpServer s3 = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s3.createContext("/", exchange -> {
            received.complete(Map.entry(exchange.getRequestMethod() + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type"), exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        s3.start();
        try {
            String event = MAPPER.writeValueAsString(Map.of(
                    "RequestType", "Update",
                    "ResponseURL", "http://127.0.0.1:" + s3.getAddress().getPort() + "/signed?X-Amz-Signature=abc",
                    "StackId", "arn:aws:cloudformation:eu-west-1:123456789012:stack/quarry/1",
                    "RequestId", "req-1",
                    "LogicalResourceId", "Migration",
                    "PhysicalResourceId", "quarry-schema",
                    "ResourceProperties", Map.of("Version", "7")));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new MigrationFunction().handleRequest(new ByteArrayInputStream(event.getBytes()), out, null);

            Map.Entry<String, byte[]> put = received.get(10, TimeUnit.SECONDS);
            assertEquals("PUT ", put.getKey().substring(0, 4));
            JsonNode response = MAPPER.readTree(put.getValue());
            assertEquals("SUCCESS", response.get("Status").asText(), response.toString());
            assertEquals("quarry-schema", response.get("PhysicalResourceId").asText());
            assertEquals("req-1", response.get("RequestId").asText());
            assertEquals("Migration", response.get("LogicalResourceId").asText());
            String version = response.at("/Data/SchemaVersion").asText();
            String latest = pool.query("select version from flyway_schema_history where success and version is not null "
                    + "order by string_to_array(version, '.')::int[] desc limit 1")
                    .execute().await().indefinitely().iterator().next().getString(0);
            assertEquals(latest, version);
            assertEquals(response, MAPPER.readTree(out.toByteArray()));
        } finally {
            s3.stop(0);
        }
    }

    @Test
    void deleteLeavesTheSchemaAndFailureIsReported() {
        JsonNode deleted = MigrationFunction.handle(MAPPER.valueToTree(Map.of("RequestType", "Delete",
                "PhysicalResourceId", "quarry-schema")), () -> {
                    throw new AssertionError("Delete must not migrate");
                }, MAPPER);
        assertEquals("SUCCESS", deleted.get("Status").asText());

        JsonNode failed = MigrationFunction.handle(MAPPER.valueToTree(Map.of("RequestType", "Create")), () -> {
            throw new IllegalStateException("Validate failed: migration checksum mismatch for version 3");
        }, MAPPER);
        assertEquals("FAILED", failed.get("Status").asText());
        assertTrue(failed.get("Reason").asText().contains("checksum mismatch"));
        assertEquals("quarry-schema", failed.get("PhysicalResourceId").asText());
        assertFalse(failed.has("Data"));
    }
}

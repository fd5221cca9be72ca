package dev.quarry.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.Quarkus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.function.Supplier;
import dev.quarry.data.Migrations;
import org.flywaydb.core.api.output.MigrateResult;
import org.jboss.logging.Logger;

/**
 * Entry point of the migration function (Handler {@code dev.quarry.deploy.MigrationFunction::handleRequest}, JVM
 * runtime): the deploy-time step that runs Flyway, so that no cold start ever migrates. template.yaml invokes it as a
 * CloudFormation custom resource on every deploy whose code changed (Create/Update migrate; Delete touches nothing,
 * so a stack can be deleted after its database), and the functions that serve traffic depend on it: new code goes
 * live only after its schema is in place. It may also be invoked by hand ({@code aws lambda invoke}) with any JSON
 * that carries no {@code ResponseURL}; it then answers the result itself.
 *
 * <p>Like the query worker it implements no Lambda interface (the HTTP extension allows only its own handler class
 * in the build) and starts the same Quarkus application, whose {@link Migrations} runs Flyway.
 */
public class MigrationFunction {
    private static final Logger LOG = Logger.getLogger(MigrationFunction.class);
    static final String PHYSICAL_ID = "quarry-schema";

    public MigrationFunction() {
        if (Arc.container() == null) {
            Quarkus.manualInitialize();
        }
    }

    public void handleRequest(InputStream input, OutputStream output, Object context) throws IOException {
        if (Arc.container() == null || !Arc.container().isRunning()) {
            Quarkus.manualStart();
        }
        ObjectMapper mapper = Arc.container().instance(ObjectMapper.class).get();
        Migrations migrations = Arc.container().instance(Migrations.class).get();
        JsonNode event = mapper.readTree(input);
        ObjectNode response = handle(event, () -> describe(migrations.migrate()), mapper);
        String responseUrl = event.path("ResponseURL").asText("");
        if (!responseUrl.isEmpty()) {
            send(responseUrl, mapper.writeValueAsBytes(response));
        }
        mapper.writeValue(output, response);
    }

    /**
     * The custom resource response for an event: migrate on Create and Update, nothing on Delete. A failed migration
     * is reported as FAILED with its message, so that CloudFormation rolls the deployment back instead of waiting.
     */
    static ObjectNode handle(JsonNode event, Supplier<String> migrate, ObjectMapper mapper) {
        String requestType = event.path("RequestType").asText("Create");
        ObjectNode response = mapper.createObjectNode();
        response.put("PhysicalResourceId", event.path("PhysicalResourceId").asText(PHYSICAL_ID));
        response.put("StackId", event.path("StackId").asText(""));
        response.put("RequestId", event.path("RequestId").asText(""));
        response.put("LogicalResourceId", event.path("LogicalResourceId").asText(""));
        if (requestType.equals("Delete")) {
            response.put("Status", "SUCCESS");
            response.put("Reason", "Schema left in place");
            return response;
        }
        try {
            String version = migrate.get();
            response.put("Status", "SUCCESS");
            response.put("Reason", "Schema at version " + version);
            response.putObject("Data").put("SchemaVersion", version);
        } catch (RuntimeException e) {
            LOG.error("Migration failed", e);
            response.put("Status", "FAILED");
            String reason = String.valueOf(e.getMessage());
            response.put("Reason", reason.length() > 900 ? reason.substring(0, 900) : reason);
        }
        return response;
    }

    private static String describe(MigrateResult result) {
        LOG.infof("Applied %d migrations; schema now at %s", result.migrationsExecuted, result.targetSchemaVersion);
        return result.targetSchemaVersion != null ? result.targetSchemaVersion
                : result.initialSchemaVersion != null ? result.initialSchemaVersion : "empty";
    }

    /** PUT to the pre-signed S3 URL CloudFormation waits on (no content type: it is part of the signature). */
    static void send(String responseUrl, byte[] body) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(responseUrl).toURL().openConnection();
        connection.setRequestMethod("PUT");
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", "");
        connection.setFixedLengthStreamingMode(body.length);
        try (OutputStream out = connection.getOutputStream()) {
            out.write(body);
        }
        int status = connection.getResponseCode();
        connection.disconnect();
        if (status / 100 != 2) {
            throw new IOException("CloudFormation response upload answered " + status);
        }
    }
}

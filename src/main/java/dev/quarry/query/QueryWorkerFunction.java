package dev.quarry.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.Quarkus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Entry point of the query-worker Lambda function (Handler {@code dev.quarry.query.QueryWorkerFunction::handleRequest},
 * JVM runtime): an SQS event source hands it batches of async query jobs. It starts the same Quarkus application
 * the HTTP functions run, as Quarkus's own stream handler does, runs each job, and answers SQS's partial batch
 * response so that only failed messages are retried. It deliberately implements no Lambda interface: the HTTP
 * extension allows only its own handler class in the build.
 */
public class QueryWorkerFunction {
    private static final Logger LOG = Logger.getLogger(QueryWorkerFunction.class);
    private static final Duration MAX_RUN = Duration.ofMinutes(14);

    public QueryWorkerFunction() {
        if (Arc.container() == null) {
            Quarkus.manualInitialize();
        }
    }

    public void handleRequest(InputStream input, OutputStream output, Object context) throws IOException {
        if (Arc.container() == null || !Arc.container().isRunning()) {
            Quarkus.manualStart();
        }
        ObjectMapper mapper = Arc.container().instance(ObjectMapper.class).get();
        AsyncQueryWorker worker = Arc.container().instance(AsyncQueryWorker.class).get();
        mapper.writeValue(output, handle(mapper.readTree(input), worker, mapper));
    }

    /** An SQS event ({"Records": [{"messageId", "body"}…]}) in, {"batchItemFailures": [...]} out. */
    static ObjectNode handle(JsonNode event, AsyncQueryWorker worker, ObjectMapper mapper) {
        ObjectNode response = mapper.createObjectNode();
        ArrayNode failures = response.putArray("batchItemFailures");
        for (JsonNode record : event.path("Records")) {
            String messageId = record.path("messageId").asText();
            AsyncQueryJob job;
            try {
                job = mapper.readValue(record.path("body").asText(), AsyncQueryJob.class);
            } catch (IOException e) {
                LOG.errorf(e, "Dropping malformed async query message %s", messageId);
                continue;
            }
            try {
                worker.process(job).await().atMost(MAX_RUN);
            } catch (RuntimeException e) {
                LOG.errorf(e, "Async query message %s failed; SQS will retry it", messageId);
                failures.addObject().put("itemIdentifier", messageId);
            }
        }
        return response;
    }
}

package dev.quarry.query;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
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

    /** The part of Lambda's SQS event this function reads: its messages. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record SqsEvent(@JsonProperty("Records") List<SqsMessage> records) {
    }

    /** One SQS message: its id (for the partial batch response) and its body (an {@link AsyncQueryJob} as JSON). */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record SqsMessage(String messageId, String body) {
    }

    /** An SQS event ({"Records": [{"messageId", "body"}…]}) in, {"batchItemFailures": [...]} out. */
    static ObjectNode handle(JsonNode input, AsyncQueryWorker worker, ObjectMapper mapper) {
        ObjectNode response = mapper.createObjectNode();
        ArrayNode failures = response.putArray("batchItemFailures");
        SqsEvent event;
        try {
            event = mapper.treeToValue(input, SqsEvent.class);
        } catch (IOException | IllegalArgumentException e) {
            LOG.errorf(e, "Dropping an event that is not an SQS batch");
            return response;
        }
        for (SqsMessage message : event.records() == null ? List.<SqsMessage>of() : event.records()) {
            AsyncQueryJob job;
            try {
                job = mapper.readValue(message.body() == null ? "" : message.body(), AsyncQueryJob.class);
            } catch (IOException e) {
                LOG.errorf(e, "Dropping malformed async query message %s", message.messageId());
                continue;
            }
            try {
                worker.process(job).await().atMost(MAX_RUN);
            } catch (RuntimeException e) {
                LOG.errorf(e, "Async query message %s failed; SQS will retry it", message.messageId());
                failures.addObject().put("itemIdentifier", message.messageId());
            }
        }
        return response;
    }
}

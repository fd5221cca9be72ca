package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.testing.Capture;
import dev.quarry.testing.ElasticMqResource;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestProfile(SqsWorkerProfile.class)
class SqsWorkerTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Inject
    Pool pool;

    @ConfigProperty(name = "quarry.query.sqs-endpoint")
    String endpoint;

    @ConfigProperty(name = "quarry.query.queue-url")
    String queueUrl;

    /**
     * The query function only enqueues; the job reaches the worker through a real SQS queue, as Lambda's event
     * source mapping delivers it, and the status and cache it writes are what GET query/:id then answers.
     */
    @Test
    void asyncQueryTravelsThroughTheQueueToTheWorkerFunction() throws Exception {
        TestProjects.Project project = TestProjects.create("SQS");
        Capture.to(project).event("a", "u1", "2026-01-01T00:00:00Z").event("b", "u2", "2026-01-01T00:00:00Z").send();
        String id = given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("refresh", "force_async", "query", Map.of("kind", "HogQLQuery", "query", "select count() from events")))
                .post("/api/projects/" + project.id() + "/query/")
                .then().statusCode(202).extract().path("query_status.id");
        given().header("Authorization", "Bearer " + project.key()).get("/api/projects/" + project.id() + "/query/" + id)
                .then().statusCode(202); // nothing runs until the worker receives the message

        List<Message> messages;
        try (SqsClient sqs = ElasticMqResource.client(endpoint)) {
            messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(5)).messages();
        }
        assertEquals(1, messages.size());
        ObjectNode event = MAPPER.createObjectNode();
        ArrayNode records = event.putArray("Records");
        for (Message message : messages) {
            records.addObject().put("messageId", message.messageId()).put("body", message.body())
                    .put("eventSource", "aws:sqs");
        }
        records.addObject().put("messageId", "garbage").put("body", "not a job");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new QueryWorkerFunction().handleRequest(new ByteArrayInputStream(MAPPER.writeValueAsBytes(event)), out, null);
        JsonNode response = MAPPER.readTree(out.toByteArray());
        assertEquals(0, response.get("batchItemFailures").size()); // malformed messages are dropped, not retried

        given().header("Authorization", "Bearer " + project.key()).get("/api/projects/" + project.id() + "/query/" + id)
                .then().statusCode(200)
                .body("query_status.complete", equalTo(true))
                .body("query_status.results.results[0][0]", equalTo(2));
    }

    @Test
    void aQueryPastTheStatementTimeoutIs504AndLogged() {
        TestProjects.Project project = TestProjects.create("Timeout");
        Capture capture = Capture.to(project);
        for (int i = 0; i < 400; i++) {
            capture.event("tick", "u" + i, "2026-01-01T00:00:00Z");
        }
        capture.send();
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("client_query_id", "too-slow", "query", Map.of("kind", "HogQLQuery", "query", QueryLifecycleTest.SLOW)))
                .post("/api/projects/" + project.id() + "/query/")
                .then().statusCode(504).body("type", equalTo("server_error"))
                // PostHog's ClickHouseQueryTimeOut: DRF's default code, its detail word for word, no attr
                .body("code", equalTo("error"))
                .body("detail", equalTo("Query has hit the max execution time before completing. See our docs for "
                        + "how to improve your query performance. You may need to materialize."))
                .body("attr", org.hamcrest.Matchers.nullValue());
        long logged = pool.preparedQuery("SELECT count(*) FROM query_log WHERE team_id = $1 AND query_id = 'too-slow' "
                        + "AND status = 'ExceptionWhileProcessing'")
                .execute(Tuple.of(project.id())).await().indefinitely().iterator().next().getLong(0);
        assertEquals(1, logged);
    }

    /**
     * PostHog turns ClickHouse's TIMEOUT_EXCEEDED into ClickHouseQueryTimeOut, an exposed error: the status keeps its
     * default detail and GET query/:id answers 400 (not 500 with no message), so the frontend can show it.
     */
    @Test
    void anAsyncQueryPastTheStatementTimeoutReadsBackAs400WithPostHogsMessage() throws Exception {
        TestProjects.Project project = TestProjects.create("Async timeout");
        Capture capture = Capture.to(project);
        for (int i = 0; i < 400; i++) {
            capture.event("tick", "u" + i, "2026-01-01T00:00:00Z");
        }
        capture.send();
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("refresh", "force_async", "client_query_id", "async-too-slow",
                        "query", Map.of("kind", "HogQLQuery", "query", QueryLifecycleTest.SLOW)))
                .post("/api/projects/" + project.id() + "/query/").then().statusCode(202);
        List<Message> messages;
        try (SqsClient sqs = ElasticMqResource.client(endpoint)) {
            messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(5)).messages();
        }
        ObjectNode event = MAPPER.createObjectNode();
        ArrayNode records = event.putArray("Records");
        for (Message message : messages) {
            records.addObject().put("messageId", message.messageId()).put("body", message.body()).put("eventSource", "aws:sqs");
        }
        new QueryWorkerFunction().handleRequest(new ByteArrayInputStream(MAPPER.writeValueAsBytes(event)),
                new ByteArrayOutputStream(), null);
        given().header("Authorization", "Bearer " + project.key())
                .get("/api/projects/" + project.id() + "/query/async-too-slow/")
                .then().statusCode(400)
                .body("query_status.complete", equalTo(true))
                .body("query_status.error", equalTo(true))
                .body("query_status.error_message", equalTo("Query has hit the max execution time before completing. "
                        + "See our docs for how to improve your query performance. You may need to materialize."));
        long logged = pool.preparedQuery("SELECT count(*) FROM query_log WHERE team_id = $1 AND query_id = 'async-too-slow' "
                        + "AND status = 'ExceptionWhileProcessing' AND exception_code = 159")
                .execute(Tuple.of(project.id())).await().indefinitely().iterator().next().getLong(0);
        assertEquals(1, logged);
    }
}

package dev.quarry.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/** Sends the job to the async-query queue; the query-worker function ({@link QueryWorkerHandler}) runs it. */
public class SqsQueryDispatcher implements QueryDispatcher {
    private final SqsClient sqs;
    private final String queueUrl;
    private final ObjectMapper mapper;

    public SqsQueryDispatcher(SqsClient sqs, String queueUrl, ObjectMapper mapper) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.mapper = mapper;
    }

    @Override
    public Uni<Void> dispatch(AsyncQueryJob job) {
        String body;
        try {
            body = mapper.writeValueAsString(job);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return Uni.createFrom().item(() -> sqs.sendMessage(SendMessageRequest.builder()
                        .queueUrl(queueUrl).messageBody(body).build()))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .replaceWithVoid();
    }
}

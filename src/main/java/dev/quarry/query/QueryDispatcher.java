package dev.quarry.query;

import io.smallrye.mutiny.Uni;

/**
 * Hands an async query to whatever runs it. Locally and in tests: this process ({@link InProcessQueryDispatcher}).
 * On AWS: an SQS queue that the query-worker function reads ({@link SqsQueryDispatcher}), because nothing may
 * outlive the request inside a Lambda invocation. Chosen by {@code quarry.query.dispatcher} (in-process | sqs).
 */
public interface QueryDispatcher {
    Uni<Void> dispatch(AsyncQueryJob job);
}

package dev.quarry.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.net.URI;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;

/** Picks the async dispatcher from configuration. */
@ApplicationScoped
public class QueryDispatchers {
    @Produces
    @ApplicationScoped
    QueryDispatcher dispatcher(AsyncQueryWorker worker, ObjectMapper mapper,
                               @ConfigProperty(name = "quarry.query.dispatcher", defaultValue = "in-process") String kind,
                               @ConfigProperty(name = "quarry.query.queue-url") Optional<String> queueUrl,
                               @ConfigProperty(name = "quarry.query.sqs-endpoint") Optional<String> endpoint,
                               @ConfigProperty(name = "quarry.query.sqs-region", defaultValue = "us-east-1") String region) {
        return switch (kind) {
            case "in-process" -> new InProcessQueryDispatcher(worker);
            case "sqs" -> new SqsQueryDispatcher(sqsClient(endpoint, region), queueUrl.orElseThrow(
                    () -> new IllegalStateException("quarry.query.queue-url is required with the sqs dispatcher")), mapper);
            default -> throw new IllegalStateException("Unknown quarry.query.dispatcher: " + kind);
        };
    }

    static SqsClient sqsClient(Optional<String> endpoint, String region) {
        SqsClientBuilder builder = SqsClient.builder().httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(System.getenv().getOrDefault("AWS_REGION", region)));
        endpoint.ifPresent(url -> builder.endpointOverride(URI.create(url)));
        return builder.build();
    }
}

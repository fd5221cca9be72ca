package dev.quarry.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.net.URI;
import java.util.Map;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/** A real SQS-compatible server (ElasticMQ) in the test JVM, with the async-query queue created. */
public class ElasticMqResource implements QuarkusTestResourceLifecycleManager {
    public static final String QUEUE = "quarry-async-queries";
    private SQSRestServer server;

    @Override
    public Map<String, String> start() {
        server = SQSRestServerBuilder.withDynamicPort().withInterface("localhost").start();
        int port = server.waitUntilStarted().localAddress().getPort();
        String endpoint = "http://localhost:" + port;
        System.setProperty("aws.accessKeyId", "test");
        System.setProperty("aws.secretAccessKey", "test");
        String queueUrl;
        try (SqsClient sqs = client(endpoint)) {
            queueUrl = sqs.createQueue(b -> b.queueName(QUEUE)).queueUrl();
        }
        return Map.of("quarry.query.dispatcher", "sqs", "quarry.query.queue-url", queueUrl,
                "quarry.query.sqs-endpoint", endpoint);
    }

    public static SqsClient client(String endpoint) {
        return SqsClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stopAndWait();
        }
    }
}

package dev.quarry.query;

import dev.quarry.testing.ElasticMqResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/** Async queries through SQS (ElasticMQ) and the query-worker entry point; a 1 s statement timeout. */
public class SqsWorkerProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarry.query.statement-timeout", "1s");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(ElasticMqResource.class));
    }
}

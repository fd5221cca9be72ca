package dev.quarry.reliability;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/** Its own PostgreSQL, which the test restarts; a small pool with a 1 s acquisition timeout to exhaust on purpose. */
public class DatabaseFaultProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.datasource.reactive.max-size", "4", "quarry.db.acquire-timeout", "1s",
                "quarry.db.connect-timeout", "2s");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(RestartablePostgres.class));
    }
}

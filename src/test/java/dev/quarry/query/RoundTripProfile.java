package dev.quarry.query;

import dev.quarry.testing.RoundTripProxy;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** Quarry whose reactive pool reaches its own PostgreSQL through a {@link RoundTripProxy} (5 ms per answer). */
public class RoundTripProfile implements QuarkusTestProfile {
    static final long LATENCY_MILLIS = 5;

    /**
     * Capture's quota answer kept for the whole run: on a loaded machine the warm-up outlasts the default 5 s, and an
     * expired answer's read would count as a round trip of whichever batch met it (the expiry is tested by
     * QuotaCacheTest and CaptureQuotaCacheTest). Capture's cache of known definitions off: with it the definitions
     * statement goes out only now and then, so the first batch to send it on a pooled connection that never parsed
     * it pays a Parse turn, counted against whichever batch met it (the cache is tested by DefinitionsCacheTest; it
     * only ever leaves a statement out of a round trip that goes out anyway).
     */
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarry.metering.capture-quota-cache-ms", "600000",
                "quarry.capture.definitions-cache-ms", "0");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(ProxiedPostgres.class));
    }

    /** The server, and the proxy the application's pool goes through (Flyway's JDBC connection goes direct). */
    public static class ProxiedPostgres implements QuarkusTestResourceLifecycleManager {
        public static RoundTripProxy proxy;
        private EmbeddedPostgres server;

        @Override
        public Map<String, String> start() {
            try {
                server = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            proxy = new RoundTripProxy("127.0.0.1", server.getPort(), LATENCY_MILLIS);
            return Map.of(
                    "quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + proxy.port() + "/postgres",
                    "quarkus.datasource.jdbc.url", "jdbc:postgresql://localhost:" + server.getPort() + "/postgres",
                    "quarkus.datasource.username", "postgres",
                    "quarkus.datasource.password", "postgres");
        }

        @Override
        public void stop() {
            if (proxy != null) {
                proxy.close();
            }
            try {
                if (server != null) {
                    server.close();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

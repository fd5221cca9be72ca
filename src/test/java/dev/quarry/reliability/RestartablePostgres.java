package dev.quarry.reliability;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * An embedded PostgreSQL the test can stop and start again on the same port and data directory while Quarry keeps
 * running, as a database restart or failover looks to it.
 */
public class RestartablePostgres implements QuarkusTestResourceLifecycleManager {
    private static EmbeddedPostgres server;
    private static Path dataDir;
    static int port;

    @Override
    public Map<String, String> start() {
        try {
            dataDir = Files.createTempDirectory("quarry-restartable-pg");
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        startServer();
        String hostPortDb = "localhost:" + port + "/postgres";
        return Map.of(
                "quarkus.datasource.reactive.url", "postgresql://" + hostPortDb,
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres");
    }

    static synchronized void startServer() {
        try {
            server = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setServerConfig("max_connections", "50")
                    .setServerConfig("fsync", "off")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static synchronized void stopServer() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            stopServer();
        }
    }
}

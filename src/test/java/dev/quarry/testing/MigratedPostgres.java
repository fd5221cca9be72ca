package dev.quarry.testing;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private embedded PostgreSQL with Quarry's schema, for SQL tests that run without the application: every Flyway
 * migration of {@code src/main/resources/db/migration} applied in version order (V1 … V60_1, dotted versions as
 * numbers), the data then written by the test itself, and a reactive pool of two connections on it.
 */
public final class MigratedPostgres {
    private MigratedPostgres() {
    }

    /** A new server with every migration applied. */
    public static EmbeddedPostgres start() throws Exception {
        EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        List<Path> migrations;
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
            migrations = files.sorted(Comparator.comparing(MigratedPostgres::version)).toList();
        }
        try (Connection conn = pg.getPostgresDatabase().getConnection(); Statement st = conn.createStatement()) {
            for (Path m : migrations) {
                st.execute(Files.readString(m));
            }
        }
        return pg;
    }

    /** A migration's version as a number: {@code V18_3__x.sql} is 18.3. */
    public static double version(Path p) {
        String v = p.getFileName().toString().replaceFirst("^V", "").replaceFirst("__.*", "").replace('_', '.');
        return Double.parseDouble(v);
    }

    /** A pool of at most two connections on the server's {@code postgres} database. */
    public static Pool pool(Vertx vertx, EmbeddedPostgres pg) {
        return Pool.pool(vertx, new PgConnectOptions().setHost("localhost").setPort(pg.getPort()).setDatabase("postgres")
                .setUser("postgres").setPassword("postgres"), new PoolOptions().setMaxSize(2));
    }

    /** Closes the pool, then Vert.x, then the server (each within 10 s). */
    public static void stop(Pool pool, Vertx vertx, EmbeddedPostgres pg) throws Exception {
        pool.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        pg.close();
    }
}

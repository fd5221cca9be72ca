package dev.quarry.data;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The reactive pool, with the limits Quarkus has no settings for: how long a caller waits for a free connection
 * ({@code quarry.db.acquire-timeout}, 5 s), how many callers may wait at all ({@code quarry.db.max-wait-queue},
 * 256), and how long a connect may take ({@code quarry.db.connect-timeout}, 5 s; Vert.x's default is 60 s). Past
 * them a caller fails fast and gets a 503 with Retry-After (web.DatabaseFailures) instead of hanging, and the
 * pool recovers on its own: a connection lost to a restart is discarded and the next caller opens a new one.
 */
@Singleton
public class PoolSettings implements PgPoolCreator {
    private final Duration acquireTimeout;
    private final int maxWaitQueue;
    private final Duration connectTimeout;

    public PoolSettings(@ConfigProperty(name = "quarry.db.acquire-timeout", defaultValue = "5s") Duration acquireTimeout,
                        @ConfigProperty(name = "quarry.db.max-wait-queue", defaultValue = "256") int maxWaitQueue,
                        @ConfigProperty(name = "quarry.db.connect-timeout", defaultValue = "5s") Duration connectTimeout) {
        this.acquireTimeout = acquireTimeout;
        this.maxWaitQueue = maxWaitQueue;
        this.connectTimeout = connectTimeout;
    }

    @Override
    public Pool create(Input input) {
        PoolOptions options = input.poolOptions()
                .setConnectionTimeout((int) acquireTimeout.toMillis())
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
                .setMaxWaitQueueSize(maxWaitQueue);
        for (PgConnectOptions connect : input.pgConnectOptionsList()) {
            connect.setConnectTimeout((int) connectTimeout.toMillis());
        }
        return PgBuilder.pool().with(options).connectingTo(new java.util.ArrayList<io.vertx.sqlclient.SqlConnectOptions>(input.pgConnectOptionsList()))
                .using(input.vertx()).build();
    }
}

package dev.quarry.data;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Reproduces the "Result is already complete" noise: a pool query whose connection attempt fails (nothing listens
 * on the port) fails at once, and the pool's acquisition timer fires later on the completed promise. The handler
 * recognises exactly that exception and passes any other one on.
 */
class PoolTimerRaceTest {
    @Test
    void theAcquisitionTimerRaceIsRecognisedAndOthersPassOn() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: connections are refused
        }
        Vertx vertx = Vertx.vertx();
        try {
            CompletableFuture<Throwable> uncaught = new CompletableFuture<>();
            vertx.exceptionHandler(uncaught::complete);
            Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setConnectionTimeout(300)
                            .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
                    .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(port).setUser("x")
                            .setDatabase("x").setPassword("x"))
                    .using(vertx).build();
            CompletableFuture<Throwable> queryFailure = new CompletableFuture<>();
            pool.query("SELECT 1").execute().onComplete(ar -> queryFailure.complete(ar.cause()));
            assertNotNull(queryFailure.get(10, TimeUnit.SECONDS)); // the caller gets its failure
            Throwable noise = uncaught.get(10, TimeUnit.SECONDS); // then the timer fires on the completed promise
            assertTrue(PoolTimerRace.isKnownTimerRace(noise), String.valueOf(noise));
            assertFalse(PoolTimerRace.isKnownTimerRace(new IllegalStateException("Result is already complete")));
            assertFalse(PoolTimerRace.isKnownTimerRace(new RuntimeException("boom")));

            CompletableFuture<Throwable> passedOn = new CompletableFuture<>();
            vertx.exceptionHandler(passedOn::complete);
            PoolTimerRace.install(vertx);
            RuntimeException other = new RuntimeException("other");
            vertx.exceptionHandler().handle(other);
            assertSame(other, passedOn.get(1, TimeUnit.SECONDS));
            pool.close();
        } finally {
            vertx.close();
        }
    }
}

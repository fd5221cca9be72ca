package dev.quarry.data;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * Vert.x SQL client 4.5 arms a timer per pool query ({@code SqlConnectionPool.execute}) and cancels it only when a
 * connection is acquired; when acquisition fails first (pool wait queue full, acquire timeout, database down) the
 * caller already has its failure, and the timer later fails the same promise again, which Vert.x reports as an
 * uncaught {@code IllegalStateException: Result is already complete} (eclipse-vertx/vertx-sql-client#1706). Nothing
 * is lost or leaked: the caller got its 503. This handler recognises exactly that case and logs it at debug; every
 * other uncaught exception still goes to the handler that was there before (or is logged as an error).
 */
@Singleton
public class PoolTimerRace {
    private static final Logger LOG = Logger.getLogger(PoolTimerRace.class);

    void install(@Observes StartupEvent event, Vertx vertx) {
        install(vertx);
    }

    /** Wraps {@code vertx}'s exception handler so the known timer race is not reported as an uncaught error. */
    public static void install(Vertx vertx) {
        Handler<Throwable> previous = vertx.exceptionHandler();
        vertx.exceptionHandler(failure -> {
            if (isKnownTimerRace(failure)) {
                LOG.debugf("Ignored vertx-sql-client pool timer race: %s", failure.getMessage());
            } else if (previous != null) {
                previous.handle(failure);
            } else {
                LOG.error("Uncaught exception received by Vert.x", failure);
            }
        });
    }

    /** The second completion of a pool query's promise by its acquisition timer, and nothing else. */
    public static boolean isKnownTimerRace(Throwable failure) {
        if (!(failure instanceof IllegalStateException) || !"Result is already complete".equals(failure.getMessage())) {
            return false;
        }
        for (StackTraceElement frame : failure.getStackTrace()) {
            if (frame.getClassName().equals("io.vertx.sqlclient.impl.pool.SqlConnectionPool")
                    && frame.getMethodName().startsWith("lambda$execute")) {
                return true;
            }
        }
        return false;
    }
}

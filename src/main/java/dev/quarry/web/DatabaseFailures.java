package dev.quarry.web;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;

/**
 * Which database failures are not Quarry's fault: the database is unreachable, restarting, or the pool has no
 * connection free within its acquisition timeout (503 with Retry-After: retry later), or PostgreSQL refused a
 * value the client sent (a data exception, SQLSTATE class 22: 400). Anything else stays a 500.
 */
public final class DatabaseFailures {
    static final long RETRY_AFTER_SECONDS = 5;

    private DatabaseFailures() {
    }

    /** The client-facing error for a database failure, or null when it is a real server fault. */
    public static ApiException classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PgException pg) {
                String state = pg.getSqlState() == null ? "" : pg.getSqlState();
                if (state.startsWith("08") || state.startsWith("57P") || state.equals("53300")
                        || state.equals("53400")) {
                    // connection exception, admin shutdown / crash shutdown / cannot connect now, too many connections
                    return unavailable();
                }
                if (state.startsWith("22")) {
                    return new ValidationException("invalid_input", "Invalid value: " + pg.getErrorMessage(), null);
                }
                return null;
            }
            if (t instanceof ClosedConnectionException || t instanceof ConnectException
                    || t instanceof ClosedChannelException || t instanceof TimeoutException) {
                return unavailable();
            }
            if (t instanceof IOException && t.getClass().getName().startsWith("io.netty")) {
                return unavailable(); // a connection reset by the server (netty's NativeIoException)
            }
            String name = t.getClass().getName();
            String message = t.getMessage() == null ? "" : t.getMessage();
            if (name.startsWith("io.vertx") || name.startsWith("io.netty")) {
                // Vert.x reports these without a dedicated type: a pool acquisition timeout ("Timeout"), a full wait
                // queue, a connection closed under a pending query, a refused or timed-out connect.
                if (name.endsWith("ConnectionPoolTooBusyException") || name.endsWith("ConnectTimeoutException")
                        || message.startsWith("Timeout") || message.contains("Connection was closed")
                        || message.contains("connection has been closed") || message.contains("Connection refused")
                        || message.contains("Max waiter queue size") || message.contains("Pool closed")) {
                    return unavailable();
                }
            }
        }
        return null;
    }

    static String describe(Throwable failure) {
        StringBuilder s = new StringBuilder();
        for (Throwable t = failure; t != null && s.length() < 500; t = t.getCause() == t ? null : t.getCause()) {
            s.append(s.length() == 0 ? "" : " <- ").append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        return s.toString();
    }

    private static ServiceUnavailableException unavailable() {
        return new ServiceUnavailableException("The database is unavailable right now. Please retry shortly.",
                RETRY_AFTER_SECONDS);
    }
}

package dev.quarry.web;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.sql.SQLException;
import java.util.concurrent.TimeoutException;

/**
 * Which database failures are not Quarry's fault: the database is unreachable, restarting, or the pool has no
 * connection free within its acquisition timeout (503 with Retry-After: retry later), or PostgreSQL refused a
 * value the client sent (a data exception, SQLSTATE class 22: 400) or a statement the client's input composed
 * ({@link #isQueryError}: 400 {@code query_error}). Anything else stays a 500.
 */
public final class DatabaseFailures {
    /**
     * SQLSTATE 22021 (character_not_in_repertoire): a text value holding the NUL character, which PostgreSQL's text
     * cannot store (ClickHouse's String can).
     */
    public static final String NUL_IN_TEXT = "22021";

    /** The 400 for a text value with a NUL character: said in the API's words, not PostgreSQL's encoding error. */
    public static ValidationException nulInText() {
        return new ValidationException("invalid_input",
                "Text values may not contain the NUL character (\\u0000).", null);
    }

    static final long RETRY_AFTER_SECONDS = 5;

    private DatabaseFailures() {
    }

    /** The client-facing error for a database failure, or null when it is a real server fault. */
    public static ApiException classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // The reactive client fails with PostgreSQL's PgException; Hibernate Reactive (the data module's
            // entities) turns it into a JDBCException whose cause is an SQLException with the same SQLSTATE.
            String state = null;
            String detail = null;
            if (t instanceof PgException pg) {
                state = pg.getSqlState() == null ? "" : pg.getSqlState();
                detail = pg.getErrorMessage();
            } else if (t instanceof SQLException sql && sql.getSQLState() != null) {
                state = sql.getSQLState();
                detail = postgresMessage(sql.getMessage(), state);
            }
            if (state != null) {
                if (state.startsWith("08") || state.startsWith("57P") || state.equals("53300")
                        || (state.equals("53200") && detail != null && detail.startsWith("out of shared memory"))) {
                    // connection exception, admin shutdown / crash shutdown / cannot connect now, too many
                    // connections, the server's shared lock table full: the server's state, not the request's
                    return unavailable();
                }
                if (state.equals(CLICKHOUSE_ERROR) && t instanceof PgException pg) {
                    return clickHouseError(pg.getErrorMessage(), pg.getDetail());
                }
                if (state.equals(NUL_IN_TEXT)) {
                    return nulInText();
                }
                if (state.startsWith("22")) {
                    return new ValidationException("invalid_input", "Invalid value: " + detail, null);
                }
                if (isTempFileLimit(state, detail)) {
                    return tempFileLimit();
                }
                if (isQueryError(state)) {
                    return new ValidationException("query_error", "Query failed: " + detail, null);
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
            if (t instanceof java.net.SocketException) {
                return unavailable(); // the same reset on netty's NIO transport ("Connection reset")
            }
            if (t instanceof IOException && writtenByTheDatabaseClient(t)) {
                // a pipelined write to a connection the server dropped: "Broken pipe" from the NIO transport, thrown
                // while the pg client flushed its statements
                return unavailable();
            }
            String name = t.getClass().getName();
            String message = t.getMessage() == null ? "" : t.getMessage();
            if (name.startsWith("io.vertx") || name.startsWith("io.netty")) {
                // Vert.x reports these without a dedicated type: a pool acquisition timeout ("Timeout"), a full wait
                // queue, a connection closed under a pending query, a refused or timed-out connect, a statement sent
                // on a connection the server has just terminated ("Connection is not active now, current status:
                // CLOSED", a pipelined COMMIT or ROLLBACK after a FATAL 57P01).
                if (name.endsWith("ConnectionPoolTooBusyException") || name.endsWith("ConnectTimeoutException")
                        || message.startsWith("Timeout") || message.contains("Connection was closed")
                        || message.contains("connection has been closed") || message.contains("Connection refused")
                        || message.startsWith("Connection is not active now")
                        || message.contains("Max waiter queue size") || message.contains("Pool closed")) {
                    return unavailable();
                }
            }
        }
        return null;
    }

    /** PostgreSQL's own message from the client's "ERROR: message (SQLSTATE)" text, as PgException#getErrorMessage has it. */
    static String postgresMessage(String text, String state) {
        String message = text == null ? "" : text;
        if (message.startsWith("ERROR: ")) {
            message = message.substring("ERROR: ".length());
        }
        String suffix = " (" + state + ")";
        return message.endsWith(suffix) ? message.substring(0, message.length() - suffix.length()) : message;
    }

    /**
     * SQLSTATEs a statement's own content causes, whatever input built it: class 42 (syntax error or access rule
     * violation: unknown column or FROM entry, ambiguous name, grouping, types, operators), 21 (cardinality: a
     * scalar subquery returning several rows), 54 (program limit exceeded: too many columns, statement too
     * complex), 0A (feature not supported), 2F/38/39 (a function's own error) and 53400 (configuration limit
     * exceeded: the statement crossed {@code temp_file_limit}). Class 22 (data exceptions) is answered apart as
     * {@code invalid_input}. Connection and availability classes stay 503, and 57014 (timeout/cancel) is the
     * executor's 504/cancel.
     */
    /**
     * SQLSTATE of hogql_raise (V67_2): a value ClickHouse fails the whole query on (an integer divided by zero, a
     * String that is no boolean); the message is ClickHouse's, the detail its error's code name.
     */
    public static final String CLICKHOUSE_ERROR = "QH400";

    private static boolean writtenByTheDatabaseClient(Throwable t) {
        for (StackTraceElement frame : t.getStackTrace()) {
            if (frame.getClassName().startsWith("io.vertx.pgclient.") || frame.getClassName().startsWith("io.vertx.sqlclient.")) {
                return true;
            }
        }
        return false;
    }

    /**
     * PostHog's 400 for a ClickHouse error it shows users (posthog/errors.py ExposedCHQueryError): the code name
     * ({@code illegal_division}) as {@code code}, the message as {@code detail}.
     */
    public static ValidationException clickHouseError(String message, String codeName) {
        return new ValidationException(codeName == null || codeName.isBlank() ? "query_error" : codeName, message, null);
    }

    /** Whether PostgreSQL's error is its per-statement temporary disk bound ({@link #tempFileLimit}). */
    public static boolean isTempFileLimit(String state, String message) {
        return "53400".equals(state) && message != null
                && message.startsWith("temporary file size exceeds temp_file_limit");
    }

    /**
     * A statement whose sorts and groups spilled past the per-statement temporary disk bound ({@code temp_file_limit},
     * 53400): 400 {@code memory_limit_exceeded}, ClickHouse's error for a query past its memory limit — the query's
     * size, not a fault of the server (it was a {@code query_error} naming PostgreSQL's setting).
     */
    public static ValidationException tempFileLimit() {
        return new ValidationException("memory_limit_exceeded", "The query needed more than 1 GiB of temporary disk "
                + "for its sorts and groups: narrow its date range or filters, or break it down by fewer values", null);
    }

    public static boolean isQueryError(String state) {
        return state.startsWith("42") || state.startsWith("21") || state.startsWith("54") || state.startsWith("0A")
                || state.startsWith("2F") || state.startsWith("38") || state.startsWith("39") || state.equals("53400");
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

package dev.quarry.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * Failures that reach the mapper from Hibernate Reactive (the data module's entities): a JDBCException-style wrapper
 * around an SQLException that carries PostgreSQL's SQLSTATE and message, as Hibernate Reactive builds it from the
 * client's PgException (without keeping the PgException as a cause).
 */
class DatabaseFailuresTest {

    private static RuntimeException hibernateStyle(String message, String state) {
        return new RuntimeException("error executing SQL statement [" + message + "] [insert into plugin_configs …]",
                new SQLException(message, state, 0));
    }

    @Test
    void dataExceptionThroughHibernateIsA400WithPostgresMessage() {
        ApiException mapped = DatabaseFailures.classify(
                hibernateStyle("ERROR: unsupported Unicode escape sequence (22P05)", "22P05"));
        assertEquals(ValidationException.class, mapped.getClass());
        assertEquals("invalid_input", mapped.code());
        assertEquals("Invalid value: unsupported Unicode escape sequence", mapped.getMessage());
    }

    @Test
    void connectionFailureThroughHibernateIsA503AndOtherStatesStayServerFaults() {
        assertEquals(503, DatabaseFailures.classify(
                hibernateStyle("ERROR: the database system is shutting down (57P03)", "57P03")).status());
        assertNull(DatabaseFailures.classify(
                hibernateStyle("ERROR: duplicate key value violates unique constraint \"x\" (23505)", "23505")));
    }

    /**
     * PostgreSQL's shared lock table full ("out of shared memory", 53200, "You might need to increase
     * max_locks_per_transaction") is the server's state: a 503 to retry, never a 500 nor the query's memory 400.
     */
    @Test
    void aFullSharedLockTableIsA503() {
        ApiException mapped = DatabaseFailures.classify(new io.vertx.pgclient.PgException("out of shared memory",
                "ERROR", "53200", "You might need to increase max_locks_per_transaction."));
        assertEquals(503, mapped.status());
        assertNull(dev.quarry.hogql.ValueErrors.of("53200", "out of shared memory"));
        assertEquals("memory_limit_exceeded", dev.quarry.hogql.ValueErrors.of("53200", "out of memory").code());
    }

    /** The per-statement temporary disk bound is the query's size, ClickHouse's memory limit: a 400, not a query_error. */
    @Test
    void theTemporaryDiskBoundIsAMemoryLimitError() {
        ApiException mapped = DatabaseFailures.classify(new io.vertx.pgclient.PgException(
                "temporary file size exceeds temp_file_limit (1048576kB)", "ERROR", "53400", null));
        assertEquals(400, mapped.status());
        assertEquals("memory_limit_exceeded", mapped.code());
        ApiException other = DatabaseFailures.classify(new io.vertx.pgclient.PgException(
                "some other configuration limit", "ERROR", "53400", null));
        assertEquals("query_error", other.code());
    }

    /** "Broken pipe" thrown while the pg client flushed pipelined statements to a connection the server dropped. */
    @Test
    void aWriteToADroppedDatabaseConnectionIsA503AndOtherIoFailuresAreNot() {
        java.io.IOException fromClient = new java.io.IOException("Broken pipe");
        fromClient.setStackTrace(new StackTraceElement[] {
                new StackTraceElement("sun.nio.ch.SocketDispatcher", "write", "SocketDispatcher.java", 62),
                new StackTraceElement("io.vertx.pgclient.impl.codec.PgEncoder", "flush", "PgEncoder.java", 154)});
        assertEquals(503, DatabaseFailures.classify(fromClient).status());
        java.io.IOException elsewhere = new java.io.IOException("Broken pipe");
        elsewhere.setStackTrace(new StackTraceElement[] {
                new StackTraceElement("dev.quarry.capture.CaptureResource", "read", "CaptureResource.java", 1)});
        assertNull(DatabaseFailures.classify(elsewhere));
    }
}

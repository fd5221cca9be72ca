package dev.quarry.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.smallrye.mutiny.Uni;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An async query's end is written even when the database was restarting as the run failed (the breaker's
 * OOM-killed backend: every connection reset, the status stayed "running" for 20 minutes): the status write is
 * retried while the database is away, and only then.
 */
class AsyncStatusRetryTest {
    private static final Duration MS = Duration.ofMillis(1);

    /** A write that fails {@code failures} times with {@code failure}, then succeeds; counts its runs. */
    private static Uni<String> flaky(AtomicInteger runs, int failures, RuntimeException failure) {
        return Uni.createFrom().item(() -> {
            if (runs.incrementAndGet() <= failures) {
                throw failure;
            }
            return "written";
        });
    }

    @Test
    void aConnectionResetIsWrittenAgain() {
        AtomicInteger runs = new AtomicInteger();
        RuntimeException reset = new RuntimeException(new SocketException("Connection reset"));
        assertEquals("written", AsyncQueryWorker.retriedWhileAway(flaky(runs, 3, reset), MS, MS, 8)
                .await().atMost(Duration.ofSeconds(5)));
        assertEquals(4, runs.get());
    }

    @Test
    void otherFailuresAndTheLastTryAreNotHidden() {
        AtomicInteger runs = new AtomicInteger();
        IllegalStateException bug = new IllegalStateException("a query status did not serialize");
        assertThrows(IllegalStateException.class, () -> AsyncQueryWorker.retriedWhileAway(flaky(runs, 1, bug), MS, MS, 8)
                .await().atMost(Duration.ofSeconds(5)));
        assertEquals(1, runs.get());
        AtomicInteger away = new AtomicInteger();
        RuntimeException reset = new RuntimeException(new SocketException("Connection reset"));
        assertThrows(RuntimeException.class, () -> AsyncQueryWorker.retriedWhileAway(flaky(away, 100, reset), MS, MS, 3)
                .await().atMost(Duration.ofSeconds(5)));
        assertEquals(4, away.get());
    }
}

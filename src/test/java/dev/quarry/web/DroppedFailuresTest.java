package dev.quarry.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A dropped refusal (a 429 of the second half of a request) is not an error in the operator's log; a fault is. */
class DroppedFailuresTest {
    @Test
    void refusalsAreToldFromFaults() {
        assertTrue(DroppedFailures.isRefusal(new ThrottledException("Too many queries are running", 1)));
        assertTrue(DroppedFailures.isRefusal(new RuntimeException(new QueryTimeoutException(5))));
        assertFalse(DroppedFailures.isRefusal(new IllegalStateException("a fault")));
        assertFalse(DroppedFailures.isRefusal(new RuntimeException((Throwable) null)));
    }
}

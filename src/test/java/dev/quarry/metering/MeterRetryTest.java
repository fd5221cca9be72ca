package dev.quarry.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Failed meter rows wait and are written again in order; a failing write keeps them; the queue is bounded. */
class MeterRetryTest {
    private static Meter.Call call(long team) {
        return new Meter.Call(team, "k", EndpointGroup.CAPTURE, "POST", 200, 5, null, null, null, true, 1);
    }

    @Test
    void rowsWaitUntilTheDatabaseTakesThemInOrder() {
        List<Long> written = new ArrayList<>();
        AtomicBoolean down = new AtomicBoolean(true);
        MeterRetry retry = new MeterRetry(c -> {
            if (down.get()) {
                return Uni.createFrom().failure(new IllegalStateException("Timeout waiting for connection"));
            }
            written.add(c.teamId());
            return Uni.createFrom().voidItem();
        });
        assertTrue(retry.offer(call(1)));
        assertTrue(retry.offer(call(2)));
        assertEquals(0, retry.drain().await().indefinitely());
        assertEquals(2, retry.pending());
        down.set(false);
        assertEquals(2, retry.drain().await().indefinitely());
        assertEquals(List.of(1L, 2L), written);
        assertEquals(0, retry.pending());
    }

    @Test
    void atMostMaxPendingWait() {
        MeterRetry retry = new MeterRetry(c -> Uni.createFrom().voidItem());
        for (int i = 0; i < MeterRetry.MAX_PENDING; i++) {
            assertTrue(retry.offer(call(i)));
        }
        assertFalse(retry.offer(call(-1)));
        assertEquals(MeterRetry.MAX_PENDING, retry.drain().await().indefinitely());
        assertTrue(retry.offer(call(-1)));
    }
}

package dev.quarry.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.web.ServiceUnavailableException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The pool share for user statements: at most N at once, the rest wait in order, overflow is 503. */
class StatementSlotsTest {
    @Test
    void atMostPermitsRunAndWaitersFollow() {
        StatementSlots slots = new StatementSlots(2, 2);
        List<UniEmitter<? super String>> started = new ArrayList<>();
        List<CompletableFuture<String>> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            results.add(slots.run(() -> Uni.createFrom().<String>emitter(started::add)).subscribeAsCompletionStage());
        }
        assertEquals(2, started.size()); // two running, two waiting
        CompletionException overflow = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                results.get(4)::join);
        assertInstanceOf(ServiceUnavailableException.class, overflow.getCause());
        started.get(0).complete("a");
        assertEquals(3, started.size()); // the slot passed to the first waiter
        started.get(1).fail(new IllegalStateException("boom"));
        assertEquals(4, started.size()); // a failure frees its slot too
        started.get(2).complete("c");
        started.get(3).complete("d");
        assertEquals("a", results.get(0).join());
        assertEquals("d", results.get(3).join());
        assertEquals(0, slots.running());
    }

    @Test
    void aWaiterThatGoesAwayDoesNotKeepASlot() {
        StatementSlots slots = new StatementSlots(1, 5);
        List<UniEmitter<? super String>> started = new ArrayList<>();
        CompletableFuture<String> first = slots.run(() -> Uni.createFrom().<String>emitter(started::add))
                .subscribeAsCompletionStage();
        CompletableFuture<String> second = slots.run(() -> Uni.createFrom().<String>emitter(started::add))
                .subscribeAsCompletionStage();
        second.cancel(true);
        started.get(0).complete("x");
        assertEquals("x", first.join());
        assertEquals(0, slots.running());
        assertTrue(started.size() == 1);
    }
}

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

/**
 * The pool share for user statements: at most N at once, the rest wait, overflow is 503; a freed slot goes to the
 * waiting project running the fewest, and one project cannot fill the wait list.
 */
class StatementSlotsTest {
    @Test
    void atMostPermitsRunAndWaitersFollow() {
        StatementSlots slots = new StatementSlots(2, 2);
        List<UniEmitter<? super String>> started = new ArrayList<>();
        List<CompletableFuture<String>> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            results.add(slots.run(1L, () -> Uni.createFrom().<String>emitter(started::add)).subscribeAsCompletionStage());
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
        CompletableFuture<String> first = slots.run(1L, () -> Uni.createFrom().<String>emitter(started::add))
                .subscribeAsCompletionStage();
        CompletableFuture<String> second = slots.run(1L, () -> Uni.createFrom().<String>emitter(started::add))
                .subscribeAsCompletionStage();
        second.cancel(true);
        started.get(0).complete("x");
        assertEquals("x", first.join());
        assertEquals(0, slots.running());
        assertTrue(started.size() == 1);
    }

    /** A statement that starts only when its emitter is taken from {@code started}, and ends when the test says. */
    private static CompletableFuture<String> submit(StatementSlots slots, long project, List<String> order,
                                                    java.util.Map<String, UniEmitter<? super String>> running,
                                                    String name) {
        return slots.run(project, () -> Uni.createFrom().<String>emitter(emitter -> {
            order.add(name);
            running.put(name, emitter);
        })).subscribeAsCompletionStage();
    }

    @Test
    void aFreedSlotGoesToTheWaitingProjectRunningTheFewest() {
        StatementSlots slots = new StatementSlots(3, 100, 100);
        List<String> order = new ArrayList<>();
        java.util.Map<String, UniEmitter<? super String>> running = new java.util.HashMap<>();
        // project 1 takes two slots and project 2 one; then both queue more, and project 3 arrives last
        submit(slots, 1, order, running, "a1");
        submit(slots, 1, order, running, "a2");
        submit(slots, 2, order, running, "b1");
        for (int i = 3; i <= 6; i++) {
            submit(slots, 1, order, running, "a" + i);
        }
        submit(slots, 2, order, running, "b2");
        CompletableFuture<String> late = submit(slots, 3, order, running, "c1");
        assertEquals(List.of("a1", "a2", "b1"), order);
        running.get("a1").complete("a1");
        // project 3 runs nothing: it goes first, though five statements waited before it
        assertEquals("c1", order.get(3));
        running.get("c1").complete("c1");
        assertEquals("c1", late.join());
        // projects 1 and 2 run one each: project 1's last start (a2) is older than project 2's (b1)
        assertEquals("a3", order.get(4));
        running.get("a2").complete("a2");
        // one each again, and now project 2 started longest ago: b2, though a4 waited longer
        assertEquals("b2", order.get(5));
        running.get("a3").complete("a3");
        // project 1 runs none, project 2 two
        assertEquals("a4", order.get(6));
        running.get("b1").complete("b1");
        assertEquals("a5", order.get(7)); // only project 1 waits
        running.get("a4").complete("a4");
        assertEquals("a6", order.get(8));
        List.of("a5", "b2", "a6").forEach(name -> running.get(name).complete(name));
        assertEquals(0, slots.running());
    }

    @Test
    void oneProjectCannotFillTheWaitListForOthers() {
        StatementSlots slots = new StatementSlots(1, 10, 3);
        List<String> order = new ArrayList<>();
        java.util.Map<String, UniEmitter<? super String>> running = new java.util.HashMap<>();
        submit(slots, 1, order, running, "a1");
        List<CompletableFuture<String>> queued = new ArrayList<>();
        for (int i = 2; i <= 5; i++) {
            queued.add(submit(slots, 1, order, running, "a" + i));
        }
        // the project's fourth waiter is refused; another project still gets in line
        CompletionException refused = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                queued.get(3)::join);
        assertInstanceOf(ServiceUnavailableException.class, refused.getCause());
        CompletableFuture<String> other = submit(slots, 2, order, running, "b1");
        org.junit.jupiter.api.Assertions.assertFalse(other.isDone());
        running.get("a1").complete("a1");
        assertEquals("b1", order.get(1));
        running.get("b1").complete("b1");
        assertEquals("b1", other.join());
        for (String name : List.of("a2", "a3", "a4")) {
            assertEquals(name, order.get(order.size() - 1));
            running.get(name).complete(name);
        }
        assertEquals(0, slots.running());
    }
}

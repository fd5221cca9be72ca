package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.web.ServiceUnavailableException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One project's batches: a few run, some wait in order, the rest are 503s for that project only. */
class ProjectCaptureLimiterTest {
    /** A batch that ends when the test says so. */
    private static final class Held {
        final CompletableFuture<UniEmitter<? super Integer>> started = new CompletableFuture<>();

        Uni<Integer> work() {
            return Uni.createFrom().<Integer>emitter(emitter -> started.complete(emitter));
        }
    }

    @Test
    void aProjectPastItsSlotsWaitsThenIsRefusedWhileAnotherRuns() throws Exception {
        ProjectCaptureLimiter limiter = new ProjectCaptureLimiter(2, 1);
        List<Held> held = new ArrayList<>();
        List<CompletableFuture<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Held h = new Held();
            held.add(h);
            answers.add(limiter.run(1, h::work).subscribeAsCompletionStage());
        }
        assertTrue(held.get(0).started.isDone() && held.get(1).started.isDone());
        assertTrue(!held.get(2).started.isDone(), "the third batch waits");
        assertEquals(2, limiter.running(1));
        // the fourth has neither a slot nor a place in the queue
        CompletableFuture<Integer> refused = limiter.run(1, () -> Uni.createFrom().item(9)).subscribeAsCompletionStage();
        Throwable failure = refused.handle((v, t) -> t).get(5, TimeUnit.SECONDS);
        assertInstanceOf(ServiceUnavailableException.class, failure);
        assertEquals(503, ((ServiceUnavailableException) failure).status());
        // another project is not held up
        assertEquals(7, limiter.run(2, () -> Uni.createFrom().item(7)).await().indefinitely());
        // the first ends: the waiting one starts in its slot
        held.get(0).started.get().complete(1);
        assertEquals(1, answers.get(0).get(5, TimeUnit.SECONDS));
        held.get(2).started.get(5, TimeUnit.SECONDS).complete(3);
        assertEquals(3, answers.get(2).get(5, TimeUnit.SECONDS));
        // a failure frees its slot too
        held.get(1).started.get().fail(new IllegalStateException("x"));
        assertTrue(answers.get(1).handle((v, t) -> t).get(5, TimeUnit.SECONDS) instanceof IllegalStateException);
        assertEquals(0, limiter.running(1));
        assertEquals(5, limiter.run(1, () -> Uni.createFrom().item(5)).await().indefinitely());
    }
}

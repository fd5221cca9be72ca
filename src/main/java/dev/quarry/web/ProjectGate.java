package dev.quarry.web;

import io.smallrye.mutiny.Uni;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * At most {@code atOnce} of one project's requests of a kind at once on this instance; more are PostHog's 429
 * ({@link ThrottledException}, {@code busy} as its detail). For reads that may carry a whole answer's worth of JSON
 * (lists of large saved items), so that one project's flood holds no more than that many workers and buffers.
 */
public final class ProjectGate {
    private final int atOnce;
    private final String busy;
    private final ConcurrentHashMap<Long, AtomicInteger> running = new ConcurrentHashMap<>();

    public ProjectGate(int atOnce, String busy) {
        this.atOnce = atOnce;
        this.busy = busy;
    }

    /**
     * {@code work} subscribed if the project has a place, released when the work ends (item or failure) — not when the
     * caller cancels: the work is not cancelled with it.
     */
    public <T> Uni<T> run(long teamId, Supplier<Uni<T>> work) {
        // a place is taken when the answer is subscribed, not when it is built: one built and never subscribed (its
        // request failed first) would hold its place for good
        return Uni.createFrom().deferred(() -> enter(teamId, work));
    }

    private <T> Uni<T> enter(long teamId, Supplier<Uni<T>> work) {
        AtomicInteger count = running.computeIfAbsent(teamId, t -> new AtomicInteger());
        if (count.incrementAndGet() > atOnce) {
            count.decrementAndGet();
            return Uni.createFrom().failure(new ThrottledException(busy, 1));
        }
        Uni<T> started;
        try {
            started = work.get();
        } catch (RuntimeException e) {
            count.decrementAndGet();
            return Uni.createFrom().failure(e);
        }
        // the work runs to its end even when the caller goes away (a statement keeps running in the database), and
        // holds its place until then: a client hanging up after 0.3 s left 4-7 five-second statements running at
        // once against a gate of 2 (breaker pass 2)
        Uni<T> held = started;
        return Uni.createFrom().emitter(emitter -> held.subscribe().with(
                item -> {
                    count.decrementAndGet();
                    emitter.complete(item);
                },
                failure -> {
                    count.decrementAndGet();
                    emitter.fail(failure);
                }));
    }
}

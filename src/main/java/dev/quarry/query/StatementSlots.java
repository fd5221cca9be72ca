package dev.quarry.query;

import dev.quarry.web.ServiceUnavailableException;
import io.smallrye.mutiny.Uni;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

/**
 * The share of this instance's connection pool that user statements may hold: at most {@code permits} run at once;
 * others wait in order (never on a thread), and past {@code maxWaiting} waiters a statement is refused at once with
 * 503 and Retry-After. The pool's remaining connections stay free for capture, auth and the rest of the API, which
 * never pass through here.
 */
final class StatementSlots {
    private final int permits;
    private final int maxWaiting;
    private final Deque<Runnable> waiting = new ArrayDeque<>();
    private int running;

    StatementSlots(int permits, int maxWaiting) {
        this.permits = permits;
        this.maxWaiting = maxWaiting;
    }

    /** Runs {@code work} once a slot is free, and frees the slot however it ends (item, failure or cancel). */
    <T> Uni<T> run(Supplier<Uni<T>> work) {
        return Uni.createFrom().<Void>emitter(emitter -> {
            boolean now;
            synchronized (this) {
                now = running < permits;
                if (now) {
                    running++;
                } else if (waiting.size() >= maxWaiting) {
                    emitter.fail(new ServiceUnavailableException("Too many queries are waiting on this server. "
                            + "Please retry shortly.", 1));
                    return;
                } else {
                    java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
                    Runnable waiter = () -> {
                        if (gone.get()) {
                            release(); // the caller went away while waiting: pass the slot on
                        } else {
                            emitter.complete(null);
                        }
                    };
                    waiting.add(waiter);
                    emitter.onTermination(() -> {
                        gone.set(true);
                        synchronized (this) {
                            waiting.remove(waiter);
                        }
                    });
                }
            }
            if (now) {
                emitter.complete(null);
            }
        }).flatMap(x -> Uni.createFrom().<T>deferred(() -> work.get()).onTermination().invoke(this::release));
    }

    private void release() {
        Runnable next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                running--;
            }
        }
        if (next != null) {
            next.run(); // the slot passes straight to the next waiter
        }
    }

    synchronized int running() {
        return running;
    }
}

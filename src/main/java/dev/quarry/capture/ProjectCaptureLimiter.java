package dev.quarry.capture;

import dev.quarry.web.ServiceUnavailableException;
import io.smallrye.mutiny.Uni;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * How many capture batches of one project run at once on this instance: at most {@code running} (each holds a pooled
 * connection for its transaction), up to {@code waiting} more queue here in arrival order, and past that the batch is
 * a 503 {@code service_unavailable} with Retry-After for that project alone (PostHog's SDKs retry a 5xx). Without it
 * one project's flood of small batches filled the pool's shared wait queue, and every other project's requests were
 * 503s (the breaker's D2). A Lambda function serves one request at a time, so there only the local server's
 * concurrency is bounded.
 */
final class ProjectCaptureLimiter {
    static final long RETRY_AFTER_SECONDS = 5;

    private final int running;
    private final int waiting;
    private final ConcurrentHashMap<Long, Slots> byProject = new ConcurrentHashMap<>();

    /** One project's batches: how many run, and the starts of those waiting. */
    private static final class Slots {
        int running;
        final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    }

    /**
     * @param running batches of one project that may run at once (at least 1)
     * @param waiting batches of one project that may wait for them (at least 0)
     */
    ProjectCaptureLimiter(int running, int waiting) {
        this.running = Math.max(1, running);
        this.waiting = Math.max(0, waiting);
    }

    /**
     * {@code work} subscribed once a slot of the project is free; its item or failure is the answer.
     *
     * @throws ServiceUnavailableException (as the Uni's failure) when the project already has {@code running}
     *     batches running and {@code waiting} waiting
     */
    <T> Uni<T> run(long projectId, Supplier<Uni<T>> work) {
        return Uni.createFrom().emitter(emitter -> {
            Slots slots = byProject.computeIfAbsent(projectId, id -> new Slots());
            Runnable start = () -> {
                Uni<T> started;
                try {
                    started = work.get();
                } catch (RuntimeException e) {
                    release(slots);
                    emitter.fail(e);
                    return;
                }
                started.onTermination().invoke(() -> release(slots))
                        .subscribe().with(emitter::complete, emitter::fail);
            };
            boolean now;
            synchronized (slots) {
                if (slots.running < running) {
                    slots.running++;
                    now = true;
                } else if (slots.queue.size() < waiting) {
                    slots.queue.add(start);
                    now = false;
                } else {
                    emitter.fail(new ServiceUnavailableException("This project is sending more capture requests "
                            + "at once than this server takes; retry later.", RETRY_AFTER_SECONDS));
                    return;
                }
            }
            if (now) {
                start.run();
            } else {
                // a request that goes away while it waits leaves the queue
                emitter.onTermination(() -> {
                    synchronized (slots) {
                        slots.queue.remove(start);
                    }
                });
            }
        });
    }

    /** A batch of the project ended: the next waiting one starts in its slot. */
    private void release(Slots slots) {
        Runnable next;
        synchronized (slots) {
            next = slots.queue.poll();
            if (next == null) {
                slots.running--;
            }
        }
        if (next != null) {
            next.run();
        }
    }

    /** Batches of the project running now (for tests). */
    int running(long projectId) {
        Slots slots = byProject.get(projectId);
        if (slots == null) {
            return 0;
        }
        synchronized (slots) {
            return slots.running;
        }
    }
}

package dev.quarry.query;

import dev.quarry.web.ServiceUnavailableException;
import io.smallrye.mutiny.Uni;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The share of this instance's connection pool that user statements may hold: at most {@code permits} run at once;
 * others wait (never on a thread), and past {@code maxWaiting} waiters in all, or {@code maxWaitingPerProject} of one
 * project, a statement is refused at once with 503 and Retry-After. The pool's remaining connections stay free for
 * capture, auth and the rest of the API, which never pass through here.
 *
 * <p>A freed slot goes to the waiting project that runs the fewest statements here; among those, to the one whose last
 * statement started longest ago (a project that started none yet first), and within a project in arrival order. So a project that keeps every slot busy with long statements
 * and a queue of more delays another project's statement only until the next slot frees (at most the statement
 * timeout), not until its whole queue has run, and it cannot fill the wait list for everyone else.
 */
final class StatementSlots {
    private final int permits;
    private final int maxWaiting;
    private final int maxWaitingPerProject;
    /** Each waiting project's statements in arrival order; a project with none has no entry. */
    private final Map<Long, ArrayDeque<Waiter>> waiting = new LinkedHashMap<>();
    /** Statements running per project; a project with none has no entry. */
    private final Map<Long, Integer> runningByProject = new HashMap<>();
    /** When each project running or waiting here last started a statement (a count of starts). */
    private final Map<Long, Long> lastStart = new HashMap<>();
    private int running;
    private int waitingCount;
    private long arrivals;
    private long starts;

    /** A statement waiting for a slot: its arrival number (earlier waits longer) and what starts it. */
    private record Waiter(long arrival, Runnable start) {
    }

    StatementSlots(int permits, int maxWaiting) {
        this(permits, maxWaiting, maxWaiting);
    }

    /**
     * @param permits statements that run at once (at least 1)
     * @param maxWaiting statements that may wait in all
     * @param maxWaitingPerProject statements of one project that may wait
     */
    StatementSlots(int permits, int maxWaiting, int maxWaitingPerProject) {
        this.permits = Math.max(1, permits);
        this.maxWaiting = maxWaiting;
        this.maxWaitingPerProject = maxWaitingPerProject;
    }

    /**
     * Runs {@code work} once a slot is free for {@code projectId}, and frees the slot however it ends (item, failure or
     * cancel). A caller that goes away while waiting leaves the line.
     *
     * @throws ServiceUnavailableException (as the Uni's failure) when the wait list, or the project's share of it, is full
     */
    <T> Uni<T> run(long projectId, Supplier<Uni<T>> work) {
        return Uni.createFrom().<Void>emitter(emitter -> {
            boolean now;
            synchronized (this) {
                ArrayDeque<Waiter> own = waiting.get(projectId);
                now = running < permits && waitingCount == 0;
                if (now) {
                    take(projectId);
                } else if (waitingCount >= maxWaiting || (own != null && own.size() >= maxWaitingPerProject)) {
                    emitter.fail(new ServiceUnavailableException("Too many queries are waiting on this server. "
                            + "Please retry shortly.", 1));
                    return;
                } else {
                    java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
                    Waiter waiter = new Waiter(arrivals++, () -> {
                        if (gone.get()) {
                            release(projectId); // the caller went away as its turn came: pass the slot on
                        } else {
                            emitter.complete(null);
                        }
                    });
                    waiting.computeIfAbsent(projectId, id -> new ArrayDeque<>()).add(waiter);
                    waitingCount++;
                    emitter.onTermination(() -> {
                        gone.set(true);
                        synchronized (this) {
                            ArrayDeque<Waiter> queue = waiting.get(projectId);
                            if (queue != null && queue.remove(waiter)) {
                                waitingCount--;
                                if (queue.isEmpty()) {
                                    waiting.remove(projectId);
                                    forgetIfIdle(projectId);
                                }
                            }
                        }
                    });
                }
            }
            if (now) {
                emitter.complete(null);
            }
        }).flatMap(x -> Uni.createFrom().<T>deferred(() -> work.get()).onTermination().invoke(() -> release(projectId)));
    }

    private void take(long projectId) {
        running++;
        runningByProject.merge(projectId, 1, Integer::sum);
        lastStart.put(projectId, starts++);
    }

    /** Forgets when a project last started once it neither runs nor waits here (so the map stays small). */
    private void forgetIfIdle(long projectId) {
        if (!runningByProject.containsKey(projectId) && !waiting.containsKey(projectId)) {
            lastStart.remove(projectId);
        }
    }

    /** A statement of {@code projectId} ended: its slot goes to the next waiter by {@link StatementSlots}' order. */
    private void release(long projectId) {
        Waiter next;
        synchronized (this) {
            running--;
            runningByProject.computeIfPresent(projectId, (id, n) -> n > 1 ? n - 1 : null);
            forgetIfIdle(projectId);
            Long chosen = null;
            int fewest = Integer.MAX_VALUE;
            long longestAgo = Long.MAX_VALUE;
            long earliest = Long.MAX_VALUE;
            for (Map.Entry<Long, ArrayDeque<Waiter>> entry : waiting.entrySet()) {
                int runs = runningByProject.getOrDefault(entry.getKey(), 0);
                long started = lastStart.getOrDefault(entry.getKey(), -1L);
                long arrival = entry.getValue().peekFirst().arrival();
                if (runs < fewest || (runs == fewest && (started < longestAgo
                        || (started == longestAgo && arrival < earliest)))) {
                    chosen = entry.getKey();
                    fewest = runs;
                    longestAgo = started;
                    earliest = arrival;
                }
            }
            if (chosen == null) {
                return;
            }
            ArrayDeque<Waiter> queue = waiting.get(chosen);
            next = queue.pollFirst();
            if (queue.isEmpty()) {
                waiting.remove(chosen);
            }
            waitingCount--;
            take(chosen);
        }
        next.start().run(); // the slot passes straight to the chosen waiter
    }

    synchronized int running() {
        return running;
    }
}

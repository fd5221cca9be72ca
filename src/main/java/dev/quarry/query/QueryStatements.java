package dev.quarry.query;

import dev.quarry.web.ThrottledException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The statements of one run of a query (one runner call), executed concurrently up to the project's limit of
 * statements at once ({@code quarry.query.max-concurrent-per-team}). A runner submits every statement it can
 * already build, e.g. one per series, and joins them with {@link #all(List)}; each goes through
 * {@link QueryExecutor} (admission, read-only role, timeout, log, meter) as a single statement would.
 *
 * <p>When the project is busy with other queries, a statement of this run that is refused admission while a
 * sibling of the same run still runs does not fail the run: it waits for a sibling to finish and tries again, and
 * the run goes on with fewer statements at once. Only a run that cannot get a single statement admitted fails with
 * 429, as a query of one statement does. Statements submitted one after another behave exactly as
 * {@link QueryExecutor#execute} calls.
 */
public final class QueryStatements {
    private final QueryExecutor executor;
    private final long teamId;
    private final String queryId;
    private final Deque<Runnable> waiting = new ArrayDeque<>();
    private int capacity;
    private int running;
    /** Statements of this run that were admitted and have ended: each gave a project slot back. */
    private long finished;

    QueryStatements(QueryExecutor executor, long teamId, String queryId, int capacity) {
        this.executor = executor;
        this.teamId = teamId;
        this.queryId = queryId;
        this.capacity = Math.max(1, capacity);
    }

    /**
     * One statement of the run; see {@link QueryExecutor#execute(long, String, String, String, String, List, Integer)}
     * for the arguments and failures.
     */
    public Uni<RowSet<Row>> execute(String kind, String hogql, String sql, List<Object> params, Integer rowLimit) {
        return run(() -> executor.execute(teamId, queryId, kind, hogql, sql, params, rowLimit), false);
    }

    /**
     * Subscribes to every unit of work at once (each may run several statements of this run, one after another)
     * and returns their items in the order given; the first failure fails the whole.
     */
    public <T> Uni<List<T>> all(List<Uni<T>> work) {
        if (work.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Uni.join().all(work).andFailFast();
    }

    /** Statements of this run executing right now (for tests and diagnostics). */
    synchronized int running() {
        return running;
    }

    private <T> Uni<T> run(Supplier<Uni<T>> statement, boolean retry) {
        return acquire(retry).flatMap(x -> {
            long finishedBefore;
            synchronized (this) {
                finishedBefore = finished;
            }
            AtomicBoolean released = new AtomicBoolean();
            return Uni.createFrom().<T>deferred(statement::get)
                    .onCancellation().invoke(() -> {
                        if (released.compareAndSet(false, true)) {
                            release(true);
                        }
                    })
                    .onItemOrFailure().transformToUni((item, failure) -> {
                        boolean refused = failure instanceof ThrottledException;
                        boolean again;
                        synchronized (this) {
                            // no slot for this one, while a sibling holds one or has just given one back: the
                            // project has room for fewer of this run's statements at once, not for none
                            again = refused && (running > 1 || finished != finishedBefore);
                            if (again) {
                                capacity = Math.max(1, running - 1);
                            }
                        }
                        if (released.compareAndSet(false, true)) {
                            release(!refused);
                        }
                        if (again) {
                            return run(statement, true);
                        }
                        return failure == null ? Uni.createFrom().item(item) : Uni.createFrom().failure(failure);
                    });
        });
    }

    /** A place among the run's statements; a retried statement goes first in line. */
    private Uni<Void> acquire(boolean first) {
        return Uni.createFrom().emitter(emitter -> {
            AtomicBoolean gone = new AtomicBoolean();
            Runnable waiter = () -> {
                if (gone.get()) {
                    release(false); // the caller went away while waiting: pass the place on
                } else {
                    emitter.complete(null);
                }
            };
            synchronized (this) {
                if (running < capacity) {
                    running++;
                } else {
                    if (first) {
                        waiting.addFirst(waiter);
                    } else {
                        waiting.addLast(waiter);
                    }
                    emitter.onTermination(() -> {
                        gone.set(true);
                        synchronized (this) {
                            waiting.remove(waiter);
                        }
                    });
                    return;
                }
            }
            emitter.complete(null);
        });
    }

    private void release(boolean ranStatement) {
        Runnable next = null;
        synchronized (this) {
            running--;
            if (ranStatement) {
                finished++;
            }
            if (running < capacity && !waiting.isEmpty()) {
                next = waiting.poll();
                running++;
            }
        }
        if (next != null) {
            next.run();
        }
    }
}

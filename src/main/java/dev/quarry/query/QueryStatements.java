package dev.quarry.query;

import dev.quarry.web.QueryTimeoutException;
import dev.quarry.web.ThrottledException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

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
 *
 * <p>A run has a {@link Budget}: its statements together may use {@code runBudget} of database time (each one's
 * time from when it leaves this instance's queue to its end, summed over the statements running side by side), and it
 * may start at most
 * {@code maxStatements}. Each statement runs under what is left of the budget — the statement timeout, or less when
 * less is left — reserved when it starts and given back, less what it used, when it ends; a statement waits while
 * running siblings hold what is left. Past the budget the run fails as a statement past its timeout does (PostHog's
 * 504 {@code ClickHouseQueryTimeOut}); past the count it is a 400. (A breaker's trends request of 60 series held the
 * project's three backends for 215 s.)
 */
public final class QueryStatements {
    private final QueryExecutor executor;
    private final long teamId;
    private final String queryId;
    private final Budget budget;
    private final Deque<Runnable> waiting = new ArrayDeque<>();
    private int capacity;
    private int running;
    /** Statements of this run that were admitted and have ended: each gave a project slot back. */
    private long finished;
    /** Statements this run has been asked to execute. */
    private int submitted;
    /** Nanoseconds of the budget held by running statements, and used by those that have ended. */
    private long reservedNanos;
    private long usedNanos;
    /**
     * The first failure of a statement of this run (not a refusal it waits out): the run has failed, and no statement
     * of it starts after that — a waiting one fails with it. (A cancelled async query's run failed in its three
     * running statements and handed their places to three waiting ones, which ran on for 43 s.)
     */
    private Throwable stopped;

    /**
     * What one run may use: each statement at most {@code statementTimeout}, all of them together
     * {@code runBudget} of database time, and at most {@code maxStatements} statements.
     */
    public record Budget(Duration statementTimeout, Duration runBudget, int maxStatements) {
        /** A statement is not started with less than this left: it could not do anything useful. */
        static final long MIN_GRANT_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50);
    }

    QueryStatements(QueryExecutor executor, long teamId, String queryId, int capacity, Budget budget) {
        this.executor = executor;
        this.teamId = teamId;
        this.queryId = queryId;
        this.capacity = Math.max(1, capacity);
        this.budget = budget;
    }

    /**
     * One statement of the run; see {@link QueryExecutor#execute(long, String, String, String, String, List, Integer)}
     * for the arguments and failures.
     */
    public Uni<RowSet<Row>> execute(String kind, String hogql, String sql, List<Object> params, Integer rowLimit) {
        synchronized (this) {
            if (++submitted > budget.maxStatements()) {
                return Uni.createFrom().failure(new ValidationException("This query would run more than "
                        + budget.maxStatements() + " statements. Ask for less: fewer series, compared ranges or "
                        + "cohorts in one query.", null));
            }
        }
        return run((timeout, began) -> executor.execute(teamId, queryId, kind, hogql, sql, params, rowLimit, timeout,
                began), false);
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

    private <T> Uni<T> run(BiFunction<Duration, AtomicLong, Uni<T>> statement, boolean retry) {
        return acquire(retry).flatMap(grantNanos -> {
            long finishedBefore;
            synchronized (this) {
                finishedBefore = finished;
            }
            // the budget counts the statement's time from when it starts, not its wait for one of this instance's slots
            AtomicLong began = new AtomicLong();
            AtomicBoolean released = new AtomicBoolean();
            return Uni.createFrom().<T>deferred(() -> statement.apply(Duration.ofNanos(grantNanos), began))
                    .onCancellation().invoke(() -> {
                        if (released.compareAndSet(false, true)) {
                            release(true, grantNanos, ran(began));
                        }
                    })
                    .onItemOrFailure().transformToUni((item, failure) -> {
                        boolean refused = failure instanceof ThrottledException;
                        boolean again;
                        synchronized (this) {
                            // no slot for this one, while a sibling holds one or has just given one back: the
                            // project has room for fewer of this run's statements at once, not for none
                            again = refused && stopped == null && (running > 1 || finished != finishedBefore);
                            if (again) {
                                capacity = Math.max(1, running - 1);
                            } else if (failure != null && stopped == null) {
                                stopped = failure;
                            }
                        }
                        if (released.compareAndSet(false, true)) {
                            release(!refused, grantNanos, ran(began));
                        }
                        if (again) {
                            return run(statement, true);
                        }
                        return failure == null ? Uni.createFrom().item(item) : Uni.createFrom().failure(failure);
                    });
        });
    }

    /**
     * A place among the run's statements and its share of the budget (nanoseconds: the statement timeout or what is
     * left, less what running siblings hold); a retried statement goes first in line. A statement waits while the
     * run has no free place, or while running siblings hold what is left of the budget; it fails with
     * {@link QueryTimeoutException} when nothing is left and no sibling runs.
     */
    private Uni<Long> acquire(boolean first) {
        return Uni.createFrom().emitter(emitter -> {
            AtomicBoolean gone = new AtomicBoolean();
            Runnable waiter = () -> {
                Long grant;
                Throwable failed;
                synchronized (this) {
                    failed = stopped;
                    grant = gone.get() || failed != null ? null : take();
                }
                if (gone.get()) {
                    release(false, 0, 0); // the caller went away while waiting: pass the place on
                } else if (failed != null) {
                    release(false, 0, 0);
                    emitter.fail(failed);
                } else if (grant == null) {
                    release(false, 0, 0);
                    emitter.fail(spent());
                } else {
                    emitter.complete(grant);
                }
            };
            long grant;
            synchronized (this) {
                if (stopped != null) {
                    emitter.fail(stopped);
                    return;
                }
                if (running < capacity && (running == 0 || left() >= Budget.MIN_GRANT_NANOS)) {
                    running++;
                    Long taken = take();
                    if (taken == null) {
                        running--;
                        emitter.fail(spent());
                        return;
                    }
                    grant = taken;
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
            emitter.complete(grant);
        });
    }

    /** Nanoseconds since a statement began (0 when it never did). */
    private static long ran(AtomicLong began) {
        long at = began.get();
        return at == 0 ? 0 : System.nanoTime() - at;
    }

    /** Nanoseconds of the budget neither used nor held by a running statement. */
    private long left() {
        return budget.runBudget().toNanos() - usedNanos - reservedNanos;
    }

    /** Reserves a statement's share (the caller holds the lock and a place), or null when too little is left. */
    private Long take() {
        long grant = Math.min(budget.statementTimeout().toNanos(), left());
        if (grant < Budget.MIN_GRANT_NANOS) {
            return null;
        }
        reservedNanos += grant;
        return grant;
    }

    private static QueryTimeoutException spent() {
        return new QueryTimeoutException(0);
    }

    /**
     * Gives a place back; a statement that ran gives back its reservation ({@code grantNanos}) and counts what it
     * used ({@code usedNanos}, at most its reservation). The next waiter gets the place while the run has budget
     * left for it, or when nothing runs any more (it then fails: the budget is spent).
     */
    private void release(boolean ranStatement, long grantNanos, long elapsedNanos) {
        Runnable next = null;
        synchronized (this) {
            running--;
            reservedNanos -= grantNanos;
            usedNanos += Math.min(Math.max(0, elapsedNanos), grantNanos);
            if (ranStatement) {
                finished++;
            }
            if (running < capacity && !waiting.isEmpty()
                    && (stopped != null || running == 0 || left() >= Budget.MIN_GRANT_NANOS)) {
                next = waiting.poll();
                running++;
            }
        }
        if (next != null) {
            next.run();
        }
    }
}

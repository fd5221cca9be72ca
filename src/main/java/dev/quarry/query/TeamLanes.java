package dev.quarry.query;

import dev.quarry.web.ThrottledException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Where the CPU work of a project's queries runs: compiling HogQL (parse, resolve, print, within the compile budget)
 * and turning result rows into JSON. Never on the event loop, which serves every project's requests and capture;
 * instead on the worker pool, through one lane per project that runs at most {@code quarry.query.lane-threads} (1)
 * of that project's tasks at once, in order. A project that floods expensive compiles therefore holds at most that
 * many threads (on a two-core machine, one core), while other projects' work goes straight to threads of its own.
 * New work waits in its project's lane; past {@code quarry.query.lane-queue} (64) waiting tasks it is refused with
 * 429 and Retry-After. Continuations of work already admitted (after a statement returns) are never refused.
 */
@ApplicationScoped
public class TeamLanes {
    private final int threadsPerTeam;
    private final int maxQueued;
    private final Executor workers;
    private final Map<Long, Lane> lanes = new ConcurrentHashMap<>();

    @jakarta.inject.Inject
    public TeamLanes(@ConfigProperty(name = "quarry.query.lane-threads", defaultValue = "1") int threadsPerTeam,
                     @ConfigProperty(name = "quarry.query.lane-queue", defaultValue = "64") int maxQueued) {
        this(threadsPerTeam, maxQueued, Infrastructure.getDefaultWorkerPool());
    }

    TeamLanes(int threadsPerTeam, int maxQueued, Executor workers) {
        this.threadsPerTeam = Math.max(1, threadsPerTeam);
        this.maxQueued = Math.max(1, maxQueued);
        this.workers = workers;
    }

    /**
     * Runs {@code work} (its synchronous part: typically a compile, which builds and returns the Uni that executes)
     * in the project's lane, then continues with the Uni it returned. Fails with 429 when the lane is full.
     */
    public <T> Uni<T> run(long teamId, Supplier<Uni<T>> work) {
        return Uni.createFrom().<Uni<T>>emitter(emitter -> {
            boolean queued = laneOf(teamId).offer(() -> {
                Uni<T> next;
                try {
                    next = work.get();
                } catch (RuntimeException | StackOverflowError failure) {
                    // a stack overflow is the input's nesting (the API maps it to a 400); left uncaught it would end
                    // the lane's task without an answer and the caller would wait forever
                    emitter.fail(failure);
                    return;
                }
                emitter.complete(next);
            }, maxQueued);
            if (!queued) {
                emitter.fail(new ThrottledException("Too much query work is waiting for this project. "
                        + "Try again shortly.", 1));
            }
        }).flatMap(next -> next);
    }

    /** The project's lane as an executor, for continuations (e.g. {@code emitOn} after a statement); never refuses. */
    public Executor lane(long teamId) {
        return laneOf(teamId);
    }

    private Lane laneOf(long teamId) {
        return lanes.computeIfAbsent(teamId, Lane::new);
    }

    /** Tasks of this project running or waiting right now (for tests and diagnostics). */
    int pending(long teamId) {
        Lane lane = lanes.get(teamId);
        return lane == null ? 0 : lane.pending();
    }

    /** A serial (or {@code threadsPerTeam}-wide) executor on top of the shared worker pool. */
    private final class Lane implements Executor {
        private final long teamId;
        private final Deque<Runnable> queue = new ArrayDeque<>();
        private int running;

        Lane(long teamId) {
            this.teamId = teamId;
        }

        @Override
        public void execute(Runnable task) {
            synchronized (this) {
                queue.add(task);
            }
            drain();
        }

        boolean offer(Runnable task, int limit) {
            synchronized (this) {
                if (queue.size() >= limit) {
                    return false;
                }
                queue.add(task);
            }
            drain();
            return true;
        }

        synchronized int pending() {
            return running + queue.size();
        }

        private void drain() {
            Runnable next;
            synchronized (this) {
                if (running >= threadsPerTeam || queue.isEmpty()) {
                    return;
                }
                running++;
                next = queue.poll();
            }
            workers.execute(() -> {
                try {
                    next.run();
                } finally {
                    boolean idle;
                    synchronized (this) {
                        running--;
                        idle = running == 0 && queue.isEmpty();
                    }
                    if (idle) {
                        // an idle lane is dropped; a caller still holding it keeps a working executor
                        lanes.remove(teamId, this);
                    }
                    drain();
                }
            });
        }
    }
}

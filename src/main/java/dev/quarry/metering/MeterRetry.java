package dev.quarry.metering;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Meter rows whose write failed at the end of their call (the pool had no connection for it in time, the database
 * was restarting), written again every 5 seconds in the order they failed, so that the calls of a project flooding
 * the instance still count against its quota (the breaker's D7: 908 billable capture calls of the flooding project
 * went unmetered). At most {@link #MAX_PENDING} rows wait on an instance; past that a failed row is only logged
 * ("call not metered: …") for reconciliation, as before. A row is written with the time of its retry (its hour in
 * {@code api_usage} may be a later one). An instance that is frozen or recycled loses what waits; the failure was
 * logged when it was queued.
 */
@ApplicationScoped
public class MeterRetry {
    static final int MAX_PENDING = 10_000;
    private static final Logger LOG = Logger.getLogger(MeterRetry.class);

    private final Function<Meter.Call, Uni<Void>> writer;
    private final Deque<Meter.Call> pending = new ArrayDeque<>();

    @Inject
    public MeterRetry(Meter meter) {
        this(meter::record);
    }

    MeterRetry(Function<Meter.Call, Uni<Void>> writer) {
        this.writer = writer;
    }

    /** Keeps a row to write again; false (nothing kept) when {@link #MAX_PENDING} rows already wait. */
    public synchronized boolean offer(Meter.Call call) {
        if (pending.size() >= MAX_PENDING) {
            return false;
        }
        pending.addLast(call);
        return true;
    }

    synchronized int pending() {
        return pending.size();
    }

    private synchronized void written(Meter.Call call) {
        if (pending.peekFirst() == call) {
            pending.removeFirst();
        }
    }

    /** Writes the waiting rows in order until one fails (it and the rest wait for the next round); how many went. */
    Uni<Integer> drain() {
        java.util.List<Meter.Call> batch;
        synchronized (this) {
            batch = new java.util.ArrayList<>(pending);
        }
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        return Multi.createFrom().iterable(batch)
                .onItem().transformToUniAndConcatenate(call -> writer.apply(call).invoke(() -> {
                    written(call);
                    done.incrementAndGet();
                }))
                .collect().last()
                .onFailure().recoverWithItem(failure -> {
                    LOG.debugf(failure, "meter row still not written, %d wait", pending());
                    return null;
                })
                .map(ignored -> done.get());
    }

    @Scheduled(every = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> onSchedule() {
        return pending() == 0 ? Uni.createFrom().voidItem() : drain().map(count -> {
            if (count > 0) {
                LOG.infof("wrote %d meter rows that had failed", count);
            }
            return null;
        });
    }
}

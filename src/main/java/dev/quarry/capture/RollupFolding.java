package dev.quarry.capture;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Folds the person rollups' deltas (migration V48_1). Capture appends its person-days to
 * {@code events_person_days_delta} (a plain insert, so concurrent batches never wait on shared rollup rows); this job
 * moves them into {@code events_person_days_folded} and {@code events_person_months_folded} with one call of
 * {@code quarry_rollups_fold()} (one transaction). Readers see the same answers before, during and after a fold
 * (the {@code events_person_days} / {@code events_person_months} views group folded and unfolded rows); folding only
 * keeps the unfolded part, which every read scans, small. The per-property daily counts (V55_1,
 * {@code events_property_days_delta}) are folded by {@code quarry_property_days_fold()} in the same statement.
 * <p>
 * Runs on a timer in the local run ({@code quarry.rollups.fold-every}, default 10 s); on AWS an EventBridge schedule
 * calls {@code POST /internal/rollups/fold} ({@code projects.InternalRollupResource}).
 */
@ApplicationScoped
public class RollupFolding {
    private final Pool pool;

    public RollupFolding(Pool pool) {
        this.pool = pool;
    }

    /** @return how many delta rows were folded (0 when there were none) */
    public Uni<Long> fold() {
        // the property-day counts (V55_1) fold in the same transaction, under the same lock
        return pool.query("SELECT quarry_rollups_fold() + quarry_property_days_fold()").execute()
                .map(rows -> rows.iterator().next().getLong(0));
    }

    @Scheduled(every = "{quarry.rollups.fold-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> onSchedule() {
        return fold().replaceWithVoid();
    }
}

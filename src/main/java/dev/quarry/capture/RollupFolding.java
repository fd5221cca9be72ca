package dev.quarry.capture;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Folds the person rollups' deltas (migrations V48_1, V57_1). Capture appends its person-days to
 * {@code events_person_days_delta} (a plain insert, so concurrent batches never wait on shared rollup rows); this job
 * moves them into {@code events_person_days_folded} and {@code events_person_months_folded}. Readers see the same
 * answers before, during and after a fold (the {@code events_person_days} / {@code events_person_months} views combine
 * folded and unfolded rows); folding only keeps the unfolded part, which every read scans, small.
 * <p>
 * Bounded: projects are folded in rounds of one chunk each ({@link FoldRounds}), chunks of at most {@code quarry.rollups.fold-chunk} delta rows
 * (default 5,000; since V111_1 a delta row is one event name and local day of one capture statement, its events'
 * person ids and times as arrays, so up to a batch's events each), every chunk its own transaction under that
 * project's lock only
 * ({@code quarry_rollups_fold(team, max_rows)}). So the rollups' update/delete recompute and a timezone rebuild of
 * another project never wait for a fold, and those of the project being folded wait for one chunk at most.
 * <p>
 * The per-property daily counts (V55_1, {@code events_property_days_delta}; signed deltas, never recomputed) are folded
 * in the same rounds, chunks of at most the same size, each its own transaction
 * under that project's lock ({@code quarry_property_days_fold(team, max_rows)}, V64_1), so a backlog in one project
 * never holds another project's timezone rebuild. Since V120_1 such a delta row is one event name and local day of one
 * capture statement with its (property, value, count) keys as arrays: at most 11 keys per event of it, typically a few
 * dozen a row, as the statement already summed its events by key.
 * <p>
 * Runs on a timer in the local run ({@code quarry.rollups.fold-every}, default 10 s); on AWS an EventBridge schedule
 * calls {@code POST /internal/rollups/fold} ({@code projects.InternalRollupResource}).
 */
@ApplicationScoped
public class RollupFolding {
    private final Pool pool;
    private final long chunk;

    public RollupFolding(Pool pool, @ConfigProperty(name = "quarry.rollups.fold-chunk", defaultValue = "5000") long chunk) {
        this.pool = pool;
        this.chunk = chunk;
    }

    /**
     * Folds every pending project's deltas of both rollups in rounds: each round folds one chunk of each (rollup,
     * project) still pending, and a pair whose chunk came back full is in the next round; so one project's backlog
     * (a flood of capture) never holds another project's folds back by more than a chunk each (the breaker's D6).
     *
     * @return how many delta rows were folded, over every project (0 when there were none)
     */
    public Uni<Long> fold() {
        return pending(Rollup.PERSONS).flatMap(persons -> pending(Rollup.PROPERTIES).flatMap(properties -> {
            List<FoldRounds.Pending<Rollup>> work = new ArrayList<>();
            persons.forEach(team -> work.add(new FoldRounds.Pending<>(Rollup.PERSONS, team)));
            properties.forEach(team -> work.add(new FoldRounds.Pending<>(Rollup.PROPERTIES, team)));
            return FoldRounds.run(work, chunk, this::foldChunk);
        }));
    }

    /** A rollup's pending projects and its per-project chunk function. */
    private enum Rollup {
        PERSONS("SELECT quarry_rollups_pending_teams()", "SELECT quarry_rollups_fold($1, $2)"),
        PROPERTIES("SELECT quarry_property_days_pending_teams()", "SELECT quarry_property_days_fold($1, $2)");

        final String pendingTeams;
        final String foldChunk;

        Rollup(String pendingTeams, String foldChunk) {
            this.pendingTeams = pendingTeams;
            this.foldChunk = foldChunk;
        }
    }

    private Uni<List<Long>> pending(Rollup rollup) {
        return pool.query(rollup.pendingTeams).execute().map(rows -> {
            List<Long> teams = new ArrayList<>();
            for (Row row : rows) {
                teams.add(row.getLong(0));
            }
            return teams;
        });
    }

    /** One chunk of one project's deltas of one rollup, its own transaction: how many rows it moved. */
    private Uni<Long> foldChunk(FoldRounds.Pending<Rollup> work) {
        return pool.preparedQuery(work.kind().foldChunk).execute(Tuple.of(work.team(), chunk))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    @Scheduled(every = "{quarry.rollups.fold-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> onSchedule() {
        return fold().replaceWithVoid();
    }
}

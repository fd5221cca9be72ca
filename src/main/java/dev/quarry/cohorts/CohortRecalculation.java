package dev.quarry.cohorts;

import dev.quarry.data.Teams;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Keeps dynamic cohorts current: every live dynamic cohort of every team, one after another. */
@ApplicationScoped
public class CohortRecalculation {
    private final Cohorts cohorts;
    private final CohortCalculator calculator;
    private final Teams teams;

    public CohortRecalculation(Cohorts cohorts, CohortCalculator calculator, Teams teams) {
        this.cohorts = cohorts;
        this.calculator = calculator;
        this.teams = teams;
    }

    /** @return how many cohorts were recalculated (failures are counted on the cohort and skipped here) */
    public Uni<Integer> recalculateAll() {
        return cohorts.allDynamic().flatMap(all -> Multi.createFrom().iterable(all)
                .onItem().transformToUniAndConcatenate(cohort -> teams.findById(cohort.teamId())
                        .flatMap(team -> calculator.recalculate(cohort, team.timezone()))
                        .onFailure().recoverWithNull())
                .collect().asList()
                .map(counts -> (int) counts.stream().filter(java.util.Objects::nonNull).count()));
    }

    @Scheduled(every = "{quarry.cohorts.recalculate-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> onSchedule() {
        return recalculateAll().replaceWithVoid();
    }
}

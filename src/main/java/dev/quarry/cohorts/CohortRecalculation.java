package dev.quarry.cohorts;

import dev.quarry.data.Teams;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Keeps dynamic cohorts current: the live dynamic cohorts that are due (see {@link Cohorts#dueDynamic}), at most
 * {@code quarry.cohorts.recalculate-concurrency} at once, each through the query gate like any user query, so one
 * heavy or failing cohort neither delays everyone's recalculation nor takes more than its project's share.
 */
@ApplicationScoped
public class CohortRecalculation {
    private final Cohorts cohorts;
    private final CohortCalculator calculator;
    private final Teams teams;
    private final int concurrency;
    private final long backOffMinutes;

    public CohortRecalculation(Cohorts cohorts, CohortCalculator calculator, Teams teams,
                               @ConfigProperty(name = "quarry.cohorts.recalculate-concurrency", defaultValue = "2") int concurrency,
                               @ConfigProperty(name = "quarry.cohorts.recalculate-every", defaultValue = "15m") String every) {
        this.cohorts = cohorts;
        this.calculator = calculator;
        this.teams = teams;
        this.concurrency = Math.max(1, concurrency);
        this.backOffMinutes = backOffMinutes(every);
    }

    /** The schedule's period in minutes ("15m", "1h"; "off" in tests): the unit of the back-off. */
    static long backOffMinutes(String every) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)([smh])").matcher(every.trim());
        if (!m.matches()) {
            return 15;
        }
        long n = Long.parseLong(m.group(1));
        return Math.max(1, switch (m.group(2)) {
            case "h" -> n * 60;
            case "m" -> n;
            default -> n / 60;
        });
    }

    /** @return how many cohorts were recalculated (failures are counted on the cohort and skipped here) */
    public Uni<Integer> recalculateAll() {
        // the projects' timezones are read one after another (a Hibernate Reactive session serves one operation at
        // a time: looked up inside the concurrent part, every lookup after the first failed and nothing was
        // recalculated), then the calculations, which use the pool, run concurrently
        return cohorts.dueDynamic(backOffMinutes).flatMap(all -> Multi.createFrom().iterable(all)
                .onItem().transformToUniAndConcatenate(cohort -> teams.findById(cohort.teamId())
                        .map(team -> team == null ? null : java.util.Map.entry(cohort, team.timezone()))
                        .onFailure().recoverWithNull())
                .collect().asList())
                .flatMap(due -> Multi.createFrom().iterable(due.stream().filter(java.util.Objects::nonNull).toList())
                        .onItem().transformToUni(entry -> calculator.recalculate(entry.getKey(), entry.getValue())
                                .onFailure().recoverWithNull())
                        .merge(concurrency)
                        .collect().asList()
                        .map(counts -> (int) counts.stream().filter(java.util.Objects::nonNull).count()));
    }

    @Scheduled(every = "{quarry.cohorts.recalculate-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> onSchedule() {
        return recalculateAll().replaceWithVoid();
    }
}

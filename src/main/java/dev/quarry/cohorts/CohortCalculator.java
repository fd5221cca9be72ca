package dev.quarry.cohorts;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLCompiler;
import dev.quarry.hogql.HogQLException;
import dev.quarry.query.QueryExecutor;
import dev.quarry.query.TeamLanes;
import dev.quarry.web.ValidationException;
import java.util.UUID;
import dev.quarry.hogql.SelectQuery;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Recomputes a dynamic cohort's members through the same gate as every user query: its filters become a HogQL
 * query over persons (compiled like any other, within the compile budget, so it only sees the cohort's team), run
 * by {@link QueryExecutor} (read-only role, statement timeout, memory bounds, per-project admission, pool share).
 * Only then, as the owner, is cohort_people brought in line with the member ids in one short transaction under the
 * same statement timeout. A failure counts on the cohort ({@code errors_calculating}, {@code last_error_at}), which
 * the schedule uses to back off; a success clears both, as PostHog does.
 */
@ApplicationScoped
public class CohortCalculator {
    private static final Logger LOG = Logger.getLogger(CohortCalculator.class);

    private final Pool pool;
    private final ObjectMapper mapper;
    private final QueryExecutor executor;
    private final TeamLanes lanes;
    private final java.time.Clock clock;

    public CohortCalculator(Pool pool, ObjectMapper mapper, QueryExecutor executor, TeamLanes lanes,
            java.time.Clock clock) {
        this.pool = pool;
        this.mapper = mapper;
        this.executor = executor;
        this.lanes = lanes;
        this.clock = clock;
    }

    /** @return the member count after recalculation (static cohorts are left as they are) */
    public Uni<Integer> recalculate(Cohort cohort, String timezone) {
        if (cohort.isStatic()) {
            return Uni.createFrom().item(cohort.count() == null ? 0 : cohort.count());
        }
        // compiled in the project's query lane, off the event loop, like every other query of the project
        return lanes.run(cohort.teamId(), () -> {
            Expr condition;
            try {
                condition = CohortFilters.toExpr(CohortFilters.effective(
                        cohort.filters() == null ? null : mapper.readTree(cohort.filters()),
                        cohort.groups() == null ? null : mapper.readTree(cohort.groups())));
            } catch (IOException e) {
                return Uni.createFrom().<Integer>failure(e);
            }
            SelectQuery members = SelectQuery.of(List.of(Expr.Field.of("id")), "persons",
                    condition == null ? new Expr.Constant(false) : condition);
            CompiledQuery compiled;
            try {
                compiled = HogQLCompiler.compile(members, CompileSettings.of(cohort.teamId())
                        .withTimezone(timezone).withNow(clock.instant()).withLimits(Integer.MAX_VALUE, Integer.MAX_VALUE)
                        .withBoundedCollections(true));
            } catch (HogQLException e) {
                return Uni.createFrom().<Integer>failure(new ValidationException(e.getMessage(), "filters"));
            }
            if (!compiled.sql().contains("$1")) {
                throw new IllegalStateException("compiled cohort query lost its team filter");
            }
            return executor.execute(cohort.teamId(), "cohort_" + cohort.id(), "CohortCalculation", compiled.sql(),
                            compiled.params(), null)
                    .map(rows -> {
                        List<UUID> ids = new ArrayList<>(rows.size());
                        rows.forEach(row -> ids.add(row.getUUID(0)));
                        return ids.toArray(new UUID[0]);
                    })
                    .flatMap(ids -> store(cohort, ids));
        }).onFailure().call(failure -> {
            LOG.warnf("Recalculating cohort %d of team %d failed: %s", cohort.id(), cohort.teamId(), failure.getMessage());
            return pool.preparedQuery("UPDATE cohorts SET errors_calculating = errors_calculating + 1, "
                            + "last_error_at = now(), is_calculating = false WHERE team_id = $1 AND id = $2")
                    .execute(Tuple.of(cohort.teamId(), cohort.id()));
        });
    }

    private Uni<Integer> store(Cohort cohort, UUID[] ids) {
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT set_config('statement_timeout', $1, true)")
                .execute(Tuple.of(String.valueOf(executor.statementTimeout().toMillis())))
                .flatMap(x -> conn.preparedQuery("DELETE FROM cohort_people WHERE team_id = $1 AND cohort_id = $2 "
                                + "AND NOT (person_id = ANY ($3::uuid[]))")
                        .execute(Tuple.of(cohort.teamId(), cohort.id(), ids)))
                .flatMap(x -> conn.preparedQuery("INSERT INTO cohort_people (team_id, cohort_id, person_id) "
                                + "SELECT $1, $2, m FROM unnest($3::uuid[]) AS m ON CONFLICT DO NOTHING")
                        .execute(Tuple.of(cohort.teamId(), cohort.id(), ids)))
                .flatMap(x -> conn.preparedQuery("UPDATE cohorts SET count = (SELECT count(*) FROM cohort_people "
                                + "WHERE team_id = $1 AND cohort_id = $2), last_calculation = now(), "
                                + "is_calculating = false, errors_calculating = 0, last_error_at = NULL "
                                + "WHERE team_id = $1 AND id = $2 RETURNING count")
                        .execute(Tuple.of(cohort.teamId(), cohort.id())))
                .map(rows -> rows.iterator().next().getInteger(0)));
    }
}

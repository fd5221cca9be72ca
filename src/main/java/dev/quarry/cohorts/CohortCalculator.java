package dev.quarry.cohorts;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLCompiler;
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
 * Recomputes a dynamic cohort's members: its filters become a HogQL query over persons (compiled like any other, so
 * it only sees the cohort's team), and cohort_people is brought in line with it in one transaction.
 */
@ApplicationScoped
public class CohortCalculator {
    private static final Logger LOG = Logger.getLogger(CohortCalculator.class);

    private final Pool pool;
    private final ObjectMapper mapper;

    public CohortCalculator(Pool pool, ObjectMapper mapper) {
        this.pool = pool;
        this.mapper = mapper;
    }

    /** @return the member count after recalculation (static cohorts are left as they are) */
    public Uni<Integer> recalculate(Cohort cohort, String timezone) {
        if (cohort.isStatic()) {
            return Uni.createFrom().item(cohort.count() == null ? 0 : cohort.count());
        }
        Expr condition;
        try {
            condition = CohortFilters.toExpr(cohort.filters() == null
                    ? CohortFilters.fromLegacyGroups(cohort.groups() == null ? null : mapper.readTree(cohort.groups()))
                    : mapper.readTree(cohort.filters()));
        } catch (IOException e) {
            return Uni.createFrom().failure(e);
        }
        SelectQuery members = SelectQuery.of(List.of(Expr.Field.of("id")), "persons",
                condition == null ? new Expr.Constant(false) : condition);
        CompiledQuery compiled = HogQLCompiler.compile(members, CompileSettings.of(cohort.teamId())
                .withTimezone(timezone).withLimits(Integer.MAX_VALUE, Integer.MAX_VALUE));
        int cohortParam = compiled.params().size() + 1;
        List<Object> params = new ArrayList<>(compiled.params());
        params.add(cohort.id());
        if (!compiled.sql().contains("$1")) {
            throw new IllegalStateException("compiled cohort query lost its team filter");
        }
        return pool.withTransaction(conn -> conn.preparedQuery("DELETE FROM cohort_people c WHERE c.team_id = $1 "
                                + "AND c.cohort_id = $" + cohortParam + " AND c.person_id NOT IN (SELECT m.id FROM ("
                                + compiled.sql() + ") AS m WHERE m.id IS NOT NULL)")
                        .execute(Tuple.from(params))
                        .flatMap(x -> conn.preparedQuery("INSERT INTO cohort_people (team_id, cohort_id, person_id) "
                                        + "SELECT $1, $" + cohortParam + ", m.id FROM (" + compiled.sql() + ") AS m "
                                        + "ON CONFLICT DO NOTHING")
                                .execute(Tuple.from(params)))
                        .flatMap(x -> conn.preparedQuery("UPDATE cohorts SET count = (SELECT count(*) FROM cohort_people "
                                        + "WHERE team_id = $1 AND cohort_id = $2), last_calculation = now(), "
                                        + "is_calculating = false WHERE team_id = $1 AND id = $2 RETURNING count")
                                .execute(Tuple.of(cohort.teamId(), cohort.id())))
                        .map(rows -> rows.iterator().next().getInteger(0)))
                .onFailure().call(failure -> {
                    LOG.errorf(failure, "Recalculating cohort %d of team %d failed", cohort.id(), cohort.teamId());
                    return pool.preparedQuery("UPDATE cohorts SET errors_calculating = errors_calculating + 1, "
                                    + "is_calculating = false WHERE team_id = $1 AND id = $2")
                            .execute(Tuple.of(cohort.teamId(), cohort.id()));
                });
    }
}

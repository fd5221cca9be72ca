package dev.quarry.cohorts;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** Cohort rows, always by team. */
@ApplicationScoped
public class Cohorts {
    private final Pool pool;

    public Cohorts(Pool pool) {
        this.pool = pool;
    }

    public record Page(long count, List<Cohort> rows) {
    }

    public Uni<Cohort> find(long teamId, long id) {
        return pool.preparedQuery("SELECT " + Cohort.COLUMNS + " FROM cohorts WHERE team_id = $1 AND id = $2")
                .execute(Tuple.of(teamId, id)).map(Cohorts::first);
    }

    public Uni<Page> list(long teamId, int limit, int offset) {
        return pool.preparedQuery("SELECT " + Cohort.COLUMNS + ", count(*) OVER () FROM cohorts "
                        + "WHERE team_id = $1 AND NOT deleted ORDER BY id DESC LIMIT $2 OFFSET $3")
                .execute(Tuple.of(teamId, limit, offset))
                .flatMap(rows -> {
                    List<Cohort> cohorts = new ArrayList<>();
                    long total = -1;
                    for (Row row : rows) {
                        cohorts.add(Cohort.from(row));
                        total = row.getLong(14);
                    }
                    if (total >= 0) {
                        return Uni.createFrom().item(new Page(total, cohorts));
                    }
                    return pool.preparedQuery("SELECT count(*) FROM cohorts WHERE team_id = $1 AND NOT deleted")
                            .execute(Tuple.of(teamId)).map(count -> new Page(count.iterator().next().getLong(0), cohorts));
                });
    }

    public Uni<Cohort> insert(long teamId, String name, String description, String filters, String groups,
                              boolean isStatic) {
        return pool.preparedQuery("INSERT INTO cohorts (team_id, name, description, filters, groups, is_static, count) "
                        + "VALUES ($1, $2, $3, $4::text::jsonb, coalesce($6::text::jsonb, '[]'), $5, "
                        + "CASE WHEN $5 THEN 0 END) RETURNING " + Cohort.COLUMNS)
                .execute(Tuple.tuple(Arrays.asList(teamId, name, description, filters, isStatic, groups)))
                .map(Cohorts::first);
    }

    public Uni<Cohort> update(long teamId, long id, String name, String description, String filters, String groups,
                              Boolean deleted) {
        return pool.preparedQuery("UPDATE cohorts SET name = coalesce($3, name), description = coalesce($4, description), "
                        + "filters = coalesce($5::text::jsonb, filters), groups = coalesce($7::text::jsonb, groups), "
                        + "deleted = coalesce($6, deleted), "
                        + "version = version + 1 WHERE team_id = $1 AND id = $2 RETURNING " + Cohort.COLUMNS)
                .execute(Tuple.tuple(Arrays.asList(teamId, id, name, description, filters, deleted, groups)))
                .map(Cohorts::first);
    }

    /** Adds the team's persons with these uuids (others are ignored); returns how many the cohort now has. */
    public Uni<Integer> addStaticMembers(long teamId, long cohortId, List<UUID> personUuids) {
        return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO cohort_people (team_id, cohort_id, person_id) "
                        + "SELECT p.team_id, $2, p.uuid FROM persons p WHERE p.team_id = $1 AND p.uuid = ANY($3) "
                        + "ON CONFLICT DO NOTHING")
                .execute(Tuple.of(teamId, cohortId, personUuids.toArray(UUID[]::new)))
                .flatMap(x -> conn.preparedQuery("UPDATE cohorts SET count = (SELECT count(*) FROM cohort_people "
                                + "WHERE team_id = $1 AND cohort_id = $2), last_calculation = now() "
                                + "WHERE team_id = $1 AND id = $2 RETURNING count")
                        .execute(Tuple.of(teamId, cohortId)))
                .map(rows -> rows.iterator().next().getInteger(0)));
    }

    /**
     * Removes the team's person with this uuid from a static cohort and updates its count.
     * @return false when the person is not a member
     */
    public Uni<Boolean> removeStaticMember(long teamId, long cohortId, UUID personUuid) {
        return pool.withTransaction(conn -> conn.preparedQuery("DELETE FROM cohort_people "
                        + "WHERE team_id = $1 AND cohort_id = $2 AND person_id = $3")
                .execute(Tuple.of(teamId, cohortId, personUuid))
                .flatMap(deleted -> conn.preparedQuery("UPDATE cohorts SET count = (SELECT count(*) FROM cohort_people "
                                + "WHERE team_id = $1 AND cohort_id = $2), last_calculation = now() "
                                + "WHERE team_id = $1 AND id = $2")
                        .execute(Tuple.of(teamId, cohortId)).map(x -> deleted.rowCount() > 0)));
    }

    /** The live cohorts a person belongs to (dynamic and static). */
    public Uni<List<Cohort>> ofPerson(long teamId, UUID personUuid) {
        return pool.preparedQuery("SELECT " + Cohort.COLUMNS + " FROM cohorts c WHERE c.team_id = $1 AND NOT c.deleted "
                        + "AND c.id IN (SELECT cohort_id FROM cohort_people WHERE team_id = $1 AND person_id = $2) ORDER BY c.id")
                .execute(Tuple.of(teamId, personUuid))
                .map(rows -> {
                    List<Cohort> cohorts = new ArrayList<>();
                    rows.forEach(row -> cohorts.add(Cohort.from(row)));
                    return cohorts;
                });
    }

    /** Every live dynamic cohort, of every team: what the schedule recalculates. */
    public Uni<List<Cohort>> allDynamic() {
        return pool.query("SELECT " + Cohort.COLUMNS + " FROM cohorts WHERE NOT deleted AND NOT is_static ORDER BY team_id, id")
                .execute().map(rows -> {
                    List<Cohort> cohorts = new ArrayList<>();
                    rows.forEach(row -> cohorts.add(Cohort.from(row)));
                    return cohorts;
                });
    }

    /**
     * Live dynamic cohorts due for recalculation, least recently calculated first. A cohort that failed waits
     * {@code baseMinutes} × 2^(errors − 1) after its last error (at most 64 × base), and one that failed more than 20
     * times in a row is left until someone changes it, like PostHog's errors_calculating back-off.
     */
    public Uni<List<Cohort>> dueDynamic(long baseMinutes) {
        return pool.preparedQuery("SELECT " + Cohort.COLUMNS + " FROM cohorts WHERE NOT deleted AND NOT is_static "
                        + "AND errors_calculating <= 20 AND (errors_calculating = 0 OR last_error_at IS NULL "
                        + "OR last_error_at < now() - make_interval(mins => ($1 * power(2, least(errors_calculating - 1, 6)))::int)) "
                        + "ORDER BY last_calculation NULLS FIRST, team_id, id")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(baseMinutes)).map(rows -> {
                    List<Cohort> cohorts = new ArrayList<>();
                    rows.forEach(row -> cohorts.add(Cohort.from(row)));
                    return cohorts;
                });
    }

    private static Cohort first(RowSet<Row> rows) {
        return rows.size() == 0 ? null : Cohort.from(rows.iterator().next());
    }
}

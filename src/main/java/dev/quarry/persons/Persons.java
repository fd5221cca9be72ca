package dev.quarry.persons;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/** Person rows by team: lookup, deletion, and freeing a deleted person's distinct id. */
@ApplicationScoped
public class Persons {
    private final Pool pool;

    public Persons(Pool pool) {
        this.pool = pool;
    }

    /** The uuid of the team's person with this uuid or numeric id; null if there is none. */
    public Uni<UUID> findUuid(long teamId, String personId) {
        return find(teamId, personId).map(row -> row == null ? null : row.getUUID(0));
    }

    /** The team's person's numeric id, by uuid or numeric id; null when the team has no such person. */
    public Uni<Long> findId(long teamId, String personId) {
        return find(teamId, personId).map(row -> row == null ? null : row.getLong(1));
    }

    /** The person's {@code (uuid, id)} row, by uuid or numeric id; null when the team has none. */
    private Uni<io.vertx.mutiny.sqlclient.Row> find(long teamId, String personId) {
        UUID uuid = parseUuid(personId);
        Uni<io.vertx.mutiny.sqlclient.RowSet<io.vertx.mutiny.sqlclient.Row>> rows;
        if (uuid != null) {
            rows = pool.preparedQuery("SELECT uuid, id FROM persons WHERE team_id = $1 AND uuid = $2")
                    .execute(Tuple.of(teamId, uuid));
        } else {
            long id;
            try {
                id = Long.parseLong(personId.trim());
            } catch (NumberFormatException e) {
                return Uni.createFrom().nullItem();
            }
            rows = pool.preparedQuery("SELECT uuid, id FROM persons WHERE team_id = $1 AND id = $2")
                    .execute(Tuple.of(teamId, id));
        }
        return rows.map(found -> found.size() == 0 ? null : found.iterator().next());
    }

    /**
     * Removes the person (and its cohort memberships). Its distinct ids stay taken — events sent for them keep
     * counting for the deleted person — until each is reset — and the project's cached legacy person lists are
     * dropped ({@link PersonActors#dropCachedLists}); the deletion is logged ({@code deleted}, by {@code userId}).
     * @return false if there was no such person
     */
    public Uni<Boolean> delete(long teamId, UUID uuid, long userId) {
        return pool.withTransaction(conn -> conn.preparedQuery("DELETE FROM cohort_people WHERE team_id = $1 AND person_id = $2")
                .execute(Tuple.of(teamId, uuid))
                .flatMap(x -> PersonActivity.logDeleted(conn, teamId, new UUID[] {uuid}, userId))
                .flatMap(x -> conn.preparedQuery("WITH gone AS (DELETE FROM persons WHERE team_id = $1 AND uuid = $2 "
                                + "RETURNING team_id, uuid) INSERT INTO retired_person_uuids (team_id, uuid) "
                                + "SELECT team_id, uuid FROM gone ON CONFLICT DO NOTHING")
                        .execute(Tuple.of(teamId, uuid)))
                .flatMap(rows -> rows.rowCount() == 0 ? Uni.createFrom().item(false)
                        : PersonActors.dropCachedLists(conn, teamId).replaceWith(true)));
    }

    public enum ResetOutcome { NOT_FOUND, PERSON_EXISTS, FREED }

    /** Frees a distinct id whose person was deleted, so the next event for it creates a new person. */
    public Uni<ResetOutcome> resetDistinctId(long teamId, String distinctId) {
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT d.person_id, p.uuid IS NOT NULL "
                        + "FROM person_distinct_ids d LEFT JOIN persons p ON p.team_id = d.team_id AND p.uuid = d.person_id "
                        + "WHERE d.team_id = $1 AND d.distinct_id = $2 FOR UPDATE OF d")
                .execute(Tuple.of(teamId, distinctId))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(ResetOutcome.NOT_FOUND);
                    }
                    if (rows.iterator().next().getBoolean(1)) {
                        return Uni.createFrom().item(ResetOutcome.PERSON_EXISTS);
                    }
                    return conn.preparedQuery("DELETE FROM person_distinct_ids WHERE team_id = $1 AND distinct_id = $2")
                            .execute(Tuple.of(teamId, distinctId)).map(x -> ResetOutcome.FREED);
                }));
    }

    static UUID parseUuid(String value) {
        if (value == null || value.length() != 36) {
            return null;
        }
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

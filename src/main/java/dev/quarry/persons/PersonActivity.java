package dev.quarry.persons;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.ActivityLogEntries;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.UUID;

/**
 * The activity log entries PostHog's person views write (scope {@code Person}, item id the person's numeric id):
 * {@code updated} for a properties update or {@code update_property} (one change of field {@code properties}, no
 * values: the edit goes through a {@code $set} event), {@code delete_property} (named by the person's uuid, one
 * change without a field) and {@code deleted} (named by the uuid, no changes), each by the key's user.
 */
final class PersonActivity {
    static final String SCOPE = "Person";

    private PersonActivity() {
    }

    /** An entry for the team's person {@code uuid}, written only while that person exists (inside its transaction). */
    static Uni<Void> log(SqlClient sql, long teamId, UUID person, long userId, String activity, ObjectNode detail) {
        return sql.preparedQuery("INSERT INTO activity_log (team_id, id, scope, item_id, activity, user_id, detail) "
                        + "SELECT $1, gen_random_uuid(), '" + SCOPE + "', id::text, $3, $4, $5::text::jsonb "
                        + "FROM persons WHERE team_id = $1 AND uuid = $2")
                .execute(Tuple.of(teamId, person, activity, userId, detail.toString()))
                .replaceWithVoid();
    }

    /**
     * {@code deleted} entries for the team's persons {@code persons} that still exist: run before their rows go, in
     * the same transaction.
     */
    static Uni<Void> logDeleted(SqlClient sql, long teamId, UUID[] persons, long userId) {
        return sql.preparedQuery("INSERT INTO activity_log (team_id, id, scope, item_id, activity, user_id, detail) "
                        + "SELECT $1, gen_random_uuid(), '" + SCOPE + "', id::text, 'deleted', $3, "
                        + "jsonb_build_object('changes', NULL, 'merge', NULL, 'trigger', NULL, 'name', uuid::text, "
                        + "'short_id', NULL, 'type', NULL) FROM persons WHERE team_id = $1 AND uuid = ANY($2) "
                        + "ORDER BY id")
                .execute(Tuple.of(teamId, persons, userId))
                .replaceWithVoid();
    }

    /** {@code updated}: PostHog's {@code Detail(changes=[Change(type="Person", action="changed", field="properties")])}. */
    static ObjectNode updated() {
        ObjectNode detail = ActivityLogEntries.detail(null, null);
        detail.putArray("changes").addObject().put("type", SCOPE).put("action", "changed").put("field", "properties")
                .putNull("before").putNull("after");
        return detail;
    }

    /** {@code delete_property}: named by the person's uuid, one change without a field. */
    static ObjectNode propertyDeleted(UUID person) {
        ObjectNode detail = ActivityLogEntries.detail(person.toString(), null);
        detail.putArray("changes").addObject().put("type", SCOPE).put("action", "changed").putNull("field")
                .putNull("before").putNull("after");
        return detail;
    }
}

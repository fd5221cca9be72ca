package dev.quarry.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.function.Function;

/**
 * A user's profile as {@code /api/users/@me/} reads and edits it: names, email, the settings {@link UserSettings}
 * keeps (the {@code users.settings} JSON, V124_56) and the project {@code set_current_team} chose. Every statement
 * names the user by the id of the key that asks.
 */
@ApplicationScoped
public class UserProfiles {
    private static final String COLUMNS = "first_name, last_name, email, settings::text, current_team_id, created_at";

    private final Pool pool;
    private final ObjectMapper mapper;

    public UserProfiles(Pool pool, ObjectMapper mapper) {
        this.pool = pool;
        this.mapper = mapper;
    }

    /** One user's stored profile; {@code settings} holds only what the user has set. */
    public record Profile(String firstName, String lastName, String email, ObjectNode settings, Long currentTeamId,
                          OffsetDateTime dateJoined) {
    }

    /** What an edit writes: the {@link UserSettings.Change} and, when {@code teamSet}, the current project (null: none). */
    public record Edit(UserSettings.Change change, boolean teamSet, Long currentTeamId) {
    }

    public Uni<Profile> load(long userId) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM users WHERE id = $1").execute(Tuple.of(userId))
                .map(rows -> rows.iterator().hasNext() ? profile(rows.iterator().next()) : null);
    }

    /**
     * Applies the edit {@code edit} makes of the stored profile, in one transaction with the row locked (two PATCHes
     * of the notification settings merge, neither is lost). @return the profile as stored after the edit
     */
    public Uni<Profile> update(long userId, Function<Profile, Edit> edit) {
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT " + COLUMNS + " FROM users WHERE id = $1 FOR UPDATE")
                .execute(Tuple.of(userId))
                .flatMap(rows -> {
                    Edit e = edit.apply(profile(rows.iterator().next()));
                    return write(conn, userId, e);
                }));
    }

    private Uni<Profile> write(SqlConnection conn, long userId, Edit e) {
        String settings;
        try {
            settings = mapper.writeValueAsString(e.change().settings());
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
        return conn.preparedQuery("UPDATE users SET first_name = coalesce($2, first_name), "
                        + "last_name = coalesce($3, last_name), settings = $4::text::jsonb, "
                        + "current_team_id = CASE WHEN $5 THEN $6 ELSE current_team_id END WHERE id = $1 RETURNING "
                        + COLUMNS)
                .execute(Tuple.tuple(java.util.Arrays.asList(userId, e.change().firstName(), e.change().lastName(),
                        settings, e.teamSet(), e.currentTeamId())))
                .map(rows -> profile(rows.iterator().next()));
    }

    private Profile profile(Row row) {
        ObjectNode settings;
        try {
            settings = (ObjectNode) mapper.readTree(row.getString(3));
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("users.settings is not a JSON object", e);
        }
        return new Profile(row.getString(0), row.getString(1), row.getString(2), settings, row.getLong(4),
                row.getOffsetDateTime(5));
    }
}

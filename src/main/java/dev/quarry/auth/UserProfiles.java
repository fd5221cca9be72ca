package dev.quarry.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.quarry.data.ApiKey;
import dev.quarry.data.Team;
import dev.quarry.data.Teams;
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
    private final Teams teams;

    public UserProfiles(Pool pool, ObjectMapper mapper, Teams teams) {
        this.pool = pool;
        this.mapper = mapper;
        this.teams = teams;
    }

    /**
     * The user's current project for this key: the one {@code set_current_team} chose while the key can still see it,
     * else the organization's first the key can see (null when it sees none).
     */
    public Uni<Team> currentTeam(ApiKey key, Long chosen) {
        Uni<Team> picked = chosen == null ? Uni.createFrom().nullItem() : visibleTeam(key, chosen.toString());
        return picked.flatMap(team -> team != null ? Uni.createFrom().item(team)
                : teams.findFirstForOrganization(key.organizationId(), key.scopedTeams()));
    }

    /** The project with this id when it is the key's organization's and the key may read it, else null. */
    public Uni<Team> visibleTeam(ApiKey key, String id) {
        long teamId;
        try {
            teamId = Long.parseLong(id.trim());
        } catch (NumberFormatException e) {
            return Uni.createFrom().nullItem();
        }
        if (!key.scopedTeams().isEmpty() && !key.scopedTeams().contains(teamId)) {
            return Uni.createFrom().nullItem();
        }
        return teams.findById(teamId).map(t -> t != null && t.organizationId().equals(key.organizationId()) ? t : null);
    }

    /** The user's pinned tabs and homepage in this project (none yet: no tabs, no homepage). */
    public Uni<HomeSettings.Stored> home(long userId, long teamId) {
        return pool.preparedQuery("SELECT tabs::text, homepage::text FROM user_home_settings WHERE team_id = $1 AND user_id = $2")
                .execute(Tuple.of(teamId, userId)).map(rows -> rows.iterator().hasNext() ? home(rows.iterator().next())
                        : new HomeSettings.Stored(mapper.createArrayNode(), mapper.nullNode()));
    }

    /** Applies the body to the stored pair in one transaction (the row locked); @return the stored pair after it */
    public Uni<HomeSettings.Stored> updateHome(long userId, long teamId, Function<HomeSettings.Stored, HomeSettings.Stored> edit) {
        return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO user_home_settings (team_id, user_id) "
                        + "VALUES ($1, $2) ON CONFLICT DO NOTHING").execute(Tuple.of(teamId, userId))
                .flatMap(ignored -> conn.preparedQuery("SELECT tabs::text, homepage::text FROM user_home_settings "
                        + "WHERE team_id = $1 AND user_id = $2 FOR UPDATE").execute(Tuple.of(teamId, userId)))
                .flatMap(rows -> {
                    HomeSettings.Stored next = edit.apply(home(rows.iterator().next()));
                    return conn.preparedQuery("UPDATE user_home_settings SET tabs = $3::text::jsonb, "
                                    + "homepage = $4::text::jsonb WHERE team_id = $1 AND user_id = $2")
                            .execute(Tuple.tuple(java.util.Arrays.asList(teamId, userId, json(next.tabs()),
                                    next.homepage().isNull() ? null : json(next.homepage()))))
                            .replaceWith(next);
                }));
    }

    private HomeSettings.Stored home(Row row) {
        try {
            JsonNode homepage = row.getString(1) == null ? mapper.nullNode() : mapper.readTree(row.getString(1));
            return new HomeSettings.Stored((ArrayNode) mapper.readTree(row.getString(0)), homepage);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("user_home_settings holds no JSON list of tabs", e);
        }
    }

    private String json(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
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

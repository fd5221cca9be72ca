package dev.quarry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.ApiKey;
import dev.quarry.data.Team;
import dev.quarry.web.PermissionDeniedException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * PostHog's {@code /api/user_home_settings/@me/} (the CLI's {@code user-home-settings-get} and
 * {@code user-home-settings-update}): {@code {"tabs": [...], "homepage": {...} | null}} of the key's user in the
 * user's current project (as {@code GET /api/users/@me/} names it); {@code PATCH} edits them as {@link HomeSettings}
 * says. Scopes {@code user:read} / {@code user:write}. Another user's uuid is PostHog's 403 for a non-staff user;
 * a key that sees no project is PostHog's 400 "Current team is required to manage pinned scene tabs."
 */
@Path("/api/user_home_settings/{uuid}")
@Produces(MediaType.APPLICATION_JSON)
public class UserHomeSettingsResource {
    private final RequestAuth auth;
    private final UserProfiles profiles;
    private final ObjectMapper mapper;

    public UserHomeSettingsResource(RequestAuth auth, UserProfiles profiles, ObjectMapper mapper) {
        this.auth = auth;
        this.profiles = profiles;
        this.mapper = mapper;
    }

    @GET
    @RequiresScopes("user:read")
    public Uni<ObjectNode> get(@PathParam("uuid") String uuid) {
        ApiKey key = me(uuid);
        return team(key).flatMap(team -> profiles.home(key.userId(), team.id())).map(this::render);
    }

    @PATCH
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("user:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<ObjectNode> update(@PathParam("uuid") String uuid, JsonNode body) {
        ApiKey key = me(uuid);
        HomeSettings.apply(body, new HomeSettings.Stored(mapper.createArrayNode(), mapper.nullNode())); // 400s first
        return team(key).flatMap(team -> profiles.updateHome(key.userId(), team.id(),
                        stored -> HomeSettings.apply(body, stored)))
                .map(this::render);
    }

    private ApiKey me(String uuid) {
        if (!"@me".equals(uuid)) {
            throw new PermissionDeniedException("As a non-staff user you're only allowed to access the `@me` user instance.");
        }
        return auth.key();
    }

    private Uni<Team> team(ApiKey key) {
        return profiles.load(key.userId())
                .flatMap(profile -> profiles.currentTeam(key, profile == null ? null : profile.currentTeamId()))
                .onItem().ifNull().failWith(() -> new ValidationException("invalid",
                        "Current team is required to manage pinned scene tabs.", null));
    }

    private ObjectNode render(HomeSettings.Stored stored) {
        ObjectNode o = mapper.createObjectNode();
        o.set("tabs", stored.tabs());
        o.set("homepage", stored.homepage());
        return o;
    }
}

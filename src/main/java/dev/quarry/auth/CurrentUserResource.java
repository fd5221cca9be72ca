package dev.quarry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Accounts;
import dev.quarry.data.ApiKey;
import dev.quarry.data.Team;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;

/**
 * PostHog's {@code /api/users/@me/} for the key's user.
 * <ul>
 * <li>{@code GET} (scope {@code user:read}): id, uuid, distinct_id, first_name, last_name, email, date_joined, the
 * current project ({@code team}: the one {@code set_current_team} chose while the key can still see it, else the
 * organization's first the key can see) and organization, and the settings of {@link UserSettings} with PostHog's
 * defaults for those never set; {@code pending_email} null, {@code is_email_verified} true (as every answer naming the
 * user), {@code has_password},
 * {@code is_staff}, {@code is_2fa_enabled} and {@code has_social_auth} false (Quarry has none of them).</li>
 * <li>{@code PATCH} (scope {@code user:write}, the CLI's {@code user-settings-update}): what {@link UserSettings}
 * stores, answered as {@code GET}; {@code set_current_organization} takes only the key's organization and
 * {@code set_current_team} only a project of it the key can see (else PostHog's 400 "Object with id=… does not
 * exist."), as PostHog allows only the user's own. The row is locked for the edit.</li>
 * </ul>
 */
@Path("/api/users/@me")
@Produces(MediaType.APPLICATION_JSON)
public class CurrentUserResource {
    private final RequestAuth auth;
    private final Accounts accounts;
    private final UserProfiles profiles;
    private final ObjectMapper mapper;

    public CurrentUserResource(RequestAuth auth, Accounts accounts, UserProfiles profiles, ObjectMapper mapper) {
        this.auth = auth;
        this.accounts = accounts;
        this.profiles = profiles;
        this.mapper = mapper;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TeamRef(long id, UUID uuid, String name, String apiToken, String timezone) {
    }

    public record OrganizationRef(UUID id, String name) {
    }

    @GET
    @RequiresScopes("user:read")
    public Uni<ObjectNode> me() {
        return profiles.load(auth.key().userId()).flatMap(this::answer);
    }

    @PATCH
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("user:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<ObjectNode> update(JsonNode body) {
        ApiKey key = auth.key();
        String organization = text(body, "set_current_organization");
        if (organization != null && !organization.equals(key.organizationId().toString())) {
            throw doesNotExist(organization, "set_current_organization");
        }
        String team = text(body, "set_current_team");
        Uni<Team> chosen = team == null ? Uni.createFrom().nullItem() : profiles.visibleTeam(key, team)
                .onItem().ifNull().failWith(() -> doesNotExist(team, "set_current_team"));
        return chosen.flatMap(current -> profiles.update(key.userId(), stored -> new UserProfiles.Edit(
                        UserSettings.apply(body, stored.settings(), stored.email()),
                        current != null || organization != null, current == null ? null : current.id())))
                .flatMap(this::answer);
    }

    /** A {@code set_current_…} value as DRF's CharField reads it (a number as its text); null when absent. */
    private static String text(JsonNode body, String field) {
        JsonNode v = body == null ? null : body.get(field);
        if (v == null) {
            return null;
        }
        if (v.isNull()) {
            throw new ValidationException("null", "This field may not be null.", field);
        }
        if (!v.isTextual() && !v.isNumber()) {
            throw new ValidationException("invalid", "Not a valid string.", field);
        }
        return v.asText();
    }

    private static ValidationException doesNotExist(String value, String field) {
        return new ValidationException("does_not_exist", "Object with id=" + value + " does not exist.", field);
    }

    private Uni<ObjectNode> answer(UserProfiles.Profile profile) {
        ApiKey key = auth.key();
        return profiles.currentTeam(key, profile.currentTeamId())
                .flatMap(team -> accounts.findOrganization(key.organizationId()).map(org -> {
                    OrganizationRef orgRef = new OrganizationRef(org.id(), org.name());
                    TeamRef teamRef = team == null ? null
                            : new TeamRef(team.id(), team.uuid(), team.name(), team.apiToken(), team.timezone());
                    return render(key, profile, teamRef, orgRef);
                }));
    }

    private ObjectNode render(ApiKey key, UserProfiles.Profile profile, TeamRef team, OrganizationRef organization) {
        ObjectNode o = mapper.createObjectNode();
        o.set("date_joined", mapper.valueToTree(profile.dateJoined()));
        o.put("uuid", key.userUuid().toString());
        o.put("distinct_id", key.userDistinctId());
        o.put("first_name", profile.firstName());
        o.put("last_name", profile.lastName());
        o.put("email", profile.email());
        o.putNull("pending_email");
        o.put("is_email_verified", true); // as every other answer naming the user (UserBasic)
        o.put("has_password", false);
        o.put("id", key.userId());
        o.put("is_staff", false);
        o.put("is_2fa_enabled", false);
        o.put("has_social_auth", false);
        o.set("team", mapper.valueToTree(team));
        o.set("organization", mapper.valueToTree(organization));
        o.putArray("organizations").add(mapper.<JsonNode>valueToTree(organization));
        o.setAll(UserSettings.effective(profile.settings()));
        return o;
    }
}

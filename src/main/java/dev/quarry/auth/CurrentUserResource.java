package dev.quarry.auth;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.quarry.data.Accounts;
import dev.quarry.data.ApiKey;
import dev.quarry.data.Teams;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.UUID;

@Path("/api/users/@me")
@Produces(MediaType.APPLICATION_JSON)
public class CurrentUserResource {
    private final RequestAuth auth;
    private final Teams teams;
    private final Accounts accounts;

    public CurrentUserResource(RequestAuth auth, Teams teams, Accounts accounts) {
        this.auth = auth;
        this.teams = teams;
        this.accounts = accounts;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TeamRef(long id, UUID uuid, String name, String apiToken, String timezone) {
    }

    public record OrganizationRef(UUID id, String name) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record UserView(long id, UUID uuid, String distinctId, String firstName, String email, TeamRef team,
                           OrganizationRef organization, List<OrganizationRef> organizations) {
    }

    @GET
    @RequiresScopes("user:read")
    public Uni<UserView> me() {
        ApiKey key = auth.key();
        return teams.findFirstForOrganization(key.organizationId(), key.scopedTeams())
                .flatMap(team -> accounts.findOrganization(key.organizationId()).map(org -> {
                    OrganizationRef orgRef = new OrganizationRef(org.id(), org.name());
                    TeamRef teamRef = team == null ? null
                            : new TeamRef(team.id(), team.uuid(), team.name(), team.apiToken(), team.timezone());
                    return new UserView(key.userId(), key.userUuid(), key.userDistinctId(), key.userFirstName(),
                            key.userEmail(), teamRef, orgRef, List.of(orgRef));
                }));
    }
}

package dev.quarry.projects;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.data.Team;
import dev.quarry.web.ApiPaths;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;

@Path(ApiPaths.PROJECT)
@Produces(MediaType.APPLICATION_JSON)
public class ProjectResource {
    private final RequestAuth auth;

    public ProjectResource(RequestAuth auth) {
        this.auth = auth;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ProjectView(long id, UUID uuid, UUID organization, String name, String apiToken, String timezone,
                              int weekStartDay) {
        static ProjectView of(Team team) {
            return new ProjectView(team.id(), team.uuid(), team.organizationId(), team.name(), team.apiToken(),
                    team.timezone(), team.weekStartDay());
        }
    }

    @GET
    @RequiresScopes("project:read")
    public ProjectView get() {
        return ProjectView.of(auth.team());
    }
}

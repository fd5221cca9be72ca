package dev.quarry.projects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.web.ApiPaths;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** GET and PATCH the project ({@link ProjectSettings}: its name, timezone, week start, test-account filters and display-name properties). */
@Path(ApiPaths.PROJECT)
@Produces(MediaType.APPLICATION_JSON)
public class ProjectResource {
    private final RequestAuth auth;
    private final ProjectSettings settings;

    public ProjectResource(RequestAuth auth, ProjectSettings settings) {
        this.auth = auth;
        this.settings = settings;
    }

    @GET
    @RequiresScopes("project:read")
    public ObjectNode get() {
        return settings.view(auth.team());
    }

    @PATCH
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("project:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<ObjectNode> update(JsonNode body) {
        return settings.update(auth.team(), body);
    }
}

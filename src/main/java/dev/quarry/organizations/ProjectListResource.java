package dev.quarry.organizations;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.web.LimitOffset;
import io.vertx.core.http.HttpServerRequest;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

/**
 * PostHog's root lists {@code GET /api/projects/} ({@code RootProjectViewSet}) and {@code GET /api/environments/}:
 * the projects of the key's organization that the key may see, in DRF limit/offset pages ({@code {count, next,
 * previous, results}}, 100 by default), each as {@code GET /api/organizations/:id/projects/} shows it. Scope
 * {@code project:read}; the list is how a script finds its project id.
 */
// at the root, as the other root-level routes: a class at /api would take every /api/… request that no longer class
// path matches (/api/feature_flag/local_evaluation among them) and answer it 404
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class ProjectListResource {
    private final RequestAuth auth;
    private final Organizations organizations;
    private final ObjectMapper mapper;

    public ProjectListResource(RequestAuth auth, Organizations organizations, ObjectMapper mapper) {
        this.auth = auth;
        this.organizations = organizations;
        this.mapper = mapper;
    }

    @GET
    @Path("api/projects")
    @RequiresScopes("project:read")
    public Uni<ObjectNode> projects(@QueryParam("limit") String limit, @QueryParam("offset") String offset,
                                    @Context HttpServerRequest request) {
        LimitOffset page = OrganizationResource.projectsPageOf(limit, offset);
        return organizations.projects(auth.key().organizationId(), auth.key())
                .map(projects -> OrganizationResource.projectsPage(mapper, page, request.absoluteURI(), projects));
    }

    /** {@code GET /api/environments/}: the same list (each project is its own environment here). */
    @GET
    @Path("api/environments")
    @RequiresScopes("project:read")
    public Uni<ObjectNode> environments(@QueryParam("limit") String limit, @QueryParam("offset") String offset,
                                        @Context HttpServerRequest request) {
        return projects(limit, offset, request);
    }
}

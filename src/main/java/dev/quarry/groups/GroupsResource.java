package dev.quarry.groups;

import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.web.ApiPaths;
import dev.quarry.web.LimitOffset;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import java.util.List;

/**
 * PostHog's group read endpoints (scope {@code group:read}): {@code GET groups_types} lists the project's group types;
 * {@code GET groups?group_type_index=N[&search=][&limit=&offset=]} lists the groups of one type, paginated.
 * A missing or non-integer group_type_index, or one outside 0…4, is a 400 naming it.
 */
@Path(ApiPaths.PROJECT)
@Produces(MediaType.APPLICATION_JSON)
public class GroupsResource {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final RequestAuth auth;
    private final Groups groups;

    public GroupsResource(RequestAuth auth, Groups groups) {
        this.auth = auth;
        this.groups = groups;
    }

    @GET
    @Path("groups_types")
    @RequiresScopes("group:read")
    public Uni<List<Groups.GroupType>> types() {
        return groups.types(auth.teamId());
    }

    @GET
    @Path("groups")
    @RequiresScopes("group:read")
    public Uni<LimitOffset.Page<Groups.Group>> list(@QueryParam("group_type_index") String groupTypeIndex,
                                                    @QueryParam("search") String search,
                                                    @QueryParam("limit") String limit,
                                                    @QueryParam("offset") String offset,
                                                    @Context HttpServerRequest request) {
        int index = groupTypeIndex(groupTypeIndex);
        LimitOffset page = LimitOffset.parse(limit, offset, DEFAULT_LIMIT, MAX_LIMIT);
        return groups.list(auth.teamId(), index, search == null || search.isEmpty() ? null : search, page)
                .map(found -> page.page(URI.create(request.absoluteURI()), found.count(), found.rows()));
    }

    private static int groupTypeIndex(String text) {
        if (text == null || text.isBlank()) {
            throw new ValidationException("This field is required.", "group_type_index");
        }
        try {
            int index = Integer.parseInt(text.trim());
            if (index < 0 || index > 4) {
                throw new ValidationException("Ensure this value is between 0 and 4.", "group_type_index");
            }
            return index;
        } catch (NumberFormatException e) {
            throw new ValidationException("A valid integer is required.", "group_type_index");
        }
    }
}

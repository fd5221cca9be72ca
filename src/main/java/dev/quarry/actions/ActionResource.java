package dev.quarry.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.web.ApiPaths;
import dev.quarry.web.LimitOffset;
import dev.quarry.web.NotFoundException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * PostHog's actions API (ActionViewSet): list (live actions, paged, {@code search} on the name, {@code created_by},
 * {@code ordering}), retrieve, create, partial update, and soft delete by {@code PATCH {"deleted": true}} (PostHog
 * forbids a hard DELETE). Bodies are read as PostHog's ActionSerializer reads them ({@link ActionBody}); answers
 * are {@link Action#toJson}.
 */
@Path(ApiPaths.PROJECT + "/actions")
@Produces(MediaType.APPLICATION_JSON)
public class ActionResource {
    private final RequestAuth auth;
    private final Actions actions;
    private final ObjectMapper mapper;

    public ActionResource(RequestAuth auth, Actions actions, ObjectMapper mapper) {
        this.auth = auth;
        this.actions = actions;
        this.mapper = mapper;
    }

    @GET
    @RequiresScopes("action:read")
    public Uni<ObjectNode> list(@QueryParam("limit") String limit, @QueryParam("offset") String offset,
                                @QueryParam("search") String search, @QueryParam("created_by") String createdBy,
                                @QueryParam("ordering") String ordering, @Context HttpServerRequest request) {
        LimitOffset page = LimitOffset.parse(limit, offset, 100, 1000);
        Long creator = null;
        if (createdBy != null && !createdBy.isEmpty()) {
            try {
                creator = Long.parseLong(createdBy.trim());
            } catch (NumberFormatException e) {
                throw new ValidationException("Enter a number.", "created_by");
            }
        }
        return actions.list(auth.teamId(), new Actions.Listing(search, creator, ordering), page.limit(), page.offset())
                .map(found -> page.json(mapper, request.absoluteURI(), found.count(), found.rows(),
                        a -> a.toJson(mapper)));
    }

    @GET
    @Path("{id}")
    @RequiresScopes("action:read")
    public Uni<ObjectNode> retrieve(@PathParam("id") String id) {
        return existing(auth.teamId(), id).map(a -> a.toJson(mapper));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("action:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<Response> create(JsonNode body) {
        long teamId = auth.teamId();
        Actions.Edit edit = ActionBody.read(body, true);
        return uniqueName(teamId, edit, null)
                .flatMap(x -> actions.insert(teamId, auth.key().userId(), edit))
                .map(a -> Response.status(201).entity(a.toJson(mapper)).build());
    }

    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("action:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<ObjectNode> update(@PathParam("id") String id, JsonNode body) {
        long teamId = auth.teamId();
        Actions.Edit edit = ActionBody.read(body, false);
        return existing(teamId, id)
                .flatMap(found -> uniqueName(teamId, edit, found.id()).replaceWith(found))
                .flatMap(found -> actions.update(teamId, found.id(), auth.key().userId(), edit))
                .onItem().ifNull().failWith(NotFoundException::new)
                .map(a -> a.toJson(mapper));
    }

    /**
     * PostHog's ModelViewSet update ({@code PUT}): no ActionSerializer field is required, so fields not given stay as
     * they are, as with {@code PATCH}.
     */
    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("action:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<ObjectNode> replace(@PathParam("id") String id, JsonNode body) {
        return update(id, body);
    }

    /**
     * PostHog forbids a hard delete: its ForbidDestroyModel answers a bare 405 (no body, the id not looked up);
     * {@code PATCH {"deleted": true}} soft-deletes.
     */
    @DELETE
    @Path("{id}")
    @RequiresScopes("action:write")
    public Response destroy(@PathParam("id") String id) {
        return Response.status(405).build();
    }

    /**
     * PostHog's rule: a live action's name is unique in the project (a deleting edit is not checked). Checked here for
     * PostHog's answer; the index V90_1 holds it under concurrency ({@link Actions#insert}, {@link Actions#update}).
     */
    private Uni<Void> uniqueName(long teamId, Actions.Edit edit, Long self) {
        if (!edit.nameGiven() || edit.name() == null || Boolean.TRUE.equals(edit.deleted())) {
            return Uni.createFrom().voidItem();
        }
        return actions.namedLike(teamId, edit.name(), self).map(other -> {
            if (other != null) {
                throw Actions.nameTaken(other);
            }
            return null;
        });
    }

    private Uni<Action> existing(long teamId, String id) {
        long actionId;
        try {
            actionId = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw new NotFoundException();
        }
        return actions.find(teamId, actionId).onItem().ifNull().failWith(NotFoundException::new);
    }
}

package dev.quarry.projects;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.data.Team;
import dev.quarry.data.Teams;
import dev.quarry.web.NotFoundException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * Operator endpoints for a project's keys and plan (X-Quarry-Operator-Secret, like the rest of /admin):
 * {@code GET keys} (masks only), {@code DELETE keys/:key_id} (204; refused from the next request on),
 * {@code POST keys/:key_id/roll} (a new value, shown once), {@code PUT plan} ({@code {"plan", "overrides"}}).
 * 404 for an unknown project or a key that is not the project's.
 */
@Path("/admin/projects/{id}")
@Produces(MediaType.APPLICATION_JSON)
public class OperatorKeysResource {
    private final OperatorKeys keys;
    private final Teams teams;
    private final OperatorSecret operatorSecret;

    public OperatorKeysResource(OperatorKeys keys, Teams teams, OperatorSecret operatorSecret) {
        this.keys = keys;
        this.teams = teams;
        this.operatorSecret = operatorSecret;
    }

    @GET
    @Path("keys")
    public Uni<List<OperatorKeys.KeySummary>> list(@HeaderParam("X-Quarry-Operator-Secret") String secret,
                                                   @PathParam("id") long id) {
        operatorSecret.check(secret);
        return team(id).flatMap(keys::list);
    }

    @DELETE
    @Path("keys/{keyId}")
    public Uni<Response> revoke(@HeaderParam("X-Quarry-Operator-Secret") String secret, @PathParam("id") long id,
                                @PathParam("keyId") String keyId) {
        operatorSecret.check(secret);
        return team(id).flatMap(team -> keys.revoke(team, keyId)).map(x -> Response.noContent().build());
    }

    @POST
    @Path("keys/{keyId}/roll")
    public Uni<OperatorResource.KeyView> roll(@HeaderParam("X-Quarry-Operator-Secret") String secret,
                                              @PathParam("id") long id, @PathParam("keyId") String keyId) {
        operatorSecret.check(secret);
        return team(id).flatMap(team -> keys.roll(team, keyId)).map(OperatorResource.KeyView::of);
    }

    @PUT
    @Path("plan")
    @Consumes(MediaType.APPLICATION_JSON)
    @io.smallrye.common.annotation.Blocking
    public Uni<OperatorKeys.PlanView> plan(@HeaderParam("X-Quarry-Operator-Secret") String secret,
                                           @PathParam("id") long id, JsonNode body) {
        operatorSecret.check(secret);
        return team(id).flatMap(team -> keys.setPlan(team, body));
    }

    private Uni<Team> team(long id) {
        return teams.findById(id).onItem().ifNull().failWith(() -> new NotFoundException("Project not found."));
    }
}

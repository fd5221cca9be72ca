package dev.quarry.query;

import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.data.Team;
import dev.quarry.web.ApiPaths;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * POST query (and query/:kind), GET query/:id, DELETE query/:id, GET query/:id/log, POST query/check_auth_for_async
 * and POST query/upgrade. All need query:read.
 */
@Path(ApiPaths.PROJECT + "/query")
@Produces(MediaType.APPLICATION_JSON)
@RequiresScopes("query:read")
@dev.quarry.web.NulCharactersAccepted(bodyOnly = true)
public class QueryResource {
    private final RequestAuth auth;
    private final QueryService service;
    private final QueryLogReader logReader;
    private final QueryBodies bodies;

    public QueryResource(RequestAuth auth, QueryService service, QueryLogReader logReader, QueryBodies bodies) {
        this.auth = auth;
        this.service = service;
        this.logReader = logReader;
        this.bodies = bodies;
    }

    /** The body arrives as bytes and is parsed in the project's lane (QueryBodies), never on the event loop. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> create(byte[] body) {
        Team team = auth.team();
        return reply(bodies.read(team.id(), body, json -> service.submit(team, QueryRequest.parse(json, null, service::answers))));
    }

    /**
     * PostHog's probe before an async query: 200 {"user": "ok"} for any caller allowed to query. The body is read
     * (and ignored, never parsed), and the method is non-blocking, so that the request filters may read the body on
     * the I/O thread.
     */
    @POST
    @Path("check_auth_for_async")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> checkAuthForAsync(byte[] ignoredBody) {
        return Uni.createFrom().item(Response.ok(java.util.Map.of("user", "ok"), MediaType.APPLICATION_JSON).build());
    }

    /**
     * The query with its nodes migrated to the newest schema version, without running it. Quarry reads every node
     * version it accepts as it is, so the query comes back unchanged: 200 {"query": …}.
     */
    @POST
    @Path("upgrade")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> upgrade(byte[] body) {
        return bodies.read(auth.team().id(), body,
                json -> Uni.createFrom().item(Response.ok(QueryRequest.upgrade(json), MediaType.APPLICATION_JSON).build()));
    }

    @POST
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> createOfKind(@PathParam("id") String kind, byte[] body) {
        Team team = auth.team();
        return reply(bodies.read(team.id(), body, json -> service.submit(team, QueryRequest.parse(json, kind, service::answers))));
    }

    @GET
    @Path("{id}")
    public Uni<Response> status(@PathParam("id") String id, @QueryParam("show_progress") boolean showProgress,
                                @QueryParam("showProgress") boolean showProgressCamel) {
        return reply(service.status(auth.team(), id, showProgress || showProgressCamel));
    }

    @DELETE
    @Path("{id}")
    public Uni<Response> cancel(@PathParam("id") String id, @QueryParam("dequeue_only") boolean dequeueOnly) {
        return reply(service.cancel(auth.team(), id, dequeueOnly));
    }

    @GET
    @Path("{id}/log")
    public Uni<Response> log(@PathParam("id") String id) {
        return reply(logReader.read(auth.team(), id));
    }

    static Uni<Response> reply(Uni<QueryReply> reply) {
        return reply.map(r -> Response.status(r.status()).type(MediaType.APPLICATION_JSON).entity(r.body()).build());
    }
}

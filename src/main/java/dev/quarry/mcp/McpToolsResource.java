package dev.quarry.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.query.QueryRequest;
import dev.quarry.query.QueryService;
import dev.quarry.web.ApiPaths;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * PostHog's MCP tool endpoint {@code POST mcp_tools/:tool_name/ {"args": {...}}}, for the two tools its CLI calls
 * here. Answers as PostHog's viewset does: 200 {@code {"success": true, "content": text}}; arguments that do not
 * validate 400 {@code {"success": false, "content"}}; a tool failure (a HogQL error, say) 200 with
 * {@code "success": false} and the reason; an unknown tool 404. execute_sql runs the HogQL through POST query's own
 * service (compiler, team wall, admission, limits, cache, query log) and answers the text table
 * ({@link SqlResultText}); read_taxonomy answers {@link Taxonomy}'s text. Scopes as the CLI's tool catalog lists
 * them: execute_sql {@code query:read} + {@code insight:read}, read_taxonomy {@code event_definition:read} +
 * {@code property_definition:read}.
 */
@Path(ApiPaths.PROJECT + "/mcp_tools")
@Produces(MediaType.APPLICATION_JSON)
public class McpToolsResource {
    private final RequestAuth auth;
    private final QueryService queries;
    private final Taxonomy taxonomy;
    private final ObjectMapper mapper;

    public McpToolsResource(RequestAuth auth, QueryService queries, Taxonomy taxonomy, ObjectMapper mapper) {
        this.auth = auth;
        this.queries = queries;
        this.taxonomy = taxonomy;
        this.mapper = mapper;
    }

    @POST
    @Path("execute_sql")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes({"query:read", "insight:read"})
    @io.smallrye.common.annotation.Blocking
    public Uni<Response> executeSql(JsonNode body) {
        JsonNode args = args(body);
        JsonNode query = args.get("query");
        if (query == null || !query.isTextual() || query.asText().isBlank()) {
            return Uni.createFrom().item(invalid("query: Field required"));
        }
        JsonNode truncateNode = args.get("truncate");
        boolean truncate = truncateNode == null || truncateNode.isNull() || truncateNode.asBoolean(true);
        ObjectNode request = mapper.createObjectNode();
        request.putObject("query").put("kind", "HogQLQuery").put("query", query.asText());
        request.put("refresh", "blocking");
        return tool(Uni.createFrom().deferred(() -> queries.submit(auth.team(), QueryRequest.parse(request, null)))
                .map(reply -> {
                    JsonNode result = reply.body();
                    String text = SqlResultText.format(result.path("columns"), result.path("results"), truncate,
                            result.path("hasMore").asBoolean(false),
                            result.hasNonNull("limit") ? result.get("limit").asInt() : null);
                    ObjectNode ok = success(text);
                    ObjectNode structured = ok.putObject("structured_content");
                    structured.set("columns", result.path("columns"));
                    structured.set("results", result.path("results"));
                    structured.put("hasMore", result.path("hasMore").asBoolean(false));
                    return ok;
                }));
    }

    @POST
    @Path("read_taxonomy")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes({"event_definition:read", "property_definition:read"})
    @io.smallrye.common.annotation.Blocking
    public Uni<Response> readTaxonomy(JsonNode body) {
        JsonNode args = args(body);
        JsonNode query = args.get("query");
        if (query == null || !query.isObject() || !query.path("kind").isTextual()) {
            return Uni.createFrom().item(invalid("query: Field required (an object with a kind)"));
        }
        return tool(Uni.createFrom().deferred(() -> taxonomy.read(auth.team(), query)).map(this::success));
    }

    /** Any other tool name: PostHog's 404 for a tool it does not have (any valid key may ask). */
    @POST
    @Path("{tool_name}")
    @Consumes(MediaType.WILDCARD)
    @RequiresScopes
    public Uni<Response> unknown(@PathParam("tool_name") String tool, byte[] ignoredBody) {
        return Uni.createFrom().item(Response.status(404).type(MediaType.APPLICATION_JSON)
                .entity(mapper.createObjectNode().put("success", false).put("content", "Tool '" + tool + "' not found")).build());
    }

    private JsonNode args(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ValidationException("Request body must be a JSON object.", null);
        }
        JsonNode args = body.get("args");
        return args != null && args.isObject() ? args : mapper.createObjectNode();
    }

    /** A validation error of the tool (HogQL that does not compile, an unknown kind…) is the tool failing: 200. */
    private Uni<Response> tool(Uni<ObjectNode> run) {
        return run.map(body -> Response.ok(body).type(MediaType.APPLICATION_JSON).build())
                .onFailure(ValidationException.class).recoverWithItem(e -> Response.ok(mapper.createObjectNode()
                        .put("success", false).put("content", failed(e.getMessage())))
                        .type(MediaType.APPLICATION_JSON).build());
    }

    /** "Tool failed: " and the error, ended by one period (PostHog's messages that end in one keep it). */
    static String failed(String message) {
        String text = message == null ? "" : message;
        return "Tool failed: " + text + (text.endsWith(".") ? "" : ".");
    }

    private ObjectNode success(String text) {
        return mapper.createObjectNode().put("success", true).put("content", text);
    }

    private Response invalid(String detail) {
        return Response.status(400).type(MediaType.APPLICATION_JSON).entity(mapper.createObjectNode().put("success", false)
                .put("content", "There was a validation error calling the tool:\n" + detail)).build();
    }
}

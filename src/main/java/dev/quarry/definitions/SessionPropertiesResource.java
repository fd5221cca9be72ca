package dev.quarry.definitions;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.hogql.SessionsTable;
import dev.quarry.web.ApiPaths;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * PostHog's {@code GET sessions/property_definitions/} (posthog/api/session.py): the session properties — the HogQL
 * {@code sessions} table's columns ({@link SessionsTable}) without the hidden ones — all in one answer
 * {@code {"count": n, "results": [{"id", "name", "is_numerical", "property_type", "is_seen_on_filtered_events": null,
 * "tags": []}]}}. {@code search}: words that must all be in the name; {@code is_numerical}: "true" keeps the
 * numerical ones, any other value the others (as PostHog). They are the same for every project (no data is read),
 * but the project's key is still needed (scope {@code query:read}, as PostHog's {@code scope_object = "query"}).
 */
@Path(ApiPaths.PROJECT + "/sessions")
@Produces(MediaType.APPLICATION_JSON)
public class SessionPropertiesResource {
    private final ObjectMapper mapper;

    public SessionPropertiesResource(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @GET
    @Path("property_definitions")
    @RequiresScopes("query:read")
    public ObjectNode propertyDefinitions(@QueryParam("search") String search,
                                          @QueryParam("is_numerical") String numerical) {
        List<SessionsTable.Property> found = SessionsTable.properties(search);
        if (numerical != null) {
            boolean want = numerical.equalsIgnoreCase("true");
            found = found.stream().filter(p -> p.numerical() == want).toList();
        }
        ArrayNode results = mapper.createArrayNode();
        for (SessionsTable.Property p : found) {
            ObjectNode row = results.addObject();
            row.put("id", p.name());
            row.put("name", p.name());
            row.put("is_numerical", p.numerical());
            row.put("property_type", p.propertyType());
            row.putNull("is_seen_on_filtered_events");
            row.putArray("tags");
        }
        ObjectNode out = mapper.createObjectNode();
        out.put("count", found.size());
        out.set("results", results);
        return out;
    }
}

package dev.quarry.metering;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.auth.AdmissionCheck;
import dev.quarry.data.ApiKey;
import dev.quarry.data.Team;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Once the key is let in for the project, before any work: the project's monthly quota for the endpoint group
 * and the key's rate limits (429 throttled_error with Retry-After). A HogQL query is told from other queries by
 * the body's {@code query.kind} (the auth filter reads the body). The usage endpoint is not held to the quota.
 */
@ApplicationScoped
public class Admission implements AdmissionCheck {
    private final Limits limits;
    private final ObjectMapper mapper;
    private final boolean enabled;

    public Admission(Limits limits, ObjectMapper mapper,
                     @ConfigProperty(name = "quarry.metering.enabled", defaultValue = "true") boolean enabled) {
        this.limits = limits;
        this.mapper = mapper;
        this.enabled = enabled;
    }

    @Override
    public Uni<Void> admit(ContainerRequestContext request, ApiKey key, Team team) {
        String path = request.getUriInfo().getPath();
        EndpointGroup group = EndpointGroup.of(path);
        if (!enabled || team == null || group == null || group == EndpointGroup.CAPTURE) {
            return Uni.createFrom().voidItem();
        }
        boolean hogql = group == EndpointGroup.QUERY && "POST".equals(request.getMethod()) && isHogQL(request);
        return limits.admit(team.id(), key.id(), group, hogql, !UsageResource.isUsagePath(path));
    }

    private boolean isHogQL(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (path.endsWith("/query/HogQLQuery") || path.endsWith("/query/HogQLQuery/")
                || path.endsWith("/mcp_tools/execute_sql") || path.endsWith("/mcp_tools/execute_sql/")) {
            return true;
        }
        if (!request.hasEntity()) {
            return false;
        }
        try (InputStream in = request.getEntityStream()) {
            byte[] body = in.readAllBytes();
            request.setEntityStream(new ByteArrayInputStream(body));
            JsonNode tree = body.length == 0 ? null : mapper.readTree(body);
            return tree != null && "HogQLQuery".equals(tree.path("query").path("kind").asText());
        } catch (IOException e) {
            return false; // not JSON: the resource answers the parse error; it counts as an "other" query call
        }
    }
}

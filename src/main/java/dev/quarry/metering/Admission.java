package dev.quarry.metering;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
            return "HogQLQuery".equals(queryKind(body));
        } catch (org.jboss.resteasy.reactive.common.core.BlockingNotAllowedException e) {
            return false; // the route takes no body: no query in it
        } catch (IOException e) {
            return false; // not JSON: the resource answers the parse error; it counts as an "other" query call
        }
    }

    /**
     * {@code query.kind} of a JSON body, read as a stream that builds no tree, so a large body (up to the 8 MiB limit)
     * costs this filter, which runs on the event loop, one scan rather than a second full parse into nodes. As when
     * the resource reads the body, a repeated key counts by its last occurrence.
     */
    String queryKind(byte[] body) throws IOException {
        if (body.length == 0) {
            return null;
        }
        try (JsonParser parser = mapper.getFactory().createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String kind = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (!"query".equals(field)) {
                    parser.skipChildren();
                    continue;
                }
                kind = null;
                if (value != JsonToken.START_OBJECT) {
                    parser.skipChildren();
                    continue;
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String inner = parser.currentName();
                    JsonToken innerValue = parser.nextToken();
                    if ("kind".equals(inner)) {
                        kind = innerValue == JsonToken.VALUE_STRING ? parser.getText() : null;
                    }
                    parser.skipChildren();
                }
            }
            return kind;
        }
    }
}

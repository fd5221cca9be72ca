package dev.quarry.plugins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.web.ApiPaths;
import dev.quarry.web.LimitOffset;
import dev.quarry.web.NotFoundException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import java.time.OffsetDateTime;
import java.util.List;
import org.jboss.resteasy.reactive.ResponseStatus;

@Path(ApiPaths.PROJECT + "/plugin_configs")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PluginConfigResource {
    @jakarta.inject.Inject java.time.Clock clock;
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final RequestAuth auth;
    private final PluginConfigs configs;
    private final PluginLogs logs;

    public PluginConfigResource(RequestAuth auth, PluginConfigs configs, PluginLogs logs) {
        this.auth = auth;
        this.configs = configs;
        this.logs = logs;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Stored(int count) {
    }

    @GET
    @RequiresScopes("plugin:read")
    public Uni<LimitOffset.Page<PluginConfig>> list(@QueryParam("limit") String limit,
                                                    @QueryParam("offset") String offset,
                                                    @Context HttpServerRequest request) {
        LimitOffset page = LimitOffset.parse(limit, offset, DEFAULT_LIMIT, MAX_LIMIT);
        return configs.list(auth.teamId(), page)
                .map(found -> page.page(URI.create(request.absoluteURI()), found.count(), found.rows()));
    }

    @POST
    @ResponseStatus(201)
    @RequiresScopes("plugin:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<PluginConfig> create(JsonNode body) {
        return configs.create(auth.teamId(), NewPluginConfig.parse(body));
    }

    @GET
    @Path("{plugin_config_id}/logs")
    @RequiresScopes("plugin:read")
    public Uni<LimitOffset.Page<PluginLogEntry>> logs(@PathParam("plugin_config_id") String pluginConfigId,
                                                      @QueryParam("after") String after,
                                                      @QueryParam("before") String before,
                                                      @QueryParam("search") String search,
                                                      @QueryParam("type_filter") List<String> typeFilter,
                                                      @QueryParam("limit") String limit,
                                                      @QueryParam("offset") String offset,
                                                      @Context HttpServerRequest request) {
        long configId = configId(pluginConfigId);
        LogFilter filter = LogFilter.parse(after, before, search, typeFilter);
        LimitOffset page = LimitOffset.parse(limit, offset, DEFAULT_LIMIT, MAX_LIMIT);
        // parse() has checked the value; 0 is "no limit", as the view reads a falsy limit
        Integer requestedLimit = LimitOffset.requestedLimit(limit);
        return logs.list(auth.teamId(), configId, filter, page, requestedLimit)
                .map(found -> page.page(URI.create(request.absoluteURI()), found.count(), found.rows()));
    }

    @POST
    @Path("{plugin_config_id}/logs")
    @ResponseStatus(201)
    @RequiresScopes("plugin:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<Stored> appendLogs(@PathParam("plugin_config_id") String pluginConfigId, JsonNode body) {
        long configId = configId(pluginConfigId);
        LogEntryBatch batch = LogEntryBatch.parse(body, OffsetDateTime.now(clock));
        return logs.append(auth.teamId(), configId, batch).map(Stored::new);
    }

    private static long configId(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new NotFoundException();
        }
    }
}

package dev.quarry.web;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * On AWS each endpoint group runs as its own Lambda function ({@code QUARRY_FUNCTION_GROUP}, set by template.yaml),
 * though all are the same build. A request for another group's path is answered 404 before routing, so a fault or a
 * flood in one group cannot be reached through another group's function. Unset (local run, tests): everything is
 * served.
 */
public class FunctionGroupFilter {
    private final Optional<FunctionGroups.Group> group;

    public FunctionGroupFilter(@ConfigProperty(name = "quarry.function-group") Optional<String> groupId) {
        this.group = groupId.filter(id -> !id.isBlank()).map(id -> FunctionGroups.Group.byId(id)
                .orElseThrow(() -> new IllegalStateException("Unknown quarry.function-group: " + id)));
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION - 500)
    public void restrict(ContainerRequestContext request, HttpServerRequest http) {
        if (group.isEmpty()) {
            return;
        }
        // the raw path as received (no URI built per request); no filter before this one rewrites it
        String path = http.path();
        if (FunctionGroups.groupOf(null, path).filter(group.get()::equals).isEmpty()) {
            throw new NotFoundException();
        }
    }
}

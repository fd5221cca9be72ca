package dev.quarry.web;

import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.UriInfo;
import java.util.Set;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Every 405 names the route's methods in {@code Allow}, as DRF's does ({@code GET, HEAD, OPTIONS} for a read-only
 * list), whichever part answered it: routing, the exception mapper, or a resource that refuses a method itself.
 */
public class AllowHeaderFilter {
    private final RouteTable routes;

    public AllowHeaderFilter(RouteTable routes) {
        this.routes = routes;
    }

    @ServerResponseFilter
    public void allow(ContainerResponseContext response, UriInfo uri) {
        if (response.getStatus() != 405 || response.getHeaders().containsKey("Allow")) {
            return;
        }
        Set<String> allowed = routes.methodsOf(uri.getPath());
        if (!allowed.isEmpty()) {
            response.getHeaders().putSingle("Allow", String.join(", ", allowed));
        }
    }
}

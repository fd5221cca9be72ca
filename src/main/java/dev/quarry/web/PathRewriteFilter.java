package dev.quarry.web;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.UriBuilder;
import java.net.URI;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Before routing: /api/environments/… is served as /api/projects/…, and a percent-encoded {@code @}
 * (clients encode {@code @current} and {@code @me} differently) is decoded so the route matches either way.
 */
public class PathRewriteFilter {
    private static final String ENVIRONMENTS = "/api/environments/";
    private static final String PROJECTS = "/api/projects/";

    @ServerRequestFilter(preMatching = true)
    public void rewrite(ContainerRequestContext request) {
        URI uri = request.getUriInfo().getRequestUri();
        String path = uri.getRawPath();
        String rewritten = rewrite(path);
        if (!rewritten.equals(path)) {
            request.setRequestUri(UriBuilder.fromUri(uri).replacePath(rewritten).build());
        }
    }

    static String rewrite(String path) {
        String result = path.replace("%40", "@");
        if (result.startsWith(ENVIRONMENTS)) {
            result = PROJECTS + result.substring(ENVIRONMENTS.length());
        }
        return result;
    }
}

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
            // RESTEasy Reactive keeps a path set here decoded once and decodes it again when the path and its
            // parameters are read, so an escape such as %25 ("…/query/bq1%25/") became a 500: a percent is escaped
            // once more to come out as the client sent it
            request.setRequestUri(UriBuilder.fromUri(uri).replacePath(rewritten.replace("%", "%25")).build());
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

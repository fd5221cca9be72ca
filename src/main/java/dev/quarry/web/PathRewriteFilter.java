package dev.quarry.web;

import io.vertx.core.http.HttpServerRequest;
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
    public void rewrite(ContainerRequestContext request, HttpServerRequest http) {
        // the raw path as received decides (no URI is built for the paths left as they are: capture's, most others)
        String received = http.path();
        if (received != null && !needsRewrite(received)) {
            return;
        }
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

    /** Whether {@link #rewrite} would change the path: an encoded {@code @}, or a path under /api/environments/. */
    static boolean needsRewrite(String path) {
        return path.startsWith(ENVIRONMENTS) || path.contains("%40");
    }

    static String rewrite(String path) {
        String result = path.replace("%40", "@");
        if (result.startsWith(ENVIRONMENTS)) {
            result = PROJECTS + result.substring(ENVIRONMENTS.length());
        }
        return result;
    }
}

package dev.quarry.web;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.regex.Pattern;

/**
 * A {@code Host} header that is no host (and port) is a 400 {@code invalid_host} in PostHog's error body, before
 * anything reads it, as PostHog's Django answers DisallowedHost with a 400. Absolute URLs (the legacy lists'
 * {@code next} and {@code initial}) are built from it: {@code [zz]:1} failed to parse there (a 500), a blank one gave
 * {@code http://null/}, and {@code a b} made Vert.x itself fail the request with its own error page. Checked on the
 * router, ahead of every route (the Lambda adapter's requests pass the same router); a request without the header
 * is left to the HTTP server.
 */
@ApplicationScoped
public class HostHeaderCheck {
    /**
     * Django's {@code host_validation_re}: a name of letters, digits, dots and hyphens (and underscores, which Django
     * refuses but internal names use) or a bracketed IPv6 address, and an optional port.
     */
    static final Pattern VALID_HOST = Pattern.compile("([a-z0-9._-]+|\\[[a-f0-9]*:[a-f0-9.:]+\\])(:[0-9]{1,5})?",
            Pattern.CASE_INSENSITIVE);

    private static final String INVALID_HOST = "{\"type\":\"invalid_request\",\"code\":\"invalid_host\","
            + "\"detail\":\"Invalid HTTP_HOST header.\",\"attr\":null}";

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(context -> {
            String host = context.request().getHeader("Host");
            if (host != null && !VALID_HOST.matcher(host).matches()) {
                context.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                        .end(INVALID_HOST);
                return;
            }
            context.next();
        }).failureHandler(context -> {
            // Vert.x refuses some hosts itself (a space in it) while it builds the request's URI, before any route
            String host = context.request().getHeader("Host");
            if (host != null && !VALID_HOST.matcher(host).matches() && !context.response().headWritten()) {
                context.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                        .end(INVALID_HOST);
                return;
            }
            context.next();
        });
    }
}

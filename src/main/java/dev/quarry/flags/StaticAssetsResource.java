package dev.quarry.flags;

import dev.quarry.web.NotFoundException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * posthog-js's scripts under {@code /static/}, as a PostHog reverse proxy serves them: a 302 to the same path on
 * PostHog's assets host. With an {@code api_host} that is not PostHog's, posthog-js loads everything from that host:
 * the HTML snippet its {@code array.js} ({@code /static/array.js}), and every SDK its lazy extensions
 * ({@code /static/surveys.js?v=<version>}, which posthog-js loads even for a project without surveys;
 * {@code /static/<version>/<name>.js} with strict script versioning). Without this they were 404s, and a site using
 * the snippet never started posthog-js at all.
 * <p>
 * The target is {@code quarry.static-assets-origin} (default {@code https://us-assets.i.posthog.com}, what PostHog
 * tells a reverse proxy to forward {@code /static/} to); set it to {@code none} to answer 404 instead (a site that
 * serves posthog-js's files itself, or bundles them). Only paths of file names ({@code [A-Za-z0-9._-]} segments, no
 * dot segments) ending in {@code .js}, {@code .js.map} or {@code .css} are redirected, with their query string if it
 * is one of plain characters; anything else is a 404. Not a call of any project (no token), and not metered. CORS as
 * on capture ({@code capture.CaptureCors}): posthog-js loads these with {@code crossorigin="anonymous"}, which a
 * redirect without CORS headers fails.
 */
@Path("/static/{file: .+}")
public class StaticAssetsResource {
    /** A path of file-name segments with an asset's suffix: nothing that could leave {@code /static/}. */
    static final Pattern ASSET = Pattern.compile("(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/){0,3}"
            + "[A-Za-z0-9_-][A-Za-z0-9._-]*\\.(?:js|js\\.map|css)");
    /** posthog-js's query strings ({@code v=1.449.2}, {@code v=…&t=1733400000000}). */
    static final Pattern QUERY = Pattern.compile("[A-Za-z0-9._=&-]{1,200}");
    private static final String NONE = "none";

    private final Optional<String> origin;

    public StaticAssetsResource(@ConfigProperty(name = "quarry.static-assets-origin",
            defaultValue = "https://us-assets.i.posthog.com") String origin) {
        String trimmed = origin.strip().replaceAll("/+$", "");
        this.origin = trimmed.isEmpty() || NONE.equalsIgnoreCase(trimmed) ? Optional.empty() : Optional.of(trimmed);
    }

    /** 302 to the asset on the assets host; 404 for anything that is not an asset's path, or with no host set. */
    @GET
    public Response asset(@PathParam("file") String file, @Context UriInfo uri) {
        if (origin.isEmpty() || !ASSET.matcher(file).matches() || file.contains("..")) {
            throw new NotFoundException();
        }
        String query = uri.getRequestUri().getRawQuery();
        String target = origin.get() + "/static/" + file
                + (query != null && QUERY.matcher(query).matches() ? "?" + query : "");
        return Response.status(Response.Status.FOUND).location(URI.create(target))
                .header("Cache-Control", "public, max-age=300").build();
    }
}

package dev.quarry.web;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a body larger than {@code quarry.http.max-body-bytes} (8 MiB by default) with a 413 in PostHog's error
 * shape, before anything reads it. The limit sits below the 10 MiB that the layers in front of Quarry enforce on
 * their own (API Gateway; locally the Lambda mock event server, whose 413 is plain text), so a client over the
 * limit is told so by Quarry. On AWS a Lambda invocation holds at most 6 MB, which API Gateway refuses first.
 * Compressed capture payloads are limited again after decompression (see CapturePayloadParser).
 *
 * <p>The query endpoints ({@code /api/projects|environments/:id/query…}) take at most {@code
 * quarry.query.max-body-bytes} (2 MiB): a query's HogQL text is refused past 262,144 characters anyway
 * ({@code max_query_size}), which is at most 1.5 MiB as JSON even with every character escaped, and PostHog's own
 * clients send query nodes of a few kilobytes. A larger body is refused here from its Content-Length, before a
 * byte of it is read; a chunked one without a length is measured once buffered (see {@code query.QueryBodies}).
 */
public class BodySizeLimitFilter {
    private static final Pattern QUERY_PATH = Pattern.compile("^/api/(projects|environments)/[^/]+/query(/.*)?$");

    private final long maxBodyBytes;
    private final long maxQueryBodyBytes;

    public BodySizeLimitFilter(@ConfigProperty(name = "quarry.http.max-body-bytes", defaultValue = "8388608") long maxBodyBytes,
                               @ConfigProperty(name = "quarry.query.max-body-bytes", defaultValue = "2097152") long maxQueryBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
        this.maxQueryBodyBytes = maxQueryBodyBytes;
    }

    /** True for the paths of the query endpoints, whose bodies have the smaller limit. */
    public static boolean isQueryPath(String rawPath) {
        return rawPath != null && QUERY_PATH.matcher(rawPath).matches();
    }

    @ServerRequestFilter(preMatching = true)
    public void limit(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return;
        }
        long bytes;
        try {
            bytes = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            throw new ValidationException("Content-Length is not a number", null);
        }
        if (bytes > maxBodyBytes) {
            throw new PayloadTooLargeException(maxBodyBytes);
        }
        if (bytes > maxQueryBodyBytes && isQueryPath(request.getUriInfo().getRequestUri().getRawPath())) {
            throw new PayloadTooLargeException(maxQueryBodyBytes);
        }
    }
}

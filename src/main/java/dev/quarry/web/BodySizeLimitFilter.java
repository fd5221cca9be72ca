package dev.quarry.web;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a body larger than {@code quarry.http.max-body-bytes} (8 MiB by default) with a 413 in PostHog's error
 * shape, before anything reads it. The limit sits below the 10 MiB that the layers in front of Quarry enforce on
 * their own (API Gateway; locally the Lambda mock event server, whose 413 is plain text), so a client over the
 * limit is told so by Quarry. On AWS a Lambda invocation holds at most 6 MB, which API Gateway refuses first.
 * Compressed capture payloads are limited again after decompression (see CapturePayloadParser).
 */
public class BodySizeLimitFilter {
    private final long maxBodyBytes;

    public BodySizeLimitFilter(@ConfigProperty(name = "quarry.http.max-body-bytes", defaultValue = "8388608") long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
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
    }
}

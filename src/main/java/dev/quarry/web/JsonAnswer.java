package dev.quarry.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * A JSON answer written to bytes where it is built (a worker thread), bounded by {@link ResponseLimit}: RESTEasy
 * runs the response filters where it resumes the request, the event loop, so a large tree left for
 * {@link ResponseLimitFilter} to serialize took that loop for 0.1–0.2 s per 6 MB answer, while it serves every
 * project's requests and capture (the breaker's F3 of 2026-12-06). The filter only measures bytes.
 */
public final class JsonAnswer {
    private JsonAnswer() {
    }

    /**
     * {@code value} as a 200 JSON response of its bytes.
     *
     * @throws ResponseTooLargeException when the JSON would not fit in an answer (PostHog's 400)
     */
    public static Response of(ObjectMapper mapper, Object value) {
        try {
            return Response.ok(ResponseLimit.write(mapper, value), MediaType.APPLICATION_JSON_TYPE).build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("An answer's JSON could not be written", e);
        }
    }
}

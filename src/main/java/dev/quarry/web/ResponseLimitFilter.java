package dev.quarry.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Applies {@link ResponseLimit} to every response: a JSON entity is serialized here (once; the bytes are what is
 * then written), a text or byte entity is measured as it is. One over the limit is replaced by PostHog's 400
 * {@code response_too_large}, so that no caller ever gets the bare 500 a function answers when its response is
 * over Lambda's 6 MB.
 */
public class ResponseLimitFilter {
    /**
     * Capture's answer to every accepted batch ({@code {"status":1}}, what PostHog's capture answers and SDKs read),
     * kept as the bytes Jackson writes for it, so that the most frequent answer is not serialised per request.
     */
    static final Map<String, Integer> STATUS_ONE = Map.of("status", 1);
    static final byte[] STATUS_ONE_BYTES = "{\"status\":1}".getBytes(StandardCharsets.UTF_8);

    private final ObjectMapper mapper;

    public ResponseLimitFilter(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Last of the response filters (they run from the highest priority value down), after any that edit the entity. */
    @ServerResponseFilter(priority = Priorities.AUTHENTICATION - 100)
    public void limit(ContainerResponseContext response) throws JsonProcessingException {
        Object entity = response.getEntity();
        if (entity == null || entity instanceof InputStream || entity instanceof StreamingOutput) {
            return;
        }
        try {
            byte[] body;
            if (entity instanceof byte[] bytes) {
                body = bytes;
            } else if (entity instanceof String text) {
                body = text.getBytes(StandardCharsets.UTF_8);
            } else if (isJson(response.getMediaType())) {
                body = isStatusOne(entity) ? STATUS_ONE_BYTES : ResponseLimit.write(mapper, entity);
                response.setEntity(body, new Annotation[0], MediaType.APPLICATION_JSON_TYPE);
                return;
            } else {
                return;
            }
            ResponseLimit.check(body);
        } catch (ResponseTooLargeException e) {
            response.setStatus(e.status());
            response.setEntity(mapper.writeValueAsBytes(e.body()), new Annotation[0], MediaType.APPLICATION_JSON_TYPE);
        }
    }

    /** A one-entry map equal to {@code {"status": 1}} (checked by size first: other entities are not hashed or walked). */
    static boolean isStatusOne(Object entity) {
        return entity instanceof Map<?, ?> map && map.size() == 1 && STATUS_ONE.equals(map);
    }

    private static boolean isJson(MediaType type) {
        return type == null || type.isCompatible(MediaType.APPLICATION_JSON_TYPE)
                || type.getSubtype().endsWith("+json");
    }
}

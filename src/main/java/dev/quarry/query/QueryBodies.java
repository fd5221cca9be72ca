package dev.quarry.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.web.ParseErrorException;
import dev.quarry.web.PayloadTooLargeException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads the JSON body of a query endpoint. The resource takes the body as bytes (buffered by the HTTP layer, no
 * parsing); a body over 64 KiB is parsed in the project's lane ({@link TeamLanes}), never on the event loop, so a
 * project posting large bodies parses one at a time on a worker thread and other projects' requests and capture keep
 * their event-loop threads. Smaller bodies are parsed where they arrive. A body over {@code quarry.query.max-body-bytes} (2 MiB; see
 * {@code web.BodySizeLimitFilter}, which refuses it from its Content-Length before it is read) is a 413
 * {@code payload_too_large}; a body that is not JSON is PostHog's 400 {@code parse_error}.
 */
@ApplicationScoped
public class QueryBodies {
    /**
     * Bodies up to this size (every query PostHog's clients send) are parsed where they arrive: well under a
     * millisecond, cheaper than a hand-off to the lane. Larger ones go to the project's lane.
     */
    static final int INLINE_BYTES = 64 * 1024;

    private final TeamLanes lanes;
    private final ObjectMapper mapper;
    private final long maxBytes;

    public QueryBodies(TeamLanes lanes, ObjectMapper mapper,
                       @ConfigProperty(name = "quarry.query.max-body-bytes", defaultValue = "2097152") long maxBytes) {
        this.lanes = lanes;
        this.mapper = mapper;
        this.maxBytes = maxBytes;
    }

    /**
     * Parses {@code body} and continues with {@code then} (its synchronous part: validating the request, building
     * the query); for a body over 64 KiB both run in the lane of project {@code teamId}, so all of that request's
     * CPU work before the statement runs is the project's own. An empty body (a chunked one of no bytes: a body
     * without a length is given {@code {}} before routing, see {@code web.RequestBodyMediaType}) reaches {@code then}
     * as {@code {}}, as DRF reads a request without a Content-Length (its {@code _load_stream}: no stream, empty data).
     */
    public <T> Uni<T> read(long teamId, byte[] body, Function<JsonNode, Uni<T>> then) {
        if (body != null && body.length > maxBytes) {
            return Uni.createFrom().failure(new PayloadTooLargeException(maxBytes)); // chunked: no Content-Length
        }
        if (body == null || body.length <= INLINE_BYTES) {
            try {
                return then.apply(parse(body));
            } catch (RuntimeException failure) {
                return Uni.createFrom().failure(failure);
            }
        }
        return lanes.run(teamId, () -> then.apply(parse(body)));
    }

    private JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return mapper.createObjectNode();
        }
        try {
            // one JSON value and nothing after it, as PostHog's parser (json.loads) requires
            return mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(body);
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage();
            int newline = message == null ? -1 : message.indexOf('\n');
            throw new ParseErrorException("JSON parse error - " + (message == null ? "malformed JSON"
                    : newline < 0 ? message : message.substring(0, newline)));
        } catch (IOException e) {
            throw new ParseErrorException("JSON parse error - " + e.getMessage());
        }
    }
}

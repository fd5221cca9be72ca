package dev.quarry.flags;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.capture.CapturePayloadParser;
import dev.quarry.capture.CaptureValidationException;
import dev.quarry.capture.ProjectTokens;
import dev.quarry.metering.Metering;
import dev.quarry.web.AuthenticationException;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;

/**
 * PostHog's feature-flag endpoints as its SDKs call them on the capture host ({@code POST /flags/?v=2}, and the
 * older {@code /decide/}), named by the project's public token. Quarry keeps no feature flags, so a project has
 * none and every evaluation answers so — the answer PostHog gives a project without flags — instead of a 404 that
 * SDKs report as an error (and that a browser, without CORS headers on it, reports as a CORS failure):
 * <ul>
 *   <li>{@code /flags/?v=2} and later, {@code /decide/?v=4} and later: {@code {"flags": {},
 *       "errorsWhileComputingFlags": false, "requestId": "<uuid>"}};</li>
 *   <li>earlier versions: {@code {"featureFlags": {}, "featureFlagPayloads": {}, "errorsWhileComputingFlags": false,
 *       "requestId": "<uuid>"}}.</li>
 * </ul>
 * The body is read as capture reads one (JSON, gzip, a form {@code data=} field, base64, lz64); it must name the
 * project ({@code token}, or {@code api_key}) and the {@code distinct_id} being evaluated, with PostHog's flag
 * service's messages: no token 401, an unknown one 401, no or an empty distinct id 400, a body that is no JSON object
 * 400. Once the token names the project the call is metered as a capture call of it (PostHog bills flag requests
 * too; a 400 is recorded unbilled), within its capture quota (429 past it). The config part PostHog adds for {@code config=true} is not sent: SDKs
 * then keep their own defaults.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class FlagsResource {
    static final String NO_TOKEN = "No API token provided. Please include a valid API token in your request.";
    static final String BAD_TOKEN = "The provided API key is invalid or has expired. Please check your API key and try "
            + "again.";
    static final String NO_DISTINCT_ID = "The distinct_id field is missing from the request. Please include a valid "
            + "identifier.";
    static final String EMPTY_DISTINCT_ID = "The distinct_id field cannot be empty. Please provide a valid identifier.";

    private final CapturePayloadParser parser;
    private final ObjectMapper mapper;
    private final ProjectTokens tokens;
    private final Metering metering;

    public FlagsResource(ObjectMapper mapper, ProjectTokens tokens, Metering metering) {
        this.parser = new CapturePayloadParser(mapper);
        this.mapper = mapper;
        this.tokens = tokens;
        this.metering = metering;
    }

    /** The flags of one distinct id: none (see the class comment); {@code v} 2 and later in the flags shape. */
    @POST
    @Path("flags")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    public Uni<ObjectNode> flags(byte[] body, @HeaderParam("Content-Encoding") String contentEncoding,
                                 @QueryParam("compression") String compression, @QueryParam("v") String version) {
        return evaluate(body, contentEncoding, compression, version(version) >= 2);
    }

    /** PostHog's older flags endpoint: {@code v} 4 and later in the flags shape, earlier ones in the legacy shape. */
    @POST
    @Path("decide")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    public Uni<ObjectNode> decide(byte[] body, @HeaderParam("Content-Encoding") String contentEncoding,
                                  @QueryParam("compression") String compression, @QueryParam("v") String version) {
        return evaluate(body, contentEncoding, compression, version(version) >= 4);
    }

    private Uni<ObjectNode> evaluate(byte[] body, String contentEncoding, String compression, boolean flagsShape) {
        JsonNode request = parser.readBody(body, contentEncoding, compression);
        if (!request.isObject()) {
            throw new CaptureValidationException("Failed to decode request: the body is not a JSON object");
        }
        String token = text(request.get("token"));
        if (token == null) {
            token = text(request.get("api_key"));
        }
        if (token == null || token.isEmpty()) {
            throw AuthenticationException.failed(NO_TOKEN);
        }
        return tokens.teamIdOf(token)
                .onItem().ifNull().failWith(() -> AuthenticationException.failed(BAD_TOKEN))
                .call(metering::admitCapture)
                .invoke(teamId -> distinctId(request.get("distinct_id")))
                .map(teamId -> answer(flagsShape));
    }

    /** The distinct id being evaluated, as PostHog's flag service reads it: a string or a number, never empty. */
    private static String distinctId(JsonNode value) {
        if (value == null || value.isNull()) {
            throw new CaptureValidationException(NO_DISTINCT_ID);
        }
        String id = value.isTextual() ? value.textValue() : value.isNumber() ? value.asText() : null;
        if (id == null) {
            throw new CaptureValidationException(NO_DISTINCT_ID);
        }
        if (id.isEmpty()) {
            throw new CaptureValidationException(EMPTY_DISTINCT_ID);
        }
        return id;
    }

    private ObjectNode answer(boolean flagsShape) {
        ObjectNode out = mapper.createObjectNode();
        if (flagsShape) {
            out.putObject("flags");
        } else {
            out.putObject("featureFlags");
            out.putObject("featureFlagPayloads");
        }
        out.put("errorsWhileComputingFlags", false);
        out.put("requestId", UUID.randomUUID().toString());
        return out;
    }

    private static String text(JsonNode value) {
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    /** The {@code v} query parameter as a number; absent or not a number: 1, PostHog's default. */
    private static int version(String v) {
        if (v == null) {
            return 1;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}

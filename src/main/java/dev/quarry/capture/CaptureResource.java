package dev.quarry.capture;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.time.Clock;
import java.util.Map;

/** PostHog's capture endpoints, as its SDKs call them. The project is named by its public token. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@dev.quarry.web.NulCharactersAccepted
public class CaptureResource {
    private static final Map<String, Integer> OK = Map.of("status", 1);

    private final CapturePayloadParser parser;
    private final ProjectTokens tokens;
    private final EventIngestor ingestor;
    private final Metering metering;
    @jakarta.inject.Inject Clock clock;

    public CaptureResource(ObjectMapper mapper, ProjectTokens tokens, EventIngestor ingestor, Metering metering) {
        this.parser = new CapturePayloadParser(mapper);
        this.tokens = tokens;
        this.ingestor = ingestor;
        this.metering = metering;
    }

    @POST
    @Path("batch")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    public Uni<Map<String, Integer>> batch(byte[] body, @HeaderParam("Content-Encoding") String contentEncoding,
                                           @QueryParam("compression") String compression) {
        return capture(body, contentEncoding, compression);
    }

    @POST
    @Path("capture")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    public Uni<Map<String, Integer>> captureEndpoint(byte[] body, @HeaderParam("Content-Encoding") String contentEncoding,
                                                     @QueryParam("compression") String compression) {
        return capture(body, contentEncoding, compression);
    }

    @POST
    @Path("e")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    public Uni<Map<String, Integer>> e(byte[] body, @HeaderParam("Content-Encoding") String contentEncoding,
                                       @QueryParam("compression") String compression) {
        return capture(body, contentEncoding, compression);
    }

    @POST
    @Path("i/v0/e")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    public Uni<Map<String, Integer>> ingestV0(byte[] body, @HeaderParam("Content-Encoding") String contentEncoding,
                                              @QueryParam("compression") String compression) {
        return capture(body, contentEncoding, compression);
    }

    @POST
    @Path("track")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    public Uni<Map<String, Integer>> track(byte[] body, @HeaderParam("Content-Encoding") String contentEncoding,
                                           @QueryParam("compression") String compression) {
        return capture(body, contentEncoding, compression);
    }

    private Uni<Map<String, Integer>> capture(byte[] body, String contentEncoding, String compression) {
        CaptureBatch batch = parser.parse(body, contentEncoding, compression, clock.instant());
        return tokens.teamIdOf(batch.token())
                .onItem().ifNull().failWith(() -> AuthenticationException.failed(
                        "Project API key invalid. You can find your project API key in your project settings."))
                .call(teamId -> metering.admitCapture(teamId))
                .flatMap(teamId -> ingestor.ingest(teamId, batch.events(), batch.warnings()))
                .map(stored -> OK);
    }
}

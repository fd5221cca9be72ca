package dev.quarry.ingestionwarnings;

import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.web.ApiPaths;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.OffsetDateTime;

/**
 * {@code GET /api/projects/:id/ingestion_warnings[?q=text]}: what capture fixed or refused in this project over the
 * last 30 days, grouped by warning type ({@link IngestionWarnings.Summaries}). PostHog declares the
 * {@code ingestion_warning} scope object for its ingestion warnings API, so a key needs {@code ingestion_warning:read}.
 */
@Path(ApiPaths.PROJECT + "/ingestion_warnings")
@Produces(MediaType.APPLICATION_JSON)
public class IngestionWarningsResource {
    @jakarta.inject.Inject java.time.Clock clock;
    private final RequestAuth auth;
    private final IngestionWarnings warnings;

    public IngestionWarningsResource(RequestAuth auth, IngestionWarnings warnings) {
        this.auth = auth;
        this.warnings = warnings;
    }

    @GET
    @RequiresScopes("ingestion_warning:read")
    public Uni<IngestionWarnings.Summaries> list(@QueryParam("q") String search) {
        return warnings.list(auth.teamId(), search == null || search.isEmpty() ? null : search,
                OffsetDateTime.now(clock));
    }
}

package dev.quarry.auth;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.quarry.data.ApiKey;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.OffsetDateTime;
import java.util.List;

/** What PostHog's clients ask first: which key is this, and what may it do. */
@Path("/api/personal_api_keys/@current")
@Produces(MediaType.APPLICATION_JSON)
public class CurrentKeyResource {
    private final RequestAuth auth;

    public CurrentKeyResource(RequestAuth auth) {
        this.auth = auth;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record KeyView(String id, String label, String maskValue, OffsetDateTime createdAt,
                          OffsetDateTime lastUsedAt, long userId, List<String> scopes, List<Long> scopedTeams,
                          List<String> scopedOrganizations) {
    }

    @GET
    @RequiresScopes
    public KeyView current() {
        ApiKey key = auth.key();
        return new KeyView(key.id(), key.label(), key.maskValue(), key.createdAt(), key.lastUsedAt(), key.userId(),
                key.scopes(), key.scopedTeams(), key.scopedOrganizations());
    }
}

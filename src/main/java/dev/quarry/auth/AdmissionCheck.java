package dev.quarry.auth;

import dev.quarry.data.ApiKey;
import dev.quarry.data.Team;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;

/**
 * A check {@link AuthFilter} runs once a key is let in, before the endpoint does any work (quotas and rate
 * limits: dev.quarry.metering). Part of the auth filter rather than a filter of its own, because the order of
 * body-reading request filters is not reliable across Quarkus versions (quarkusio/quarkus#54947).
 */
public interface AdmissionCheck {
    /** @param team the project in the URL, or null on endpoints without one; fails the call by failing the Uni */
    Uni<Void> admit(ContainerRequestContext request, ApiKey key, Team team);
}

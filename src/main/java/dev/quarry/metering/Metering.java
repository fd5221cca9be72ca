package dev.quarry.metering;

import io.quarkus.arc.Arc;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.ContextNotActiveException;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** What resources call: capture names its project here (and is held to its quota); query costs are collected. */
@ApplicationScoped
public class Metering {
    private final MeteredCall call;
    private final Limits limits;
    private final boolean enabled;

    public Metering(MeteredCall call, Limits limits,
                    @ConfigProperty(name = "quarry.metering.enabled", defaultValue = "true") boolean enabled) {
        this.call = call;
        this.limits = limits;
        this.enabled = enabled;
    }

    /**
     * Capture, once its token named the project: meters the call for it; 429 when its capture quota is used up
     * (the project's answer kept for a few seconds: {@link Limits#admitCapture}).
     */
    public Uni<Void> admitCapture(long teamId) {
        if (!enabled) {
            return Uni.createFrom().voidItem();
        }
        call.forTeam(teamId);
        return limits.admitCapture(teamId);
    }

    /**
     * Hands a write to the current HTTP call, which sends it with the call's meter row (one round trip for both,
     * before the response goes out). False when there is no such call (async worker, background work), metering
     * is off, or the call's meter row has already gone out: the caller then writes it itself.
     */
    public boolean defer(Meter.Write write) {
        if (!enabled || !Arc.container().requestContext().isActive()) {
            return false;
        }
        try {
            return call.defer(write);
        } catch (ContextNotActiveException e) {
            return false;
        }
    }

    /** Adds a user query's cost to the HTTP call running it; queries run outside a call (async worker) are not. */
    void onQuery(@Observes QueryCost cost) {
        if (!enabled || !Arc.container().requestContext().isActive()) {
            return;
        }
        try {
            call.add(cost);
        } catch (ContextNotActiveException e) {
            // the call that started this query has ended (in-process async run): nothing to add it to
        }
    }
}

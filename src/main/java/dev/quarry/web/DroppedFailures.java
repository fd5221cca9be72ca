package dev.quarry.web;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Failures Mutiny drops (a second statement of a request failing after the first failure already answered it, e.g.
 * both halves of a list refused with 429 by the project's query limits) are logged by what they are: a client's
 * refusal ({@link ApiException}: 4xx, 429, 504) at DEBUG, anything else at ERROR as Quarkus logs them. Quarkus's own
 * handler logs every one at ERROR, so a tenant flooding its own limits filled the operator's error log at will (the
 * breaker's F5 of 2026-12-06).
 */
@ApplicationScoped
public class DroppedFailures {
    private static final Logger LOG = Logger.getLogger(DroppedFailures.class);

    void onStart(@Observes StartupEvent event) {
        Infrastructure.setDroppedExceptionHandler(DroppedFailures::log);
    }

    static void log(Throwable failure) {
        if (isRefusal(failure)) {
            LOG.debugf("A request's further refusal was dropped: %s", failure.getMessage());
        } else {
            LOG.error("Mutiny had to drop the following exception", failure);
        }
    }

    /** Whether the failure (or what it wraps) is an answer to the client rather than a fault. */
    static boolean isRefusal(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ApiException) {
                return true;
            }
        }
        return false;
    }
}

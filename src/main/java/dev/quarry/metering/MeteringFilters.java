package dev.quarry.metering;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.RequestAuth;
import dev.quarry.data.ApiKey;
import dev.quarry.data.Team;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Metering at the edge: notes when a call starts, and before the response is sent writes the call's meter row
 * (the response waits for the INSERT, so a frozen or recycled Lambda cannot lose it), pipelined on one connection
 * with the writes the call deferred to its end ({@link Metering#defer}: the query log rows of its statements), so
 * that they cost one round trip together. Query answers get what they cost. Quotas and rate limits are
 * {@link Admission}, run by the auth filter.
 *
 * <p>If the meter row cannot be written the answer still goes out unchanged, and the row waits to be written again
 * ({@link MeterRetry}); when too many wait, the call is logged at ERROR with everything the row would have held
 * ("call not metered: …") for reconciliation from the logs.
 */
public class MeteringFilters {
    private static final Logger LOG = Logger.getLogger(MeteringFilters.class);
    static final String STARTED = "quarry.metering.started";
    private static final String RECORDED = "quarry.metering.recorded";

    private final RequestAuth auth;
    private final MeteredCall call;
    private final Meter meter;
    private final boolean enabled;
    private final MeterRetry retry;

    public MeteringFilters(RequestAuth auth, MeteredCall call, Meter meter, MeterRetry retry,
                           @ConfigProperty(name = "quarry.metering.enabled", defaultValue = "true") boolean enabled) {
        this.retry = retry;
        this.auth = auth;
        this.call = call;
        this.meter = meter;
        this.enabled = enabled;
    }

    @ServerRequestFilter(preMatching = true)
    public void start(ContainerRequestContext request) {
        request.setProperty(STARTED, System.nanoTime());
        if (enabled) {
            call.open();
        }
    }

    @ServerResponseFilter
    public Uni<Void> record(ContainerRequestContext request, ContainerResponseContext response) {
        if (!enabled || request.getProperty(RECORDED) != null) {
            return Uni.createFrom().voidItem();
        }
        request.setProperty(RECORDED, Boolean.TRUE);
        java.util.List<Meter.Write> writes = call.close();
        EndpointGroup group = EndpointGroup.of(request.getUriInfo().getPath());
        if (group == null) {
            return meter.write(writes, MeteringFilters::writeFailed).onFailure().recoverWithItem(failure -> {
                writes.forEach(write -> writeFailed(write, failure));
                return null;
            });
        }
        Object started = request.getProperty(STARTED);
        long durationMs = started instanceof Long nanos ? (System.nanoTime() - nanos) / 1_000_000 : 0;
        int status = response.getStatus();
        Long teamId = call.teamId();
        if (teamId == null) {
            Team team = auth.teamIfAuthorized();
            teamId = team == null ? null : team.id();
        }
        ApiKey key = auth.key();
        boolean ranQueries = call.ranQueries();
        long rows = ranQueries ? call.rowsReturned() : 0;
        // a CORS preflight is the browser's, answered before any resource runs: recorded, never billed
        boolean preflight = "OPTIONS".equals(request.getMethod());
        long units = preflight ? 0 : BillableUnits.of(status, rows);
        Meter.Call metered = new Meter.Call(teamId, key == null ? null : key.id(), group, request.getMethod(), status,
                durationMs, ranQueries ? rows : null, call.rowsRead(), ranQueries ? call.dbMs() : null,
                !preflight && BillableUnits.billable(status), units);
        if (group == EndpointGroup.QUERY && metered.billable() && response.getEntity() instanceof ObjectNode body
                && body.has("results")) {
            body.put("rows_read", call.rowsRead());
            body.put("db_ms", call.dbMs());
            body.put("billable_units", units);
        }
        return meter.record(metered, writes, MeteringFilters::writeFailed).onFailure().recoverWithItem(failure -> {
            if (retry.offer(metered)) {
                LOG.warnf(failure, "call not metered yet, its row is written again shortly: %s", metered);
            } else {
                LOG.errorf(failure, "call not metered: %s", metered);
            }
            return null;
        });
    }

    private static void writeFailed(Meter.Write write, Throwable failure) {
        LOG.errorf(failure, "deferred write lost: %s", write);
    }
}

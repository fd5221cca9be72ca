package dev.quarry.projects;

import dev.quarry.capture.RollupFolding;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/**
 * The schedule's way in on AWS (EventBridge → persons function): fold the person rollups' deltas
 * ({@link RollupFolding}). Needs {@code X-Quarry-Operator-Secret} (401/403 otherwise, as the other internal routes);
 * answers {@code {"folded": <delta rows moved>}}.
 */
@Path("/internal/rollups/fold")
@Produces(MediaType.APPLICATION_JSON)
public class InternalRollupResource {
    private final RollupFolding folding;
    private final OperatorSecret operatorSecret;

    public InternalRollupResource(RollupFolding folding, OperatorSecret operatorSecret) {
        this.folding = folding;
        this.operatorSecret = operatorSecret;
    }

    @POST
    public Uni<Map<String, Long>> fold(@HeaderParam("X-Quarry-Operator-Secret") String secret) {
        operatorSecret.check(secret);
        return folding.fold().map(count -> Map.of("folded", count));
    }
}

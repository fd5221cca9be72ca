package dev.quarry.cohorts;

import dev.quarry.projects.OperatorSecret;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** The schedule's way in on AWS (EventBridge → persons function): recalculate every dynamic cohort. */
@Path("/internal/cohorts/recalculate")
@Produces(MediaType.APPLICATION_JSON)
public class InternalCohortResource {
    private final CohortRecalculation recalculation;
    private final OperatorSecret operatorSecret;

    public InternalCohortResource(CohortRecalculation recalculation, OperatorSecret operatorSecret) {
        this.recalculation = recalculation;
        this.operatorSecret = operatorSecret;
    }

    @POST
    public Uni<Map<String, Integer>> recalculate(@HeaderParam("X-Quarry-Operator-Secret") String secret) {
        operatorSecret.check(secret);
        return recalculation.recalculateAll().map(count -> Map.of("recalculated", count));
    }
}

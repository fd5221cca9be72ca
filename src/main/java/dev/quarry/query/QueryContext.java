package dev.quarry.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.data.Team;
import java.time.Instant;

/**
 * What a runner knows while it builds its {@link QueryPlan}: the team (id, timezone, week start, test-account
 * filters, display-name properties), the JSON mapper for its answer, and the run's "now" (from the injected clock).
 * It holds no executor and no compiler: a runner's statements reach the database only through the plan it returns,
 * which {@link QueryPlans} compiles and runs.
 */
public record QueryContext(Team team, ObjectMapper mapper, Instant now) {
}

package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * PostHog's {@code FunnelsActorsQuery}: the actors of one cell of the funnel {@code source}. {@code funnelStep} N &gt; 0
 * = reached step N; −N = reached step N−1 but not N; absent = every actor who entered. {@code funnelStepBreakdown}
 * keeps one breakdown value (a value, or a list whose first item is the value). For a trends funnel,
 * {@code funnelTrendsEntrancePeriodStart} picks the entry period and {@code funnelTrendsDropOff} the actors who did not
 * convert. {@code funnelCustomSteps} lists the furthest steps whose actors are wanted; {@code includeRecordings} is the ActorsQuery's concern
 * (its {@code matched_recordings} column) and accepted. {@code limit} (default 100, at most 50,000) and
 * {@code offset} page the actors when the node is run as its own kind (Quarry's; PostHog runs it under an
 * ActorsQuery).
 */
@RegisterForReflection
public record FunnelsActorsQuery(String kind, FunnelsQuery source, Integer funnelStep, JsonNode funnelStepBreakdown,
                                 String funnelTrendsEntrancePeriodStart, Boolean funnelTrendsDropOff,
                                 JsonNode funnelCustomSteps, JsonNode includeRecordings, JsonNode modifiers,
                                 JsonNode response, JsonNode tags, JsonNode version,
                                 Integer limit, Integer offset) implements ActorsQuery.FunnelActorsSource {
}

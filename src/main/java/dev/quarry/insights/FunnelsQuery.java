package dev.quarry.insights;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.schema.BreakdownFilter;
import dev.quarry.query.schema.DateRange;
import dev.quarry.query.schema.EventsNode;
import dev.quarry.query.schema.PropertyFilter;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * PostHog's {@code FunnelsQuery}: its steps ({@code series}, EventsNodes, 1 … 20), {@code funnelsFilter},
 * {@code breakdownFilter} (one breakdown: event, person, hogql or cohorts), {@code dateRange} (default {@code -7d}),
 * {@code interval} (funnel trends' periods), the insight-wide {@code properties} and {@code filterTestAccounts}.
 * {@code aggregation_group_type_index} (0 … 4: the funnel follows groups of that type, {@code FunnelPlan#actorField});
 * {@code samplingFactor} parses but is refused unless off; the rest is bookkeeping PostHog's clients send.
 */
@RegisterForReflection
public record FunnelsQuery(String kind, List<EventsNode> series, FunnelsFilter funnelsFilter,
                           BreakdownFilter breakdownFilter,
                           DateRange dateRange, String interval, PropertyFilter properties,
                           Boolean filterTestAccounts,
                           @JsonProperty("aggregation_group_type_index") JsonNode aggregationGroupTypeIndex,
                           JsonNode samplingFactor, JsonNode modifiers, JsonNode response, JsonNode tags,
                           JsonNode version, JsonNode name, JsonNode dataColorTheme, JsonNode useSessionsTable,
                           JsonNode conversionGoal) implements InsightQuery {
    /** Cached answers go stale by {@code interval}. Null is "day". */
    @Override
    public String cacheInterval() {
        return interval;
    }


    /** The funnels filter, PostHog's defaults when absent. */
    public FunnelsFilter filter() {
        return funnelsFilter == null ? FunnelsFilter.DEFAULT : funnelsFilter;
    }
}

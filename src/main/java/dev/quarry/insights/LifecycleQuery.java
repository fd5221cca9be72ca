package dev.quarry.insights;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.schema.Choices;
import dev.quarry.query.schema.DateRange;
import dev.quarry.query.schema.DisplayOnly;
import dev.quarry.query.schema.EventsNode;
import dev.quarry.query.schema.PropertyFilter;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;
import java.util.Map;

/**
 * PostHog's {@code LifecycleQuery}: one series, its {@code dateRange} (default {@code -7d}) and {@code interval}
 * (default day), the insight-wide {@code properties} and {@code filterTestAccounts}, and
 * {@code aggregation_group_type_index} (0 … 4: the lifecycle of groups of that type). {@code breakdownFilter} and
 * {@code samplingFactor} parse but are refused unless off; the rest is
 * bookkeeping PostHog's clients send ({@code modifiers} is echoed back).
 */
@RegisterForReflection
public record LifecycleQuery(String kind, DateRange dateRange, PropertyFilter properties, Boolean filterTestAccounts,
                             List<EventsNode> series, String interval, LifecycleFilter lifecycleFilter,
                             JsonNode breakdownFilter,
                             @JsonProperty("aggregation_group_type_index") JsonNode aggregationGroupTypeIndex,
                             JsonNode samplingFactor, JsonNode modifiers, JsonNode response, JsonNode tags,
                             JsonNode version, JsonNode name, JsonNode dataColorTheme, JsonNode useSessionsTable,
                             JsonNode conversionGoal) implements InsightQuery {
    /** Cached answers go stale by {@code interval}. Null is "day". */
    @Override
    public String cacheInterval() {
        return interval;
    }


    /** PostHog's {@code LifecycleFilter}: display fields only (toggledLifecycles, showLegend, stacked …). */
    @RegisterForReflection
    public record LifecycleFilter(@JsonAnySetter Map<String, JsonNode> chart) {
        public LifecycleFilter {
            chart = DisplayOnly.check(chart, "LifecycleQuery.lifecycleFilter");
        }
    }
}

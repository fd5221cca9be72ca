package dev.quarry.insights;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.schema.Choices;
import dev.quarry.query.schema.CompareFilter;
import dev.quarry.query.schema.DateRange;
import dev.quarry.query.schema.DisplayOnly;
import dev.quarry.query.schema.EventsNode;
import dev.quarry.query.schema.PropertyFilter;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;
import java.util.Map;

/**
 * PostHog's {@code StickinessQuery}: its series, {@code dateRange} (default {@code -7d}), {@code interval} (default
 * day) and {@code intervalCount} (intervals grouped, default 1), {@code stickinessFilter} and {@code compareFilter}.
 * {@code breakdownFilter}, {@code aggregation_group_type_index} and {@code samplingFactor} parse but are refused
 * unless off.
 */
@RegisterForReflection
public record StickinessQuery(String kind, DateRange dateRange, PropertyFilter properties, Boolean filterTestAccounts,
                              List<EventsNode> series, String interval, Integer intervalCount,
                              StickinessFilter stickinessFilter, CompareFilter compareFilter, JsonNode breakdownFilter,
                              @JsonProperty("aggregation_group_type_index") JsonNode aggregationGroupTypeIndex,
                              JsonNode samplingFactor, JsonNode modifiers, JsonNode response, JsonNode tags,
                              JsonNode version, JsonNode name, JsonNode dataColorTheme, JsonNode useSessionsTable,
                              JsonNode conversionGoal) implements InsightQuery {
    /** Cached answers go stale by {@code interval}. Null is "day". */
    @Override
    public String cacheInterval() {
        return interval;
    }


    /**
     * PostHog's {@code StickinessFilter}: {@code computedAs} ({@code non_cumulative}, default, or
     * {@code cumulative}: "N or more"), {@code stickinessCriteria} (an actor counts in an interval when its event
     * count is {@code gte}/{@code lte}/{@code exact} {@code value}), and display fields.
     */
    @RegisterForReflection
    public record StickinessFilter(String computedAs, StickinessCriteria stickinessCriteria,
                                   @JsonAnySetter Map<String, JsonNode> chart) {
        public StickinessFilter {
            Choices.check(computedAs, "StickinessQuery.stickinessFilter", "computedAs", Choices.STICKINESS_COMPUTATION);
            chart = DisplayOnly.check(chart, "StickinessQuery.stickinessFilter");
        }

        public boolean cumulative() {
            return "cumulative".equals(computedAs);
        }
    }

    /** {@code {operator: gte|lte|exact, value}}. */
    @RegisterForReflection
    public record StickinessCriteria(String operator, Long value) {
    }
}

package dev.quarry.query.schema;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * PostHog's {@code BreakdownFilter} (schema.py, {@code extra="forbid"}): the single form {@code breakdown} (a
 * property name, a HogQL expression, a cohort id, or a list of those) with {@code breakdown_type} (default
 * {@code event}), or the list form {@code breakdowns} (at most three {@link Entry}s); {@code breakdown_limit}
 * (values shown, default 25) and {@code breakdown_hide_other_aggregation}. URL normalising, histogram bins, group
 * breakdowns and path cleaning are declared so that they parse; {@code insights.Breakdown}, the one reader of this
 * record, refuses them unless off.
 */
@RegisterForReflection
public record BreakdownFilter(JsonNode breakdown,
                              @JsonProperty("breakdown_type") String breakdownType,
                              @JsonProperty("breakdown_limit") Integer breakdownLimit,
                              @JsonProperty("breakdown_hide_other_aggregation") Boolean breakdownHideOtherAggregation,
                              @JsonProperty("breakdown_normalize_url") Boolean breakdownNormalizeUrl,
                              @JsonProperty("breakdown_histogram_bin_count") Integer breakdownHistogramBinCount,
                              @JsonProperty("breakdown_group_type_index") Integer breakdownGroupTypeIndex,
                              @JsonProperty("breakdown_path_cleaning") Boolean breakdownPathCleaning,
                              List<Entry> breakdowns) {
    public BreakdownFilter {
        Choices.check(breakdownType, "breakdownFilter", "breakdown_type", Choices.BREAKDOWN_TYPE);
    }

    /**
     * PostHog's {@code Breakdown}, one entry of {@code breakdowns}: {@code property} (a name, an expression or a
     * cohort id) and {@code type} (default {@code event}); {@code normalize_url}, {@code histogram_bin_count} and
     * {@code group_type_index} parse and are refused unless off.
     */
    @RegisterForReflection
    public record Entry(JsonNode property, String type,
                        @JsonProperty("normalize_url") Boolean normalizeUrl,
                        @JsonProperty("histogram_bin_count") Integer histogramBinCount,
                        @JsonProperty("group_type_index") Integer groupTypeIndex) {
    }
}

package dev.quarry.insights;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.schema.DateRange;
import dev.quarry.query.schema.PropertyFilter;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * PostHog's {@code PathsQuery} (posthog/schema.py): {@code pathsFilter} (see {@link PathsFilter}), {@code dateRange}
 * (default {@code -7d}), the insight-wide {@code properties} and {@code filterTestAccounts}.
 * {@code funnelPathsFilter} (paths around a funnel step), {@code aggregation_group_type_index} and
 * {@code samplingFactor} parse but are refused unless off; the rest is bookkeeping PostHog's clients send.
 */
@RegisterForReflection
public record PathsQuery(String kind, DateRange dateRange, PropertyFilter properties, Boolean filterTestAccounts,
                         PathsFilter pathsFilter, JsonNode funnelPathsFilter,
                         @JsonProperty("aggregation_group_type_index") JsonNode aggregationGroupTypeIndex,
                         JsonNode samplingFactor, JsonNode modifiers, JsonNode response, JsonNode tags,
                         JsonNode version, JsonNode name, JsonNode dataColorTheme, JsonNode useSessionsTable,
                         JsonNode conversionGoal) implements InsightQuery {
    /** Paths have no interval: cached answers go stale as a day's do. */
    @Override
    public String cacheInterval() {
        return null;
    }


    /** The paths filter, or PostHog's defaults when absent. */
    public PathsFilter filter() {
        return pathsFilter == null ? PathsFilter.NONE : pathsFilter;
    }

    /**
     * PostHog's {@code PathsFilter}. The path: {@code includeEventTypes} ({@code $pageview}, {@code $screen},
     * {@code custom_event}, {@code hogql}; none = every event), {@code pathsHogQLExpression} (the item of an event when
     * {@code hogql} is asked for), {@code excludeEvents} (path items dropped), {@code localPathCleaningFilters}
     * (regex → alias, applied in order), {@code pathReplacements} (also apply the project's cleaning filters: a
     * Quarry project has none, so it changes nothing), {@code pathGroupings} (wildcard {@code *} patterns: a
     * matching item becomes the pattern), {@code startPoint} / {@code endPoint}, {@code stepLimit} (default 5).
     * The answer: {@code edgeLimit} (default 50), {@code minEdgeWeight} / {@code maxEdgeWeight}. The actors of a cell
     * (only read by paths actors): {@code pathStartKey}, {@code pathEndKey}, {@code pathDropoffKey}.
     * {@code showFullUrls} only changes the drawing.
     */
    @RegisterForReflection
    public record PathsFilter(Integer edgeLimit, String endPoint, List<String> excludeEvents,
                              List<String> includeEventTypes, List<PathCleaningFilter> localPathCleaningFilters,
                              Long maxEdgeWeight, Long minEdgeWeight, String pathDropoffKey, String pathEndKey,
                              List<String> pathGroupings, Boolean pathReplacements, String pathStartKey,
                              String pathsHogQLExpression, String startPoint, Integer stepLimit,
                              JsonNode showFullUrls) {
        static final PathsFilter NONE = new PathsFilter(null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null);
    }

    /**
     * PostHog's {@code PathCleaningFilter}: every match of {@code regex} in a path item is replaced by {@code alias}
     * (ClickHouse's {@code replaceRegexpAll}: {@code \1} … refer to groups, {@code \0} to the whole match).
     */
    @RegisterForReflection
    public record PathCleaningFilter(String alias, String regex) {
    }
}

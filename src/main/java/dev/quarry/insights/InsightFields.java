package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Set;

/**
 * Which fields of PostHog's insight query schema (schema-general.ts) each Quarry runner computes, which only change
 * the drawing, and which it does not compute (accepted only at their "off" value, else a 400 naming them): see
 * {@link QueryFields}. The retention, paths and actors runners keep their own lists beside their parsing.
 */
public final class InsightFields {
    private InsightFields() {
    }

    static final Set<String> INSIGHT = Set.of("kind", "dateRange", "properties", "filterTestAccounts", "series",
            "interval", "breakdownFilter");
    static final Map<String, Set<String>> INSIGHT_OFF = Map.of("aggregation_group_type_index", Set.of(),
            "samplingFactor", Set.of("1", "1.0"));

    /** Display-only fields shared by the chart filters (axis formats, legends, colours, goal lines). */
    static final Set<String> CHART_DISPLAY = Set.of("display", "showLegend", "showValuesOnSeries",
            "showPercentStackView", "showLabelsOnSeries", "showMultipleYAxes", "showTrendLines",
            "showAlertThresholdLines", "yAxisScaleType", "hiddenLegendIndexes", "hiddenLegendBreakdowns",
            "resultCustomizationBy", "resultCustomizations", "goalLines", "aggregationAxisFormat",
            "aggregationAxisPostfix", "aggregationAxisPrefix", "decimalPlaces", "minDecimalPlaces",
            "showConfidenceIntervals", "confidenceLevel", "showMovingAverage", "movingAverageIntervals",
            "detailedResultsAggregationType", "stacked", "toggledLifecycles", "layout", "funnelStepReference",
            "useUdf", "showMean", "breakdownSorting");

    public static void trends(JsonNode q) {
        QueryFields.check(q, plus(INSIGHT, "trendsFilter", "compareFilter"), Set.of(), INSIGHT_OFF, "TrendsQuery");
        QueryFields.check(q.get("trendsFilter"), Set.of("display", "formula", "formulaNodes"), CHART_DISPLAY,
                Map.of("formulas", Set.of(), "smoothingIntervals", Set.of("1"),
                        "breakdown_histogram_bin_count", Set.of()), "TrendsQuery.trendsFilter");
        QueryFields.check(q.get("compareFilter"), Set.of("compare", "compare_to"), Set.of(), Map.of(),
                "TrendsQuery.compareFilter");
        breakdown(q.get("breakdownFilter"), "TrendsQuery");
    }

    public static void funnels(JsonNode q) {
        QueryFields.check(q, plus(INSIGHT, "funnelsFilter"), Set.of(), INSIGHT_OFF, "FunnelsQuery");
        QueryFields.check(q.get("funnelsFilter"), Set.of("funnelOrderType", "funnelVizType", "funnelWindowInterval",
                "funnelWindowIntervalUnit", "funnelWindowDays", "exclusions", "breakdownAttributionType",
                "breakdownAttributionValue", "funnelFromStep", "funnelToStep", "binCount"), CHART_DISPLAY,
                Map.of("funnelAggregateByHogQL", Set.of("person_id")), "FunnelsQuery.funnelsFilter");
        breakdown(q.get("breakdownFilter"), "FunnelsQuery");
    }

    public static void lifecycle(JsonNode q) {
        QueryFields.check(q, plus(INSIGHT, "lifecycleFilter"), Set.of(), INSIGHT_OFF, "LifecycleQuery");
        QueryFields.check(q.get("lifecycleFilter"), Set.of(), CHART_DISPLAY, Map.of(), "LifecycleQuery.lifecycleFilter");
        if (q.has("breakdownFilter") && !QueryFields.isOff(q.get("breakdownFilter"))) {
            QueryFields.check(q, Set.of(), Set.of(), Map.of("breakdownFilter", Set.of()), "LifecycleQuery");
        }
    }

    public static void stickiness(JsonNode q) {
        QueryFields.check(q, plus(INSIGHT, "stickinessFilter", "compareFilter", "intervalCount"), Set.of(),
                INSIGHT_OFF, "StickinessQuery");
        QueryFields.check(q.get("stickinessFilter"), Set.of("computedAs", "stickinessCriteria"), CHART_DISPLAY,
                Map.of(), "StickinessQuery.stickinessFilter");
        QueryFields.check(q.get("compareFilter"), Set.of("compare", "compare_to"), Set.of(), Map.of(),
                "StickinessQuery.compareFilter");
        if (q.has("breakdownFilter") && !QueryFields.isOff(q.get("breakdownFilter"))) {
            QueryFields.check(q, Set.of(), Set.of(), Map.of("breakdownFilter", Set.of()), "StickinessQuery");
        }
    }

    /** An EventsNode of a series (or a funnel exclusion, which also carries its step range). */
    public static void series(JsonNode node, boolean exclusion) {
        Set<String> read = Set.of("kind", "event", "name", "custom_name", "math", "math_property", "math_hogql",
                "properties", "fixedProperties");
        QueryFields.check(node, exclusion ? plus(read, "funnelFromStep", "funnelToStep") : read, Set.of(),
                Map.of("math_group_type_index", Set.of(), "math_property_type", Set.of("event_properties"),
                        "math_multiplier", Set.of("1", "1.0"), "math_property_revenue_currency", Set.of(),
                        "optionalInFunnel", Set.of(), "limit", Set.of(), "orderBy", Set.of()), "series");
    }

    static void breakdown(JsonNode bf, String kind) {
        QueryFields.check(bf, Set.of("breakdown", "breakdown_type", "breakdowns", "breakdown_limit"),
                Set.of("breakdown_hide_other_aggregation"), Map.of("breakdown_normalize_url", Set.of(),
                        "breakdown_histogram_bin_count", Set.of(), "breakdown_group_type_index", Set.of()),
                kind + ".breakdownFilter");
    }

    private static Set<String> plus(Set<String> base, String... more) {
        java.util.HashSet<String> s = new java.util.HashSet<>(base);
        s.addAll(java.util.List.of(more));
        return Set.copyOf(s);
    }
}

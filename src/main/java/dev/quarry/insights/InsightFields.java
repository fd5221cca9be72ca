package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Set;

/**
 * Which fields of PostHog's insight query schema (schema-general.ts) each Quarry runner computes, which only change
 * the drawing, and which it does not compute (accepted only at their "off" value, else a 400 naming them): see
 * {@link QueryFields}. The paths runner keeps its own list beside its parsing; retention, events and actors are records.
 */
public final class InsightFields {
    private InsightFields() {
    }

    static final Set<String> INSIGHT = Set.of("kind", "dateRange", "properties", "filterTestAccounts", "series",
            "interval", "breakdownFilter");
    static final Map<String, Set<String>> INSIGHT_OFF = Map.of("aggregation_group_type_index", Set.of(),
            "samplingFactor", Set.of("1", "1.0"));

    /** Display-only fields shared by the chart filters (axis formats, legends, colours, goal lines). */
    static final Set<String> CHART_DISPLAY = dev.quarry.query.schema.DisplayOnly.CHART;

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

    /** The breakdown filter's fields, strictly (PostHog's {@code BreakdownFilter}); {@link Breakdown} reads it. */
    static void breakdown(JsonNode bf, String kind) {
        if (bf != null && !bf.isNull()) {
            dev.quarry.query.schema.QuerySchema.parse(bf, dev.quarry.query.schema.BreakdownFilter.class,
                    kind + ".breakdownFilter");
        }
    }

    private static Set<String> plus(Set<String> base, String... more) {
        java.util.HashSet<String> s = new java.util.HashSet<>(base);
        s.addAll(java.util.List.of(more));
        return Set.copyOf(s);
    }
}

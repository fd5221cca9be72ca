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

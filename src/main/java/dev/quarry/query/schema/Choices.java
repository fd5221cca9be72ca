package dev.quarry.query.schema;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.web.JsonErrors;
import dev.quarry.web.ValidationException;
import java.util.List;
import java.util.Map;

/**
 * The allowed values of PostHog's string enums (schema.py {@code StrEnum}s) for query fields that Quarry keeps as
 * text, and the one check of them: a value outside the list (or not a string) is a 400 naming the field, worded as
 * pydantic words it ("Input should be 'ActionsLineGraph', 'ActionsBar', … or 'CalendarHeatmap'").
 */
public final class Choices {
    /** {@code ChartDisplayType}, as PostHog's current schema lists it. */
    public static final List<String> CHART_DISPLAY = List.of("Auto", "ActionsLineGraph", "ActionsBar",
            "ActionsUnstackedBar", "ActionsStackedBar", "ActionsAreaGraph", "ActionsLineGraphCumulative", "BoldNumber",
            "Metric", "ActionsPie", "ActionsDonut", "ActionsBarValue", "ActionsTable", "WorldMap", "CalendarHeatmap",
            "TwoDimensionalHeatmap", "BoxPlot", "SlopeGraph", "ScatterPlot");
    /** {@code BreakdownType}. */
    public static final List<String> BREAKDOWN_TYPE = List.of("cohort", "person", "event", "event_metadata", "group",
            "session", "hogql", "data_warehouse", "data_warehouse_person_property", "revenue_analytics");
    /** {@code BreakdownAttributionType}. */
    public static final List<String> BREAKDOWN_ATTRIBUTION = List.of("first_touch", "last_touch", "all_events", "step");
    /** {@code StickinessComputationMode}. */
    public static final List<String> STICKINESS_COMPUTATION = List.of("non_cumulative", "cumulative");
    /** {@code MeanRetentionCalculation}. */
    public static final List<String> MEAN_RETENTION = List.of("simple", "weighted", "none");
    /** {@code RetentionReference}. */
    public static final List<String> RETENTION_REFERENCE = List.of("total", "previous");
    /** {@code AggregationType} (a retention's cells: persons, or the sum or average of a property). */
    public static final List<String> AGGREGATION_TYPE = List.of("count", "sum", "avg");
    /** {@code AggregationPropertyType}: where a retention's aggregation property is read. */
    public static final List<String> AGGREGATION_PROPERTY_TYPE = List.of("event", "person", "data_warehouse");

    /** The display-only chart fields typed by a PostHog enum (a list of them for {@code toggledLifecycles}). */
    static final Map<String, List<String>> CHART_FIELDS = Map.of(
            "display", CHART_DISPLAY,
            "aggregationAxisFormat", List.of("numeric", "duration", "duration_ms", "percentage", "percentage_scaled",
                    "currency"),
            "yAxisScaleType", List.of("log10", "linear"),
            "detailedResultsAggregationType", List.of("total", "average", "median"),
            "layout", List.of("horizontal", "vertical"),
            "funnelStepReference", List.of("total", "previous"),
            "toggledLifecycles", List.of("new", "resurrecting", "returning", "dormant"),
            "metricSummary", List.of("total", "average", "latest"));
    /** Of {@link #CHART_FIELDS}, those PostHog types as a list of the enum. */
    static final java.util.Set<String> LIST_FIELDS = java.util.Set.of("toggledLifecycles");

    private Choices() {
    }

    /**
     * @param value the field's value (null passes: the field is optional)
     * @throws ValidationException 400 naming {@code field} when the value is not one of {@code allowed}
     */
    public static String check(String value, String where, String field, List<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            throw refused(where, field, allowed);
        }
        return value;
    }

    /** As {@link #check(String, String, String, List)} for a field kept as JSON: a string of the list, or null. */
    public static JsonNode check(JsonNode value, String where, String field, List<String> allowed) {
        if (value != null && !value.isNull() && !(value.isTextual() && allowed.contains(value.asText()))) {
            throw refused(where, field, allowed);
        }
        return value;
    }

    /** A display-only chart field: checked when PostHog types it by an enum ({@link #CHART_FIELDS}). */
    static void checkChartField(String where, String field, JsonNode value) {
        List<String> allowed = CHART_FIELDS.get(field);
        if (allowed == null || value == null || value.isNull()) {
            return;
        }
        if (!LIST_FIELDS.contains(field)) {
            check(value, where, field, allowed);
            return;
        }
        if (!value.isArray()) {
            throw new ValidationException("Invalid value for " + where + "." + field + ": Input should be a valid list",
                    field);
        }
        for (JsonNode item : value) {
            check(item, where, field, allowed);
        }
    }

    private static ValidationException refused(String where, String field, List<String> allowed) {
        return new ValidationException("Invalid value for " + where + "." + field + ": Input should be "
                + JsonErrors.oneOf(allowed.stream().map(v -> "'" + v + "'").toList()), field);
    }
}

package dev.quarry.query.schema;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.web.ValidationException;
import java.util.Map;
import java.util.Set;

/**
 * The fields of PostHog's chart filters that only change how the frontend draws an answer (axis formats, legends,
 * colours, goal lines …): never read, accepted when PostHog's model would (an enum-typed one must hold one of its
 * values, {@link Choices#CHART_FIELDS}). A filter record collects them with {@code @JsonAnySetter}
 * and checks them here, so that a field outside this list is still a 400 naming it.
 */
public final class DisplayOnly {
    /** Display-only fields shared by the chart filters. */
    public static final Set<String> CHART = Set.of("display", "showLegend", "showValuesOnSeries",
            "showPercentStackView", "showLabelsOnSeries", "showMultipleYAxes", "showTrendLines",
            "showAlertThresholdLines", "yAxisScaleType", "hiddenLegendIndexes", "hiddenLegendBreakdowns",
            "resultCustomizationBy", "resultCustomizations", "goalLines", "aggregationAxisFormat",
            "aggregationAxisPostfix", "aggregationAxisPrefix", "decimalPlaces", "minDecimalPlaces",
            "showConfidenceIntervals", "confidenceLevel", "showMovingAverage", "movingAverageIntervals",
            "detailedResultsAggregationType", "stacked", "toggledLifecycles", "layout", "funnelStepReference",
            "useUdf", "showMean", "breakdownSorting",
            // the chart style, legend, axes, annotations and the Metric display's headline / change pill / colours
            "chartStyle", "legendPosition", "showAnnotations", "stackBreakdownValues", "excludeBoxPlotOutliers",
            "xAxisLabel", "yAxisLabel", "yAxisMin", "yAxisMax", "yAxisStartAtZero", "metricSummary",
            "metricShowChange", "metricColorByDirection", "metricChangeIncreaseColor", "metricChangeDecreaseColor",
            "metricLineIncreaseColor", "metricLineDecreaseColor");

    private DisplayOnly() {
    }

    /** @throws ValidationException naming the first field not in {@link #CHART} */
    public static Map<String, JsonNode> check(Map<String, JsonNode> fields, String where) {
        if (fields == null) {
            return Map.of();
        }
        for (String f : fields.keySet()) {
            if (!CHART.contains(f)) {
                throw new ValidationException("Unknown or unsupported field " + where + "." + f, f);
            }
            // not drawn by Quarry, but PostHog's model refuses a value outside its enum (display: "bogus")
            Choices.checkChartField(where, f, fields.get(f));
        }
        return Map.copyOf(fields.entrySet().stream().filter(e -> e.getValue() != null)
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    }
}

package dev.quarry.insights;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.schema.Choices;
import dev.quarry.query.schema.BreakdownFilter;
import dev.quarry.query.schema.CompareFilter;
import dev.quarry.query.schema.DateRange;
import dev.quarry.query.schema.DisplayOnly;
import dev.quarry.query.schema.EventsNode;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;
import java.util.Map;

/**
 * PostHog's {@code TrendsQuery}: its series, {@code dateRange} (default {@code -7d}), {@code interval} (default
 * day), insight-wide {@code properties} and {@code filterTestAccounts}, {@code trendsFilter}, {@code breakdownFilter}
 * (read by {@link Breakdown}) and {@code compareFilter}. {@code aggregation_group_type_index} and
 * {@code samplingFactor} parse but are refused unless off ({@link #checkSupported}); the rest is bookkeeping PostHog's
 * clients send.
 */
@RegisterForReflection
public record TrendsQuery(String kind, DateRange dateRange, PropertyFilter properties, Boolean filterTestAccounts,
                          List<EventsNode> series, String interval, TrendsFilter trendsFilter,
                          BreakdownFilter breakdownFilter, CompareFilter compareFilter,
                          @JsonProperty("aggregation_group_type_index") JsonNode aggregationGroupTypeIndex,
                          JsonNode samplingFactor, JsonNode modifiers, JsonNode response, JsonNode tags,
                          JsonNode version, JsonNode name, JsonNode dataColorTheme, JsonNode useSessionsTable,
                          JsonNode conversionGoal) implements InsightQuery {
    /** Displays PostHog computes with a runner of their own. */
    static final java.util.Set<String> OWN_RUNNER_DISPLAYS = java.util.Set.of("BoxPlot", "SlopeGraph");

    /** Cached answers go stale by {@code interval}. Null is "day". */
    @Override
    public String cacheInterval() {
        return interval;
    }


    /** Refuses the fields Quarry parses but does not compute, unless at their off value (400 naming the field). */
    public void checkSupported() {
        QuerySchema.unsupported("TrendsQuery", "aggregation_group_type_index", aggregationGroupTypeIndex);
        QuerySchema.unsupported("TrendsQuery", "samplingFactor", samplingFactor, "1", "1.0");
        if (trendsFilter != null) {
            QuerySchema.unsupported("TrendsQuery.trendsFilter", "smoothingIntervals", trendsFilter.smoothingIntervals(),
                    "1");
            QuerySchema.unsupported("TrendsQuery.trendsFilter", "breakdown_histogram_bin_count",
                    trendsFilter.breakdownHistogramBinCount());
            // PostHog answers these with runners of their own (BoxPlotTrendsQueryRunner, SlopeGraphTrendsQueryRunner:
            // another result shape), which Quarry does not have: refused rather than answered as a line graph
            if (trendsFilter.display() != null && OWN_RUNNER_DISPLAYS.contains(trendsFilter.display())) {
                QuerySchema.unsupported("TrendsQuery.trendsFilter", "display", trendsFilter.display());
            }
        }
    }

    /** The trends filter, or an empty one. */
    public TrendsFilter filter() {
        return trendsFilter == null ? TrendsFilter.NONE : trendsFilter;
    }

    /** The compare filter, or "off". */
    public CompareFilter compare() {
        return compareFilter == null ? CompareFilter.NONE : compareFilter;
    }

    /**
     * PostHog's {@code TrendsFilter}: {@code display} (a total-value display such as {@code BoldNumber} computes one
     * number per series), {@code formulaNodes}, {@code formulas} or {@code formula} (formulas over the series A, B, …;
     * {@link #formulasToApply()}), and display fields ({@link DisplayOnly}). {@code smoothingIntervals} other than 1 and
     * {@code breakdown_histogram_bin_count} are refused.
     */
    @RegisterForReflection
    public record TrendsFilter(String display, String formula, List<FormulaNode> formulaNodes,
                               List<String> formulas, Integer smoothingIntervals,
                               @JsonProperty("breakdown_histogram_bin_count") Integer breakdownHistogramBinCount,
                               @JsonAnySetter Map<String, JsonNode> displayOnly) {
        static final TrendsFilter NONE = new TrendsFilter(null, null, null, null, null, null, null);

        public TrendsFilter {
            Choices.check(display, "TrendsQuery.trendsFilter", "display", Choices.CHART_DISPLAY);
            displayOnly = DisplayOnly.check(displayOnly, "TrendsQuery.trendsFilter");
        }

        /**
         * The formulas, in PostHog's precedence ({@code TrendsQueryRunner.formula_nodes}): {@code formulaNodes} when
         * given, else one node per {@code formulas} entry, else {@code formula}; empty for none. Each is answered in turn
         * (with compare: the current range's results, then the previous range's).
         *
         * @throws ValidationException 400 naming the field when an entry is not an object with a formula
         */
        public List<FormulaNode> formulasToApply() {
            if (formulaNodes != null && !formulaNodes.isEmpty()) {
                for (FormulaNode node : formulaNodes) {
                    if (node == null || node.formula() == null || node.formula().isBlank()) {
                        throw new ValidationException("Each formula node needs a formula", "formulaNodes");
                    }
                }
                return formulaNodes;
            }
            if (formulas != null && !formulas.isEmpty()) {
                List<FormulaNode> nodes = new java.util.ArrayList<>();
                for (String text : formulas) {
                    if (text == null || text.isBlank()) {
                        throw new ValidationException("Each formula must be a formula over the series", "formulas");
                    }
                    nodes.add(new FormulaNode(text, null));
                }
                return nodes;
            }
            return formula == null || formula.isBlank() ? List.of() : List.of(new FormulaNode(formula, null));
        }
    }

    /** PostHog's {@code TrendsFormulaNode}: a formula over the series ({@code A + B}) and its display name. */
    @RegisterForReflection
    public record FormulaNode(String formula, @JsonProperty("custom_name") String customName) {
        /** PostHog's label of the formula's results: its custom_name, else "Formula (<formula>)". */
        public String label() {
            return customName != null && !customName.isEmpty() ? customName : "Formula (" + formula + ")";
        }
    }
}

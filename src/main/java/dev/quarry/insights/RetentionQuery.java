package dev.quarry.insights;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.schema.Choices;
import dev.quarry.query.schema.BreakdownFilter;
import dev.quarry.query.schema.DateRange;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.web.ValidationException;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * PostHog's {@code RetentionQuery}: its {@code retentionFilter}, {@code dateRange} (the rows: intervals from
 * {@code date_from}'s up to the one holding {@code date_to}; without {@code date_from} the last
 * {@code totalIntervals}), the insight-wide {@code properties} and {@code filterTestAccounts}, and
 * {@code breakdownFilter} (see {@link RetentionBreakdown}), and {@code aggregation_group_type_index} (0 … 4: the
 * retention of groups of that type). {@code samplingFactor} parses but is refused unless off; the rest is bookkeeping
 * PostHog's clients send.
 */
@RegisterForReflection
public record RetentionQuery(String kind, DateRange dateRange, PropertyFilter properties, Boolean filterTestAccounts,
                             RetentionFilter retentionFilter, BreakdownFilter breakdownFilter,
                             @JsonProperty("aggregation_group_type_index") JsonNode aggregationGroupTypeIndex,
                             JsonNode samplingFactor, JsonNode modifiers, JsonNode response, JsonNode tags,
                             JsonNode version, JsonNode name, JsonNode dataColorTheme, JsonNode useSessionsTable,
                             JsonNode conversionGoal) implements InsightQuery {
    /** Cached answers go stale by {@code retentionFilter.period}. Null is "day". */
    @Override
    public String cacheInterval() {
        return retentionFilter == null ? null : retentionFilter.period();
    }


    /**
     * PostHog's {@code RetentionFilter}: {@code period} (Hour, Day — the default —, Week, Month),
     * {@code totalIntervals} (values per row, default 8, 1 … 500), {@code retentionType}
     * ({@code retention_recurring}, the default, or {@code retention_first_time}), the {@code targetEntity} that
     * puts a person in a row and the {@code returningEntity} that counts them back, {@code cumulative} and
     * {@code minimumOccurrences} (returning events needed in an interval, default 1), {@code aggregationType}
     * ({@code count}, the default, or {@code sum} / {@code avg} of {@code aggregationProperty}, read from the event
     * or, with {@code aggregationPropertyType} {@code person}, the person: see {@code RetentionAggregation}).
     * {@code timeWindowMode} (only {@code strict_calendar_dates}) and {@code retentionCustomBrackets} parse but are
     * refused unless off; the others only change the drawing.
     */
    @RegisterForReflection
    public record RetentionFilter(String period, Integer totalIntervals, String retentionType,
                                  RetentionEntity targetEntity, RetentionEntity returningEntity, Boolean cumulative,
                                  Integer minimumOccurrences, JsonNode timeWindowMode, JsonNode aggregationType,
                                  JsonNode retentionCustomBrackets, JsonNode aggregationProperty,
                                  JsonNode aggregationPropertyType, JsonNode retentionReference, JsonNode display,
                                  JsonNode dashboardDisplay, JsonNode meanRetentionCalculation, JsonNode showMean,
                                  JsonNode showTrendLines, JsonNode selectedInterval, JsonNode chartStyle,
                                  JsonNode goalLines, JsonNode cohortLabelStartIndex) {
        public RetentionFilter {
            Choices.check(retentionReference, "RetentionQuery.retentionFilter", "retentionReference",
                    Choices.RETENTION_REFERENCE);
            Choices.check(display, "RetentionQuery.retentionFilter", "display", Choices.CHART_DISPLAY);
            Choices.check(dashboardDisplay, "RetentionQuery.retentionFilter", "dashboardDisplay", Choices.CHART_DISPLAY);
            Choices.check(meanRetentionCalculation, "RetentionQuery.retentionFilter", "meanRetentionCalculation",
                    Choices.MEAN_RETENTION);
            Choices.check(aggregationType, "RetentionQuery.retentionFilter", "aggregationType", Choices.AGGREGATION_TYPE);
            Choices.check(aggregationPropertyType, "RetentionQuery.retentionFilter", "aggregationPropertyType",
                    Choices.AGGREGATION_PROPERTY_TYPE);
            if (aggregationProperty != null && !aggregationProperty.isNull() && !aggregationProperty.isTextual()) {
                throw new ValidationException("Invalid value for RetentionQuery.retentionFilter."
                        + "aggregationProperty: Input should be a valid string", "aggregationProperty");
            }
        }
    }

    /**
     * PostHog's {@code RetentionEntity}: {@code {id, type: "events"}} ({@code id} the event, null for every event)
     * with its own {@code properties}; Quarry also reads an EventsNode's {@code kind} and {@code event}. An action is
     * {@code {id: n, type: "actions"}} or an ActionsNode ({@code RetentionQueryRunner.actionId}).
     */
    @RegisterForReflection
    public record RetentionEntity(JsonNode id, String type, String kind, String event, String name,
                                  @JsonProperty("custom_name") String customName, JsonNode order, JsonNode uuid,
                                  PropertyFilter properties) {
    }
}

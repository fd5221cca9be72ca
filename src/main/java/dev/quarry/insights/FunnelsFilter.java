package dev.quarry.insights;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.schema.Choices;
import dev.quarry.query.schema.DisplayOnly;
import dev.quarry.query.schema.EventsNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;
import java.util.Map;

/**
 * PostHog's {@code FunnelsFilter}. Read: {@code funnelVizType} (steps, time_to_convert, trends; default steps),
 * {@code funnelOrderType} (ordered, strict, unordered; default ordered), {@code funnelWindowInterval} +
 * {@code funnelWindowIntervalUnit} (default 14 days; the legacy {@code funnelWindowDays} when no interval is given),
 * {@code exclusions} (EventsNodes with their {@code funnelFromStep}/{@code funnelToStep}),
 * {@code breakdownAttributionType}/{@code breakdownAttributionValue}, {@code funnelFromStep}/{@code funnelToStep}
 * (0-based, for trends and time to convert) and {@code binCount}. {@code funnelAggregateByHogQL} is refused unless off
 * or {@code person_id} (Quarry aggregates by person). {@code layout}, {@code funnelStepReference},
 * {@code hiddenLegendBreakdowns}, {@code useUdf} and the other chart fields only change the drawing
 * ({@link DisplayOnly}); any other field is a 400 naming it. Values are checked by {@link FunnelPlan}.
 */
@RegisterForReflection
public record FunnelsFilter(String funnelVizType, String funnelOrderType, Long funnelWindowInterval,
                            String funnelWindowIntervalUnit, Long funnelWindowDays, List<EventsNode> exclusions,
                            String breakdownAttributionType, Integer breakdownAttributionValue,
                            Integer funnelFromStep, Integer funnelToStep, Integer binCount,
                            String funnelAggregateByHogQL, @JsonAnySetter Map<String, JsonNode> chart) {
    /** Every field at PostHog's default. */
    public static final FunnelsFilter DEFAULT = new FunnelsFilter(null, null, null, null, null, null, null, null,
            null, null, null, null, null);

    public FunnelsFilter {
        Choices.check(breakdownAttributionType, "FunnelsQuery.funnelsFilter", "breakdownAttributionType",
                Choices.BREAKDOWN_ATTRIBUTION);
        chart = DisplayOnly.check(chart, "FunnelsQuery.funnelsFilter");
    }
}

package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * PostHog's {@code FunnelCorrelationQuery}: which events ({@code funnelCorrelationType} events, the default),
 * person property values (properties: {@code funnelCorrelationNames}, {@code $all} for every property, minus
 * {@code funnelCorrelationExcludeNames}) or event property values (event_with_properties: of
 * {@code funnelCorrelationEventNames}, minus {@code funnelCorrelationEventExcludePropertyNames}) go with converting
 * in the funnel of {@code source} (a FunnelsActorsQuery; its {@code funnelStep} narrows the population).
 * {@code funnelCorrelationExcludeEventNames} drops events from the events type.
 */
@RegisterForReflection
public record FunnelCorrelationQuery(String kind, FunnelsActorsQuery source, String funnelCorrelationType,
                                     List<String> funnelCorrelationNames, List<String> funnelCorrelationExcludeNames,
                                     List<String> funnelCorrelationEventNames,
                                     List<String> funnelCorrelationExcludeEventNames,
                                     List<String> funnelCorrelationEventExcludePropertyNames, JsonNode modifiers,
                                     JsonNode response, JsonNode tags, JsonNode version) {
}

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

    /** pydantic's {@code list[str]}: a null element of any of the name lists is a 400 naming the list. */
    public FunnelCorrelationQuery {
        noNulls(funnelCorrelationNames, "funnelCorrelationNames");
        noNulls(funnelCorrelationExcludeNames, "funnelCorrelationExcludeNames");
        noNulls(funnelCorrelationEventNames, "funnelCorrelationEventNames");
        noNulls(funnelCorrelationExcludeEventNames, "funnelCorrelationExcludeEventNames");
        noNulls(funnelCorrelationEventExcludePropertyNames, "funnelCorrelationEventExcludePropertyNames");
    }

    private static void noNulls(List<String> names, String field) {
        if (names != null && names.contains(null)) {
            throw new dev.quarry.web.ValidationException("Invalid value for FunnelCorrelationQuery." + field
                    + ": Input should be a valid string", field);
        }
    }
}

package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.schema.EventsNode;
import dev.quarry.query.schema.PropertyFilter;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * PostHog's {@code FunnelCorrelationActorsQuery}: the actors of the correlation {@code source}'s population, converted
 * or not ({@code funnelCorrelationPersonConverted}; absent = both), who did {@code funnelCorrelationPersonEntity}
 * (an EventsNode) inside their funnel span (events types) or whose events match
 * {@code funnelCorrelationPropertyValues} (property filters; properties type). {@code includeRecordings} is the
 * ActorsQuery's concern and accepted. {@code limit} (default 100, at most 50,000) and {@code offset} page the
 * actors when the node is run as its own kind (Quarry's; PostHog runs it under an ActorsQuery).
 */
@RegisterForReflection
public record FunnelCorrelationActorsQuery(String kind, FunnelCorrelationQuery source,
                                           Boolean funnelCorrelationPersonConverted,
                                           EventsNode funnelCorrelationPersonEntity,
                                           PropertyFilter funnelCorrelationPropertyValues, JsonNode includeRecordings,
                                           JsonNode modifiers, JsonNode response, JsonNode tags, JsonNode version,
                                           Integer limit, Integer offset) implements ActorsQuery.FunnelActorsSource {
}

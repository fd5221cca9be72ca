package dev.quarry.query.schema;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * PostHog's {@code EventsNode} as a series of an insight: {@code event} (null for every event), its label fields,
 * its math and its own property filters ({@code properties}, {@code fixedProperties}: a list of property filters or
 * an AND/OR group, read as {@link PropertyFilter}s and turned into HogQL by {@code hogql.PropertyFilters}). The math fields Quarry does not compute
 * ({@code math_group_type_index}, {@code math_multiplier} …), {@code limit}, {@code orderBy} and
 * {@code optionalInFunnel} are declared so that they parse, and refused by {@code insights.Series} unless off.
 * PostHog's {@code ActionsNode} has the same fields but {@code event}, {@code limit} and {@code orderBy}, and adds
 * {@code id} (the action's id): it is read into this record too, and {@code insights.Series} checks which fields
 * its kind has.
 */
@RegisterForReflection
public record EventsNode(String kind, String event, String name, @JsonProperty("custom_name") String customName,
                         String math, @JsonProperty("math_property") String mathProperty,
                         @JsonProperty("math_property_type") JsonNode mathPropertyType,
                         @JsonProperty("math_hogql") String mathHogql,
                         @JsonProperty("math_group_type_index") JsonNode mathGroupTypeIndex,
                         @JsonProperty("math_multiplier") JsonNode mathMultiplier,
                         @JsonProperty("math_property_revenue_currency") JsonNode mathPropertyRevenueCurrency,
                         PropertyFilter properties, PropertyFilter fixedProperties, JsonNode limit, JsonNode orderBy,
                         JsonNode optionalInFunnel, JsonNode response, JsonNode version,
                         // a funnel exclusion is an EventsNode with the steps it applies between
                         JsonNode funnelFromStep, JsonNode funnelToStep,
                         // an ActionsNode's action
                         JsonNode id) {
}

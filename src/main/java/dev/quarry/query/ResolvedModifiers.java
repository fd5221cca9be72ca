package dev.quarry.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The {@code modifiers} a query's answer carries, as PostHog's runners answer {@code self.modifiers}: the node's
 * modifiers (already checked as {@link dev.quarry.query.schema.HogQLQueryModifiers}) with the team defaults
 * {@code create_default_modifiers_for_team} fills in, every field of that model present (null where nothing set it),
 * in the model's order. The defaults say what Quarry does: persons are read through the overrides with their current
 * properties ({@code person_id_override_properties_joined}), times in the project's timezone, bounces by pageviews.
 */
public final class ResolvedModifiers {
    /** HogQLQueryModifiers' fields, in its order (a test checks them against the record's components). */
    static final List<String> FIELDS = List.of("bounceRateDurationSeconds", "bounceRatePageViewMode",
            "convertToProjectTimezone", "customChannelTypeRules", "dataWarehouseEventsModifiers", "debug",
            "formatCsvAllowDoubleQuotes", "inCohortVia", "materializationMode", "optimizeJoinedFilters",
            "optimizeProjections", "personsArgMaxVersion", "personsJoinMode", "personsOnEventsMode",
            "propertyGroupsMode", "s3TableUseInvalidColumns", "sessionTableVersion", "sessionsV2JoinMode", "timings",
            "useMaterializedViews", "usePreaggregatedTableTransforms", "usePresortedEventsTable",
            "useWebAnalyticsPreAggregatedTables");

    /** What PostHog's set_default_modifier_values puts where the node left a field unset (or null). */
    private static final Map<String, Object> DEFAULTS = Map.ofEntries(
            Map.entry("bounceRatePageViewMode", "count_pageviews"),
            Map.entry("convertToProjectTimezone", true),
            Map.entry("inCohortVia", "auto"),
            Map.entry("materializationMode", "legacy_null_as_null"),
            Map.entry("optimizeJoinedFilters", false),
            Map.entry("personsArgMaxVersion", "auto"),
            Map.entry("personsOnEventsMode", "person_id_override_properties_joined"),
            Map.entry("sessionTableVersion", "auto"),
            Map.entry("sessionsV2JoinMode", "string"),
            Map.entry("useMaterializedViews", true),
            Map.entry("usePresortedEventsTable", false));

    private ResolvedModifiers() {
    }

    /**
     * The answer's modifiers for the node's {@code modifiers} (an object, or missing / null for none): each field as
     * sent, else its default, else null; {@code materializationMode: auto} reads as {@code legacy_null_as_null}, as in
     * PostHog.
     */
    public static ObjectNode of(JsonNode sent, ObjectMapper mapper) {
        ObjectNode out = mapper.createObjectNode();
        for (String field : FIELDS) {
            JsonNode value = sent == null ? null : sent.get(field);
            if (field.equals("materializationMode") && value != null && "auto".equals(value.asText())) {
                value = null;
            }
            if (value != null && !value.isNull()) {
                out.set(field, value.deepCopy());
            } else if (DEFAULTS.containsKey(field)) {
                out.set(field, mapper.valueToTree(DEFAULTS.get(field)));
            } else {
                out.putNull(field);
            }
        }
        return out;
    }
}

package dev.quarry.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Dashboard overrides merged into a query before it runs (and before its cache key is made): {@code date_from} /
 * {@code date_to} replace the date range, {@code properties} are added to the query's own, and
 * {@code variables_override} replaces HogQL variable values by id.
 */
public final class FiltersOverride {
    private FiltersOverride() {
    }

    public static ObjectNode apply(ObjectNode query, JsonNode filtersOverride, JsonNode variablesOverride) {
        ObjectNode result = query.deepCopy();
        if (filtersOverride != null && filtersOverride.isObject()) {
            boolean hogql = "HogQLQuery".equals(result.path("kind").asText());
            ObjectNode target = hogql ? objectField(result, "filters") : result;
            ObjectNode dateRange = objectField(target, "dateRange");
            if (filtersOverride.hasNonNull("date_from")) {
                dateRange.set("date_from", filtersOverride.get("date_from"));
            }
            if (filtersOverride.hasNonNull("date_to")) {
                dateRange.set("date_to", filtersOverride.get("date_to"));
            }
            if (dateRange.isEmpty()) {
                target.remove("dateRange");
            }
            JsonNode extra = filtersOverride.get("properties");
            if (extra != null && extra.isArray() && !extra.isEmpty()) {
                JsonNode existing = target.get("properties");
                ArrayNode merged = target.arrayNode();
                if (existing != null && existing.isArray()) {
                    merged.addAll((ArrayNode) existing);
                } else if (existing != null && existing.isObject()) {
                    merged.add(existing);
                }
                merged.addAll((ArrayNode) extra);
                target.set("properties", merged);
            }
            if (!hogql && filtersOverride.hasNonNull("breakdown_filter")) {
                result.set("breakdownFilter", filtersOverride.get("breakdown_filter"));
            }
        }
        if (variablesOverride != null && variablesOverride.isObject() && result.has("variables")
                && result.get("variables").isObject()) {
            ObjectNode variables = (ObjectNode) result.get("variables");
            Iterator<Map.Entry<String, JsonNode>> fields = variablesOverride.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (variables.has(field.getKey())) {
                    variables.set(field.getKey(), field.getValue());
                }
            }
        }
        return result;
    }

    private static ObjectNode objectField(ObjectNode parent, String name) {
        JsonNode node = parent.get(name);
        if (node instanceof ObjectNode object) {
            return object;
        }
        return parent.putObject(name);
    }
}

package dev.quarry.query;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * Dashboard overrides merged into a query before it is parsed into its record (and before its cache key is made), as
 * PostHog's {@code apply_dashboard_filters} and {@code apply_variable_overrides} do: {@code date_from} /
 * {@code date_to} replace the date range, {@code properties} are added to the query's own, {@code breakdown_filter}
 * replaces an insight's breakdown (not a HogQL query's), and {@code variables_override} replaces the values of the
 * HogQL variables the query declares, by id. For a HogQL query the date range and properties go to its
 * {@code filters}. The overrides arrive typed ({@link DashboardFilter}); the query is still its request JSON here,
 * since each kind's record is made from the merged JSON by its runner's parser.
 */
public final class FiltersOverride {
    /** Writes the typed overrides back as the JSON of the query nodes they go into (absent fields left out). */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .serializationInclusion(JsonInclude.Include.NON_NULL).build();

    private FiltersOverride() {
    }

    /**
     * @param query the request's query node (not changed; a merged copy comes back)
     * @param filters the dashboard filters, or null
     * @param variables variable id → the variable's override ({@code {variableId, code_name, value}}), or null
     */
    public static ObjectNode apply(ObjectNode query, String kind, DashboardFilter filters,
                                   Map<String, ObjectNode> variables) {
        ObjectNode result = query.deepCopy();
        if (filters != null) {
            boolean hogql = "HogQLQuery".equals(kind);
            ObjectNode target = hogql ? objectField(result, "filters") : result;
            ObjectNode dateRange = objectField(target, "dateRange");
            if (filters.dateFrom() != null) {
                dateRange.put("date_from", filters.dateFrom());
            }
            if (filters.dateTo() != null) {
                dateRange.put("date_to", filters.dateTo());
            }
            if (dateRange.isEmpty()) {
                target.remove("dateRange");
            }
            if (filters.properties() != null && !filters.properties().isEmpty()) {
                JsonNode existing = target.get("properties");
                ArrayNode merged = target.arrayNode();
                if (existing != null && existing.isArray()) {
                    merged.addAll((ArrayNode) existing);
                } else if (existing != null && existing.isObject()) {
                    merged.add(existing);
                }
                filters.properties().forEach(p -> merged.add(JSON.valueToTree(p)));
                target.set("properties", merged);
            }
            if (!hogql && filters.breakdownFilter() != null) {
                result.set("breakdownFilter", JSON.valueToTree(filters.breakdownFilter()));
            }
        }
        if (variables != null && result.get("variables") instanceof ObjectNode declared) {
            variables.forEach((id, value) -> {
                if (declared.has(id)) {
                    declared.set(id, value);
                }
            });
        }
        return result;
    }

    private static ObjectNode objectField(ObjectNode parent, String name) {
        if (parent.get(name) instanceof ObjectNode object) {
            return object;
        }
        return parent.putObject(name);
    }
}

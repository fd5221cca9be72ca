package dev.quarry.persons;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.insights.FunnelCorrelationActorsQuery;
import dev.quarry.insights.FunnelsActorsQuery;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import jakarta.ws.rs.core.MultivaluedMap;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * PostHog's legacy filter parameters, from the query string (JSON-valued ones JSON-encoded) or a JSON body, and
 * their translation to the query nodes the insight runners take ({@code events} → {@code series}, {@code date_from} →
 * {@code dateRange}, …).
 */
public final class LegacyFilter {
    private static final List<String> JSON_PARAMS = List.of("events", "actions", "properties", "exclusions",
            "breakdown", "funnel_correlation_person_entity", "funnel_correlation_property_values",
            "funnel_custom_steps", "funnel_step_breakdown");

    private final ObjectNode params;
    private final ObjectMapper mapper;

    private LegacyFilter(ObjectNode params, ObjectMapper mapper) {
        this.params = params;
        this.mapper = mapper;
    }

    public static LegacyFilter of(MultivaluedMap<String, String> query, JsonNode body, ObjectMapper mapper) {
        ObjectNode params = mapper.createObjectNode();
        for (Map.Entry<String, List<String>> entry : query.entrySet()) {
            String value = entry.getValue().isEmpty() ? null : entry.getValue().get(0);
            if (value == null) {
                continue;
            }
            if (JSON_PARAMS.contains(entry.getKey())) {
                try {
                    params.set(entry.getKey(), mapper.readTree(value));
                } catch (IOException e) {
                    params.put(entry.getKey(), value); // a plain string (e.g. a breakdown property name)
                }
            } else {
                params.put(entry.getKey(), value);
            }
        }
        if (body != null && body.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = body.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                params.set(field.getKey(), field.getValue());
            }
        }
        return new LegacyFilter(params, mapper);
    }

    public String text(String name) {
        JsonNode value = params.get(name);
        return value == null || value.isNull() ? null : value.asText();
    }

    public JsonNode json(String name) {
        return params.get(name);
    }

    public boolean has(String name) {
        String value = text(name);
        return value != null && !value.isEmpty();
    }

    public int integer(String name, int fallback) {
        String value = text(name);
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ValidationException(name + " must be an integer", name);
        }
    }

    /** limit (default and 0 → 100, at most 10,000) and offset (≥ 0). */
    public int limit(String name) {
        int limit = integer(name, 100);
        if (limit < 0 || limit > 10_000) {
            throw new ValidationException(name + " must be between 0 and 10000", name);
        }
        return limit == 0 ? 100 : limit;
    }

    public int offset(String name) {
        int offset = integer(name, 0);
        if (offset < 0) {
            throw new ValidationException(name + " must not be negative", name);
        }
        return offset;
    }

    /** The legacy {@code events} entities as EventsNode series, in their {@code order}. */
    public ArrayNode series() {
        if (params.hasNonNull("actions") && params.get("actions").isArray() && !params.get("actions").isEmpty()) {
            throw new ValidationException("Actions are not supported; use events.", "actions");
        }
        JsonNode events = params.get("events");
        ArrayNode series = mapper.createArrayNode();
        if (events == null || events.isNull()) {
            return series;
        }
        if (!events.isArray()) {
            throw new ValidationException("events must be a JSON list", "events");
        }
        java.util.List<JsonNode> ordered = new java.util.ArrayList<>();
        events.forEach(ordered::add);
        ordered.sort(java.util.Comparator.comparingInt(e -> e.path("order").asInt(0)));
        for (JsonNode entity : ordered) {
            series.add(eventsNode(entity));
        }
        return series;
    }

    ObjectNode eventsNode(JsonNode entity) {
        if (!entity.isObject()) {
            throw new ValidationException("Each entity must be an object with an id", "events");
        }
        ObjectNode node = mapper.createObjectNode().put("kind", "EventsNode");
        JsonNode id = entity.get("id");
        if (id == null || id.isNull()) {
            node.putNull("event");
        } else {
            node.put("event", id.asText());
        }
        node.put("name", entity.hasNonNull("name") ? entity.get("name").asText() : id == null ? "All events" : id.asText());
        if (entity.hasNonNull("custom_name")) {
            node.set("custom_name", entity.get("custom_name"));
        }
        if (entity.hasNonNull("math")) {
            node.set("math", entity.get("math"));
        }
        if (entity.hasNonNull("math_property")) {
            node.set("math_property", entity.get("math_property"));
        }
        if (entity.hasNonNull("properties")) {
            node.set("properties", entity.get("properties"));
        }
        return node;
    }

    /** An insight query node of this kind with the common fields: series, interval, dateRange, properties, test accounts. */
    public ObjectNode insight(String kind, ArrayNode series) {
        ObjectNode insight = mapper.createObjectNode().put("kind", kind);
        insight.set("series", series);
        if (has("interval")) {
            insight.put("interval", text("interval"));
        }
        ObjectNode dateRange = insight.putObject("dateRange");
        if (has("date_from")) {
            dateRange.put("date_from", text("date_from"));
        }
        if (has("date_to")) {
            dateRange.put("date_to", text("date_to"));
        }
        if (params.hasNonNull("properties")) {
            JsonNode properties = params.get("properties");
            if (!properties.isArray() && !properties.isObject()) {
                throw new ValidationException("properties must be a JSON list or group", "properties");
            }
            insight.set("properties", properties.isObject() && !isGroup(properties) ? oldStyle(properties) : properties);
        }
        if ("true".equalsIgnoreCase(text("filter_test_accounts"))) {
            insight.put("filterTestAccounts", true);
        }
        return insight;
    }

    private static boolean isGroup(JsonNode properties) {
        String type = properties.path("type").asText("");
        return (type.equals("AND") || type.equals("OR")) && properties.has("values");
    }

    /**
     * Old-style dict properties, as PostHog's PropertyMixin reads them: each {@code key[__operator]: value} is an
     * event property filter (operator exact when none is given).
     */
    private ArrayNode oldStyle(JsonNode properties) {
        ArrayNode filters = mapper.createArrayNode();
        properties.fields().forEachRemaining(field -> {
            String[] parts = field.getKey().split("__", -1);
            ObjectNode filter = filters.addObject().put("key", parts[0]);
            filter.set("value", field.getValue());
            filter.put("operator", parts.length > 1 ? parts[1] : "exact");
            filter.put("type", "event");
        });
        return filters;
    }

    /** A FunnelsQuery from the legacy funnel parameters. */
    public ObjectNode funnelsQuery() {
        ArrayNode series = series();
        if (series.size() < 2) {
            throw new ValidationException("A funnel needs at least two steps in events", "events");
        }
        ObjectNode query = insight("FunnelsQuery", series);
        ObjectNode funnels = query.putObject("funnelsFilter");
        if (has("funnel_window_days")) {
            funnels.put("funnelWindowInterval", integer("funnel_window_days", 14));
            funnels.put("funnelWindowIntervalUnit", "day");
        }
        if (has("funnel_window_interval")) {
            funnels.put("funnelWindowInterval", integer("funnel_window_interval", 14));
        }
        copyText("funnel_window_interval_unit", funnels, "funnelWindowIntervalUnit");
        copyText("funnel_order_type", funnels, "funnelOrderType");
        copyText("funnel_viz_type", funnels, "funnelVizType");
        copyText("breakdown_attribution_type", funnels, "breakdownAttributionType");
        if (has("breakdown_attribution_value")) {
            funnels.put("breakdownAttributionValue", integer("breakdown_attribution_value", 0));
        }
        if (has("funnel_from_step")) {
            funnels.put("funnelFromStep", integer("funnel_from_step", 0));
        }
        if (has("funnel_to_step")) {
            funnels.put("funnelToStep", integer("funnel_to_step", 0));
        }
        JsonNode exclusions = params.get("exclusions");
        if (exclusions != null && exclusions.isArray()) {
            ArrayNode out = funnels.putArray("exclusions");
            for (JsonNode exclusion : exclusions) {
                ObjectNode node = eventsNode(exclusion);
                node.put("funnelFromStep", exclusion.path("funnel_from_step").asInt(0));
                node.put("funnelToStep", exclusion.path("funnel_to_step").asInt(series.size() - 1));
                out.add(node);
            }
        }
        if (has("breakdown")) {
            ObjectNode breakdown = query.putObject("breakdownFilter");
            JsonNode value = params.get("breakdown");
            breakdown.set("breakdown", value.isArray() && value.size() == 1 ? value.get(0) : value);
            breakdown.put("breakdown_type", has("breakdown_type") ? text("breakdown_type") : "event");
            if (has("breakdown_limit")) {
                breakdown.put("breakdown_limit", integer("breakdown_limit", 25));
            }
        }
        return query;
    }

    /** The FunnelsActorsQuery of persons/funnel: funnel_step, funnel_step_breakdown, funnel trends cells. */
    public FunnelsActorsQuery funnelsActorsSource() {
        return QuerySchema.parse(funnelsActorsNode(), FunnelsActorsQuery.class, "FunnelsActorsQuery");
    }

    private ObjectNode funnelsActorsNode() {
        ObjectNode source = mapper.createObjectNode().put("kind", "FunnelsActorsQuery");
        source.set("source", funnelsQuery());
        if (has("funnel_step")) {
            source.put("funnelStep", integer("funnel_step", 1));
        }
        if (params.hasNonNull("funnel_step_breakdown")) {
            source.set("funnelStepBreakdown", params.get("funnel_step_breakdown"));
        }
        if (params.hasNonNull("funnel_custom_steps")) {
            source.set("funnelCustomSteps", params.get("funnel_custom_steps"));
        }
        copyText("entrance_period_start", source, "funnelTrendsEntrancePeriodStart");
        if (has("drop_off")) {
            source.put("funnelTrendsDropOff", "true".equalsIgnoreCase(text("drop_off")));
        }
        return source;
    }

    /** The FunnelCorrelationActorsQuery of persons/funnel/correlation. */
    public FunnelCorrelationActorsQuery correlationActorsSource() {
        return QuerySchema.parse(correlationActorsNode(), FunnelCorrelationActorsQuery.class,
                "FunnelCorrelationActorsQuery");
    }

    private ObjectNode correlationActorsNode() {
        JsonNode entity = params.get("funnel_correlation_person_entity");
        if (entity == null || !entity.isObject()) {
            throw new ValidationException("funnel_correlation_person_entity is required", "funnel_correlation_person_entity");
        }
        ObjectNode funnelsActors = mapper.createObjectNode().put("kind", "FunnelsActorsQuery");
        funnelsActors.set("source", funnelsQuery());
        ObjectNode correlation = mapper.createObjectNode().put("kind", "FunnelCorrelationQuery");
        correlation.set("source", funnelsActors);
        correlation.put("funnelCorrelationType", has("funnel_correlation_type") ? text("funnel_correlation_type") : "events");
        ObjectNode source = mapper.createObjectNode().put("kind", "FunnelCorrelationActorsQuery");
        source.set("source", correlation);
        source.set("funnelCorrelationPersonEntity", eventsNode(entity));
        if (has("funnel_correlation_person_converted")) {
            String converted = text("funnel_correlation_person_converted");
            if (!converted.equalsIgnoreCase("true") && !converted.equalsIgnoreCase("false")) {
                throw new ValidationException("funnel_correlation_person_converted must be true or false",
                        "funnel_correlation_person_converted");
            }
            source.put("funnelCorrelationPersonConverted", converted.equalsIgnoreCase("true"));
        }
        if (params.hasNonNull("funnel_correlation_property_values")) {
            source.set("funnelCorrelationPropertyValues", params.get("funnel_correlation_property_values"));
        }
        return source;
    }

    private void copyText(String from, ObjectNode target, String to) {
        if (has(from)) {
            target.put(to, text(from));
        }
    }

    public ObjectMapper mapper() {
        return mapper;
    }
}

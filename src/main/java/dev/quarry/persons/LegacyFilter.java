package dev.quarry.persons;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.insights.FunnelCorrelationActorsQuery;
import dev.quarry.insights.FunnelsActorsQuery;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.LenientJson;
import dev.quarry.web.ValidationException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.core.MultivaluedMap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PostHog's legacy filter parameters as the persons endpoints read them (persons/funnel, persons/funnel/correlation,
 * persons/lifecycle, persons/stickiness, persons/trends), parsed once from the query string (JSON-valued ones JSON-encoded) merged
 * with a JSON body (the body wins), and their translation to the query nodes the insight runners take
 * ({@code events} → {@code series}, {@code date_from} → {@code dateRange}, …).
 *
 * <p>As PostHog's legacy {@code Filter}, keys it does not read are ignored (its clients send whole insight filters);
 * a key it reads with a value of the wrong type (text for an integer, an object for a list) is a 400 naming the key in
 * {@code attr}. Text parameters come as strings (a JSON body's numbers and booleans are read as their text); an empty
 * value counts as absent. Booleans ({@code filter_test_accounts}, {@code drop_off},
 * {@code funnel_correlation_person_converted}) are the text {@code true} (any case) or not; {@code explicit_date}
 * is read as PostHog's {@code process_bool} reads it ({@link #useExplicitDates}).
 *
 * <p>The funnel and trends lists follow PostHog's legacy {@code QueryDateRange}: without {@code explicit_date} the range is
 * widened to whole days ({@code date_from} from its day's start, {@code date_to} to its day's end); with it both bound
 * the events as given, a date alone meaning its midnight. {@code aggregation_group_type_index} (0 … 4, else PostHog's
 * 400) makes PostHog's funnel count groups and its lists answer groups; Quarry's lists are of persons, so a list of
 * such a funnel is refused (a 400 naming it) rather than answering persons.
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
public record LegacyFilter(
        List<Entity> events, List<JsonNode> actions, JsonNode properties, List<Entity> exclusions,
        JsonNode breakdown, @JsonProperty("breakdown_type") String breakdownType,
        @JsonProperty("breakdown_limit") Integer breakdownLimit,
        @JsonProperty("date_from") String dateFrom, @JsonProperty("date_to") String dateTo,
        @JsonProperty("explicit_date") JsonNode explicitDate, String interval,
        @JsonProperty("filter_test_accounts") String filterTestAccounts,
        @JsonProperty("funnel_window_days") Integer funnelWindowDays,
        @JsonProperty("funnel_window_interval") Integer funnelWindowInterval,
        @JsonProperty("funnel_window_interval_unit") String funnelWindowIntervalUnit,
        @JsonProperty("funnel_order_type") String funnelOrderType,
        @JsonProperty("funnel_viz_type") String funnelVizType,
        @JsonProperty("breakdown_attribution_type") String breakdownAttributionType,
        @JsonProperty("breakdown_attribution_value") Integer breakdownAttributionValue,
        @JsonProperty("funnel_from_step") Integer funnelFromStep,
        @JsonProperty("funnel_to_step") Integer funnelToStep,
        @JsonProperty("funnel_step") Integer funnelStep,
        @JsonProperty("funnel_step_breakdown") JsonNode funnelStepBreakdown,
        @JsonProperty("funnel_custom_steps") JsonNode funnelCustomSteps,
        @JsonProperty("entrance_period_start") String entrancePeriodStart,
        @JsonProperty("drop_off") String dropOff,
        @JsonProperty("funnel_correlation_person_entity") Entity funnelCorrelationPersonEntity,
        @JsonProperty("funnel_correlation_type") String funnelCorrelationType,
        @JsonProperty("funnel_correlation_person_converted") String funnelCorrelationPersonConverted,
        @JsonProperty("funnel_correlation_property_values") JsonNode funnelCorrelationPropertyValues,
        @JsonProperty("funnel_correlation_person_limit") Integer funnelCorrelationPersonLimit,
        @JsonProperty("funnel_correlation_person_offset") Integer funnelCorrelationPersonOffset,
        Integer limit, Integer offset, String search, String format,
        @JsonProperty("target_date") String targetDate, @JsonProperty("lifecycle_type") String lifecycleType,
        String entityId, String type, String entityMath,
        @JsonProperty("entity_order") Integer entityOrder,
        @JsonProperty("breakdown_value") JsonNode breakdownValue,
        @JsonProperty("stickiness_days") Integer stickinessDays,
        @JsonProperty("aggregation_group_type_index") Integer aggregationGroupTypeIndex) {

    /** The parameters whose query-string value is JSON (a value that is not JSON stays text, e.g. a breakdown name). */
    private static final Set<String> JSON_PARAMS = Set.of("events", "actions", "properties", "exclusions",
            "breakdown", "funnel_correlation_person_entity", "funnel_correlation_property_values",
            "funnel_custom_steps", "funnel_step_breakdown");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.regex.Pattern DATE_ONLY = java.util.regex.Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /**
     * PostHog's legacy entity ({@code events}, {@code exclusions}, the correlation's person entity): {@code id} (the
     * event; none for all events), {@code name}, {@code custom_name}, {@code math}, {@code math_property},
     * {@code properties}, {@code order} (the step's position) and, for an exclusion, {@code funnel_from_step} /
     * {@code funnel_to_step}, and {@code math_group_type_index} (passed on: a series counting groups has groups for
     * actors, which the persons lists refuse). Other keys of PostHog's entity (type …) are ignored.
     */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Entity(String id, String name, @JsonProperty("custom_name") String customName, String math,
                         @JsonProperty("math_property") String mathProperty, JsonNode properties, Integer order,
                         @JsonProperty("funnel_from_step") Integer funnelFromStep,
                         @JsonProperty("funnel_to_step") Integer funnelToStep,
                         @JsonProperty("math_group_type_index") JsonNode mathGroupTypeIndex) {
        /** The target entity of persons/stickiness: {@code entityId} with {@code entityMath}. */
        static Entity of(String id, String math) {
            return new Entity(id, null, null, math, null, null, null, null, null, null);
        }
    }

    /**
     * @param query the request's query parameters (the last value of each, as Django's QueryDict answers)
     * @param body a JSON body (POST), or null
     * @throws ValidationException 400 naming the parameter whose value has the wrong type ({@link LenientJson})
     */
    public static LegacyFilter of(MultivaluedMap<String, String> query, JsonNode body) {
        ObjectNode params = NODES.objectNode();
        for (Map.Entry<String, List<String>> entry : query.entrySet()) {
            // Django's QueryDict answers a repeated parameter's last value
            String value = entry.getValue().isEmpty() ? null : entry.getValue().get(entry.getValue().size() - 1);
            if (value == null || value.isEmpty()) {
                continue;
            }
            params.set(entry.getKey(), JSON_PARAMS.contains(entry.getKey()) ? json(value) : NODES.textNode(value));
        }
        if (body instanceof ObjectNode object) {
            // PostHog's Filter parses a JSON-valued field given as text in a body too (a form, or a JSON string)
            object.fields().forEachRemaining(field -> params.set(field.getKey(),
                    JSON_PARAMS.contains(field.getKey()) && field.getValue().isTextual()
                            ? json(field.getValue().asText()) : field.getValue()));
        }
        // DRF's content negotiation reads the rendering format from the query string only, never from a body
        // (its first value, as every route reads it for the renderer)
        String format = query.getFirst("format");
        if (format == null || format.isEmpty()) {
            params.remove("format");
        } else {
            params.put("format", format);
        }
        return LenientJson.read(params, LegacyFilter.class);
    }

    private static JsonNode json(String value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            return NODES.textNode(value);
        }
    }

    private static boolean given(String value) {
        return value != null && !value.isEmpty();
    }

    private static boolean isTrue(String value) {
        return "true".equalsIgnoreCase(value);
    }

    /**
     * Whether {@code explicit_date} is set, as PostHog's {@code DateMixin.use_explicit_dates} reads it
     * ({@code process_bool}): a JSON boolean as it is; text by {@code str_to_bool} ({@code y}, {@code yes},
     * {@code t}, {@code true}, {@code on}, {@code 1}, any case); anything else (a number, absent) is false.
     */
    public boolean useExplicitDates() {
        if (explicitDate == null || explicitDate.isNull()) {
            return false;
        }
        if (explicitDate.isBoolean()) {
            return explicitDate.booleanValue();
        }
        return explicitDate.isTextual() && Set.of("y", "yes", "t", "true", "on", "1")
                .contains(explicitDate.asText().toLowerCase(java.util.Locale.ROOT));
    }

    /** {@code limit} (absent and 0 → 100, at most 10,000), the value of the parameter {@code name}. */
    static int limit(Integer value, String name) {
        int limit = value == null ? 100 : value;
        if (limit < 0 || limit > 10_000) {
            throw new ValidationException(name + " must be between 0 and 10000", name);
        }
        return limit == 0 ? 100 : limit;
    }

    /** An offset (absent → 0, ≥ 0), the value of the parameter {@code name}. */
    static int offset(Integer value, String name) {
        int offset = value == null ? 0 : value;
        if (offset < 0) {
            throw new ValidationException(name + " must not be negative", name);
        }
        return offset;
    }

    /**
     * The legacy {@code actions} and {@code events} entities as ActionsNode and EventsNode series, in their
     * {@code order} (PostHog's Filter.entities: actions first, then events, sorted by order, a missing order first).
     */
    public ArrayNode series() {
        ArrayNode series = NODES.arrayNode();
        record Step(Entity entity, boolean action) {
        }
        List<Step> ordered = new ArrayList<>();
        for (Entity action : actionEntities()) {
            ordered.add(new Step(action, true));
        }
        if (events != null) {
            if (events.contains(null)) {
                throw new ValidationException("Each entity must be an object with an id", "events");
            }
            events.forEach(e -> ordered.add(new Step(e, false)));
        }
        ordered.sort(Comparator.comparingInt(s -> s.entity().order() == null ? 0 : s.entity().order()));
        ordered.forEach(s -> series.add(s.action() ? actionsNode(s.entity()) : eventsNode(s.entity())));
        return series;
    }

    /**
     * The legacy {@code actions} entities, each {@code {id, name, custom_name, math, math_property, properties,
     * order, math_group_type_index}} with an integer {@code id} (a number or its digits).
     *
     * @throws ValidationException an entity that is no object or whose id is no action id, naming {@code actions}
     */
    private List<Entity> actionEntities() {
        List<Entity> out = new ArrayList<>();
        if (actions == null) {
            return out;
        }
        for (JsonNode a : actions) {
            JsonNode id = a == null ? null : a.get("id");
            String digits = id == null ? null : id.isIntegralNumber() ? id.asText()
                    : id.isTextual() && id.asText().matches("\\d{1,18}") ? id.asText() : null;
            if (!(a instanceof ObjectNode) || digits == null) {
                throw new ValidationException("Each action entity must be an object with an action id", "actions");
            }
            JsonNode order = a.get("order");
            out.add(new Entity(digits, text(a, "name"), text(a, "custom_name"), text(a, "math"),
                    text(a, "math_property"), a.get("properties"),
                    order != null && order.canConvertToInt() ? order.asInt() : null, null, null,
                    a.get("math_group_type_index")));
        }
        return out;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** An action entity as PostHog's legacy_entity_to_node makes it: an ActionsNode of the action's id. */
    ObjectNode actionsNode(Entity entity) {
        ObjectNode node = eventsNode(entity);
        node.put("kind", "ActionsNode");
        node.remove("event");
        node.put("id", Long.parseLong(entity.id()));
        if (entity.name() == null) {
            node.remove("name");
        }
        return node;
    }

    /** A legacy entity as the EventsNode the insight runners read. */
    ObjectNode eventsNode(Entity entity) {
        ObjectNode node = NODES.objectNode().put("kind", "EventsNode");
        node.put("event", entity.id());
        node.put("name", entity.name() != null ? entity.name() : entity.id() == null ? "All events" : entity.id());
        if (entity.customName() != null) {
            node.put("custom_name", entity.customName());
        }
        if (entity.math() != null) {
            node.put("math", entity.math());
        }
        if (entity.mathProperty() != null) {
            node.put("math_property", entity.mathProperty());
        }
        if (entity.mathGroupTypeIndex() != null && !entity.mathGroupTypeIndex().isNull()) {
            node.set("math_group_type_index", entity.mathGroupTypeIndex());
        }
        JsonNode properties = entity.properties();
        if (properties != null && !properties.isNull()) {
            // an entity's old-style dict, as the insight-wide one (PostHog's Entity has the PropertyMixin too)
            node.set("properties", legacyProperties(properties));
        }
        return node;
    }

    /**
     * {@code query} with this filter's {@code aggregation_group_type_index}, when given. PostHog's
     * GroupsAggregationMixin validates it (0 ≤ index &lt; 5, else this 400), then its funnel and lifecycle lists
     * answer groups of that type (PostHog's {@code SerializedGroup}): the index goes on to the insight query, whose
     * actors are then those groups.
     */
    public ObjectNode withGroupAggregation(ObjectNode query) {
        if (aggregationGroupTypeIndex != null) {
            if (aggregationGroupTypeIndex < 0 || aggregationGroupTypeIndex >= 5) {
                throw new ValidationException(
                        "aggregation_group_type_index is required to be at least 0 and less than 5",
                        "aggregation_group_type_index");
            }
            query.put("aggregation_group_type_index", aggregationGroupTypeIndex);
        }
        return query;
    }

    /** An insight query node of this kind with the common fields: series, interval, dateRange, properties, test accounts. */
    public ObjectNode insight(String kind, ArrayNode series) {
        ObjectNode insight = NODES.objectNode().put("kind", kind);
        insight.set("series", series);
        if (given(interval)) {
            // PostHog's IntervalMixin: any case, and the legacy "minute" is read as "hour"
            String lower = interval.toLowerCase(java.util.Locale.ROOT);
            insight.put("interval", lower.equals("minute") ? "hour" : lower);
        }
        ObjectNode dateRange = insight.putObject("dateRange");
        if (given(dateFrom)) {
            dateRange.put("date_from", dateFrom);
        }
        if (given(dateTo)) {
            dateRange.put("date_to", dateTo);
        }
        if (useExplicitDates()) {
            // PostHog's legacy QueryDateRange (DateMixin, every legacy filter): with explicit_date, date_from and
            // date_to bound the events as given instead of being widened to the start and end of their day
            dateRange.put("explicitDate", true);
            if (given(dateTo) && DATE_ONLY.matcher(dateTo.trim()).matches()) {
                // there a date alone is its midnight (relative_date_parse), not the end of its day
                dateRange.put("date_to", dateTo.trim() + "T00:00:00");
            }
        }
        if (properties != null && !properties.isNull()) {
            if (!properties.isArray() && !properties.isObject()) {
                throw new ValidationException("properties must be a JSON list or group", "properties");
            }
            insight.set("properties", legacyProperties(properties));
        }
        if (isTrue(filterTestAccounts)) {
            insight.put("filterTestAccounts", true);
        }
        return insight;
    }

    /** A property group ({@code {"type": "AND"|"OR", "values": […]}}) rather than an old-style dict. */
    private static boolean isGroup(JsonNode properties) {
        String type = java.util.Objects.requireNonNullElse(QuerySchema.tag(properties, "type"), "");
        return (type.equals("AND") || type.equals("OR")) && properties.has("values");
    }

    /**
     * Old-style dict properties, as PostHog's PropertyMixin reads them: each {@code key[__operator]: value} is an
     * event property filter (operator exact when none is given).
     */
    /**
     * A legacy {@code properties} value as PostHog's Filter reads it: an old-style dict as its filters
     * ({@link #oldStyle}), and in a list or group each filter's {@code negation} (PostHog's legacy Property field)
     * applied to its operator as PostHog's {@code negate_operator} does, the field then dropped.
     */
    private static JsonNode legacyProperties(JsonNode properties) {
        if (properties.isObject() && !isGroup(properties)) {
            return oldStyle(properties);
        }
        return withoutNegation(properties.deepCopy());
    }

    private static final Map<String, String> NEGATED = Map.ofEntries(Map.entry("is_not", "exact"),
            Map.entry("exact", "is_not"), Map.entry("icontains", "not_icontains"), Map.entry("not_icontains", "icontains"),
            Map.entry("regex", "not_regex"), Map.entry("not_regex", "regex"), Map.entry("gt", "lte"),
            Map.entry("lt", "gte"), Map.entry("gte", "lt"), Map.entry("lte", "gt"), Map.entry("is_set", "is_not_set"),
            Map.entry("is_not_set", "is_set"), Map.entry("is_date_before", "is_date_after"),
            Map.entry("is_date_after", "is_date_before"));

    private static JsonNode withoutNegation(JsonNode node) {
        if (node.isArray()) {
            node.forEach(LegacyFilter::withoutNegation);
        } else if (node instanceof ObjectNode object) {
            if (object.has("values") && object.get("values").isArray()) {
                withoutNegation(object.get("values"));
            }
            JsonNode negation = object.remove("negation");
            if (negation != null && negation.asBoolean(false)) {
                String operator = object.path("operator").isTextual() ? object.get("operator").asText() : "exact";
                object.put("operator", NEGATED.getOrDefault(operator, operator));
            }
        }
        return node;
    }

    private static ArrayNode oldStyle(JsonNode properties) {
        ArrayNode filters = NODES.arrayNode();
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
        ObjectNode query = withGroupAggregation(insight("FunnelsQuery", series));
        ObjectNode funnels = query.putObject("funnelsFilter");
        if (funnelWindowDays != null) {
            funnels.put("funnelWindowInterval", funnelWindowDays);
            funnels.put("funnelWindowIntervalUnit", "day");
        }
        if (funnelWindowInterval != null) {
            funnels.put("funnelWindowInterval", funnelWindowInterval);
        }
        putText(funnels, "funnelWindowIntervalUnit", funnelWindowIntervalUnit);
        putText(funnels, "funnelOrderType", funnelOrderType);
        putText(funnels, "funnelVizType", funnelVizType);
        putText(funnels, "breakdownAttributionType", breakdownAttributionType);
        if (breakdownAttributionValue != null) {
            funnels.put("breakdownAttributionValue", breakdownAttributionValue);
        }
        if (funnelFromStep != null) {
            funnels.put("funnelFromStep", funnelFromStep);
        }
        if (funnelToStep != null) {
            funnels.put("funnelToStep", funnelToStep);
        }
        if (exclusions != null) {
            ArrayNode out = funnels.putArray("exclusions");
            for (Entity exclusion : exclusions) {
                if (exclusion == null) {
                    throw new ValidationException("Each exclusion must be an object with an id", "exclusions");
                }
                ObjectNode node = eventsNode(exclusion);
                node.put("funnelFromStep", exclusion.funnelFromStep() == null ? 0 : exclusion.funnelFromStep());
                node.put("funnelToStep", exclusion.funnelToStep() == null ? series.size() - 1 : exclusion.funnelToStep());
                out.add(node);
            }
        }
        putBreakdown(query);
        return query;
    }

    /** Whether a breakdown is given (not null, not ""). */
    boolean hasBreakdown() {
        return breakdown != null && !breakdown.isNull() && !(breakdown.isTextual() && breakdown.asText().isEmpty());
    }

    /** The legacy {@code breakdown} / {@code breakdown_type} / {@code breakdown_limit} as the query's breakdownFilter. */
    private void putBreakdown(ObjectNode query) {
        if (hasBreakdown()) {
            ObjectNode filter = query.putObject("breakdownFilter");
            filter.set("breakdown", breakdown.isArray() && breakdown.size() == 1 ? breakdown.get(0) : breakdown);
            filter.put("breakdown_type", given(breakdownType) ? breakdownType : "event");
            if (breakdownLimit != null) {
                filter.put("breakdown_limit", breakdownLimit);
            }
        }
    }

    /**
     * persons/trends' target entity, as PostHog's {@code get_target_entity}: the {@code events} entity at
     * {@code entity_order}; else the {@code events} entity whose id is {@code entityId} and whose math is
     * {@code entityMath} (absent: total); else a bare entity {@code entityId} of {@code type}. Without
     * {@code entityId} only {@code type=events} (all events) is accepted.
     *
     * @throws ValidationException PostHog's 400 for a missing entity id; a type other than events and actions names
     *     {@code type}
     */
    public ObjectNode targetEntity() {
        if (!given(entityId) && !"events".equals(type)) {
            throw new ValidationException("An entity id and the entity type must be provided to determine an entity",
                    null);
        }
        if (given(type) && !type.equals("events") && !type.equals("actions")) {
            throw new ValidationException("The target entity's type must be events or actions", "type");
        }
        series(); // refuses malformed entities
        String math = given(entityMath) ? entityMath : "total";
        if ("actions".equals(type)) {
            return targetAction(math);
        }
        if (events != null && entityOrder != null) {
            for (Entity e : events) {
                if (entityOrder.equals(e.order())) {
                    return eventsNode(e);
                }
            }
        }
        if (events != null) {
            for (Entity e : events) {
                if (java.util.Objects.equals(e.id(), entityId) && math.equals(e.math() == null ? "total" : e.math())) {
                    return eventsNode(e);
                }
            }
        }
        if (!given(type)) {
            // PostHog fails here (a ValueError, its 500); a clear 400 instead
            throw new ValidationException("An entity must be provided for target entity to be determined", "type");
        }
        return eventsNode(Entity.of(entityId, math));
    }

    /**
     * The target action ({@code type=actions}): the {@code actions} entity at {@code entity_order}, else the one whose id
     * is {@code entityId} with math {@code math}, else a bare ActionsNode of {@code entityId}.
     */
    private ObjectNode targetAction(String math) {
        List<Entity> actionList = actionEntities();
        for (Entity e : actionList) {
            if (entityOrder != null && entityOrder.equals(e.order())) {
                return actionsNode(e);
            }
        }
        for (Entity e : actionList) {
            if (java.util.Objects.equals(e.id(), entityId) && math.equals(e.math() == null ? "total" : e.math())) {
                return actionsNode(e);
            }
        }
        return actionsNode(Entity.of(actionId(entityId), math));
    }

    /** An action id given as text (the {@code entityId} of an action target), its digits. */
    static String actionId(String text) {
        if (text == null || !text.matches("\\d{1,18}")) {
            throw new ValidationException("An action's entityId must be its integer id", "entityId");
        }
        return text;
    }

    /** The TrendsQuery of persons/trends: the target entity as its one series, the common fields, the breakdown. */
    public ObjectNode trendsQuery() {
        ArrayNode series = NODES.arrayNode().add(targetEntity());
        ObjectNode query = insight("TrendsQuery", series);
        putBreakdown(query);
        return query;
    }

    /** The FunnelsActorsQuery of persons/funnel: funnel_step, funnel_step_breakdown, funnel trends cells. */
    public FunnelsActorsQuery funnelsActorsSource() {
        return QuerySchema.parse(funnelsActorsNode(), FunnelsActorsQuery.class, "FunnelsActorsQuery");
    }

    private ObjectNode funnelsActorsNode() {
        ObjectNode source = NODES.objectNode().put("kind", "FunnelsActorsQuery");
        source.set("source", funnelsQuery());
        if (funnelStep != null) {
            source.put("funnelStep", funnelStep);
        }
        if (funnelStepBreakdown != null && !funnelStepBreakdown.isNull()) {
            source.set("funnelStepBreakdown", funnelStepBreakdown);
        }
        if (funnelCustomSteps != null && !funnelCustomSteps.isNull()) {
            source.set("funnelCustomSteps", funnelCustomSteps);
        }
        putText(source, "funnelTrendsEntrancePeriodStart", entrancePeriodStart);
        if (given(dropOff)) {
            source.put("funnelTrendsDropOff", isTrue(dropOff));
        }
        return source;
    }

    /** The FunnelCorrelationActorsQuery of persons/funnel/correlation. */
    public FunnelCorrelationActorsQuery correlationActorsSource() {
        return QuerySchema.parse(correlationActorsNode(), FunnelCorrelationActorsQuery.class,
                "FunnelCorrelationActorsQuery");
    }

    private ObjectNode correlationActorsNode() {
        // PostHog's legacy correlation actors: a property correlation's persons are picked by property values, an
        // event correlation's by the event (entity)
        boolean properties = "properties".equals(funnelCorrelationType);
        boolean values = funnelCorrelationPropertyValues != null && !funnelCorrelationPropertyValues.isNull()
                && !(funnelCorrelationPropertyValues.isArray() && funnelCorrelationPropertyValues.isEmpty());
        if (properties && !values) {
            throw new ValidationException("Property Correlation expects atleast one Property to get persons for",
                    "funnel_correlation_property_values");
        }
        if (!properties && funnelCorrelationPersonEntity == null) {
            throw new ValidationException("funnel_correlation_person_entity is required", "funnel_correlation_person_entity");
        }
        ObjectNode funnelsActors = NODES.objectNode().put("kind", "FunnelsActorsQuery");
        funnelsActors.set("source", funnelsQuery());
        ObjectNode correlation = NODES.objectNode().put("kind", "FunnelCorrelationQuery");
        correlation.set("source", funnelsActors);
        correlation.put("funnelCorrelationType", given(funnelCorrelationType) ? funnelCorrelationType : "events");
        ObjectNode source = NODES.objectNode().put("kind", "FunnelCorrelationActorsQuery");
        source.set("source", correlation);
        if (funnelCorrelationPersonEntity != null) {
            source.set("funnelCorrelationPersonEntity", eventsNode(funnelCorrelationPersonEntity));
        }
        if (given(funnelCorrelationPersonConverted)) {
            String converted = funnelCorrelationPersonConverted;
            if (!converted.equalsIgnoreCase("true") && !converted.equalsIgnoreCase("false")) {
                throw new ValidationException("funnel_correlation_person_converted must be true or false",
                        "funnel_correlation_person_converted");
            }
            source.put("funnelCorrelationPersonConverted", isTrue(converted));
        }
        if (funnelCorrelationPropertyValues != null && !funnelCorrelationPropertyValues.isNull()) {
            source.set("funnelCorrelationPropertyValues", funnelCorrelationPropertyValues);
        }
        return source;
    }

    private static void putText(ObjectNode target, String name, String value) {
        if (given(value)) {
            target.put(name, value);
        }
    }
}

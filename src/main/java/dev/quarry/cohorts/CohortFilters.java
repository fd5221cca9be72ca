package dev.quarry.cohorts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.JoinExpr;
import dev.quarry.hogql.PropertyFilters;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.web.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A dynamic cohort's {@code filters} as a boolean HogQL expression over the persons table: person-property and
 * cohort filters (as {@link PropertyFilters} reads them), behavioural filters ("performed event X in the last N
 * days", optionally at least/exactly/at most K times), in nested AND/OR groups, each leaf negatable.
 */
public final class CohortFilters {
    private static final Set<String> UNITS = Set.of("hour", "day", "week", "month", "year");
    private static final java.util.Map<String, Long> HOURS = java.util.Map.of("hour", 1L, "day", 24L, "week", 168L,
            "month", 24L * 31, "year", 24L * 366);
    private static final long MAX_WINDOW_DAYS = 36_500;

    private CohortFilters() {
    }

    /**
     * The criteria a cohort is read by, as PostHog's {@code Cohort.properties} (posthog/models/cohort/cohort.py) picks
     * them: its {@code filters} when they are truthy in Python (present and not an empty object/list), else its
     * deprecated {@code groups} as filters ({@link #fromLegacyGroups}). Groups stored beside truthy filters are kept
     * and shown but never read: not calculated, not walked for references or loops (PostHog's
     * {@code will_create_loops} walks {@code properties} only).
     *
     * @return the filters object to read, or null when neither names any criteria
     */
    public static JsonNode effective(JsonNode filters, JsonNode groups) {
        return truthy(filters) ? filters : fromLegacyGroups(groups);
    }

    private static boolean truthy(JsonNode node) {
        return node != null && !node.isNull() && !(node.isContainerNode() && node.isEmpty())
                && !(node.isTextual() && node.asText().isEmpty());
    }

    /** @return the membership condition, or null when the cohort has no filters (no members). */
    public static Expr toExpr(JsonNode filters) {
        if (filters == null || filters.isNull()) {
            return null;
        }
        if (!filters.isObject()) {
            throw new ValidationException("filters must be an object", "filters");
        }
        JsonNode properties = filters.get("properties");
        if (properties == null || properties.isNull() || isEmptyGroup(properties)) {
            return null;
        }
        int conditions = count(properties);
        if (conditions > MAX_CONDITIONS) {
            throw new ValidationException("Cohort filters are too large: " + conditions + " conditions and groups (at most "
                    + MAX_CONDITIONS + "). Split the cohort or combine conditions.", "filters");
        }
        try {
            return node(properties);
        } catch (HogQLException e) {
            throw new ValidationException(e.getMessage(), "filters");
        }
    }

    /**
     * {@code {}} or an AND/OR group without values: no criteria. A group whose {@code values} is not a list, or an
     * object of another type, is read (and refused if it is no filter) rather than taken for empty.
     */
    private static boolean isEmptyGroup(JsonNode properties) {
        if (!properties.isObject()) {
            return false;
        }
        String type = properties.path("type").asText("");
        JsonNode values = properties.get("values");
        return (type.isEmpty() || type.equals("AND") || type.equals("OR"))
                && (values == null || values.isNull() || (values.isArray() && values.isEmpty()));
    }

    /**
     * The deprecated {@code groups} of a cohort as the {@code filters} PostHog derives from them (its
     * {@code Cohort.properties}): an OR over the groups; a group with {@code properties} is the AND of them, where a
     * filter without a type (or typed "event", an old mistake) is a person filter and an old dict {@code {key: value}}
     * is person "exact" filters; a group with {@code event_id} is "performed the event in the last {@code days}
     * (default 365) days", at least/exactly/at most {@code count} times with {@code count_operator}. Groups naming an
     * action are refused (Quarry has no actions); a group with neither makes the cohort empty, as in PostHog.
     *
     * @return the filters object, or null when groups are absent or empty
     */
    public static ObjectNode fromLegacyGroups(JsonNode groups) {
        if (groups == null || groups.isNull() || (groups.isArray() && groups.isEmpty())) {
            return null;
        }
        if (!groups.isArray()) {
            throw new ValidationException("groups must be a list", "groups");
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        ArrayNode values = f.arrayNode();
        for (JsonNode group : groups) {
            if (!group.isObject()) {
                throw new ValidationException("Each cohort group must be an object", "groups");
            }
            JsonNode props = group.get("properties");
            if (props != null && !props.isNull() && !props.isEmpty()) {
                ArrayNode and = f.arrayNode();
                if (props.isArray()) {
                    for (JsonNode p : props) {
                        if (!p.isObject()) {
                            throw new ValidationException("Each property of a cohort group must be an object",
                                    "groups");
                        }
                        ObjectNode copy = ((ObjectNode) p).deepCopy();
                        if (copy.path("type").asText("event").equals("event")) {
                            copy.put("type", "person");
                        }
                        and.add(copy);
                    }
                } else if (props.isObject() && !props.has("type") && !props.has("values")) {
                    props.fields().forEachRemaining(e -> and.add(f.objectNode().put("key", e.getKey())
                            .put("type", "person").put("operator", "exact").set("value", e.getValue())));
                } else {
                    and.add(props);
                }
                values.add(f.objectNode().put("type", "AND").set("values", and));
            } else if (group.hasNonNull("action_id")) {
                throw new ValidationException("Cohort groups with action_id are not supported (Quarry has no actions)",
                        "groups");
            } else if (group.hasNonNull("event_id")) {
                int count = Math.max(0, group.path("count").asInt(0));
                ObjectNode b = f.objectNode().put("type", "behavioral").put("key", group.get("event_id").asText())
                        .put("value", count > 0 ? "performed_event_multiple" : "performed_event")
                        .put("event_type", "events").put("time_interval", "day")
                        .put("time_value", group.path("days").asInt(0) > 0 ? group.get("days").asInt() : 365);
                if (count > 0) {
                    b.put("operator", group.path("count_operator").asText("gte")).put("operator_value", count);
                }
                values.add(f.objectNode().put("type", "AND").set("values", f.arrayNode().add(b)));
            } else {
                // PostHog: an invalid group makes the whole cohort match nobody
                return f.objectNode().set("properties", f.objectNode().put("type", "OR").set("values", f.arrayNode()));
            }
        }
        return f.objectNode().set("properties", f.objectNode().put("type", "OR").set("values", values));
    }

    /** Filters and groups a cohort may have: each behavioural filter is a scan of the project's events. */
    public static final int MAX_CONDITIONS = 200;

    private static int count(JsonNode node) {
        int n = node.isObject() ? 1 : 0;
        for (JsonNode child : node) {
            if (child.isContainerNode()) {
                n += count(child);
                if (n > MAX_CONDITIONS) {
                    return n; // enough to refuse; a huge body is not walked further
                }
            }
        }
        return n;
    }

    private static Expr node(JsonNode node) {
        if (node.isArray()) {
            return group("AND", node);
        }
        if (!node.isObject()) {
            throw new ValidationException("Each cohort filter must be an object", "filters");
        }
        String type = node.path("type").asText("");
        Expr expr = switch (type) {
            case "AND", "OR" -> group(type, node.path("values"));
            case "behavioral" -> behavioral(node);
            case "person", "cohort", "precalculated-cohort", "static-cohort" -> PropertyFilters.toExpr(
                    leaf(node, type), PropertyFilters.Context.PERSONS);
            default -> throw new ValidationException("Unsupported cohort filter type: " + type, "filters");
        };
        return node.path("negation").asBoolean(false) ? new Expr.Not(expr) : expr;
    }

    private static Expr group(String type, JsonNode values) {
        if (!values.isArray()) {
            throw new ValidationException("A filter group's values must be a list", "filters");
        }
        List<Expr> parts = new ArrayList<>();
        values.forEach(value -> parts.add(node(value)));
        if (parts.isEmpty()) {
            return new Expr.Constant(type.equals("AND"));
        }
        return parts.size() == 1 ? parts.get(0) : type.equals("AND") ? new Expr.And(parts) : new Expr.Or(parts);
    }

    /**
     * A person or cohort leaf as its property filter record. A cohort's leaves are PostHog's stored {@code Property}
     * dicts, which carry more than the query schema's filters ({@code negation}, {@code bytecode},
     * {@code conditionHash} …), so only key, operator and value are read here; the old cohort types
     * ({@code precalculated-cohort}, {@code static-cohort}) are cohort filters.
     */
    private static PropertyFilter leaf(JsonNode node, String type) {
        String key = node.hasNonNull("key") && node.get("key").isValueNode() ? node.get("key").asText() : null;
        String operator = node.hasNonNull("operator") ? node.get("operator").asText() : null;
        JsonNode value = node.get("value");
        try {
            return type.equals("person") ? new PropertyFilter.Person(key, null, operator, null, value)
                    : new PropertyFilter.Cohort(key, null, operator, null, value, null);
        } catch (ValidationException e) {
            throw new ValidationException(e.getMessage(), "filters");
        }
    }

    /** {@code {"type": "behavioral", "value": "performed_event", "key": <event>, "time_value": 30, "time_interval": "day"}}. */
    private static Expr behavioral(JsonNode node) {
        String value = node.path("value").asText("");
        if (!value.equals("performed_event") && !value.equals("performed_event_multiple")) {
            throw new ValidationException("Unsupported behavioral filter: " + value, "filters");
        }
        JsonNode key = node.get("key");
        if (key == null || !key.isTextual() || key.asText().isEmpty()) {
            throw new ValidationException("A behavioral filter needs the event name as key", "filters");
        }
        List<Expr> where = new ArrayList<>();
        where.add(new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant(key.asText())));
        long timeValue = node.path("time_value").asLong(30);
        String unit = node.path("time_interval").asText("day");
        if (!UNITS.contains(unit) || timeValue < 1) {
            throw new ValidationException("time_value must be positive and time_interval one of " + UNITS, "filters");
        }
        // PostgreSQL's intervals end near 178 million years; a window past a century back is refused here, at save
        // time, rather than failing every recalculation ("interval out of range")
        if (timeValue > MAX_WINDOW_DAYS * 24 / HOURS.get(unit)) {
            throw new ValidationException("time_value reaches back more than " + MAX_WINDOW_DAYS / 365 + " years",
                    "filters");
        }
        where.add(new Expr.Compare(">", Expr.Field.of("timestamp"), new Expr.Arithmetic("-",
                Expr.Call.of("now"), new Expr.Interval(new Expr.Constant((long) timeValue), unit))));
        SelectQuery events = new SelectQuery(List.of(), false, List.of(Expr.Field.of("person_id")),
                List.of(JoinExpr.table("events", null)), new Expr.And(where), List.of(), null, List.of(), null, null, null);
        if (value.equals("performed_event_multiple")) {
            String operator = switch (node.path("operator").asText("gte")) {
                case "gte" -> ">=";
                case "lte" -> "<=";
                case "gt" -> ">";
                case "lt" -> "<";
                case "exact", "eq" -> "=";
                default -> throw new ValidationException("Unsupported operator for performed_event_multiple", "filters");
            };
            events = new SelectQuery(List.of(), false, List.of(Expr.Field.of("person_id")),
                    List.of(JoinExpr.table("events", null)), new Expr.And(where), List.of(Expr.Field.of("person_id")),
                    new Expr.Compare(operator, Expr.Call.of("count"),
                            new Expr.Constant((long) node.path("operator_value").asInt(1))),
                    List.of(), null, null, null);
        }
        return new Expr.Compare("in", Expr.Field.of("id"), events);
    }
}

package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.Aggregations;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.Parser;
import dev.quarry.query.schema.EventsNode;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.query.schema.PropertyGroupFilter;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One series of an insight: an {@code EventsNode} (an event name, or every event with {@code event: null}) or an
 * {@code ActionsNode} (the team's action {@code actionId}: the events any of its steps matches) with its own
 * property filters and math. {@link #filter} is the event condition every runner reads it with; an action's
 * condition ({@code actionCondition}) is known once the action was read ({@link #withActions}).
 */
public record Series(int order, String event, String name, String customName, String math, String mathProperty,
        String mathHogql, Integer mathGroupTypeIndex, PropertyFilter properties, PropertyFilter fixedProperties,
        Long actionId, Expr actionCondition) {

    public static final Set<String> MATHS = Set.of("total", "dau", "weekly_active", "monthly_active", "unique_session",
            "unique_group", "sum", "avg", "min", "max", "median", "p75", "p90", "p95", "p99", "hogql");

    /** The maths that count actors: persons, or with {@code math_group_type_index} the groups of that type. */
    private static final Set<String> ACTOR_MATHS = Set.of("dau", "weekly_active", "monthly_active", "unique_group");

    /** The series of a typed query (400 when there are none, or one is unsupported). */
    public static List<Series> all(List<EventsNode> series, String attr) {
        if (series == null || series.isEmpty()) {
            throw new ValidationException("At least one series is required.", attr);
        }
        List<Series> out = new ArrayList<>();
        for (int i = 0; i < series.size(); i++) {
            EventsNode node = series.get(i);
            if (node == null) {
                throw new ValidationException("A series must be an object.", attr);
            }
            if (node.kind() != null && !node.kind().equals("EventsNode") && !node.kind().equals("ActionsNode")) {
                throw new ValidationException("Unsupported series kind: " + node.kind()
                        + " (only EventsNode and ActionsNode are supported)", attr);
            }
            out.add(of(node, i, false));
        }
        return out;
    }

    public static List<Series> parseAll(JsonNode series, String attr) {
        if (series == null || !series.isArray() || series.isEmpty()) {
            throw new ValidationException("At least one series is required.", attr);
        }
        List<Series> out = new ArrayList<>();
        for (int i = 0; i < series.size(); i++) {
            out.add(parse(series.get(i), i, attr));
        }
        return out;
    }

    /** One series from its JSON (a series, or with {@code attr} "exclusions" a funnel exclusion). */
    public static Series parse(JsonNode node, int order, String attr) {
        if (node == null || !node.isObject()) {
            throw new ValidationException("A series must be an object.", attr);
        }
        // the kind first, so that an ActionsNode is named as such rather than by its first unknown field
        String kind = java.util.Objects.requireNonNullElse(QuerySchema.kindOf(node), "EventsNode");
        if (!kind.equals("EventsNode") && !kind.equals("ActionsNode")) {
            throw new ValidationException("Unsupported series kind: " + kind
                    + " (only EventsNode and ActionsNode are supported)", attr);
        }
        return of(QuerySchema.parse(node, EventsNode.class, "series"), order, "exclusions".equals(attr));
    }

    /**
     * One series from its node; the fields Quarry does not compute are refused unless off, and an exclusion's step
     * fields anywhere else.
     */
    public static Series of(EventsNode node, int order, boolean exclusion) {
        if (!exclusion) {
            for (String f : List.of("funnelFromStep", "funnelToStep")) {
                Object v = f.equals("funnelFromStep") ? node.funnelFromStep() : node.funnelToStep();
                if (!QuerySchema.isOff(v)) {
                    throw new ValidationException("Unknown or unsupported field series." + f, f);
                }
            }
        }
        Long actionId = actionId(node);
        Integer groupTypeIndex = groupTypeIndex(node.mathGroupTypeIndex());
        QuerySchema.unsupported("series", "math_property_type", node.mathPropertyType(), "event_properties");
        QuerySchema.unsupported("series", "math_multiplier", node.mathMultiplier(), "1", "1.0");
        QuerySchema.unsupported("series", "math_property_revenue_currency", node.mathPropertyRevenueCurrency());
        if (Boolean.TRUE.equals(QuerySchema.laxBoolean("series", "optionalInFunnel", node.optionalInFunnel()))) {
            QuerySchema.unsupported("series", "optionalInFunnel", node.optionalInFunnel());
        }
        QuerySchema.unsupported("series", "limit", node.limit());
        QuerySchema.unsupported("series", "orderBy", node.orderBy());
        String event = actionId == null ? node.event() : null;
        String math = node.math() != null ? node.math() : "total";
        if (!MATHS.contains(math)) {
            throw new ValidationException("Unsupported math: " + math, "math");
        }
        String mathProperty = node.mathProperty();
        if (Set.of("sum", "avg", "min", "max", "median", "p75", "p90", "p95", "p99").contains(math)
                && (mathProperty == null || mathProperty.isBlank())) {
            throw new ValidationException("math " + math + " needs math_property", "math_property");
        }
        String mathHogql = node.mathHogql();
        if (math.equals("hogql") && (mathHogql == null || mathHogql.isBlank())) {
            throw new ValidationException("math hogql needs math_hogql", "math_hogql");
        }
        if (math.equals("unique_group") && groupTypeIndex == null) {
            throw new ValidationException("math unique_group needs math_group_type_index", "math_group_type_index");
        }
        return new Series(order, event, node.name() != null ? node.name() : event, node.customName(), math,
                mathProperty, mathHogql, groupTypeIndex, node.properties(), node.fixedProperties(), actionId, null);
    }

    /**
     * PostHog's {@code MathGroupTypeIndex}: 0, 1, 2, 3 or 4 (null when absent). 400 naming
     * {@code math_group_type_index} otherwise.
     */
    static Integer groupTypeIndex(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        String text = value.isTextual() ? value.asText().trim() : value.isNumber() ? value.asText() : "";
        if (value.isNumber() || value.isTextual()) {
            try {
                java.math.BigDecimal n = new java.math.BigDecimal(text);
                if (n.signum() >= 0 && n.compareTo(java.math.BigDecimal.valueOf(4)) <= 0
                        && n.stripTrailingZeros().scale() <= 0) {
                    return n.intValueExact();
                }
            } catch (NumberFormatException | ArithmeticException e) {
                // the message below
            }
        }
        throw new ValidationException("Invalid value for series.math_group_type_index: Input should be 0, 1, 2, 3 or 4",
                "math_group_type_index");
    }

    /**
     * Whether the series counts groups rather than persons: PostHog's {@code is_groups_math} — math {@code dau},
     * {@code unique_group}, {@code weekly_active} or {@code monthly_active} with a {@code math_group_type_index}.
     * Such a series reads only events that name a group of that type ({@code $group_N} not empty).
     */
    public boolean countsGroups() {
        return mathGroupTypeIndex != null && ACTOR_MATHS.contains(math);
    }

    /** The HogQL field an actor-counting math counts: {@code person_id}, or {@code $group_N} ({@link #countsGroups}). */
    public String actorHogQL() {
        return countsGroups() ? "$group_" + mathGroupTypeIndex : "person_id";
    }

    /**
     * An ActionsNode's action id (PostHog's {@code id: int}); null for an EventsNode, which has no {@code id}. An
     * ActionsNode has no {@code event}, {@code limit} or {@code orderBy} (400 naming the field, as PostHog's
     * schema forbids extra fields).
     */
    private static Long actionId(EventsNode node) {
        if (!"ActionsNode".equals(node.kind())) {
            if (node.id() != null) {
                throw new ValidationException("Unknown or unsupported field series.id", "id");
            }
            return null;
        }
        if (node.event() != null) {
            throw new ValidationException("Unknown or unsupported field series.event", "event");
        }
        JsonNode id = node.id();
        if (id == null || id.isNull()) {
            throw new ValidationException("Field required: series.id", "id");
        }
        if (!id.isIntegralNumber() && !(id.isTextual() && id.asText().matches("-?\\d{1,18}"))
                && !(id.isFloatingPointNumber() && id.asDouble() == Math.rint(id.asDouble()))) {
            throw new ValidationException("Input should be a valid integer: series.id", "id");
        }
        return id.isTextual() ? Long.parseLong(id.asText()) : id.asLong();
    }

    /** This series with its action read: the action's name (when the node gave none) and its condition. */
    public Series withAction(String actionName, Expr condition) {
        return new Series(order, event, name != null ? name : actionName, customName, math, mathProperty, mathHogql,
                mathGroupTypeIndex, properties, fixedProperties, actionId, condition);
    }

    /** This series with another math (the name and filters kept). */
    public Series withMath(String otherMath) {
        return new Series(order, event, name, customName, otherMath, mathProperty, mathHogql, mathGroupTypeIndex,
                properties, fixedProperties, actionId, actionCondition);
    }

    /**
     * The series with their actions read (the team's own: {@code QueryPlan.actions} binds the team), for a runner
     * to build its statements from; the series themselves when none is an ActionsNode. An id the team has no live
     * action with is a 400 naming {@code attr}, as PostHog's "Action … does not exist" (another team's action is
     * not found the same way); an action step Quarry cannot evaluate is a 400 too ({@code actions.ActionSteps}).
     */
    public static dev.quarry.query.QueryPlan<List<Series>> withActions(List<Series> series, String attr) {
        List<Long> ids = series.stream().map(Series::actionId).filter(java.util.Objects::nonNull).distinct().toList();
        if (ids.isEmpty()) {
            return dev.quarry.query.QueryPlan.of(series);
        }
        return dev.quarry.query.QueryPlan.actions(ids).map(found -> {
            java.util.Map<Long, dev.quarry.query.QueryPlan.ActionRef> byId = new java.util.HashMap<>();
            found.stream().filter(a -> !a.deleted()).forEach(a -> byId.put(a.id(), a));
            List<Series> out = new ArrayList<>();
            for (Series s : series) {
                if (s.actionId() == null) {
                    out.add(s);
                    continue;
                }
                dev.quarry.query.QueryPlan.ActionRef a = byId.get(s.actionId());
                if (a == null) {
                    throw new ValidationException("Action " + s.actionId() + " does not exist.", attr);
                }
                out.add(s.withAction(a.name() != null ? a.name() : "Action " + a.id(),
                        dev.quarry.actions.ActionSteps.condition(a.id(), a.steps(), attr)));
            }
            return out;
        });
    }

    /**
     * {@code then} applied to the series with their actions read; called directly (no extra step in the plan) when
     * none is an ActionsNode, so that a plan of events alone is what it was.
     */
    public static <T> dev.quarry.query.QueryPlan<T> withActions(List<Series> series, String attr,
            java.util.function.Function<List<Series>, dev.quarry.query.QueryPlan<T>> then) {
        if (series.stream().allMatch(s -> s.actionId() == null)) {
            return then.apply(series);
        }
        return withActions(series, attr).flatMap(then);
    }

    /** One series (a funnel's entity, an exclusion) with its action read: {@link #withActions} for one. */
    public static dev.quarry.query.QueryPlan<Series> withAction(Series series, String attr) {
        return withActions(List.of(series), attr).map(list -> list.get(0));
    }

    /** "pageview", or "All events" for {@code event: null}; an action's name for an action. */
    public String label() {
        if (customName != null && !customName.isBlank()) {
            return customName;
        }
        if (actionId != null) {
            return name;
        }
        return event == null ? "All events" : event;
    }

    /** PostHog's series {@code id}: the event name (null for all events), or the action's id. */
    public Object entityId() {
        return actionId != null ? actionId : event;
    }

    /** PostHog's {@code type} of a result series: {@code events} or {@code actions}. */
    public String entityType() {
        return actionId != null ? "actions" : "events";
    }

    /** The name of the series' entity: the event ("All events" for every event) or the action. */
    public String entityName() {
        return actionId != null ? name : event == null ? "All events" : event;
    }

    /** The events of this series: the event name and the series' own property filters. */
    public Expr filter() {
        List<Expr> parts = new ArrayList<>();
        if (actionId != null) {
            if (actionCondition == null) {
                throw new IllegalStateException("Action " + actionId + " was not read (Series.withActions)");
            }
            parts.add(actionCondition);
        } else if (event != null) {
            parts.add(new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant(event)));
        }
        parts.add(InsightSql.properties(properties, "series.properties"));
        parts.add(InsightSql.properties(fixedProperties, "series.fixedProperties"));
        return InsightSql.and(parts);
    }

    /**
     * The events a trends series counts: {@link #filter}, and for a series counting groups only events naming a group
     * of its type (PostHog's trends builder, "Ignore empty groups"). Funnels and the other kinds ignore a step's math.
     */
    public Expr trendsFilter() {
        if (!countsGroups()) {
            return filter();
        }
        return InsightSql.and(List.of(filter(),
                new Expr.Compare("!=", Expr.Field.of(actorHogQL()), new Expr.Constant(""))));
    }

    /** PostHog's {@code action} object of a result series. */
    public ObjectNode action(ObjectMapper mapper) {
        ObjectNode a = mapper.createObjectNode();
        if (actionId != null) {
            a.put("id", actionId);
        } else if (event == null) {
            a.putNull("id");
        } else {
            a.put("id", event);
        }
        a.put("type", entityType());
        a.put("order", order);
        a.put("name", entityName());
        if (customName == null) {
            a.putNull("custom_name");
        } else {
            a.put("custom_name", customName);
        }
        a.put("math", math);
        if (mathProperty == null) {
            a.putNull("math_property");
        } else {
            a.put("math_property", mathProperty);
        }
        if (mathHogql == null) {
            a.putNull("math_hogql");
        } else {
            a.put("math_hogql", mathHogql);
        }
        // PostHog's trends runner echoes it after math_hogql
        if (mathGroupTypeIndex == null) {
            a.putNull("math_group_type_index");
        } else {
            a.put("math_group_type_index", mathGroupTypeIndex);
        }
        // a list (an AND group) is echoed as the list clients send; an OR group as the group
        a.set("properties", properties == null ? mapper.createArrayNode()
                : properties instanceof PropertyGroupFilter g && g.isAnd() ? mapper.valueToTree(g.values())
                : mapper.valueToTree(properties));
        return a;
    }

    /**
     * The aggregate one bucket shows, as HogQL over {@code events} (placeholders {@code {math_prop}} /
     * {@code {math_expr}} come from {@link #mathValues}). weekly/monthly active are handled by the trends runner.
     */
    public String aggregateHogQL() {
        return switch (math) {
            case "total" -> "count()";
            case "dau", "weekly_active", "monthly_active", "unique_group" -> "count(DISTINCT " + actorHogQL() + ")";
            case "unique_session" -> "count(DISTINCT nullIf(toString(properties.$session_id), ''))";
            case "sum" -> "sum(toFloat({math_prop}))";
            case "avg" -> "avg(toFloat({math_prop}))";
            case "min" -> "min(toFloat({math_prop}))";
            case "max" -> "max(toFloat({math_prop}))";
            case "median" -> "quantile(0.5)(toFloat({math_prop}))";
            case "p75" -> "quantile(0.75)(toFloat({math_prop}))";
            case "p90" -> "quantile(0.9)(toFloat({math_prop}))";
            case "p95" -> "quantile(0.95)(toFloat({math_prop}))";
            case "p99" -> "quantile(0.99)(toFloat({math_prop}))";
            default -> "{math_expr}";
        };
    }

    public void mathValues(java.util.Map<String, Object> values) {
        if (mathProperty != null) {
            values.put("math_prop", Expr.Field.of("properties", mathProperty));
        }
        if (math.equals("hogql")) {
            try {
                values.put("math_expr", Aggregations.aggregated(Parser.parseExpr(mathHogql), "math_hogql"));
            } catch (HogQLException e) {
                throw new ValidationException(e.getMessage(), "math_hogql");
            }
        }
    }

    /** Whether the math is a count of persons (so that actors of a bucket are meaningful per person). */
    public boolean countsPersons() {
        return !countsGroups() && (math.equals("dau") || math.equals("weekly_active") || math.equals("monthly_active"));
    }
}

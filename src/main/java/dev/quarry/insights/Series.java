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
 * One series of an insight: an {@code EventsNode} (an event name, or every event with {@code event: null}) with its
 * own property filters and math. {@link #filter} is the event condition every runner reads it with.
 */
public record Series(int order, String event, String name, String customName, String math, String mathProperty,
        String mathHogql, PropertyFilter properties, PropertyFilter fixedProperties) {

    public static final Set<String> MATHS = Set.of("total", "dau", "weekly_active", "monthly_active", "unique_session",
            "sum", "avg", "min", "max", "median", "p75", "p90", "p95", "p99", "hogql");

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
            if (node.kind() != null && !node.kind().equals("EventsNode")) {
                throw new ValidationException("Unsupported series kind: " + node.kind()
                        + " (only EventsNode is supported)", attr);
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
        if (!kind.equals("EventsNode")) {
            throw new ValidationException("Unsupported series kind: " + kind + " (only EventsNode is supported)", attr);
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
        QuerySchema.unsupported("series", "math_group_type_index", node.mathGroupTypeIndex());
        QuerySchema.unsupported("series", "math_property_type", node.mathPropertyType(), "event_properties");
        QuerySchema.unsupported("series", "math_multiplier", node.mathMultiplier(), "1", "1.0");
        QuerySchema.unsupported("series", "math_property_revenue_currency", node.mathPropertyRevenueCurrency());
        QuerySchema.unsupported("series", "optionalInFunnel", node.optionalInFunnel());
        QuerySchema.unsupported("series", "limit", node.limit());
        QuerySchema.unsupported("series", "orderBy", node.orderBy());
        String event = node.event();
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
        return new Series(order, event, node.name() != null ? node.name() : event, node.customName(), math,
                mathProperty, mathHogql, node.properties(), node.fixedProperties());
    }

    /** "pageview", or "All events" for {@code event: null}. */
    public String label() {
        if (customName != null && !customName.isBlank()) {
            return customName;
        }
        return event == null ? "All events" : event;
    }

    /** The events of this series: the event name and the series' own property filters. */
    public Expr filter() {
        List<Expr> parts = new ArrayList<>();
        if (event != null) {
            parts.add(new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant(event)));
        }
        parts.add(InsightSql.properties(properties, "series.properties"));
        parts.add(InsightSql.properties(fixedProperties, "series.fixedProperties"));
        return InsightSql.and(parts);
    }

    /** PostHog's {@code action} object of a result series. */
    public ObjectNode action(ObjectMapper mapper) {
        ObjectNode a = mapper.createObjectNode();
        if (event == null) {
            a.putNull("id");
        } else {
            a.put("id", event);
        }
        a.put("type", "events");
        a.put("order", order);
        a.put("name", event == null ? "All events" : event);
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
            case "dau", "weekly_active", "monthly_active" -> "count(DISTINCT person_id)";
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

    /** Whether the math is a count of actors (so that actors of a bucket are meaningful per person). */
    public boolean countsPersons() {
        return math.equals("dau") || math.equals("weekly_active") || math.equals("monthly_active");
    }
}

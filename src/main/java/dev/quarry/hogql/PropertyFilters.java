package dev.quarry.hogql;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.query.schema.PropertyGroupFilter;
import dev.quarry.web.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PostHog's property filters ({@link PropertyFilter} records: a filter, or a nested AND/OR group) → a boolean HogQL
 * expression, the one place this is done. As PostHog's {@code property_to_expr}: {@code event} filters read the
 * event's {@code properties}, {@code person} filters the person's (through the event's person, or directly on
 * persons), {@code cohort} filters are membership in the cohort, {@code hogql} filters are the expression itself,
 * {@code element} filters read the event's elements chain ({@link ElementFilters}).
 * Invalid input raises {@link InvalidFilterException} naming the problem.
 */
public final class PropertyFilters {

    /** Which table the expression is evaluated on: events (person filters go through the person join) or persons. */
    public enum Context { EVENTS, PERSONS }

    /** A filter the API should answer with 400. */
    public static class InvalidFilterException extends HogQLException {
        public InvalidFilterException(String message) {
            super(message);
        }
    }

    private PropertyFilters() {}

    /** The JSON form (a filter, a group or a list), events context: {@link #toExpr(JsonNode, Context)}. */
    public static Expr toExpr(JsonNode node) {
        return toExpr(node, Context.EVENTS);
    }

    /**
     * Reads the JSON with {@link PropertyFilter#parse} (strict, as PostHog's schema) and converts it; for callers
     * still holding JSON. A malformed filter is an {@link InvalidFilterException} with the parser's message.
     */
    public static Expr toExpr(JsonNode node, Context ctx) {
        PropertyFilter filter;
        try {
            filter = PropertyFilter.parse(node, "properties");
        } catch (ValidationException e) {
            throw new InvalidFilterException(e.getMessage());
        }
        return toExpr(filter, ctx);
    }

    /** {@link #toExpr(PropertyFilter, Context)} on events. */
    public static Expr toExpr(PropertyFilter filter) {
        return toExpr(filter, Context.EVENTS);
    }

    /**
     * The one property filter → HogQL conversion: null, an empty group and {@code {}} are {@code true}; a group is
     * the AND/OR of its parts (parts that are {@code true} dropped); a filter is its operator over its field (see
     * the class doc). {@code session} filters read the event's session ({@link SessionsTable#filter}), {@code element}
     * filters its autocaptured elements ({@link ElementFilters#property}). Types Quarry has no data for (group, flag,
     * data warehouse …) are refused.
     *
     * @throws InvalidFilterException an unsupported type or operator, or a value the operator cannot use
     */
    public static Expr toExpr(PropertyFilter filter, Context ctx) {
        if (filter == null || filter instanceof PropertyFilter.Empty) {
            return new Expr.Constant(true);
        }
        if (filter instanceof PropertyGroupFilter g) {
            return group(g, ctx);
        }
        return property((PropertyFilter.Keyed) filter, ctx);
    }

    private static Expr group(PropertyGroupFilter g, Context ctx) {
        List<Expr> parts = new ArrayList<>();
        for (PropertyFilter v : g.values()) {
            Expr e = toExpr(v, ctx);
            if (!(e instanceof Expr.Constant c && Boolean.TRUE.equals(c.value()))) {
                parts.add(e);
            }
        }
        if (parts.isEmpty()) {
            return new Expr.Constant(true);
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        return g.isAnd() ? new Expr.And(parts) : new Expr.Or(parts);
    }

    private static Expr property(PropertyFilter.Keyed f, Context ctx) {
        String key = f.key();
        String operator = f.operator() == null ? "exact" : f.operator();
        JsonNode value = f.value();
        if (f instanceof PropertyFilter.HogQL) {
            try {
                return Aggregations.perRow(Parser.parseExpr(key), "a HogQL property filter");
            } catch (HogQLException e) {
                throw new InvalidFilterException("Invalid HogQL filter: " + e.getMessage());
            }
        }
        if (f instanceof PropertyFilter.Cohort c) {
            SelectQuery sub = SelectQuery.of(List.of(Expr.Field.of("person_id")), "cohort_people",
                    // #cohort: an unknown cohort is PostHog's 400, as for IN COHORT (the printer's check)
                    new Expr.Compare("=", Expr.Field.of("cohort_id"),
                            Expr.Call.of(Functions.COHORT, new Expr.Constant(c.cohortId()))));
            Expr personId = ctx == Context.PERSONS ? Expr.Field.of("id") : Expr.Field.of("person_id");
            boolean not = "not_in".equals(c.operator());
            return new Expr.Compare(not ? "not in" : "in", personId, sub);
        }
        if (f instanceof PropertyFilter.Event) {
            if (ctx == Context.PERSONS) {
                throw new InvalidFilterException("Event property filters cannot be used on persons");
            }
            return operator(new Expr.Field(List.of("properties", key)), operator, value);
        }
        if (f instanceof PropertyFilter.Person) {
            Expr.Field field = ctx == Context.PERSONS ? new Expr.Field(List.of("properties", key))
                    : new Expr.Field(List.of("person", "properties", key));
            return operator(field, operator, value);
        }
        if (f instanceof PropertyFilter.Session) {
            if (ctx == Context.PERSONS) {
                throw new InvalidFilterException("Session property filters cannot be used on persons");
            }
            return SessionsTable.filter(key, operator, value);
        }
        if (f instanceof PropertyFilter.Element) {
            if (ctx == Context.PERSONS) {
                throw new InvalidFilterException("Element filters cannot be used on persons");
            }
            return ElementFilters.property(key, operator.toLowerCase(Locale.ROOT), value);
        }
        throw new InvalidFilterException("Unsupported property filter type \"" + f.type() + "\"");
    }

    private static Expr str(String s) {
        return new Expr.Constant(s);
    }

    private static List<String> values(JsonNode value, String operator) {
        List<String> out = new ArrayList<>();
        if (value == null || value.isNull()) {
            throw new InvalidFilterException("Operator \"" + operator + "\" needs a \"value\"");
        }
        if (value.isArray()) {
            for (JsonNode v : value) {
                if (!v.isValueNode() || v.isNull()) {
                    throw new InvalidFilterException("Filter values must be strings, numbers or booleans");
                }
                out.add(v.asText());
            }
            if (out.isEmpty()) {
                throw new InvalidFilterException("Operator \"" + operator + "\" needs at least one value");
            }
        } else if (value.isValueNode()) {
            out.add(value.asText());
        } else {
            throw new InvalidFilterException("Filter value must be a string, number, boolean or a list of them");
        }
        return out;
    }

    private static double number(JsonNode value, String operator) {
        if (value != null && value.isNumber()) {
            return value.asDouble();
        }
        if (value != null && value.isTextual()) {
            try {
                return Double.parseDouble(value.asText().trim());
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new InvalidFilterException("Operator \"" + operator + "\" needs a numeric value");
    }

    private static String single(JsonNode value, String operator) {
        if (value == null || !value.isValueNode() || value.isNull()) {
            throw new InvalidFilterException("Operator \"" + operator + "\" needs a single value");
        }
        return value.asText();
    }

    /**
     * A regex filter's pattern: a string only. PostHog passes the value as it is to ClickHouse's
     * {@code match(toString(x), value)}, which refuses a number or boolean pattern (ILLEGAL_TYPE_OF_ARGUMENT, a 400),
     * so {@code "value": 123} is refused here too rather than run as some text.
     */
    private static String pattern(JsonNode value, String operator) {
        if (value != null && (value.isNumber() || value.isBoolean())) {
            throw new InvalidFilterException("Operator \"" + operator + "\" needs a string pattern, got "
                    + (value.isNumber() ? "the number " : "the boolean ") + value.asText());
        }
        return single(value, operator);
    }

    private static Expr orNull(Expr f, Expr cond) {
        return new Expr.Or(List.of(new Expr.IsNull(f, false), cond));
    }

    /** A filter operator over any expression (a property path, or a session column: {@link SessionsTable}). */
    static Expr operator(Expr f, String operator, JsonNode value) {
        switch (operator.toLowerCase(Locale.ROOT)) {
            case "exact":
            case "in": {
                List<String> vs = values(value, operator);
                if (vs.size() == 1) {
                    return new Expr.Compare("=", f, str(vs.get(0)));
                }
                return new Expr.Compare("in", f, new Expr.TupleLit(vs.stream().map(PropertyFilters::str).toList()));
            }
            case "is_not":
            case "not_in": {
                List<String> vs = values(value, operator);
                Expr cmp = vs.size() == 1 ? new Expr.Compare("!=", f, str(vs.get(0)))
                        : new Expr.Compare("not in", f, new Expr.TupleLit(vs.stream().map(PropertyFilters::str).toList()));
                return orNull(f, cmp);
            }
            case "icontains":
                return new Expr.Compare("ilike", f, str(LikePatterns.contains(single(value, operator))));
            case "not_icontains":
                return orNull(f, new Expr.Compare("not ilike", f, str(LikePatterns.contains(single(value, operator)))));
            case "regex":
                return Expr.Call.of("ifNull", Expr.Call.of("match", f, str(pattern(value, operator))), new Expr.Constant(false));
            case "not_regex":
                return Expr.Call.of("ifNull", new Expr.Not(Expr.Call.of("match", f, str(pattern(value, operator)))),
                        new Expr.Constant(true));
            case "gt":
                return new Expr.Compare(">", Expr.Call.of("toFloat", f), new Expr.Constant(number(value, operator)));
            case "gte":
            case "min":
                return new Expr.Compare(">=", Expr.Call.of("toFloat", f), new Expr.Constant(number(value, operator)));
            case "lt":
                return new Expr.Compare("<", Expr.Call.of("toFloat", f), new Expr.Constant(number(value, operator)));
            case "lte":
            case "max":
                return new Expr.Compare("<=", Expr.Call.of("toFloat", f), new Expr.Constant(number(value, operator)));
            case "between":
            case "not_between": {
                if (value == null || !value.isArray() || value.size() != 2) {
                    throw new InvalidFilterException("Operator \"" + operator + "\" needs a value [min, max]");
                }
                return new Expr.Between(Expr.Call.of("toFloat", f), new Expr.Constant(number(value.get(0), operator)),
                        new Expr.Constant(number(value.get(1), operator)), operator.equals("not_between"));
            }
            case "is_set":
                return new Expr.IsNull(f, true);
            case "is_not_set":
                return new Expr.IsNull(f, false);
            case "is_date_exact":
                return new Expr.Compare("=", Expr.Call.of("toDateTime", f), date(value, operator));
            case "is_date_before":
                return new Expr.Compare("<", Expr.Call.of("toDateTime", f), date(value, operator));
            case "is_date_after":
                return new Expr.Compare(">", Expr.Call.of("toDateTime", f), date(value, operator));
            default:
                throw new InvalidFilterException("Unsupported property filter operator \"" + operator + "\"");
        }
    }

    private static Expr date(JsonNode value, String operator) {
        String s = single(value, operator);
        if (!s.matches("\\d{4}-\\d{2}-\\d{2}([ T]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?)?(Z|[+-]\\d{2}:?\\d{2})?")) {
            throw new InvalidFilterException("Operator \"" + operator + "\" needs a date value, got \"" + s + "\"");
        }
        return Expr.Call.of("toDateTime", str(s));
    }
}

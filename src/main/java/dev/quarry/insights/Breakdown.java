package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.Parser;
import dev.quarry.web.ValidationException;
import java.util.List;

/**
 * A {@code breakdownFilter} on an event or person property (or a HogQL expression): the value expression every
 * runner groups by, with PostHog's null bucket for missing or empty values and its "other" bucket beyond the limit.
 */
public record Breakdown(String type, String property, int limit, boolean hideOther) {
    public static final String NULL_VALUE = "$$_posthog_breakdown_null_$$";
    public static final String OTHER_VALUE = "$$_posthog_breakdown_other_$$";
    public static final int DEFAULT_LIMIT = 25;

    /** The query's breakdown, or null when it has none. */
    public static Breakdown parse(JsonNode filter) {
        if (filter == null || !filter.isObject()) {
            return null;
        }
        JsonNode b = filter.get("breakdown");
        String type = filter.path("breakdown_type").asText("event");
        JsonNode list = filter.get("breakdowns");
        if (list != null && list.isArray() && !list.isEmpty()) {
            if (b != null && !b.isNull() && !(b.isTextual() && b.asText().isEmpty())) {
                throw new ValidationException("Give either breakdown or breakdowns, not both", "breakdowns");
            }
            // The list form with one entry (what PostHog's CLI and AI tools send) is the single breakdown. PostHog
            // combines up to three; Quarry computes one, so more is refused rather than half-answered.
            if (list.size() > 1) {
                throw new ValidationException("Quarry supports one breakdown; got " + list.size() + " in breakdowns",
                        "breakdowns");
            }
            JsonNode one = list.get(0);
            b = one.get("property");
            type = one.path("type").asText("event");
            if (one.path("normalize_url").asBoolean(false) || one.path("histogram_bin_count").isNumber()) {
                throw new ValidationException("normalize_url and histogram_bin_count are not supported", "breakdowns");
            }
        }
        if (b == null || b.isNull() || (b.isTextual() && b.asText().isEmpty())) {
            return null;
        }
        if (!List.of("event", "person", "hogql").contains(type)) {
            throw new ValidationException("Unsupported breakdown_type: " + type, "breakdown_type");
        }
        if (!b.isTextual()) {
            throw new ValidationException("breakdown must be a property name", "breakdown");
        }
        int limit = filter.path("breakdown_limit").asInt(DEFAULT_LIMIT);
        if (limit < 1) {
            throw new ValidationException("breakdown_limit must be at least 1", "breakdown_limit");
        }
        return new Breakdown(type, b.asText(), limit, filter.path("breakdown_hide_other_aggregation").asBoolean(false));
    }

    /** The raw property value (nullable text) over events. */
    public Expr rawExpr() {
        return switch (type) {
            case "person" -> Expr.Field.of("person", "properties", property);
            case "hogql" -> {
                try {
                    yield Parser.parseExpr(property);
                } catch (HogQLException e) {
                    throw new ValidationException(e.getMessage(), "breakdown");
                }
            }
            default -> Expr.Field.of("properties", property);
        };
    }

    /** The breakdown value as text, with null and empty values in the null bucket. */
    public Expr valueExpr() {
        return Expr.Call.of("ifNull", Expr.Call.of("nullIf", Expr.Call.of("toString", rawExpr()), new Expr.Constant("")),
                new Expr.Constant(NULL_VALUE));
    }

    /** The value with everything outside {@code kept} folded into the other bucket. */
    public Expr foldedExpr(List<String> kept) {
        Expr v = valueExpr();
        return Expr.Call.of("if", new Expr.Compare("in", v, new Expr.TupleLit(
                kept.stream().<Expr>map(Expr.Constant::new).toList())), valueExpr(), new Expr.Constant(OTHER_VALUE));
    }
}

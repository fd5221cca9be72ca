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

    /**
     * The cohorts of a cohort breakdown ({@code breakdown_type: "cohort"} with one id or a list, or a
     * {@code breakdowns} list of cohort entries), "all" as 0 = everyone; null when the breakdown is not by cohort.
     */
    public static List<Long> cohorts(JsonNode filter) {
        if (filter == null || !filter.isObject()) {
            return null;
        }
        java.util.List<JsonNode> ids = new java.util.ArrayList<>();
        JsonNode list = filter.get("breakdowns");
        if (list != null && list.isArray() && !list.isEmpty()) {
            for (JsonNode b : list) {
                if (!b.path("type").asText("event").equals("cohort")) {
                    return null;
                }
                ids.add(b.get("property"));
            }
        } else if (filter.path("breakdown_type").asText("").equals("cohort")) {
            JsonNode b = filter.get("breakdown");
            if (b == null || b.isNull()) {
                throw new ValidationException("A cohort breakdown needs cohort ids", "breakdown");
            }
            if (b.isArray()) {
                b.forEach(ids::add);
            } else {
                ids.add(b);
            }
        } else {
            return null;
        }
        java.util.List<Long> out = new java.util.ArrayList<>();
        for (JsonNode c : ids) {
            if (c != null && c.isTextual() && c.asText().equals("all")) {
                out.add(0L);
            } else if (c != null && (c.canConvertToLong() || (c.isTextual() && c.asText().matches("\\d{1,18}")))) {
                out.add(c.isTextual() ? Long.parseLong(c.asText()) : c.asLong());
            } else {
                throw new ValidationException("A cohort breakdown takes cohort ids (or \"all\")", "breakdown");
            }
        }
        if (out.isEmpty()) {
            throw new ValidationException("A cohort breakdown needs cohort ids", "breakdown");
        }
        return out;
    }

    /** Membership of cohort {@code id} (0 = everyone) as a filter on events. */
    public static Expr cohortMember(long id) {
        if (id == 0) {
            return new Expr.Constant(true);
        }
        return InsightSql.properties(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                .put("type", "cohort").put("key", "id").put("value", id), "breakdown");
    }

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

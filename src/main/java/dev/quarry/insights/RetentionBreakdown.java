package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.hogql.Expr;
import dev.quarry.web.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A retention {@code breakdownFilter}, read as PostHog's retention runner reads it: the single form
 * ({@code breakdown} + {@code breakdown_type}) and the list form ({@code breakdowns}) are the same thing; one
 * event or person property, or a list of cohorts (each cohort its own row set, {@code "all"} meaning everyone and
 * shown as {@code "0"}). A property value is {@code toString(value)} with a missing value as {@code ""}, grouped per
 * actor, so an actor whose events carry two values counts under both. Values are ranked by their total cohort size;
 * those beyond {@code breakdown_limit} (default 25) are summed into {@link Breakdown#OTHER_VALUE}.
 *
 * @param type event, person or cohort
 * @param property the property name (null for cohorts)
 * @param cohorts cohort ids for a cohort breakdown (0 = all users)
 */
public record RetentionBreakdown(String type, String property, List<Long> cohorts, int limit) {
    public static final int DEFAULT_LIMIT = 25;

    /** The breakdown, or null when the filter has none. */
    public static RetentionBreakdown parse(JsonNode bf) {
        if (bf == null || !bf.isObject()) {
            return null;
        }
        QueryFields.check(bf, Set.of("breakdown", "breakdown_type", "breakdowns", "breakdown_limit"),
                Set.of("breakdown_hide_other_aggregation"),
                Map.of("breakdown_normalize_url", Set.of(), "breakdown_histogram_bin_count", Set.of(),
                        "breakdown_group_type_index", Set.of()),
                "breakdownFilter");
        int limit = bf.path("breakdown_limit").isNumber() ? bf.get("breakdown_limit").asInt() : DEFAULT_LIMIT;
        if (limit < 1 || limit > 10_000) {
            throw new ValidationException("breakdown_limit must be between 1 and 10000", "breakdown_limit");
        }
        JsonNode list = bf.get("breakdowns");
        JsonNode single = bf.get("breakdown");
        boolean hasSingle = single != null && !single.isNull() && !(single.isTextual() && single.asText().isEmpty())
                && !(single.isArray() && single.isEmpty());
        if (list != null && list.isArray() && !list.isEmpty()) {
            if (hasSingle) {
                throw new ValidationException("Give either breakdown or breakdowns, not both", "breakdowns");
            }
            List<Long> cohorts = new ArrayList<>();
            for (JsonNode b : list) {
                if (b.path("type").asText("event").equals("cohort")) {
                    cohorts.add(cohortId(b.get("property")));
                }
            }
            if (!cohorts.isEmpty()) {
                if (cohorts.size() != list.size()) {
                    throw new ValidationException("A retention breakdown is either cohorts or one property", "breakdowns");
                }
                return new RetentionBreakdown("cohort", null, cohorts, limit);
            }
            if (list.size() > 1) {
                // PostHog's retention runner reads only the first entry; we refuse rather than drop the others.
                throw new ValidationException("Retention supports one property breakdown; got " + list.size(),
                        "breakdowns");
            }
            JsonNode b = list.get(0);
            QueryFields.check(b, Set.of("type", "property"), Set.of(), Map.of("normalize_url", Set.of(),
                    "histogram_bin_count", Set.of(), "group_type_index", Set.of()), "breakdownFilter.breakdowns[0]");
            return property(b.path("type").asText("event"), b.get("property"), limit, "breakdowns");
        }
        if (!hasSingle) {
            return null;
        }
        String type = bf.path("breakdown_type").asText("event");
        if (type.equals("cohort")) {
            List<Long> cohorts = new ArrayList<>();
            if (single.isArray()) {
                single.forEach(c -> cohorts.add(cohortId(c)));
            } else {
                cohorts.add(cohortId(single));
            }
            return new RetentionBreakdown("cohort", null, cohorts, limit);
        }
        if (single.isArray()) {
            if (single.size() != 1) {
                throw new ValidationException("Retention supports one property breakdown", "breakdown");
            }
            single = single.get(0);
        }
        return property(type, single, limit, "breakdown");
    }

    private static RetentionBreakdown property(String type, JsonNode property, int limit, String attr) {
        if (!List.of("event", "person").contains(type)) {
            throw new ValidationException("Unsupported retention breakdown type: " + type
                    + " (event, person and cohort are supported)", "breakdown_type");
        }
        if (property == null || !property.isValueNode() || property.asText().isEmpty()) {
            throw new ValidationException("breakdown must be a property name", attr);
        }
        return new RetentionBreakdown(type, property.asText(), List.of(), limit);
    }

    private static long cohortId(JsonNode v) {
        if (v != null && v.isTextual() && v.asText().equals("all")) {
            return 0;
        }
        if (v == null || !v.canConvertToLong() && !(v.isTextual() && v.asText().matches("\\d{1,18}"))) {
            throw new ValidationException("A cohort breakdown takes cohort ids (or \"all\")", "breakdown");
        }
        return v.isTextual() ? Long.parseLong(v.asText()) : v.asLong();
    }

    public boolean isCohort() {
        return type.equals("cohort");
    }

    /** The value of one event for a property breakdown: {@code ifNull(toString(prop), '')}. */
    public Expr valueExpr() {
        Expr field = type.equals("person") ? Expr.Field.of("person", "properties", property)
                : Expr.Field.of("properties", property);
        return Expr.Call.of("ifNull", Expr.Call.of("toString", field), new Expr.Constant(""));
    }
}

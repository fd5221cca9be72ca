package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.hogql.Expr;
import java.util.List;
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

    /** Retention computes event, person and cohort breakdowns, up to 10,000 values. */
    static final Breakdown.Supports SUPPORTS = new Breakdown.Supports("RetentionQuery",
            Set.of("event", "person", "cohort"), 10_000);

    /** The breakdown of a parsed filter, or null when it has none; read by {@link Breakdown#of}. */
    public static RetentionBreakdown of(dev.quarry.query.schema.BreakdownFilter bf) {
        return from(Breakdown.of(bf, SUPPORTS));
    }

    private static RetentionBreakdown from(Breakdown b) {
        if (b == null) {
            return null;
        }
        return b.isCohort() ? new RetentionBreakdown("cohort", null, b.cohorts(), b.limit())
                : new RetentionBreakdown(b.type(), b.property(), List.of(), b.limit());
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

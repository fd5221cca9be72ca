package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.hogql.Aggregations;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.Parser;
import dev.quarry.query.schema.BreakdownFilter;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A breakdown as every runner reads it, from PostHog's {@link BreakdownFilter}: one event or person property or HogQL
 * expression ({@code property}), or a list of cohorts ({@code cohorts}, 0 meaning all users), with
 * {@code breakdown_limit} (default 25) and {@code breakdown_hide_other_aggregation}. {@link #of} is the one parser;
 * each kind passes what it computes ({@link Supports}). Its rules: the single form ({@code breakdown} +
 * {@code breakdown_type}) and the list form ({@code breakdowns}) are the same thing and not both given; a one-item
 * {@code breakdown} list is that item; a list of cohort entries is a cohort breakdown; Quarry computes one property
 * (several are refused rather than half-answered) and refuses URL normalising, histogram bins and group breakdowns
 * unless off. Errors are 400s naming the field. For a property breakdown the value expression groups missing and
 * empty values into PostHog's null bucket and values beyond the limit into its "other" bucket.
 *
 * @param type event, person, hogql or cohort
 * @param property the property name or HogQL expression (null for cohorts)
 * @param cohorts the cohort ids of a cohort breakdown, in the order given (empty otherwise)
 */
public record Breakdown(String type, String property, List<Long> cohorts, int limit, boolean hideOther) {
    public static final String NULL_VALUE = "$$_posthog_breakdown_null_$$";
    public static final String OTHER_VALUE = "$$_posthog_breakdown_other_$$";
    public static final int DEFAULT_LIMIT = 25;
    /** PostHog's {@code breakdowns} holds at most three entries. */
    public static final int MAX_ENTRIES = 3;

    /**
     * What a query kind computes: its breakdown types and its largest {@code breakdown_limit}.
     *
     * @param kind the query kind, for messages, e.g. "TrendsQuery"
     */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record Supports(String kind, Set<String> types, int maxLimit) {
    }

    /** Trends: event, person, HogQL, cohort and session breakdowns, any limit. */
    public static final Supports TRENDS = new Supports("TrendsQuery", Set.of("event", "person", "hogql", "cohort", "session"),
            Integer.MAX_VALUE);

    /**
     * Whether the filter uses the list form ({@code breakdowns}, even with one entry): PostHog's trends then run in
     * multiple-breakdown mode, whose {@code breakdown_value} is a list of the entries' values ({@code ["Chrome"]}).
     */
    public static boolean listForm(BreakdownFilter f) {
        return f != null && f.breakdowns() != null && !f.breakdowns().isEmpty();
    }

    public boolean isCohort() {
        return type.equals("cohort");
    }

    /**
     * Parses a {@code breakdownFilter} node strictly ({@link QuerySchema}) and reads it with {@link #of}.
     *
     * @param node the node (null, missing or JSON null: no breakdown)
     * @throws ValidationException 400 naming the unknown, malformed or unsupported field
     */
    public static Breakdown parse(JsonNode node, Supports supports) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        return of(QuerySchema.parse(node, BreakdownFilter.class, supports.kind() + ".breakdownFilter"), supports);
    }

    /**
     * The breakdown of a filter, or null when it has none (no filter, or neither {@code breakdown} nor
     * {@code breakdowns} given).
     *
     * @throws ValidationException 400 naming the field that is malformed or not computed by this kind
     */
    public static Breakdown of(BreakdownFilter f, Supports supports) {
        if (f == null) {
            return null;
        }
        String where = supports.kind() + ".breakdownFilter";
        QuerySchema.unsupported(where, "breakdown_normalize_url", f.breakdownNormalizeUrl());
        QuerySchema.unsupported(where, "breakdown_histogram_bin_count", f.breakdownHistogramBinCount());
        QuerySchema.unsupported(where, "breakdown_group_type_index", f.breakdownGroupTypeIndex());
        QuerySchema.unsupported(where, "breakdown_path_cleaning", f.breakdownPathCleaning());
        int limit = f.breakdownLimit() == null ? DEFAULT_LIMIT : f.breakdownLimit();
        if (limit < 1 || limit > supports.maxLimit()) {
            throw new ValidationException(supports.maxLimit() == Integer.MAX_VALUE ? "breakdown_limit must be at least 1"
                    : "breakdown_limit must be between 1 and " + supports.maxLimit(), "breakdown_limit");
        }
        boolean hideOther = Boolean.TRUE.equals(f.breakdownHideOtherAggregation());
        List<BreakdownFilter.Entry> list = f.breakdowns() == null ? List.of() : f.breakdowns();
        if (!list.isEmpty()) {
            if (!blank(f.breakdown())) {
                throw new ValidationException("Give either breakdown or breakdowns, not both", "breakdowns");
            }
            if (list.size() > MAX_ENTRIES) {
                throw new ValidationException("breakdowns takes at most " + MAX_ENTRIES + " entries", "breakdowns");
            }
            List<JsonNode> cohortIds = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                BreakdownFilter.Entry e = list.get(i);
                if (e == null) {
                    throw new ValidationException("breakdowns[" + i + "] must be an object", "breakdowns");
                }
                String at = where + ".breakdowns[" + i + "]";
                QuerySchema.unsupported(at, "normalize_url", e.normalizeUrl());
                QuerySchema.unsupported(at, "histogram_bin_count", e.histogramBinCount());
                QuerySchema.unsupported(at, "group_type_index", e.groupTypeIndex());
                if ("cohort".equals(e.type())) {
                    cohortIds.add(e.property());
                }
            }
            if (!cohortIds.isEmpty()) {
                if (cohortIds.size() != list.size()) {
                    throw new ValidationException("A breakdown is either cohorts or one property", "breakdowns");
                }
                return cohorts(cohortIds, limit, hideOther, supports);
            }
            // The list form with one entry (what PostHog's CLI and AI tools send) is the single breakdown. PostHog
            // combines up to three; Quarry computes one, so more is refused rather than half-answered.
            if (list.size() > 1) {
                throw new ValidationException("Quarry supports one breakdown property; got " + list.size()
                        + " in breakdowns", "breakdowns");
            }
            BreakdownFilter.Entry one = list.get(0);
            return property(one.type() == null ? "event" : one.type(), one.property(), "type", limit, hideOther,
                    supports);
        }
        JsonNode b = f.breakdown();
        if (blank(b)) {
            return null;
        }
        String type = f.breakdownType() == null ? "event" : f.breakdownType();
        if (type.equals("cohort")) {
            List<JsonNode> ids = new ArrayList<>();
            if (b.isArray()) {
                b.forEach(ids::add);
            } else {
                ids.add(b);
            }
            return cohorts(ids, limit, hideOther, supports);
        }
        if (b.isArray()) {
            if (b.size() != 1) {
                throw new ValidationException("Quarry supports one breakdown property; got " + b.size()
                        + " in breakdown", "breakdown");
            }
            b = b.get(0);
        }
        return property(type, b, "breakdown_type", limit, hideOther, supports);
    }

    private static boolean blank(JsonNode b) {
        return b == null || b.isNull() || b.isMissingNode() || (b.isTextual() && b.asText().isEmpty())
                || (b.isArray() && b.isEmpty());
    }

    private static void checkType(String type, String attr, Supports supports) {
        if (!supports.types().contains(type)) {
            throw new ValidationException("Unsupported breakdown type for " + supports.kind() + ": " + type
                    + " (supported: " + String.join(", ", new java.util.TreeSet<>(supports.types())) + ")", attr);
        }
    }

    private static Breakdown property(String type, JsonNode property, String typeAttr, int limit, boolean hideOther,
                                      Supports supports) {
        checkType(type, typeAttr, supports);
        String attr = typeAttr.equals("type") ? "breakdowns" : "breakdown";
        if (property == null || !(property.isTextual() || property.isIntegralNumber()) || property.asText().isEmpty()) {
            throw new ValidationException("breakdown must be a property name", attr);
        }
        return new Breakdown(type, property.asText(), List.of(), limit, hideOther);
    }

    private static Breakdown cohorts(List<JsonNode> ids, int limit, boolean hideOther, Supports supports) {
        checkType("cohort", "breakdown_type", supports);
        List<Long> out = new ArrayList<>();
        for (JsonNode c : ids) {
            if (c != null && c.isTextual() && c.asText().equals("all")) {
                out.add(0L);
            } else if (c != null && (c.isIntegralNumber() && c.canConvertToLong()
                    || (c.isTextual() && c.asText().matches("\\d{1,18}")))) {
                out.add(c.isTextual() ? Long.parseLong(c.asText()) : c.asLong());
            } else {
                throw new ValidationException("A cohort breakdown takes cohort ids (or \"all\")", "breakdown");
            }
        }
        return new Breakdown("cohort", null, List.copyOf(out), limit, hideOther);
    }

    /** Membership of cohort {@code id} (0 = everyone) as a filter on events. */
    public static Expr cohortMember(long id) {
        if (id == 0) {
            return new Expr.Constant(true);
        }
        return InsightSql.properties(new dev.quarry.query.schema.PropertyFilter.Cohort("id", null, null, "cohort",
                com.fasterxml.jackson.databind.node.LongNode.valueOf(id), null), "breakdown");
    }

    /** The raw property value (nullable text) over events. */
    public Expr rawExpr() {
        return switch (type) {
            case "person" -> Expr.Field.of("person", "properties", property);
            // the event's session's column (HogQL events.session.<column>); an unknown one is the resolver's 400
            case "session" -> Expr.Field.of("session", property);
            case "hogql" -> {
                try {
                    yield Aggregations.perRow(Parser.parseExpr(property), "breakdown");
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

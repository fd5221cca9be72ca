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
 * {@code breakdown} list is that item; a list of cohort entries is a cohort breakdown; a list of two or three property
 * entries is PostHog's multiple breakdown where the kind computes it ({@link Supports#maxProperties}), else refused
 * rather than half-answered; URL normalising, histogram bins and group breakdowns are refused unless off. Errors are
 * 400s naming the field. For a property breakdown the value expression groups missing and empty values into PostHog's
 * null bucket and values beyond the limit into its "other" bucket.
 *
 * <p>A multiple breakdown's value is one text in SQL (its {@link #key}): each entry's value as the single form makes
 * it, joined by U+0001 (U+0001 and U+0002 inside a value escaped with U+0002), so it groups, ranks and folds into
 * "other" as one value does; {@link #values} splits it back into PostHog's list ({@code ["Chrome", "Mac OS X"]}, the
 * "other" bucket one {@link #OTHER_VALUE} per entry).
 *
 * @param type event, person, hogql or cohort
 * @param property the property name or HogQL expression (null for cohorts)
 * @param cohorts the cohort ids of a cohort breakdown, in the order given (empty otherwise)
 * @param also a multiple breakdown's second and third entries, in order (empty for one property or cohorts)
 */
public record Breakdown(String type, String property, List<Long> cohorts, int limit, boolean hideOther,
                        List<Property> also) {
    public static final String NULL_VALUE = "$$_posthog_breakdown_null_$$";
    public static final String OTHER_VALUE = "$$_posthog_breakdown_other_$$";
    public static final int DEFAULT_LIMIT = 25;
    /** PostHog's {@code breakdowns} holds at most three entries. */
    public static final int MAX_ENTRIES = 3;
    private static final char SEPARATOR = '\u0001';
    private static final char ESCAPE = '\u0002';

    /** One property breakdown. */
    public Breakdown(String type, String property, List<Long> cohorts, int limit, boolean hideOther) {
        this(type, property, cohorts, limit, hideOther, List.of());
    }

    /**
     * One entry of a multiple breakdown past the first.
     *
     * @param type event, person, hogql or session
     * @param property the property name or HogQL expression
     */
    public record Property(String type, String property) {
    }

    /**
     * What a query kind computes: its breakdown types and its largest {@code breakdown_limit}.
     *
     * @param kind the query kind, for messages, e.g. "TrendsQuery"
     * @param maxProperties how many property entries of {@code breakdowns} it combines (1: a single property)
     */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record Supports(String kind, Set<String> types, int maxLimit, int maxProperties) {
        /** A kind that breaks down by one property at a time. */
        public Supports(String kind, Set<String> types, int maxLimit) {
            this(kind, types, maxLimit, 1);
        }
    }

    /** Trends: event, person, HogQL, cohort and session breakdowns, any limit, up to three properties combined. */
    public static final Supports TRENDS = new Supports("TrendsQuery", Set.of("event", "person", "hogql", "cohort", "session"),
            Integer.MAX_VALUE, MAX_ENTRIES);

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

    /** Whether this combines several properties (PostHog's multiple breakdown). */
    public boolean isMultiple() {
        return !also.isEmpty();
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
            // The list form with one entry (what PostHog's CLI and AI tools send) is the single breakdown; two or
            // three combine where the kind computes that, else they are refused rather than half-answered.
            if (list.size() > supports.maxProperties()) {
                throw new ValidationException("Quarry supports one breakdown property for " + supports.kind()
                        + "; got " + list.size() + " in breakdowns", "breakdowns");
            }
            List<Breakdown> entries = new ArrayList<>();
            for (BreakdownFilter.Entry e : list) {
                entries.add(property(e.type() == null ? "event" : e.type(), e.property(), "type", limit, hideOther,
                        supports));
            }
            Breakdown first = entries.get(0);
            List<Property> also = entries.subList(1, entries.size()).stream()
                    .map(b -> new Property(b.type(), b.property())).toList();
            return new Breakdown(first.type(), first.property(), List.of(), limit, hideOther, also);
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

    /** The raw property value (nullable text) over events (the first entry's, for a multiple breakdown). */
    public Expr rawExpr() {
        return rawExpr(type, property);
    }

    private static Expr rawExpr(String type, String property) {
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

    /**
     * The breakdown value as text, with null and empty values in the null bucket; for a multiple breakdown the
     * {@link #key} of its entries' values.
     */
    public Expr valueExpr() {
        if (also.isEmpty()) {
            return singleValue(rawExpr());
        }
        List<Expr> parts = new ArrayList<>();
        parts.add(escaped(singleValue(rawExpr())));
        for (Property p : also) {
            parts.add(new Expr.Constant(String.valueOf(SEPARATOR)));
            parts.add(escaped(singleValue(rawExpr(p.type(), p.property()))));
        }
        return Expr.Call.of("concat", parts.toArray(Expr[]::new));
    }

    private static Expr singleValue(Expr raw) {
        return Expr.Call.of("ifNull", Expr.Call.of("nullIf", Expr.Call.of("toString", raw), new Expr.Constant("")),
                new Expr.Constant(NULL_VALUE));
    }

    private static Expr escaped(Expr value) {
        Expr once = Expr.Call.of("replaceAll", value, new Expr.Constant(String.valueOf(ESCAPE)),
                new Expr.Constant(String.valueOf(ESCAPE) + ESCAPE));
        return Expr.Call.of("replaceAll", once, new Expr.Constant(String.valueOf(SEPARATOR)),
                new Expr.Constant(String.valueOf(ESCAPE) + '\u0003'));
    }

    /** How many values a breakdown value holds: 1, or a multiple breakdown's entries. */
    public int width() {
        return 1 + also.size();
    }

    /**
     * The one text of a multiple breakdown's values, as {@link #valueExpr} makes it in SQL ({@code values} all
     * {@link #OTHER_VALUE}: the other bucket's {@link #OTHER_VALUE}); for one property the value itself.
     */
    public static String key(List<String> values) {
        if (values.size() == 1 || values.stream().allMatch(OTHER_VALUE::equals)) {
            return values.get(0);
        }
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < values.size(); k++) {
            String v = values.get(k);
            if (k > 0) {
                out.append(SEPARATOR);
            }
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c == ESCAPE) {
                    out.append(ESCAPE).append(ESCAPE);
                } else if (c == SEPARATOR) {
                    out.append(ESCAPE).append('\u0003');
                } else {
                    out.append(c);
                }
            }
        }
        return out.toString();
    }

    /** The values of a breakdown value {@code key} this breakdown made: {@link #width} of them, in entry order. */
    public List<String> values(String key) {
        int n = width();
        if (n == 1) {
            return List.of(key);
        }
        if (key.equals(OTHER_VALUE)) {
            return java.util.Collections.nCopies(n, OTHER_VALUE);
        }
        List<String> out = new ArrayList<>();
        StringBuilder v = new StringBuilder();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == SEPARATOR) {
                out.add(v.toString());
                v.setLength(0);
            } else if (c == ESCAPE && i + 1 < key.length()) {
                v.append(key.charAt(++i) == ESCAPE ? ESCAPE : SEPARATOR);
            } else {
                v.append(c);
            }
        }
        out.add(v.toString());
        return out;
    }

    /** The value with everything outside {@code kept} folded into the other bucket. */
    public Expr foldedExpr(List<String> kept) {
        Expr v = valueExpr();
        return Expr.Call.of("if", new Expr.Compare("in", v, new Expr.TupleLit(
                kept.stream().<Expr>map(Expr.Constant::new).toList())), valueExpr(), new Expr.Constant(OTHER_VALUE));
    }
}

package dev.quarry.hogql;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** The HogQL functions Quarry supports: name, argument count, whether it aggregates. Nothing else is allowed. */
public final class Functions {
    /**
     * maxArgs -1 = unbounded; params: number of parametric arguments (quantile(0.9)(x)) or 0, -1 for one or more
     * (quantiles(0.5, 0.9)(x)).
     */
    public record Spec(String name, int minArgs, int maxArgs, boolean aggregate, int params) {}

    private static final Map<String, Spec> SPECS = new HashMap<>();

    /** The internal funnel-scan aggregate; see the registration below. */
    public static final String FUNNEL = "#funnel";
    /** The internal ordered-funnel aggregate for steps no event matches twice, without exclusions (V18_2). */
    public static final String FUNNEL_ORDERED = "#funnel_ordered";
    /** The internal strict-funnel aggregate for steps no event matches twice, without exclusions (V18_2). */
    public static final String FUNNEL_STRICT = "#funnel_strict";
    /** Internal: an event's properties as "key::value" strings (migration V10), for funnel correlation. */
    public static final String PROPERTY_PAIRS = "#property_pairs";
    /** Internal: the id of the team's (not deleted) cohort with this name, for {@code IN COHORT 'name'}. */
    public static final String COHORT_ID_BY_NAME = "#cohort_id_by_name";

    /** Functions that only exist with OVER (...). */
    private static final java.util.Set<String> WINDOW_ONLY = new java.util.HashSet<>();

    static void window(String name, int min, int max) {
        f(name, min, max);
        WINDOW_ONLY.add(name.toLowerCase(Locale.ROOT));
    }

    public static boolean isWindowFunction(String name) {
        return WINDOW_ONLY.contains(name.toLowerCase(Locale.ROOT));
    }

    static void f(String name, int min, int max) {
        SPECS.put(name.toLowerCase(Locale.ROOT), new Spec(name, min, max, false, 0));
    }

    static void agg(String name, int min, int max) {
        SPECS.put(name.toLowerCase(Locale.ROOT), new Spec(name, min, max, true, 0));
    }

    static {
        // aggregates
        agg("count", 0, 1);
        agg("countIf", 1, 2);
        agg("sum", 1, 1);
        agg("sumIf", 2, 2);
        agg("avg", 1, 1);
        agg("avgIf", 2, 2);
        agg("min", 1, 1);
        agg("minIf", 2, 2);
        agg("max", 1, 1);
        agg("maxIf", 2, 2);
        agg("uniq", 1, -1);
        agg("uniqIf", 2, 2);
        agg("uniqExact", 1, -1);
        agg("any", 1, 1);
        agg("argMax", 2, 2);
        agg("argMin", 2, 2);
        agg("groupArray", 1, 1);
        agg("groupUniqArray", 1, 1);
        SPECS.put("quantile", new Spec("quantile", 1, 1, true, 1));
        agg("median", 1, 1);
        // Internal: names starting with '#' cannot be written in HogQL (a function name is an unquoted identifier:
        // letters, digits, _ and $), so only runners can call these, by building the call node themselves.
        // #funnel(timestamp, step mask, same-time order, steps, window seconds, mode, exclusions): the per-actor
        // funnel scan of migration V7 (quarry_funnel), fed the actor's events in time order.
        agg(FUNNEL, 7, 7);
        // #funnel_ordered(timestamp, step 1..n, steps, window seconds): the same answer as #funnel in ordered mode
        // when steps are disjoint and there are no exclusions, from per-step sorted times (V18_2).
        agg(FUNNEL_ORDERED, 4, 4);
        // #funnel_strict(timestamp, same-time order, step 1..n or 0, steps, window seconds): #funnel's strict mode
        // for the same case, in one pass (V18_2).
        agg(FUNNEL_STRICT, 5, 5);
        // window functions (with OVER (PARTITION BY … ORDER BY …)); lagInFrame/leadInFrame are ClickHouse's names
        window("row_number", 0, 0);
        window("rank", 0, 0);
        window("dense_rank", 0, 0);
        window("lag", 1, 3);
        window("lead", 1, 3);
        window("lagInFrame", 1, 3);
        window("leadInFrame", 1, 3);
        window("first_value", 1, 1);
        window("last_value", 1, 1);
        f(PROPERTY_PAIRS, 1, 1);
        f(COHORT_ID_BY_NAME, 1, 1);
        window("nth_value", 2, 2);
        // dates
        f("now", 0, 0);
        f("today", 0, 0);
        f("yesterday", 0, 0);
        f("toDate", 1, 1);
        f("toDateTime", 1, 2);
        f("toStartOfMinute", 1, 1);
        f("toStartOfHour", 1, 1);
        f("toStartOfDay", 1, 1);
        f("toStartOfWeek", 1, 2);
        f("toMonday", 1, 1);
        f("toStartOfMonth", 1, 1);
        f("toStartOfQuarter", 1, 1);
        f("toStartOfYear", 1, 1);
        f("toYear", 1, 1);
        f("toQuarter", 1, 1);
        f("toMonth", 1, 1);
        f("toDayOfMonth", 1, 1);
        f("toDayOfWeek", 1, 2);
        f("toDayOfYear", 1, 1);
        f("toHour", 1, 1);
        f("toMinute", 1, 1);
        f("toSecond", 1, 1);
        f("toUnixTimestamp", 1, 1);
        f("dateDiff", 3, 3);
        f("dateAdd", 2, 3);
        f("dateSub", 2, 3);
        f("formatDateTime", 2, 2);
        f("toTimeZone", 2, 2);
        // strings
        f("lower", 1, 1);
        f("upper", 1, 1);
        f("length", 1, 1);
        f("empty", 1, 1);
        f("notEmpty", 1, 1);
        f("concat", 1, -1);
        f("substring", 2, 3);
        f("replaceAll", 3, 3);
        f("replaceOne", 3, 3);
        f("trim", 1, 1);
        f("splitByChar", 2, 2);
        f("position", 2, 2);
        f("like", 2, 2);
        f("ilike", 2, 2);
        f("notLike", 2, 2);
        f("notILike", 2, 2);
        f("match", 2, 2);
        f("extract", 2, 2);
        f("startsWith", 2, 2);
        f("endsWith", 2, 2);
        // conditionals
        f("if", 3, 3);
        f("multiIf", 3, -1);
        f("coalesce", 1, -1);
        f("ifNull", 2, 2);
        f("nullIf", 2, 2);
        f("isNull", 1, 1);
        f("isNotNull", 1, 1);
        // conversion
        f("toString", 1, 1);
        f("toInt", 1, 1);
        f("toInt64", 1, 1);
        f("toFloat", 1, 1);
        f("toFloat64", 1, 1);
        f("toUUID", 1, 1);
        f("toBool", 1, 1);
        // math
        f("round", 1, 2);
        f("floor", 1, 1);
        f("ceil", 1, 1);
        f("abs", 1, 1);
        f("greatest", 2, -1);
        f("least", 2, -1);
        // JSON
        f("JSONExtractString", 1, -1);
        f("JSONExtractInt", 1, -1);
        f("JSONExtractFloat", 1, -1);
        f("JSONExtractBool", 1, -1);
        f("JSONHas", 2, -1);
        // arrays
        f("has", 2, 2);
        f("arrayJoin", 1, 1);
        f("array", 0, -1);
        f("tuple", 0, -1);
        ScalarFunctions.register();
        ArrayFunctions.register();
        AggregateFunctions.register();
    }

    static void spec(Spec s) {
        SPECS.put(s.name().toLowerCase(Locale.ROOT), s);
    }

    private Functions() {}

    /** The spec for a name (case-insensitive), or null when the function is not supported. */
    public static Spec lookup(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        Spec s = SPECS.get(lower);
        if (s == null && lower.endsWith("if") && lower.length() > 2 && !lower.startsWith("#")) {
            // the -If combinator of any supported aggregate: fIf(args…, condition)
            Spec base = SPECS.get(lower.substring(0, lower.length() - 2));
            if (base != null && base.aggregate() && !base.name().startsWith("#")) {
                s = new Spec(base.name() + "If", base.minArgs() + 1, base.maxArgs() < 0 ? -1 : base.maxArgs() + 1,
                        true, base.params());
            }
        }
        return s;
    }

    /** For a name made by the -If combinator ({@code medianIf}): the base aggregate's spec; else null. */
    static Spec ifCombinatorBase(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (SPECS.containsKey(lower) || !lower.endsWith("if")) {
            return null;
        }
        Spec base = SPECS.get(lower.substring(0, lower.length() - 2));
        return base != null && base.aggregate() ? base : null;
    }

    /** Checks a call's name and argument counts; throws {@link HogQLResolutionException} naming the problem. */
    public static Spec check(Expr.Call c) {
        Spec s = lookup(c.name());
        if (s == null || c.name().startsWith("\u0000")) {
            String refused = FunctionCatalog.refusal(c.name());
            throw new HogQLResolutionException(refused != null ? refused : "Unknown function \"" + c.name() + "\"", c);
        }
        int n = c.args().size();
        if (n < s.minArgs() || (s.maxArgs() >= 0 && n > s.maxArgs())) {
            String expected = s.maxArgs() == s.minArgs() ? String.valueOf(s.minArgs())
                    : s.maxArgs() < 0 ? "at least " + s.minArgs() : s.minArgs() + " to " + s.maxArgs();
            throw new HogQLResolutionException("Function \"" + s.name() + "\" expects " + expected + " argument"
                    + (expected.equals("1") ? "" : "s") + ", got " + n, c);
        }
        int p = c.params() == null ? 0 : c.params().size();
        if (s.params() < 0 ? p == 0 : p != s.params()) {
            throw new HogQLResolutionException(s.params() == 0
                    ? "Function \"" + s.name() + "\" takes no parameters"
                    : s.params() < 0 ? "Function \"" + s.name() + "\" expects at least 1 parameter"
                    : "Function \"" + s.name() + "\" expects " + s.params() + " parameter", c);
        }
        if (c.distinct() && !s.aggregate()) {
            throw new HogQLResolutionException("DISTINCT is only allowed in aggregate functions", c);
        }
        return s;
    }
}

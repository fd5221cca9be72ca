package dev.quarry.hogql;

import dev.quarry.hogql.PostgresPrinter.Frag;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HogQL function table: every function Quarry supports is one entry here — its name, how many arguments and
 * parametric arguments it takes, whether it aggregates or only exists with OVER, and how it prints as PostgreSQL
 * (which also gives its return type). Nothing else is allowed. The entries are registered by the group classes
 * {@link CoreFunctions}, {@link ScalarFunctions}, {@link ArrayFunctions} and {@link AggregateFunctions}; adding a
 * function is adding one {@code scalar(…)}/{@code aggregate(…)}/{@code window(…)} line to one of them. A name PostHog
 * has and Quarry does not is refused by {@link FunctionCatalog}.
 *
 * <p>An entry is either typed — a {@link TypeRule} (argument types → return type, no SQL) beside an
 * {@link SqlPrinter} (how it prints, given its printed arguments), e.g. {@code bitXor} in {@link ScalarFunctions} —
 * or, for the entries not yet split, one {@link Printer} that returns SQL and type together.
 */
public final class Functions {
    /**
     * How one function prints: given the printer (for its arguments' SQL and types), the call and the function's
     * lower-case name (one printer may serve several names), the PostgreSQL fragment and its ClickHouse-style type.
     * Throws {@link HogQLResolutionException} for arguments the function cannot take.
     */
    @FunctionalInterface
    public interface Printer {
        Frag print(PostgresPrinter p, Expr.Call c, String name);
    }

    /**
     * The type rule of a typed entry: the HogQL types of the call's arguments → the type of its result, as
     * ClickHouse types it. Types only, no SQL. Throws {@link HogQLResolutionException} for arguments the function
     * cannot take.
     */
    @FunctionalInterface
    public interface TypeRule {
        String type(List<String> argTypes, Expr.Call c);
    }

    /** How a typed entry prints: the PostgreSQL for the call, given its arguments printed (their SQL and types). */
    @FunctionalInterface
    public interface SqlPrinter {
        String print(PostgresPrinter p, List<Frag> args, Expr.Call c, String name);
    }

    /** The type rule of a function whose result has one type whatever its arguments ({@code pi()}: Float64). */
    static TypeRule returns(String type) {
        return (argTypes, c) -> type;
    }

    /**
     * One entry of the table.
     *
     * @param maxArgs -1 = unbounded
     * @param params number of parametric arguments ({@code quantile(0.9)(x)}) or 0, -1 for one or more
     *     ({@code quantiles(0.5, 0.9)(x)})
     * @param window true for functions that only exist with OVER (...)
     * @param type the entry's type rule, null for an entry whose {@code printer} still gives SQL and type together
     */
    public record Spec(String name, int minArgs, int maxArgs, boolean aggregate, int params, boolean window,
            Printer printer, TypeRule type) {}

    private static final Map<String, Spec> SPECS = new HashMap<>();

    /** The internal funnel-scan aggregate; see {@link AggregateFunctions}. */
    public static final String FUNNEL = "#funnel";
    /**
     * The internal ordered-funnel aggregate for steps no event matches twice, without exclusions (V18_2; fed to
     * V41_2's quarry_funnel_ordered_counts).
     */
    public static final String FUNNEL_ORDERED = "#funnel_ordered";
    /**
     * The internal strict-funnel aggregate for steps no event matches twice, without exclusions (V18_2; fed to
     * V41_1's quarry_funnel_strict_positions).
     */
    public static final String FUNNEL_STRICT = "#funnel_strict";
    /** Internal: an event's properties as "key::value" strings (migration V10), for funnel correlation. */
    public static final String PROPERTY_PAIRS = "#property_pairs";
    /**
     * Internal: {@code #cohort(12)} / {@code #cohort('name')}, the id of a team's cohort that is not deleted, for
     * {@code IN COHORT}; checked by the resolver (see {@link CompileSettings#cohorts}).
     */
    public static final String COHORT = "#cohort";
    /**
     * Internal: {@code #regexp_replace_all(s, regex, alias)}, ClickHouse's replaceRegexpAll on PostgreSQL's own
     * {@code regexp_replace} (inlined, no per-row error trap as the public function has): for path cleaning over
     * every event, whose regexes the paths runner has already checked; one PostgreSQL refuses is a data error (400).
     */
    public static final String REGEXP_REPLACE_ALL = "#regexp_replace_all";

    private static void add(Spec s) {
        if (SPECS.putIfAbsent(s.name().toLowerCase(Locale.ROOT), s) != null) {
            throw new IllegalStateException("HogQL function " + s.name() + " is defined twice");
        }
    }

    /** Registers a scalar function. */
    static void scalar(String name, int min, int max, Printer printer) {
        add(new Spec(name, min, max, false, 0, false, printer, null));
    }

    /**
     * Registers a typed scalar function: its type rule and how it prints, apart. The printer prints the arguments,
     * takes the call's type from {@code type} and its SQL from {@code sql}.
     */
    static void scalar(String name, int min, int max, TypeRule type, SqlPrinter sql) {
        Printer printer = (p, c, lower) -> {
            List<Frag> args = c.args().stream().map(p::expr).toList();
            String t = type.type(args.stream().map(Frag::type).toList(), c);
            return new Frag(sql.print(p, args, c, lower), t);
        };
        add(new Spec(name, min, max, false, 0, false, printer, type));
    }

    /** Registers an aggregate function (its {@code -If} combinator comes with it, see {@link #lookup}). */
    static void aggregate(String name, int min, int max, Printer printer) {
        add(new Spec(name, min, max, true, 0, false, printer, null));
    }

    /** Registers a parametric aggregate ({@code quantile(0.9)(x)}); {@code params} as in {@link Spec}. */
    static void aggregate(String name, int min, int max, int params, Printer printer) {
        add(new Spec(name, min, max, true, params, false, printer, null));
    }

    /** Registers a function that only exists with OVER (...); it prints the part before OVER. */
    static void window(String name, int min, int max, Printer printer) {
        add(new Spec(name, min, max, false, 0, true, printer, null));
    }

    static {
        CoreFunctions.register();
        ScalarFunctions.register();
        ArrayFunctions.register();
        AggregateFunctions.register();
        AliasFunctions.register();
    }

    private Functions() {}

    public static boolean isWindowFunction(String name) {
        Spec s = SPECS.get(name.toLowerCase(Locale.ROOT));
        return s != null && s.window();
    }

    /** The spec for a name (case-insensitive), or null when the function is not supported. */
    public static Spec lookup(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        Spec s = SPECS.get(lower);
        if (s == null) {
            // the -If combinator of any supported aggregate: fIf(args…, condition)
            Spec base = ifCombinatorBase(lower);
            if (base != null) {
                s = new Spec(base.name() + "If", base.minArgs() + 1, base.maxArgs() < 0 ? -1 : base.maxArgs() + 1,
                        true, base.params(), false, AggregateFunctions.IF_COMBINATOR, null);
            }
        }
        return s;
    }

    /** For a name made by the -If combinator ({@code medianIf}): the base aggregate's spec; else null. */
    static Spec ifCombinatorBase(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (SPECS.containsKey(lower) || !lower.endsWith("if") || lower.length() <= 2 || lower.startsWith("#")) {
            return null;
        }
        Spec base = SPECS.get(lower.substring(0, lower.length() - 2));
        return base != null && base.aggregate() && !base.name().startsWith("#") ? base : null;
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

package dev.quarry.hogql;

import dev.quarry.hogql.PostgresPrinter.Frag;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HogQL function table: every function Quarry supports is one entry here — its name, how many arguments and
 * parametric arguments it takes, whether it aggregates or only exists with OVER, its type rule (argument types →
 * result type, read by the typing pass, {@link Typer}) and how it prints as PostgreSQL (read by the
 * {@link PostgresPrinter}). Nothing else is needed: the resolver checks the name and arity here, the typing pass
 * applies the rule, the printer prints. The entries are registered by the group classes {@link CoreFunctions},
 * {@link ScalarFunctions}, {@link ArrayFunctions} and {@link AggregateFunctions}; adding a function is adding one
 * {@code scalar(…)}/{@code aggregate(…)}/{@code window(…)} entry to one of them, e.g. {@code bitXor} in
 * {@link ScalarFunctions}. A name PostHog has and Quarry does not is refused by {@link FunctionCatalog}.
 */
public final class Functions {
    /**
     * The type rule of a typed entry: the HogQL types of the call's arguments → the type of its result, as
     * ClickHouse types it. Types only, no SQL. Throws {@link HogQLResolutionException} for arguments the function
     * cannot take (read from the types, and from the call for constant arguments: units, modes, keys).
     */
    @FunctionalInterface
    public interface TypeRule {
        String type(ArgTypes args, Expr.Call c);

        /** The rule over a plain list of argument types (no lambda arguments). */
        default String type(List<String> argTypes, Expr.Call c) {
            return type(ArgTypes.of(argTypes), c);
        }
    }

    /** What a type rule reads: the types of the call's arguments, typed by the typing pass ({@link Typer}). */
    public interface ArgTypes {
        /** The type of argument {@code i} (null for a lambda argument). */
        String get(int i);

        /** The number of arguments. */
        int size();

        /** The type of a node inside an argument (an item of an array literal argument). */
        String of(Expr e);

        /** The type of a lambda argument's body when its parameters stand for values of {@code paramTypes}. */
        String lambda(Expr.Lambda l, List<String> paramTypes);

        /** The argument types from a list (for tests of a rule; no lambdas, no nested nodes). */
        static ArgTypes of(List<String> types) {
            return new ArgTypes() {
                @Override
                public String get(int i) {
                    return types.get(i);
                }

                @Override
                public int size() {
                    return types.size();
                }

                @Override
                public String of(Expr e) {
                    throw new UnsupportedOperationException("no nodes: types only");
                }

                @Override
                public String lambda(Expr.Lambda l, List<String> paramTypes) {
                    throw new UnsupportedOperationException("no lambdas: types only");
                }
            };
        }
    }

    /** How a typed entry prints: the PostgreSQL for the call, given its arguments printed (their SQL and types). */
    @FunctionalInterface
    public interface SqlPrinter {
        String print(PostgresPrinter p, List<Frag> args, Expr.Call c, String name);
    }

    /**
     * How a typed entry prints when it prints its arguments itself (some conditionally, some read as constants,
     * a lambda's body): the PostgreSQL for the call. {@code p.expr(arg)} gives an argument's SQL and the type the
     * typing pass gave it.
     */
    @FunctionalInterface
    public interface CallPrinter {
        String print(PostgresPrinter p, Expr.Call c, String name);
    }

    /** The rule of a function whose result is {@code type}, nullable when argument {@code i} is. */
    static TypeRule like(int i, String type) {
        return (a, c) -> HogQLTypes.nullableLike(a.get(i), type);
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
     * @param type the entry's type rule (argument types → result type), read by the typing pass ({@link Typer})
     * @param sql how the entry prints, read by the {@link PostgresPrinter}
     */
    public record Spec(String name, int minArgs, int maxArgs, boolean aggregate, int params, boolean window,
            TypeRule type, CallPrinter sql) {}

    private static final Map<String, Spec> SPECS = new HashMap<>();

    /** The internal funnel-scan aggregate; see {@link AggregateFunctions}. */
    public static final String FUNNEL = "#funnel";
    /**
     * The internal ordered-funnel aggregate for steps no event matches twice, without exclusions (V18_2; fed to
     * V41_2's quarry_funnel_ordered_counts).
     */
    public static final String FUNNEL_ORDERED = "#funnel_ordered";
    /**
     * Internal aggregate: {@code #step_times(timestamp, condition)}, the times of the rows matching the condition,
     * sorted (a {@code timestamptz[]}, NULL when none), for {@link #FUNNEL_ORDERED_TIMES}.
     */
    public static final String STEP_TIMES = "#step_times";
    /**
     * Internal scalar: {@code #funnel_ordered_times(steps, window seconds, step 1 times, …, step n times)}, what
     * {@link #FUNNEL_ORDERED} answers for an actor whose step times were gathered by {@link #STEP_TIMES} (NULL: none).
     */
    public static final String FUNNEL_ORDERED_TIMES = "#funnel_ordered_times";
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
    /**
     * Internal: {@code #collected(x)}, the value a collecting aggregate keeps (groupArray's, argMax's first argument)
     * counted into the statement's collection budget whatever {@link CompileSettings#boundedCollections()} says:
     * how a HogQL fragment of a query record (math_hogql, a HogQL breakdown or property filter) is bounded inside a
     * runner's own statement ({@link Aggregations#boundCollections}). Printed by the aggregate that holds it.
     */
    public static final String COLLECTED = "#collected";
    /**
     * Internal: {@code #bounded(f(…))}, a built value (a result of {@link ValueBounds#FRAGMENT_BUILDERS}) checked
     * against the 64 MiB bound of a single value (V117_1 {@code quarry_bounded}) inside a runner's statement, as the
     * printer checks every such value of a user's statement ({@link Aggregations#boundCollections}).
     */
    public static final String BOUNDED = "#bounded";

    private static void add(Spec s) {
        if (SPECS.putIfAbsent(s.name().toLowerCase(Locale.ROOT), s) != null) {
            throw new IllegalStateException("HogQL function " + s.name() + " is defined twice");
        }
    }

    /**
     * Registers a typed scalar function: its type rule (read by the typing pass, {@link Typer}) and how it prints
     * (the printer prints the arguments, then the call from them), apart.
     */
    static void scalar(String name, int min, int max, TypeRule type, SqlPrinter sql) {
        add(new Spec(name, min, max, false, 0, false, type,
                (p, c, lower) -> sql.print(p, c.args().stream().map(p::expr).toList(), c, lower)));
    }

    /** Registers a typed scalar function that prints its arguments itself ({@link CallPrinter}). */
    static void scalar(String name, int min, int max, TypeRule type, CallPrinter sql) {
        add(new Spec(name, min, max, false, 0, false, type, sql));
    }

    /** Registers a typed aggregate function (its {@code -If} combinator comes with it, see {@link #lookup}). */
    static void aggregate(String name, int min, int max, TypeRule type, CallPrinter sql) {
        add(new Spec(name, min, max, true, 0, false, type, sql));
    }

    /** Registers a typed parametric aggregate ({@code quantile(0.9)(x)}); {@code params} as in {@link Spec}. */
    static void aggregate(String name, int min, int max, int params, TypeRule type, CallPrinter sql) {
        add(new Spec(name, min, max, true, params, false, type, sql));
    }

    /** Registers a typed function that only exists with OVER (...); it prints the part before OVER. */
    static void window(String name, int min, int max, TypeRule type, CallPrinter sql) {
        add(new Spec(name, min, max, false, 0, true, type, sql));
    }

    static {
        CoreFunctions.register();
        ScalarFunctions.register();
        MultiSearchFunctions.register();
        StartOfIntervalFunction.register();
        BitFunctions.register();
        ArrayFunctions.register();
        AggregateFunctions.register();
        AliasFunctions.register();
        NarrowCasts.register();
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
                        true, base.params(), false, AggregateFunctions.IF_COMBINATOR_TYPE, AggregateFunctions.IF_COMBINATOR);
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
            if (refused != null) {
                throw new HogQLResolutionException(refused, c);
            }
            // PostHog's words, with its suggestion of the closest name of its list (difflib's get_close_matches)
            String closest = FunctionCatalog.closest(c.name());
            throw new HogQLResolutionException("Unsupported function call '" + c.name() + "(...)'"
                    + (closest == null ? "" : ". Perhaps you meant '" + closest + "(...)'?"), c);
        }
        int n = c.args().size();
        if (n < s.minArgs() || (s.maxArgs() >= 0 && n > s.maxArgs())) {
            // PostHog's words (functions/core.py validate_function_args), with the name as written
            int bound = n < s.minArgs() ? s.minArgs() : s.maxArgs();
            String expected = s.maxArgs() == s.minArgs() ? String.valueOf(bound)
                    : (n < s.minArgs() ? "at least " : "at most ") + bound;
            throw new HogQLResolutionException("Function '" + c.name() + "' expects " + expected + " argument"
                    + (bound == 1 ? "" : "s") + ", found " + n, c);
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

package dev.quarry.hogql;

import static dev.quarry.hogql.Functions.aggregate;
import static dev.quarry.hogql.Functions.returns;
import static dev.quarry.hogql.Functions.window;
import static dev.quarry.hogql.HogQLTypes.base;
import static dev.quarry.hogql.HogQLTypes.cat;
import static dev.quarry.hogql.HogQLTypes.noNestedArrays;
import static dev.quarry.hogql.HogQLTypes.nullable;

import dev.quarry.hogql.Functions.CallPrinter;
import dev.quarry.hogql.Functions.TypeRule;
import dev.quarry.hogql.PostgresPrinter.Frag;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Aggregates and window functions, as entries of the function table ({@link Functions}), and the {@code -If}
 * combinator of every supported aggregate: {@code fIf(args…, cond)} is {@code f} over the rows where {@code cond}
 * holds, printed as {@code f} of {@code if(cond, arg, NULL)} (every aggregate here ignores NULLs, as ClickHouse's -If
 * ignores the other rows). Names starting with '#' are internal: they cannot be written in HogQL (a function name is
 * an unquoted identifier), so only runners can call them, by building the call node themselves.
 */
final class AggregateFunctions {
    private AggregateFunctions() {}

    /** {@code fIf(args…, cond)} as the call it prints as: {@code f(if(cond, arg, NULL)…)}. */
    private static Expr.Call ifCombinatorCall(Expr.Call c) {
        Functions.Spec base = Functions.ifCombinatorBase(c.name());
        List<Expr> args = c.args();
        Expr cond = args.get(args.size() - 1);
        List<Expr> wrapped = new ArrayList<>();
        for (Expr a : args.subList(0, args.size() - 1)) {
            // the budget's marker stays outermost, where the collecting aggregate finds it (and counts it once)
            wrapped.add(marked(a) ? Expr.Call.of(Functions.COLLECTED, Expr.Call.of("if", cond, unmarked(a),
                    new Expr.Constant(null))) : Expr.Call.of("if", cond, a, new Expr.Constant(null)));
        }
        return new Expr.Call(base.name(), wrapped, c.params(), c.distinct());
    }

    /** The type of {@code fIf(args…, cond)}: {@code f}'s over the wrapped arguments. */
    static final TypeRule IF_COMBINATOR_TYPE = (t, c) -> t.of(ifCombinatorCall(c));

    /** Prints {@code fIf(args…, cond)} as {@code f(if(cond, arg, NULL)…)}. */
    static final CallPrinter IF_COMBINATOR = (p, c, name) -> p.call(ifCombinatorCall(c)).sql();

    /** sum: Int64 over integers (NULL past Int64 rather than an overflow), else Float64. */
    /** 2^-64 and 2^64 as float8: scaling a double by them is exact (above 1e-288). */
    private static final String FLOAT_DOWN = "5.421010862427522e-20::float8";
    private static final String FLOAT_UP = "18446744073709551616::float8";

    /**
     * ClickHouse's sum type (AggregateFunctionSum): UInt64 for unsigned integers, Int64 for signed ones, Float64 for
     * floats. A sum of UInt8 … UInt32 values is still held in bigint (wrapped as Int64 past 2^63, which takes more than
     * 2^31 rows of the largest UInt32); a sum of UInt64 values is exact numeric, wrapped modulo 2^64.
     */
    static String sumType(String t) {
        return !HogQLTypes.numType(t).equals("Int64") ? "Float64"
                : HogQLTypes.base(t).startsWith("UInt") ? "UInt64" : "Int64";
    }

    private static final TypeRule SUM = (t, c) -> sumType(t.get(0));

    /**
     * min and max: the value's type (JSON and UUIDs compare as text), as ClickHouse's: of no rows the type's default
     * ({@link #orDefault}), NULL only for a Nullable argument.
     */
    private static final TypeRule MIN_MAX = (t, c) -> emptyType(cat(t.get(0)).equals("json")
            || cat(t.get(0)).equals("uuid") ? HogQLTypes.nullableLike(t.get(0), "String") : t.get(0));

    /** any, anyLast, argMax…: the first argument's type; of no rows (or a window's empty frame) its default. */
    private static final TypeRule NULLABLE_ARG = (t, c) -> emptyType(t.get(0));

    /** lag, lead, first_value…: the first argument's type, nullable (a row outside the frame). */
    private static final TypeRule FRAME_VALUE = (t, c) -> nullable(t.get(0));

    /** The type of an aggregate of values of type {@code t} that is {@link #orDefault} of no rows. */
    private static String emptyType(String t) {
        return HogQLTypes.defaultValue(HogQLTypes.base(t)).equals("NULL") ? nullable(t) : t;
    }

    /**
     * ClickHouse's min, max, any, argMax… of no rows (an ungrouped query over nothing, a window's empty frame): the
     * argument type's default value (0, '', 1970-01-01…) unless the argument is Nullable; PostgreSQL's are NULL.
     * PostHog does not set aggregate_functions_null_for_empty, so its answers have the defaults.
     */
    static String orDefault(PostgresPrinter p, String aggregateSql, String argType) {
        if (argType.startsWith("Nullable(") || cat(argType).equals("null") || cat(argType).equals("array")) {
            return aggregateSql; // an array's aggregate by array_agg is a PostgreSQL array of arrays: left as it is
        }
        // JSON and UUIDs are compared as text here: '' and the nil UUID's text
        String d = cat(argType).equals("uuid") ? "'00000000-0000-0000-0000-000000000000'"
                : HogQLTypes.defaultValue(cat(argType).equals("json") ? "String" : argType);
        return d.equals("NULL") ? aggregateSql : "coalesce(" + p.over(aggregateSql) + ", " + d + ")";
    }

    /**
     * A value an aggregate keeps for every row of its group (groupArray, argMax…): under
     * {@link CompileSettings#boundedCollections()} a variable-width one (text, JSON, arrays, tuples) goes through
     * {@code quarry_collected} (V116_1), which counts its bytes into the statement's collection budget and raises past
     * it; fixed-width values (numbers, dates, uuids) as they are.
     */
    static String collected(PostgresPrinter p, Frag f, boolean bounded) {
        // a uuid is passed by reference: array_agg keeps each in its own allocation, so it is counted (16 bytes)
        boolean fixedWidth = !cat(f.type()).equals("uuid") && ValueBounds.fixedWidth(f.type());
        return !(bounded || p.boundedCollections()) || fixedWidth ? p.typed(f) : "quarry_collected(" + f.sql() + ")";
    }

    /** The aggregates whose first argument goes through {@link #collected}: they keep a value for every row. */
    static final java.util.Set<String> COLLECTING = java.util.Set.of("groupArray", "groupUniqArray", "argMax",
            "argMin");

    /** Whether {@code e} is the budget's marker {@code #collected(x)} ({@link Functions#COLLECTED}). */
    private static boolean marked(Expr e) {
        return e instanceof Expr.Call c && c.name().equals(Functions.COLLECTED);
    }

    /** The collected argument without its marker: a FILTER or ORDER BY over it must not count it twice. */
    private static Expr unmarked(Expr e) {
        return marked(e) ? ((Expr.Call) e).args().get(0) : e;
    }

    /** groupArray: an array of the values (NULLs left out). */
    private static final TypeRule GROUP_ARRAY = (t, c) -> {
        noNestedArrays(List.of(t.get(0)));
        return "Array(" + base(t.get(0)) + ")";
    };

    private static final TypeRule QUANTILE = (t, c) -> {
        quantileLevel(c);
        return "Nullable(Float64)";
    };

    private static final TypeRule QUANTILES = (t, c) -> {
        quantileLevels(c);
        return "Array(Float64)";
    };

    /** The level of quantile(level)(x) (0.5 for median), a number from 0 to 1. */
    private static double quantileLevel(Expr.Call c) {
        if (!c.name().equalsIgnoreCase("quantile")) {
            return 0.5;
        }
        Expr pe = c.params().get(0);
        if (pe instanceof Expr.Constant k && k.value() instanceof Number n && n.doubleValue() >= 0
                && n.doubleValue() <= 1) {
            return n.doubleValue();
        }
        throw new HogQLResolutionException("quantile level must be a number between 0 and 1", pe);
    }

    /** The levels of quantiles(l1, l2, …)(x), numbers from 0 to 1. */
    private static List<String> quantileLevels(Expr.Call c) {
        List<String> levels = new ArrayList<>();
        for (Expr pe : c.params()) {
            if (pe instanceof Expr.Constant k && k.value() instanceof Number n && n.doubleValue() >= 0
                    && n.doubleValue() <= 1) {
                levels.add(Double.toString(n.doubleValue()));
            } else {
                throw new HogQLResolutionException("quantiles levels must be numbers between 0 and 1", pe);
            }
        }
        return levels;
    }

    static void register() {
        // the marker alone (not as a collecting aggregate's argument, which prints it itself): the value, counted
        Functions.scalar(Functions.COLLECTED, 1, 1, (t, c) -> t.get(0),
                (p, c, name) -> collected(p, p.expr(c.args().get(0)), true));
        // in a user's statement the printer already bounds the call inside (PostgresPrinter.callSql)
        Functions.scalar(Functions.BOUNDED, 1, 1, (t, c) -> t.get(0), (p, c, name) -> p.boundedCollections()
                ? p.expr(c.args().get(0)).sql() : "quarry_bounded(" + p.expr(c.args().get(0)).sql() + ")");
        aggregate("count", 0, 1, returns("UInt64"), (p, c, name) -> {
            List<Expr> args = c.args();
            String d = c.distinct() ? "DISTINCT " : "";
            if (args.isEmpty()) {
                return "count(*)";
            }
            return "count(" + d + p.expr(args.get(0)).sql() + ")";
        });
        aggregate("countIf", 1, 2, returns("UInt64"), (p, c, name) -> {
            List<Expr> args = c.args();
            String d = c.distinct() ? "DISTINCT " : "";
            if (args.size() == 1) {
                return "count(*)" + p.filter(args.get(0));
            }
            return "count(" + d + p.expr(args.get(0)).sql() + ")" + p.filter(args.get(1));
        });
        CallPrinter sumFn = (p, c, name) -> {
            List<Expr> args = c.args();
            String d = c.distinct() ? "DISTINCT " : "";
            Frag x = p.expr(args.get(0));
            String f = name.equals("sumif") ? p.filter(args.get(1)) : "";
            String sum = "coalesce(sum(" + d + p.num(x) + ")" + f + ", 0)";
            if (p.numType(x).equals("Int64")) {
                // PostgreSQL sums bigint as numeric; ClickHouse's sum of integers wraps at 64 bits (Int64 signed,
                // UInt64 unsigned)
                return IntegerArithmetic.wrappedSum(sum, x.type());
            }
            // a sum of floats past the largest double is inf in ClickHouse, an error in PostgreSQL: summed scaled
            // down by 2^64 (exact for every double above 1e-288, so the same rounding) and scaled back up (V58_1)
            return "hogql_fmultiply(coalesce(sum(" + d + "(" + p.num(x) + ")::float8 * " + FLOAT_DOWN + ")" + f
                    + ", 0), " + FLOAT_UP + ")";
        };
        aggregate("sum", 1, 1, SUM, sumFn);
        aggregate("sumIf", 2, 2, SUM, sumFn);
        CallPrinter avgFn = (p, c, name) -> {
            List<Expr> args = c.args();
            String d = c.distinct() ? "DISTINCT " : "";
            Frag x = p.expr(args.get(0));
            String f = name.equals("avgif") ? p.filter(args.get(1)) : "";
            if (!p.numType(x).equals("Int64")) {
                // ClickHouse's avg is its Float64 sum over the count: inf once the sum passes the largest double
                return "hogql_fdivide(hogql_fmultiply(sum(" + d + "(" + p.num(x) + ")::float8 * " + FLOAT_DOWN + ")"
                        + f + ", " + FLOAT_UP + "), NULLIF(count(" + d + p.num(x) + ")" + f + ", 0)::float8)";
            }
            return "(avg(" + d + p.num(x) + ")" + f + ")::float8";
        };
        aggregate("avg", 1, 1, returns("Nullable(Float64)"), avgFn);
        aggregate("avgIf", 2, 2, returns("Nullable(Float64)"), avgFn);
        CallPrinter minFn = (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            String f = name.endsWith("if") ? p.filter(args.get(1)) : "";
            String fn = name.substring(0, 3);
            if (cat(x.type()).equals("bool")) {
                fn = fn.equals("min") ? "bool_and" : "bool_or";
            } else if (cat(x.type()).equals("json") || cat(x.type()).equals("uuid")) {
                return orDefault(p, fn + "((" + x.sql() + ")::text)" + f, x.type());
            }
            if (fn.equals("max") && cat(x.type()).equals("float")) {
                return orDefault(p, FloatOrder.maxOfFloat(x.sql()) + f, x.type()); // NaN as ClickHouse's max
            }
            return orDefault(p, fn + "(" + x.sql() + ")" + f, x.type());
        };
        aggregate("min", 1, 1, MIN_MAX, minFn);
        aggregate("max", 1, 1, MIN_MAX, minFn);
        aggregate("minIf", 2, 2, MIN_MAX, minFn);
        aggregate("maxIf", 2, 2, MIN_MAX, minFn);
        CallPrinter uniqFn = (p, c, name) -> {
            List<Expr> args = c.args();
            String inner = args.size() == 1 ? p.expr(args.get(0)).sql()
                    : "(" + args.stream().map(a -> p.expr(a).sql()).collect(Collectors.joining(", ")) + ")";
            return "count(DISTINCT " + inner + ")";
        };
        aggregate("uniq", 1, -1, returns("UInt64"), uniqFn);
        aggregate("uniqExact", 1, -1, returns("UInt64"), uniqFn);
        aggregate("uniqIf", 2, 2, returns("UInt64"), (p, c, name) -> "count(DISTINCT " + p.expr(c.args().get(0)).sql() + ")" + p.filter(c.args().get(1)));
        aggregate("any", 1, 1, NULLABLE_ARG, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            return orDefault(p, "hogql_any(" + p.typed(x) + ")", x.type());
        });
        // among rows tied on the key, argMin takes the least value and argMax the greatest (ClickHouse takes whichever
        // row it met first, so a tie's answer changed with the plan: a funnel's first/last-touch breakdown counted a
        // person whose last events share a second under different values when its plan changed)
        CallPrinter argmaxFn = (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(unmarked(args.get(0)));
            Frag y = p.expr(args.get(1));
            boolean max = name.startsWith("argmax");
            return orDefault(p, "(array_agg(" + collected(p, x, marked(args.get(0))) + " ORDER BY " + FloatOrder.argOrder(y,
                    max) + ", " + x.sql() + (max ? " DESC" : " ASC") + " NULLS LAST))[1]", x.type());
        };
        aggregate("argMax", 2, 2, NULLABLE_ARG, argmaxFn);
        aggregate("argMin", 2, 2, NULLABLE_ARG, argmaxFn);
        CallPrinter grouparrayFn = (p, c, name) -> {
            List<Expr> args = c.args();
            String d = c.distinct() ? "DISTINCT " : "";
            Frag x = p.expr(unmarked(args.get(0)));
            String dd = name.equals("groupuniqarray") ? "DISTINCT " : d;
            // over a window, OVER follows the FILTER clause inside the coalesce
            return "coalesce(" + p.over("array_agg(" + dd + collected(p, x, marked(args.get(0))) + ") FILTER (WHERE "
                    + x.sql() + " IS NOT NULL)") + ", '{}')";
        };
        aggregate("groupArray", 1, 1, GROUP_ARRAY, grouparrayFn);
        aggregate("groupUniqArray", 1, 1, GROUP_ARRAY, grouparrayFn);
        CallPrinter quantileFn = (p, c, name) -> {
            List<Expr> args = c.args();
            double level = quantileLevel(c);
            Frag x = p.expr(args.get(0));
            return "percentile_cont(" + level + ") WITHIN GROUP (ORDER BY " + p.num(x) + ")";
        };
        aggregate("quantile", 1, 1, 1, QUANTILE, quantileFn);
        aggregate("median", 1, 1, QUANTILE, quantileFn);
        // #funnel_ordered(timestamp, step 1..n, steps, window seconds, step 1 condition, …, step n condition): the
        // same answer as #funnel in ordered mode when steps are disjoint and there are no exclusions (V18_2), fed as
        // V41_2's quarry_funnel_ordered_counts takes it (times grouped by step, each step's count); an actor without
        // step-2 events is answered in the statement (its first step-1 time), without calling the function.
        aggregate(Functions.FUNNEL_ORDERED, 5, -1, returns("Array(Float64)"), (p, c, name) -> {
            List<Expr> args = c.args();
            String ts = p.expr(args.get(0)).sql();
            int n = args.size() - 4;
            List<String> counts = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                counts.add("count(*)" + p.filter(args.get(4 + k)));
            }
            // each step's times by one array_agg ordered by time alone (concatenated in step order: the same array
            // as ordering by step, then time), so that every aggregate of the actor wants its rows in (actor, time)
            // order, which the (team_id, person_id, timestamp) index gives without a sort (V49_1)
            List<String> byStep = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                byStep.add("array_agg(" + ts + " ORDER BY " + ts + ")" + p.filter(args.get(4 + k)));
            }
            String scan = "quarry_funnel_ordered_counts(" + String.join(" || ", byStep) + ", ARRAY["
                    + String.join(", ", counts) + "]::int[], (" + p.expr(args.get(2)).sql() + ")::int, ("
                    + p.expr(args.get(3)).sql() + ")::float8)";
            StringBuilder first = new StringBuilder("ARRAY[1::float8, extract(epoch FROM min(" + ts + ")"
                    + p.filter(args.get(4)) + ")::float8");
            for (int k = 1; k < n; k++) {
                first.append(", NULL::float8");
            }
            first.append(']');
            String reachedOnlyOne = "CASE WHEN " + counts.get(0) + " = 0 THEN NULL ELSE " + first + " END";
            return n == 1 ? reachedOnlyOne : "CASE WHEN " + counts.get(1) + " = 0 THEN " + reachedOnlyOne
                    + " ELSE " + scan + " END";
        });
        // #step_times(timestamp, condition): the matching rows' times, sorted; with #funnel_ordered_times, the
        // ordered scan of actors whose steps' times are gathered apart (a step-attribution funnel gathers the other
        // steps once per actor and the attribution step per value)
        aggregate(Functions.STEP_TIMES, 2, 2, returns("Array(DateTime)"), (p, c, name) -> {
            String ts = p.expr(c.args().get(0)).sql();
            return "array_agg(" + ts + " ORDER BY " + ts + ")" + p.filter(c.args().get(1));
        });
        // #funnel_strict(timestamp, same-time order, step 1..n or 0, steps, window seconds): #funnel's strict mode
        // for the same case (V18_2), fed to V41_1's quarry_funnel_strict_positions: timestamps (converted to epoch
        // seconds only where the function compares or returns them) and each event's step.
        aggregate(Functions.FUNNEL_STRICT, 5, 5, returns("Array(Float64)"), (p, c, name) -> {
            List<Expr> args = c.args();
            Frag ts = p.expr(args.get(0));
            String order = " ORDER BY " + ts.sql() + ", " + p.expr(args.get(1)).sql() + ")";
            return "quarry_funnel_strict_positions(array_agg(" + ts.sql() + order
                    + ", array_agg((" + p.expr(args.get(2)).sql() + ")::int" + order + ", ("
                    + p.expr(args.get(3)).sql() + ")::int, (" + p.expr(args.get(4)).sql() + ")::float8)";
        });
        // #funnel(timestamp, step mask, same-time order, steps, window seconds, mode, exclusions): the per-actor
        // funnel scan of migration V7 (quarry_funnel), fed the actor's events in time order.
        aggregate(Functions.FUNNEL, 7, 7, returns("Array(Float64)"), (p, c, name) -> {
            List<Expr> args = c.args();
            Frag ts = p.expr(args.get(0));
            String order = " ORDER BY " + ts.sql() + ", " + p.expr(args.get(2)).sql() + ")";
            return "quarry_funnel(array_agg(extract(epoch FROM " + ts.sql() + ")::float8" + order
                    + ", array_agg((" + p.expr(args.get(1)).sql() + ")::bigint" + order
                    + ", (" + p.expr(args.get(3)).sql() + ")::int, (" + p.expr(args.get(4)).sql() + ")::float8, ("
                    + p.expr(args.get(5)).sql() + ")::int, (" + p.expr(args.get(6)).sql() + ")::text)";
        });
        aggregate("countDistinctIf", 2, 2, returns("UInt64"), (p, c, name) -> "count(DISTINCT " + p.expr(c.args().get(0)).sql() + ")" + p.filter(c.args().get(1)));
        CallPrinter anylastFn = (p, c, name) -> p.call(new Expr.Call("any", c.args(), null, false)).sql();
        aggregate("anyLast", 1, 1, NULLABLE_ARG, anylastFn);
        aggregate("anyHeavy", 1, 1, NULLABLE_ARG, anylastFn);
        CallPrinter stddevpopFn = (p, c, name) -> {
            List<Expr> a = c.args();
            String d = c.distinct() ? "DISTINCT " : "";
            String fn = switch (name) {
                case "stddevpop" -> "stddev_pop";
                case "stddevsamp" -> "stddev_samp";
                case "varpop" -> "var_pop";
                default -> "var_samp";
            };
            return "(" + fn + "(" + d + "(" + p.num(p.expr(a.get(0))) + ")::float8))::float8";
        };
        aggregate("stddevPop", 1, 1, returns("Nullable(Float64)"), stddevpopFn);
        aggregate("stddevSamp", 1, 1, returns("Nullable(Float64)"), stddevpopFn);
        aggregate("varPop", 1, 1, returns("Nullable(Float64)"), stddevpopFn);
        aggregate("varSamp", 1, 1, returns("Nullable(Float64)"), stddevpopFn);
        CallPrinter covarpopFn = (p, c, name) -> {
            List<Expr> a = c.args();
            String fn = name.equals("covarpop") ? "covar_pop" : name.equals("covarsamp") ? "covar_samp" : "corr";
            return fn + "((" + p.num(p.expr(a.get(0))) + ")::float8, (" + p.num(p.expr(a.get(1))) + ")::float8)";
        };
        aggregate("covarPop", 2, 2, returns("Nullable(Float64)"), covarpopFn);
        aggregate("covarSamp", 2, 2, returns("Nullable(Float64)"), covarpopFn);
        aggregate("corr", 2, 2, returns("Nullable(Float64)"), covarpopFn);
        aggregate("avgWeighted", 2, 2, returns("Nullable(Float64)"), (p, c, name) -> {
            List<Expr> a = c.args();
            String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
            String w = "(" + p.num(p.expr(a.get(1))) + ")::float8";
            // a product past the largest double is inf, as ClickHouse's (V58_1), not PostgreSQL's overflow error
            return "(sum(hogql_fmultiply(" + x + ", " + w + ")) / NULLIF(sum(CASE WHEN " + x + " IS NOT NULL THEN " + w + " END), 0))";
        });
        CallPrinter groupbitandFn = (p, c, name) -> {
            List<Expr> a = c.args();
            String fn = "bit_" + name.substring(8);
            Frag x = p.expr(a.get(0));
            if (HogQLTypes.cat(x.type()).equals("int")) {
                // an integer is one already: the numeric round trip below cost ~0.5 µs a row (stickiness's and
                // lifecycle's per-person activity words, 15,000 rows a month at the bench's 1 M events)
                return "coalesce(" + fn + "((" + x.sql() + ")::bigint), 0)";
            }
            // through numeric: trunc(bigint) resolves to trunc(float8), which loses the bits past 2^53
            return "coalesce(" + fn + "(trunc((" + p.num(x) + ")::numeric)::bigint), 0)";
        };
        // an integer (or a truth value, ClickHouse's UInt8) only: ClickHouse refuses a Float or a String with
        // ILLEGAL_TYPE_OF_ARGUMENT, where the numeric path below read 1.5 as 1 and 'a' as 0
        TypeRule groupbitandType = (t, c) -> {
            String argument = HogQLTypes.cat(t.get(0));
            if (!argument.equals("int") && !argument.equals("bool") && !argument.equals("null")) {
                throw new HogQLResolutionException("Illegal type " + HogQLTypes.base(t.get(0))
                        + " of argument for aggregate function " + c.name(), c);
            }
            return "Int64";
        };
        aggregate("groupBitAnd", 1, 1, groupbitandType, groupbitandFn);
        aggregate("groupBitOr", 1, 1, groupbitandType, groupbitandFn);
        aggregate("groupBitXor", 1, 1, groupbitandType, groupbitandFn);
        aggregate("sumWithOverflow", 1, 1, SUM, (p, c, name) -> p.call(new Expr.Call("sum", c.args(), null, c.distinct())).sql());
        CallPrinter uniqhll12Fn = (p, c, name) -> p.call(new Expr.Call("uniq", c.args(), null, false)).sql();
        aggregate("uniqHLL12", 1, -1, returns("UInt64"), uniqhll12Fn);
        aggregate("uniqTheta", 1, -1, returns("UInt64"), uniqhll12Fn);
        CallPrinter medianexactFn = (p, c, name) -> {
            List<Expr> a = c.args();
            // ClickHouse quantileExact(0.5): the element at index floor(n / 2) of the sorted values (from 0)
            String x = p.num(p.expr(a.get(0)));
            return "((array_agg((" + x + ")::float8 ORDER BY " + x + ") FILTER (WHERE " + x
                    + " IS NOT NULL))[floor(count(" + x + ") / 2)::int + 1])";
        };
        aggregate("medianExact", 1, 1, returns("Nullable(Float64)"), medianexactFn);
        aggregate("medianExactHigh", 1, 1, returns("Nullable(Float64)"), medianexactFn);
        aggregate("medianExactLow", 1, 1, returns("Nullable(Float64)"), (p, c, name) -> {
            List<Expr> a = c.args();
            String x = p.num(p.expr(a.get(0)));
            return "(percentile_disc(0.5) WITHIN GROUP (ORDER BY (" + x + ")::float8))";
        });
        aggregate("medianTDigest", 1, 1, returns("Nullable(Float64)"), (p, c, name) -> p.call(new Expr.Call("median", c.args(), null, false)).sql());
        aggregate("quantiles", 1, 1, -1, QUANTILES, (p, c, name) -> {
            List<Expr> a = c.args();
            List<String> levels = quantileLevels(c);
            String x = p.num(p.expr(a.get(0)));
            return "coalesce(percentile_cont(ARRAY[" + String.join(", ", levels) + "]::float8[]) WITHIN GROUP "
                    + "(ORDER BY " + x + "), '{}')";
        });
        aggregate("simpleLinearRegression", 2, 2, returns("Tuple(Float64, Float64)"), (p, c, name) -> {
            List<Expr> a = c.args();
            String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
            String y = "(" + p.num(p.expr(a.get(1))) + ")::float8";
            return "jsonb_build_array(regr_slope(" + y + ", " + x + "), regr_intercept(" + y + ", " + x + "))";
        });
        // window functions (with OVER (PARTITION BY … ORDER BY …)); lagInFrame/leadInFrame are ClickHouse's names
        CallPrinter rankingFn = (p, c, name) -> name + "()";
        window("row_number", 0, 0, returns("UInt64"), rankingFn);
        window("rank", 0, 0, returns("UInt64"), rankingFn);
        window("dense_rank", 0, 0, returns("UInt64"), rankingFn);
        CallPrinter lagFn = (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            StringBuilder sql = new StringBuilder(name.startsWith("lag") ? "lag(" : "lead(").append(x.sql());
            if (c.args().size() > 1) {
                sql.append(", (").append(p.expr(c.args().get(1)).sql()).append(")::int");
            }
            if (c.args().size() > 2) {
                sql.append(", ").append(p.expr(c.args().get(2)).sql());
            }
            return sql.append(")").toString();
        };
        window("lag", 1, 3, FRAME_VALUE, lagFn);
        window("lead", 1, 3, FRAME_VALUE, lagFn);
        window("lagInFrame", 1, 3, FRAME_VALUE, lagFn);
        window("leadInFrame", 1, 3, FRAME_VALUE, lagFn);
        CallPrinter firstValueFn = (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            return name + "(" + x.sql() + ")";
        };
        window("first_value", 1, 1, FRAME_VALUE, firstValueFn);
        window("last_value", 1, 1, FRAME_VALUE, firstValueFn);
        window("nth_value", 2, 2, FRAME_VALUE, (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            return "nth_value(" + x.sql() + ", " + p.int4(p.expr(c.args().get(1))) + ")";
        });
    }
}

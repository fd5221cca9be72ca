package dev.quarry.hogql;

import static dev.quarry.hogql.Functions.aggregate;
import static dev.quarry.hogql.Functions.window;
import static dev.quarry.hogql.HogQLTypes.base;
import static dev.quarry.hogql.HogQLTypes.cat;
import static dev.quarry.hogql.HogQLTypes.noNestedArrays;
import static dev.quarry.hogql.HogQLTypes.nullable;

import dev.quarry.hogql.Functions.Printer;
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

    /** Prints {@code fIf(args…, cond)} as {@code f(if(cond, arg, NULL)…)}. */
    static final Printer IF_COMBINATOR = (p, c, name) -> {
        Functions.Spec base = Functions.ifCombinatorBase(name);
        List<Expr> args = c.args();
        Expr cond = args.get(args.size() - 1);
        List<Expr> wrapped = new ArrayList<>();
        for (Expr a : args.subList(0, args.size() - 1)) {
            wrapped.add(Expr.Call.of("if", cond, a, new Expr.Constant(null)));
        }
        return p.call(new Expr.Call(base.name(), wrapped, c.params(), c.distinct()));
    };

    static void register() {
        aggregate("count", 0, 1, (p, c, name) -> {
            List<Expr> args = c.args();
            String d = c.distinct() ? "DISTINCT " : "";
            if (args.isEmpty()) {
                return new Frag("count(*)", "UInt64");
            }
            return new Frag("count(" + d + p.expr(args.get(0)).sql() + ")", "UInt64");
        });
        aggregate("countIf", 1, 2, (p, c, name) -> {
            List<Expr> args = c.args();
            String d = c.distinct() ? "DISTINCT " : "";
            if (args.size() == 1) {
                return new Frag("count(*)" + p.filter(args.get(0)), "UInt64");
            }
            return new Frag("count(" + d + p.expr(args.get(0)).sql() + ")" + p.filter(args.get(1)), "UInt64");
        });
        Printer sumFn = (p, c, name) -> {
            List<Expr> args = c.args();
            String d = c.distinct() ? "DISTINCT " : "";
            Frag x = p.expr(args.get(0));
            String f = name.equals("sumif") ? p.filter(args.get(1)) : "";
            String sum = "coalesce(sum(" + d + p.num(x) + ")" + f + ", 0)";
            if (p.numType(x).equals("Int64")) {
                // PostgreSQL sums bigint as numeric; give back bigint, NULL rather than an overflow error
                return new Frag("(CASE WHEN abs(" + sum + ") < 9.2e18 THEN " + sum + "::bigint END)", "Int64");
            }
            return new Frag(sum, "Float64");
        };
        aggregate("sum", 1, 1, sumFn);
        aggregate("sumIf", 2, 2, sumFn);
        Printer avgFn = (p, c, name) -> {
            List<Expr> args = c.args();
            String d = c.distinct() ? "DISTINCT " : "";
            Frag x = p.expr(args.get(0));
            String f = name.equals("avgif") ? p.filter(args.get(1)) : "";
            return new Frag("(avg(" + d + p.num(x) + ")" + f + ")::float8", "Nullable(Float64)");
        };
        aggregate("avg", 1, 1, avgFn);
        aggregate("avgIf", 2, 2, avgFn);
        Printer minFn = (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            String f = name.endsWith("if") ? p.filter(args.get(1)) : "";
            String fn = name.substring(0, 3);
            if (cat(x.type()).equals("bool")) {
                fn = fn.equals("min") ? "bool_and" : "bool_or";
            } else if (cat(x.type()).equals("json") || cat(x.type()).equals("uuid")) {
                return new Frag(fn + "((" + x.sql() + ")::text)" + f, "Nullable(String)");
            }
            return new Frag(fn + "(" + x.sql() + ")" + f, nullable(x.type()));
        };
        aggregate("min", 1, 1, minFn);
        aggregate("max", 1, 1, minFn);
        aggregate("minIf", 2, 2, minFn);
        aggregate("maxIf", 2, 2, minFn);
        Printer uniqFn = (p, c, name) -> {
            List<Expr> args = c.args();
            String inner = args.size() == 1 ? p.expr(args.get(0)).sql()
                    : "(" + args.stream().map(a -> p.expr(a).sql()).collect(Collectors.joining(", ")) + ")";
            return new Frag("count(DISTINCT " + inner + ")", "UInt64");
        };
        aggregate("uniq", 1, -1, uniqFn);
        aggregate("uniqExact", 1, -1, uniqFn);
        aggregate("uniqIf", 2, 2, (p, c, name) -> new Frag("count(DISTINCT " + p.expr(c.args().get(0)).sql() + ")" + p.filter(c.args().get(1)), "UInt64"));
        aggregate("any", 1, 1, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            return new Frag("hogql_any(" + x.sql() + ")", nullable(x.type()));
        });
        Printer argmaxFn = (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            Frag y = p.expr(args.get(1));
            return new Frag("(array_agg(" + x.sql() + " ORDER BY " + y.sql()
                    + (name.equals("argmax") ? " DESC" : " ASC") + " NULLS LAST))[1]", nullable(x.type()));
        };
        aggregate("argMax", 2, 2, argmaxFn);
        aggregate("argMin", 2, 2, argmaxFn);
        Printer grouparrayFn = (p, c, name) -> {
            List<Expr> args = c.args();
            String d = c.distinct() ? "DISTINCT " : "";
            Frag x = p.expr(args.get(0));
            noNestedArrays(List.of(x.type()));
            String dd = name.equals("groupuniqarray") ? "DISTINCT " : d;
            return new Frag("coalesce(array_agg(" + dd + x.sql() + ") FILTER (WHERE " + x.sql()
                    + " IS NOT NULL), '{}')", "Array(" + base(x.type()) + ")");
        };
        aggregate("groupArray", 1, 1, grouparrayFn);
        aggregate("groupUniqArray", 1, 1, grouparrayFn);
        Printer quantileFn = (p, c, name) -> {
            List<Expr> args = c.args();
            double level = 0.5;
            if (name.equals("quantile")) {
                Expr pe = c.params().get(0);
                if (pe instanceof Expr.Constant k && k.value() instanceof Number n && n.doubleValue() >= 0
                        && n.doubleValue() <= 1) {
                    level = n.doubleValue();
                } else {
                    throw new HogQLResolutionException("quantile level must be a number between 0 and 1", pe);
                }
            }
            Frag x = p.expr(args.get(0));
            return new Frag("percentile_cont(" + level + ") WITHIN GROUP (ORDER BY " + p.num(x) + ")",
                    "Nullable(Float64)");
        };
        aggregate("quantile", 1, 1, 1, quantileFn);
        aggregate("median", 1, 1, quantileFn);
        // #funnel_ordered(timestamp, step 1..n, steps, window seconds, step 1 condition, …, step n condition): the
        // same answer as #funnel in ordered mode when steps are disjoint and there are no exclusions (V18_2), fed as
        // V41_2's quarry_funnel_ordered_counts takes it (times grouped by step, each step's count); an actor without
        // step-2 events is answered in the statement (its first step-1 time), without calling the function.
        aggregate(Functions.FUNNEL_ORDERED, 5, -1, (p, c, name) -> {
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
            return new Frag(n == 1 ? reachedOnlyOne : "CASE WHEN " + counts.get(1) + " = 0 THEN " + reachedOnlyOne
                    + " ELSE " + scan + " END", "Array(Float64)");
        });
        // #funnel_strict(timestamp, same-time order, step 1..n or 0, steps, window seconds): #funnel's strict mode
        // for the same case (V18_2), fed to V41_1's quarry_funnel_strict_positions: timestamps (converted to epoch
        // seconds only where the function compares or returns them) and each event's step.
        aggregate(Functions.FUNNEL_STRICT, 5, 5, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag ts = p.expr(args.get(0));
            String order = " ORDER BY " + ts.sql() + ", " + p.expr(args.get(1)).sql() + ")";
            return new Frag("quarry_funnel_strict_positions(array_agg(" + ts.sql() + order
                    + ", array_agg((" + p.expr(args.get(2)).sql() + ")::int" + order + ", ("
                    + p.expr(args.get(3)).sql() + ")::int, (" + p.expr(args.get(4)).sql() + ")::float8)",
                    "Array(Float64)");
        });
        // #funnel(timestamp, step mask, same-time order, steps, window seconds, mode, exclusions): the per-actor
        // funnel scan of migration V7 (quarry_funnel), fed the actor's events in time order.
        aggregate(Functions.FUNNEL, 7, 7, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag ts = p.expr(args.get(0));
            String order = " ORDER BY " + ts.sql() + ", " + p.expr(args.get(2)).sql() + ")";
            return new Frag("quarry_funnel(array_agg(extract(epoch FROM " + ts.sql() + ")::float8" + order
                    + ", array_agg((" + p.expr(args.get(1)).sql() + ")::bigint" + order
                    + ", (" + p.expr(args.get(3)).sql() + ")::int, (" + p.expr(args.get(4)).sql() + ")::float8, ("
                    + p.expr(args.get(5)).sql() + ")::int, (" + p.expr(args.get(6)).sql() + ")::text)",
                    "Array(Float64)");
        });
        aggregate("countDistinctIf", 2, 2, (p, c, name) -> new Frag("count(DISTINCT " + p.expr(c.args().get(0)).sql() + ")" + p.filter(c.args().get(1)), "UInt64"));
        Printer anylastFn = (p, c, name) -> p.call(new Expr.Call("any", c.args(), null, false));
        aggregate("anyLast", 1, 1, anylastFn);
        aggregate("anyHeavy", 1, 1, anylastFn);
        Printer stddevpopFn = (p, c, name) -> {
            List<Expr> a = c.args();
            String d = c.distinct() ? "DISTINCT " : "";
            String fn = switch (name) {
                case "stddevpop" -> "stddev_pop";
                case "stddevsamp" -> "stddev_samp";
                case "varpop" -> "var_pop";
                default -> "var_samp";
            };
            return new Frag("(" + fn + "(" + d + "(" + p.num(p.expr(a.get(0))) + ")::float8))::float8", "Nullable(Float64)");
        };
        aggregate("stddevPop", 1, 1, stddevpopFn);
        aggregate("stddevSamp", 1, 1, stddevpopFn);
        aggregate("varPop", 1, 1, stddevpopFn);
        aggregate("varSamp", 1, 1, stddevpopFn);
        Printer covarpopFn = (p, c, name) -> {
            List<Expr> a = c.args();
            String fn = name.equals("covarpop") ? "covar_pop" : name.equals("covarsamp") ? "covar_samp" : "corr";
            return new Frag(fn + "((" + p.num(p.expr(a.get(0))) + ")::float8, (" + p.num(p.expr(a.get(1))) + ")::float8)",
                    "Nullable(Float64)");
        };
        aggregate("covarPop", 2, 2, covarpopFn);
        aggregate("covarSamp", 2, 2, covarpopFn);
        aggregate("corr", 2, 2, covarpopFn);
        aggregate("avgWeighted", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
            String w = "(" + p.num(p.expr(a.get(1))) + ")::float8";
            return new Frag("(sum(" + x + " * " + w + ") / NULLIF(sum(CASE WHEN " + x + " IS NOT NULL THEN " + w + " END), 0))",
                    "Nullable(Float64)");
        });
        Printer groupbitandFn = (p, c, name) -> {
            List<Expr> a = c.args();
            String fn = "bit_" + name.substring(8);
            return new Frag("coalesce(" + fn + "(trunc(" + p.num(p.expr(a.get(0))) + ")::bigint), 0)", "Int64");
        };
        aggregate("groupBitAnd", 1, 1, groupbitandFn);
        aggregate("groupBitOr", 1, 1, groupbitandFn);
        aggregate("groupBitXor", 1, 1, groupbitandFn);
        aggregate("sumWithOverflow", 1, 1, (p, c, name) -> p.call(new Expr.Call("sum", c.args(), null, c.distinct())));
        Printer uniqhll12Fn = (p, c, name) -> p.call(new Expr.Call("uniq", c.args(), null, false));
        aggregate("uniqHLL12", 1, -1, uniqhll12Fn);
        aggregate("uniqTheta", 1, -1, uniqhll12Fn);
        Printer medianexactFn = (p, c, name) -> {
            List<Expr> a = c.args();
            // ClickHouse quantileExact(0.5): the element at index floor(n / 2) of the sorted values (from 0)
            String x = p.num(p.expr(a.get(0)));
            return new Frag("((array_agg((" + x + ")::float8 ORDER BY " + x + ") FILTER (WHERE " + x
                    + " IS NOT NULL))[floor(count(" + x + ") / 2)::int + 1])", "Nullable(Float64)");
        };
        aggregate("medianExact", 1, 1, medianexactFn);
        aggregate("medianExactHigh", 1, 1, medianexactFn);
        aggregate("medianExactLow", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            String x = p.num(p.expr(a.get(0)));
            return new Frag("(percentile_disc(0.5) WITHIN GROUP (ORDER BY (" + x + ")::float8))", "Nullable(Float64)");
        });
        aggregate("medianTDigest", 1, 1, (p, c, name) -> p.call(new Expr.Call("median", c.args(), null, false)));
        aggregate("quantiles", 1, 1, -1, (p, c, name) -> {
            List<Expr> a = c.args();
            List<String> levels = new ArrayList<>();
            for (Expr pe : c.params()) {
                if (pe instanceof Expr.Constant k && k.value() instanceof Number n && n.doubleValue() >= 0
                        && n.doubleValue() <= 1) {
                    levels.add(Double.toString(n.doubleValue()));
                } else {
                    throw new HogQLResolutionException("quantiles levels must be numbers between 0 and 1", pe);
                }
            }
            String x = p.num(p.expr(a.get(0)));
            return new Frag("coalesce(percentile_cont(ARRAY[" + String.join(", ", levels) + "]::float8[]) WITHIN GROUP "
                    + "(ORDER BY " + x + "), '{}')", "Array(Float64)");
        });
        aggregate("simpleLinearRegression", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
            String y = "(" + p.num(p.expr(a.get(1))) + ")::float8";
            return new Frag("jsonb_build_array(regr_slope(" + y + ", " + x + "), regr_intercept(" + y + ", " + x + "))",
                    "Tuple(Float64, Float64)");
        });
        // window functions (with OVER (PARTITION BY … ORDER BY …)); lagInFrame/leadInFrame are ClickHouse's names
        Printer rankingFn = (p, c, name) -> new Frag(name + "()", "UInt64");
        window("row_number", 0, 0, rankingFn);
        window("rank", 0, 0, rankingFn);
        window("dense_rank", 0, 0, rankingFn);
        Printer lagFn = (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            StringBuilder sql = new StringBuilder(name.startsWith("lag") ? "lag(" : "lead(").append(x.sql());
            if (c.args().size() > 1) {
                sql.append(", (").append(p.expr(c.args().get(1)).sql()).append(")::int");
            }
            if (c.args().size() > 2) {
                sql.append(", ").append(p.expr(c.args().get(2)).sql());
            }
            return new Frag(sql.append(")").toString(), nullable(x.type()));
        };
        window("lag", 1, 3, lagFn);
        window("lead", 1, 3, lagFn);
        window("lagInFrame", 1, 3, lagFn);
        window("leadInFrame", 1, 3, lagFn);
        Printer firstValueFn = (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            return new Frag(name + "(" + x.sql() + ")", nullable(x.type()));
        };
        window("first_value", 1, 1, firstValueFn);
        window("last_value", 1, 1, firstValueFn);
        window("nth_value", 2, 2, (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            return new Frag("nth_value(" + x.sql() + ", " + p.int4(p.expr(c.args().get(1))) + ")", nullable(x.type()));
        });
    }
}

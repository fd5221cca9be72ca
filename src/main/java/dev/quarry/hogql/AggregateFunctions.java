package dev.quarry.hogql;

import dev.quarry.hogql.PostgresPrinter.Frag;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * ClickHouse aggregates beyond the core set of {@link Functions}, and the {@code -If} combinator of every supported
 * aggregate: {@code fIf(args…, cond)} is {@code f} over the rows where {@code cond} holds, printed as {@code f} of
 * {@code if(cond, arg, NULL)} (every aggregate here ignores NULLs, as ClickHouse's -If ignores the other rows).
 */
final class AggregateFunctions {
    private AggregateFunctions() {}

    static void register() {
        Functions.agg("countDistinctIf", 2, 2);
        Functions.agg("anyLast", 1, 1);
        Functions.agg("anyHeavy", 1, 1);
        for (String n : List.of("stddevPop", "stddevSamp", "varPop", "varSamp", "groupBitAnd", "groupBitOr", "groupBitXor",
                "sumWithOverflow", "medianExact", "medianExactLow", "medianExactHigh", "medianTDigest")) {
            Functions.agg(n, 1, 1);
        }
        for (String n : List.of("covarPop", "covarSamp", "corr", "avgWeighted", "simpleLinearRegression")) {
            Functions.agg(n, 2, 2);
        }
        Functions.agg("uniqHLL12", 1, -1);
        Functions.agg("uniqTheta", 1, -1);
        Functions.spec(new Functions.Spec("quantiles", 1, 1, true, -1));
    }

    /** Prints aggregate {@code c} (name lower-case) or returns null when it is not one of this class's. */
    static Frag print(PostgresPrinter p, Expr.Call c, String name) {
        Functions.Spec base = Functions.ifCombinatorBase(name);
        if (base != null) {
            List<Expr> args = c.args();
            Expr cond = args.get(args.size() - 1);
            List<Expr> wrapped = new ArrayList<>();
            for (Expr a : args.subList(0, args.size() - 1)) {
                wrapped.add(Expr.Call.of("if", cond, a, new Expr.Constant(null)));
            }
            Expr.Call inner = new Expr.Call(base.name(), wrapped, c.params(), c.distinct());
            return p.aggregate(inner, base.name().toLowerCase(Locale.ROOT));
        }
        List<Expr> a = c.args();
        String d = c.distinct() ? "DISTINCT " : "";
        switch (name) {
            case "countdistinctif":
                return new Frag("count(DISTINCT " + p.expr(a.get(0)).sql() + ")" + p.filter(a.get(1)), "UInt64");
            case "anylast":
            case "anyheavy":
                return p.aggregate(new Expr.Call("any", a, null, false), "any");
            case "stddevpop":
            case "stddevsamp":
            case "varpop":
            case "varsamp": {
                String fn = switch (name) {
                    case "stddevpop" -> "stddev_pop";
                    case "stddevsamp" -> "stddev_samp";
                    case "varpop" -> "var_pop";
                    default -> "var_samp";
                };
                return new Frag("(" + fn + "(" + d + "(" + p.num(p.expr(a.get(0))) + ")::float8))::float8", "Nullable(Float64)");
            }
            case "covarpop":
            case "covarsamp":
            case "corr": {
                String fn = name.equals("covarpop") ? "covar_pop" : name.equals("covarsamp") ? "covar_samp" : "corr";
                return new Frag(fn + "((" + p.num(p.expr(a.get(0))) + ")::float8, (" + p.num(p.expr(a.get(1))) + ")::float8)",
                        "Nullable(Float64)");
            }
            case "avgweighted": {
                String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
                String w = "(" + p.num(p.expr(a.get(1))) + ")::float8";
                return new Frag("(sum(" + x + " * " + w + ") / NULLIF(sum(CASE WHEN " + x + " IS NOT NULL THEN " + w + " END), 0))",
                        "Nullable(Float64)");
            }
            case "groupbitand":
            case "groupbitor":
            case "groupbitxor": {
                String fn = "bit_" + name.substring(8);
                return new Frag("coalesce(" + fn + "(trunc(" + p.num(p.expr(a.get(0))) + ")::bigint), 0)", "Int64");
            }
            case "sumwithoverflow":
                return p.aggregate(new Expr.Call("sum", a, null, c.distinct()), "sum");
            case "uniqhll12":
            case "uniqtheta":
                return p.aggregate(new Expr.Call("uniq", a, null, false), "uniq");
            case "medianexact":
            case "medianexacthigh": {
                // ClickHouse quantileExact(0.5): the element at index floor(n / 2) of the sorted values (from 0)
                String x = p.num(p.expr(a.get(0)));
                return new Frag("((array_agg((" + x + ")::float8 ORDER BY " + x + ") FILTER (WHERE " + x
                        + " IS NOT NULL))[floor(count(" + x + ") / 2)::int + 1])", "Nullable(Float64)");
            }
            case "medianexactlow": {
                String x = p.num(p.expr(a.get(0)));
                return new Frag("(percentile_disc(0.5) WITHIN GROUP (ORDER BY (" + x + ")::float8))", "Nullable(Float64)");
            }
            case "mediantdigest":
                return p.aggregate(new Expr.Call("median", a, null, false), "median");
            case "quantiles": {
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
            }
            case "simplelinearregression": {
                String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
                String y = "(" + p.num(p.expr(a.get(1))) + ")::float8";
                return new Frag("jsonb_build_array(regr_slope(" + y + ", " + x + "), regr_intercept(" + y + ", " + x + "))",
                        "Tuple(Float64, Float64)");
            }
            default:
                return null;
        }
    }
}

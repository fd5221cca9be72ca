package dev.quarry.hogql;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a HogQL expression given in a query record's slot aggregates: the slots evaluated once per event or person
 * (a breakdown's {@code hogql}, {@code pathsHogQLExpression}, a {@code hogql} property filter) must not, a series'
 * {@code math_hogql} must aggregate every column it reads. Checked before anything runs, so the answer is a 400
 * naming the aggregation rather than PostgreSQL's text about a GROUP BY clause Quarry wrote. Subqueries are their own
 * scope and are not looked into (as PostHog's printer stops its nesting check at a SELECT).
 */
public final class Aggregations {
    private Aggregations() {
    }

    /**
     * Refuses an aggregation (or an aggregate over a window) anywhere in a per-row expression.
     *
     * @param slot the record field's name, e.g. {@code pathsHogQLExpression}, for the message
     * @return {@code e} with its collections bounded ({@link #boundCollections}): its subqueries may aggregate
     * @throws HogQLResolutionException "Aggregation 'count' is not allowed in pathsHogQLExpression …"
     */
    public static Expr perRow(Expr e, String slot) {
        List<Expr.Call> found = new ArrayList<>();
        collect(e, found, true);
        Expr.Call agg = found.isEmpty() ? null : found.get(0);
        if (agg != null) {
            throw new HogQLResolutionException("Aggregation '" + agg.name() + "' is not allowed in " + slot
                    + ": it is evaluated for each row, so it must not aggregate", agg);
        }
        return boundCollections(e);
    }

    /**
     * Requires an expression that aggregates: every column it reads is inside an aggregation (ClickHouse answers
     * NOT_AN_AGGREGATE otherwise), and an aggregation holds no other (PostHog: "Aggregation 'x' cannot be nested
     * inside another aggregation 'y'.").
     *
     * @return {@code e} with its collections bounded ({@link #boundCollections})
     * @throws HogQLResolutionException naming the bare column or the nested aggregation
     */
    public static Expr aggregated(Expr e, String slot) {
        List<Expr.Field> bare = new ArrayList<>();
        walk(e, null, bare);
        if (!bare.isEmpty()) {
            throw new HogQLResolutionException(slot + " must aggregate: " + String.join(".", bare.get(0).chain())
                    + " is read outside an aggregation such as sum(…) or avg(…)", bare.get(0));
        }
        return boundCollections(e);
    }

    /**
     * A user's HogQL fragment with every collecting aggregate in it (groupArray, groupUniqArray, argMax, argMin, their
     * {@code -If} forms and windows, subqueries included) keeping its values through {@link Functions#COLLECTED}, and
     * every value it builds that may outgrow what it reads ({@link ValueBounds#FRAGMENT_BUILDERS}) checked through
     * {@link Functions#BOUNDED}:
     * the fragment is counted into the statement's collection budget (V116_1) even inside a runner's statement, which
     * is compiled without {@link CompileSettings#boundedCollections()} so the runner's own arrays stay unbounded. A
     * {@code math_hogql} of {@code groupArray(repeat('x', 1000000))} is then a 400 {@code memory_limit_exceeded}, not
     * a backend the kernel kills.
     *
     * @return {@code e} itself when it collects nothing, otherwise a copy with the markers
     */
    public static Expr boundCollections(Expr e) {
        return Placeholders.Transformer.transform(e, x -> {
            if (x instanceof Expr.Window w && w.call().name().equals(Functions.BOUNDED)) {
                // over a window a groupArray is a value per row of its partition: bounded as the printer leaves it
                return new Expr.Window((Expr.Call) w.call().args().get(0), w.partitionBy(), w.orderBy(), w.frame(),
                        w.name());
            }
            Expr out = x;
            if (x instanceof Expr.Call c && !c.args().isEmpty() && collecting(c)
                    && !(c.args().get(0) instanceof Expr.Call a && a.name().equals(Functions.COLLECTED))) {
                List<Expr> args = new ArrayList<>(c.args());
                args.set(0, Expr.Call.of(Functions.COLLECTED, args.get(0)));
                out = new Expr.Call(c.name(), args, c.params(), c.distinct());
            }
            return x instanceof Expr.Call c && ValueBounds.FRAGMENT_BUILDERS.contains(baseName(c))
                    ? Expr.Call.of(Functions.BOUNDED, out) : out;
        });
    }

    private static boolean collecting(Expr.Call c) {
        Functions.Spec spec = Functions.lookup(c.name());
        return spec != null && spec.aggregate() && AggregateFunctions.COLLECTING.contains(baseName(c));
    }

    /** The function's name as the function table spells it, an {@code -If} combinator's base name for it. */
    private static String baseName(Expr.Call c) {
        Functions.Spec spec = Functions.ifCombinatorBase(c.name());
        spec = spec != null ? spec : Functions.lookup(c.name());
        return spec == null ? "" : spec.name();
    }

    /**
     * Whether {@code e} aggregates (an aggregate call outside subqueries and windows), as PostHog's aggregation finder
     * decides whether an EventsQuery's columns are grouped.
     */
    public static boolean hasAggregate(Expr e) {
        List<Expr.Call> found = new ArrayList<>();
        collect(e, found, false);
        return !found.isEmpty();
    }

    /**
     * A grouped SELECT (it has GROUP BY, or its columns aggregate) reads every column of its select list inside an
     * aggregation or through a GROUP BY key, as ClickHouse requires (NOT_AN_AGGREGATE). Checked on resolved names, so
     * {@code events.event} and {@code event} are one key, an alias used in GROUP BY stands for its expression and
     * {@code GROUP BY 2} for the second column. A column built from grouped keys some other way (select
     * {@code timestamp}, group by {@code toStartOfDay(timestamp)}) is left to the database.
     *
     * @throws HogQLResolutionException ClickHouse's words: "Column `event` is not under aggregate function and not in
     *     GROUP BY keys"
     */
    static void groupedColumns(SelectQuery s, Resolver.QueryScope scope, Resolver.Resolution res) {
        boolean grouped = !s.groupBy().isEmpty();
        for (Resolver.Column c : scope.columns) {
            grouped = grouped || hasAggregate(c.expr());
        }
        if (!grouped) {
            return;
        }
        java.util.Set<Resolver.Ref> keys = new java.util.HashSet<>();
        java.util.Set<Integer> keyColumns = new java.util.HashSet<>();
        for (Expr g : s.groupBy()) {
            if (g instanceof Expr.Constant k && k.value() instanceof Long n && n >= 1 && n <= scope.columns.size()) {
                keyColumns.add((int) (n - 1));
                List<Expr.Field> fields = new ArrayList<>();
                walkGrouped(scope.columns.get((int) (n - 1)).expr(), fields, res, false);
                fields.forEach(f -> keys.add(res.ref(f)));
            } else {
                List<Expr.Field> fields = new ArrayList<>();
                walkGrouped(g, fields, res, false);
                fields.forEach(f -> keys.add(res.ref(f)));
            }
        }
        for (int k = 0; k < scope.columns.size(); k++) {
            Expr e = scope.columns.get(k).expr();
            if (keyColumns.contains(k) || e instanceof Expr.Call call && res.arrayJoins.contains(call)) {
                continue;
            }
            List<Expr.Field> bare = new ArrayList<>();
            walkGrouped(e, bare, res, true);
            for (Expr.Field f : bare) {
                if (!keys.contains(res.ref(f))) {
                    throw new HogQLResolutionException("Column `" + String.join(".", f.chain())
                            + "` is not under aggregate function and not in GROUP BY keys", f);
                }
            }
        }
    }

    /**
     * The fields {@code e} reads (an alias standing for its expression), outside aggregations, windows, subqueries
     * and lambda parameters when {@code outsideAggregates}.
     */
    private static void walkGrouped(Expr e, List<Expr.Field> out, Resolver.Resolution res, boolean outsideAggregates) {
        if (e == null) {
            return;
        }
        if (e instanceof Expr.Field f) {
            Resolver.Ref r = res.refs.get(f);
            if (r instanceof Resolver.ExprRef x && x.expr() != e) {
                walkGrouped(x.expr(), out, res, outsideAggregates);
            } else if (r != null && !(r instanceof Resolver.LambdaParamRef) && !(r instanceof Resolver.ExprRef)) {
                out.add(f);
            }
            return;
        }
        if (outsideAggregates && (e instanceof Expr.Window || e instanceof Expr.Call c && isAggregate(c))) {
            return;
        }
        children(e).forEach(x -> walkGrouped(x, out, res, outsideAggregates));
    }

    private static boolean isAggregate(Expr.Call c) {
        Functions.Spec spec = Functions.lookup(c.name());
        return spec != null && spec.aggregate();
    }

    private static void collect(Expr e, List<Expr.Call> found, boolean windows) {
        if (!found.isEmpty() || e == null) {
            return;
        }
        if (e instanceof Expr.Call c && isAggregate(c)) {
            found.add(c);
            return;
        }
        if (e instanceof Expr.Window w) {
            if (windows) {
                found.add(w.call());
            }
            return;
        }
        children(e).forEach(x -> collect(x, found, windows));
    }

    /** Collects columns read outside any aggregation; refuses an aggregation inside another. */
    private static void walk(Expr e, Expr.Call inside, List<Expr.Field> bare) {
        if (e == null) {
            return;
        }
        if (e instanceof Expr.Field f) {
            if (inside == null) {
                bare.add(f);
            }
            return;
        }
        if (e instanceof Expr.Lambda l) {
            walk(l.body(), inside == null ? new Expr.Call("#lambda", List.of(), null, false) : inside, bare);
            return;
        }
        if (e instanceof Expr.Window w) {
            return; // a window value is computed per row over the others: ClickHouse reads it after aggregation
        }
        if (e instanceof Expr.Call c && isAggregate(c)) {
            if (inside != null && !inside.name().startsWith("#")) {
                throw new HogQLResolutionException("Aggregation '" + c.name()
                        + "' cannot be nested inside another aggregation '" + inside.name() + "'.", c);
            }
            children(e).forEach(x -> walk(x, c, bare));
            return;
        }
        children(e).forEach(x -> walk(x, inside, bare));
    }

    /** The sub-expressions of a node, subqueries excluded (they are their own scope). */
    private static List<Expr> children(Expr e) {
        List<Expr> out = new ArrayList<>();
        if (e instanceof Expr.Call c) {
            out.addAll(c.args());
            if (c.params() != null) {
                out.addAll(c.params());
            }
        } else if (e instanceof Expr.Arithmetic a) {
            out.add(a.left());
            out.add(a.right());
        } else if (e instanceof Expr.Negate n) {
            out.add(n.expr());
        } else if (e instanceof Expr.Compare c) {
            out.add(c.left());
            if (!(c.right() instanceof SelectLike)) {
                out.add(c.right());
            }
        } else if (e instanceof Expr.And a) {
            out.addAll(a.exprs());
        } else if (e instanceof Expr.Or o) {
            out.addAll(o.exprs());
        } else if (e instanceof Expr.Not n) {
            out.add(n.expr());
        } else if (e instanceof Expr.Between b) {
            out.addAll(java.util.Arrays.asList(b.expr(), b.low(), b.high()));
        } else if (e instanceof Expr.IsNull n) {
            out.add(n.expr());
        } else if (e instanceof Expr.Case c) {
            out.add(c.subject());
            out.addAll(c.conditions());
            out.addAll(c.results());
            out.add(c.otherwise());
        } else if (e instanceof Expr.Interval i) {
            out.add(i.amount());
        } else if (e instanceof Expr.ArrayLit a) {
            out.addAll(a.items());
        } else if (e instanceof Expr.TupleLit t) {
            out.addAll(t.items());
        } else if (e instanceof Expr.ArrayAccess a) {
            out.add(a.array());
            out.add(a.index());
        } else if (e instanceof Expr.Alias a) {
            out.add(a.expr());
        } else if (e instanceof Expr.Lambda l) {
            out.add(l.body());
        } else if (e instanceof Expr.Window w) {
            out.add(w.call());
            out.addAll(w.partitionBy());
            w.orderBy().forEach(o -> out.add(o.expr()));
        }
        out.removeIf(x -> x == null);
        return out;
    }
}

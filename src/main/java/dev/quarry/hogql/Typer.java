package dev.quarry.hogql;

import static dev.quarry.hogql.HogQLTypes.cat;

import dev.quarry.hogql.Resolver.Column;
import dev.quarry.hogql.Resolver.ColumnRef;
import dev.quarry.hogql.Resolver.ExprRef;
import dev.quarry.hogql.Resolver.LambdaParamRef;
import dev.quarry.hogql.Resolver.PersonFieldRef;
import dev.quarry.hogql.Resolver.PersonIdRef;
import dev.quarry.hogql.Resolver.QueryScope;
import dev.quarry.hogql.Resolver.Ref;
import dev.quarry.hogql.Resolver.Resolution;
import dev.quarry.hogql.Resolver.Source;
import dev.quarry.hogql.Resolver.SubColumnRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The typing pass, run after the {@link Resolver} and before the {@link PostgresPrinter}: it assigns every expression
 * node the printer will print its HogQL (ClickHouse-style) type and stores it in the {@link Resolution} (by node
 * identity), with the column types of every SELECT, subquery source and ARRAY JOIN and the types of every lambda's
 * parameters. The printer reads these types and computes none.
 *
 * <p>The rules: a constant's type ({@link Literals#type}), a field's ({@link Schema#fieldType}, a subquery column's,
 * a lambda parameter's), the operators' ({@link HogQLTypes#arithmetic}, {@link HogQLTypes#unify}, …) and a function
 * call's, from its entry in the function table ({@link Functions.Spec#type}: the argument types → the result type).
 * Nodes are visited in the order the printer prints them, so the first error a query has is the one reported.
 *
 * <p>Errors: {@link HogQLResolutionException} for a value a rule refuses (an interval multiplied, an array of arrays,
 * arguments a function cannot take), a 400 at the API.
 */
final class Typer {
    private final Resolution res;

    private Typer(Resolution res) {
        this.res = res;
        res.typer = this;
    }

    /** Types a whole query: every node the printer prints, every SELECT's columns. */
    static void typeQuery(SelectLike q, Resolution res) {
        new Typer(res).columns(q);
    }

    /**
     * The column types of a SELECT or UNION (a UNION: each column's least supertype over its branches), typing it on
     * first use.
     *
     * @throws HogQLResolutionException when a UNION's branches have different column counts or a column has no common
     *     type (ClickHouse's NO_COMMON_TYPE)
     */
    List<String> columns(SelectLike q) {
        List<String> known = res.columnTypes.get(q);
        if (known != null) {
            return known;
        }
        List<String> types;
        if (q instanceof SelectQuery s) {
            types = select(s);
        } else {
            // ClickHouse types a UNION's column by the least supertype of all its branches' (NULL then String is
            // Nullable(String)), not by the first branch's
            List<List<String>> branches = new ArrayList<>();
            for (SelectLike part : ((SelectUnion) q).selects()) {
                branches.add(columns(part));
            }
            types = new ArrayList<>();
            for (int i = 0; i < branches.get(0).size(); i++) {
                List<String> column = new ArrayList<>();
                for (List<String> branch : branches) {
                    if (branch.size() != branches.get(0).size()) {
                        throw new HogQLResolutionException("Mismatched number of columns in UNION ALL.");
                    }
                    column.add(branch.get(i));
                }
                types.add(HogQLTypes.supertype(column));
            }
        }
        res.columnTypes.put(q, types);
        return types;
    }

    /** Types one SELECT in the printer's order: FROM and joins, WHERE, columns, ORDER BY, LIMIT BY, GROUP BY, HAVING. */
    private List<String> select(SelectQuery s) {
        QueryScope scope = res.scope(s);
        for (int k = 0; k < scope.sources.size(); k++) {
            Source src = scope.sources.get(k);
            if (src.arrayJoinItems != null) {
                List<String> elements = new ArrayList<>();
                for (Expr item : src.arrayJoinItems) {
                    String t = type(item);
                    if (!cat(t).equals("array")) {
                        throw new HogQLResolutionException("ARRAY JOIN expects an array, got " + t, item);
                    }
                    elements.add(HogQLTypes.elementType(t));
                }
                res.sourceTypes.put(src, elements);
                continue;
            }
            if (src.subquery != null) {
                res.sourceTypes.put(src, columns(src.subquery));
            }
            if (k > 0 && src.join.on() != null) {
                type(src.join.on());
            }
        }
        if (s.where() != null) {
            type(s.where());
        }
        List<String> types = new ArrayList<>();
        for (Column c : scope.columns) {
            types.add(c.expr() instanceof Expr.Call call && res.arrayJoins.contains(call) ? arrayJoin(call)
                    : type(c.expr()));
        }
        int columnCount = types.size();
        s.orderBy().forEach(o -> groupOrOrderItem(o.expr(), columnCount));
        if (s.limitBy() != null) {
            s.limitBy().exprs().forEach(this::type);
        }
        s.groupBy().forEach(g -> groupOrOrderItem(g, columnCount));
        if (s.having() != null) {
            type(s.having());
        }
        Aggregations.groupedColumns(s, scope, res);
        return types;
    }

    /** {@code GROUP BY 2}: a position, not a value (see the printer). */
    private void groupOrOrderItem(Expr item, int columnCount) {
        if (!(item instanceof Expr.Constant c && c.value() instanceof Long position && position >= 1
                && position <= columnCount)) {
            type(item);
        }
    }

    /** {@code arrayJoin(arr)} as a SELECT column: one row per element, typed as the element. */
    private String arrayJoin(Expr.Call c) {
        String a = type(c.args().get(0));
        if (!cat(a).equals("array")) {
            throw new HogQLResolutionException("arrayJoin expects an array", c);
        }
        String t = HogQLTypes.elementType(a);
        res.types.put(c, t);
        return t;
    }

    /**
     * The type of a lambda's body when its parameters stand for values of {@code paramTypes} (the elements of the
     * arrays a higher-order function unnests); the parameter types are kept for the printer.
     */
    String lambdaBody(Expr.Lambda l, List<String> paramTypes) {
        res.lambdaParamTypes.put(l, List.copyOf(paramTypes));
        return type(l.body());
    }

    /** The type of a node, assigned once: typed now (with what it contains) unless already typed. */
    String type(Expr e) {
        String t = res.types.get(e);
        if (t == null && !res.types.containsKey(e)) {
            t = compute(e);
            res.types.put(e, t);
        }
        return t;
    }

    private String compute(Expr e) {
        if (e instanceof Expr.Constant c) {
            return Literals.type(c.value());
        }
        if (e instanceof Expr.Field f) {
            String definition = res.propertyType(res.ref(f)); // a property read by its definition (PropertyTypes)
            return definition != null ? PropertyTypes.type(definition) : field(res.ref(f));
        }
        if (e instanceof Expr.Call c) {
            return call(c);
        }
        if (e instanceof Expr.Window w) {
            return window(w);
        }
        if (e instanceof Expr.Arithmetic a) {
            String l = type(a.left());
            return IntegerArithmetic.type(a.op(), l, a.left(), type(a.right()), a.right());
        }
        if (e instanceof Expr.Negate n) {
            String t = type(n.expr());
            return cat(t).equals("int") ? IntegerArithmetic.type("-", "UInt8", new Expr.Constant(0L), t, n.expr())
                    : HogQLTypes.numType(t);
        }
        if (e instanceof Expr.Compare c) {
            return compare(c);
        }
        if (e instanceof Expr.And a) {
            a.exprs().forEach(this::type);
            return HogQLTypes.BOOL;
        }
        if (e instanceof Expr.Or o) {
            o.exprs().forEach(this::type);
            return HogQLTypes.BOOL;
        }
        if (e instanceof Expr.Not n) {
            type(n.expr());
            return HogQLTypes.BOOL;
        }
        if (e instanceof Expr.Between b) {
            type(b.expr());
            type(b.low());
            type(b.high());
            return HogQLTypes.BOOL;
        }
        if (e instanceof Expr.IsNull n) {
            type(n.expr());
            return HogQLTypes.BOOL;
        }
        if (e instanceof Expr.Case c) {
            List<String> results = new ArrayList<>();
            c.results().forEach(r -> results.add(type(r)));
            if (c.otherwise() != null) {
                results.add(type(c.otherwise()));
            }
            if (c.subject() != null) {
                type(c.subject());
            }
            c.conditions().forEach(this::type);
            return HogQLTypes.caseResult(results, c.otherwise() != null);
        }
        if (e instanceof Expr.Interval i) {
            type(i.amount());
            return "Interval";
        }
        if (e instanceof Expr.ArrayLit a) {
            return HogQLTypes.arrayOf(a.items().stream().map(this::type).toList());
        }
        if (e instanceof Expr.TupleLit t) {
            return HogQLTypes.tupleOf(t.items().stream().map(this::type).toList());
        }
        if (e instanceof Expr.Lambda l) {
            throw new HogQLResolutionException("A lambda (x -> …) is only allowed as the first argument of a "
                    + "higher-order array function", l);
        }
        if (e instanceof Expr.ArrayAccess a) {
            String arr = type(a.array());
            if (cat(arr).equals("json")) {
                String definition = res.propertyType(a); // properties['x'] read by its definition, as properties.x
                return definition != null ? PropertyTypes.type(definition) : HogQLTypes.JSON_PATH;
            }
            if (!HogQLTypes.base(arr).startsWith("Array(")) {
                throw new HogQLResolutionException("Only arrays can be indexed", a);
            }
            type(a.index());
            return HogQLTypes.access(arr);
        }
        if (e instanceof SelectLike sub) {
            return HogQLTypes.subqueryValue(columns(sub).get(0));
        }
        throw new HogQLResolutionException("Unsupported expression " + HogQLPrinter.print(e), e);
    }

    private String compare(Expr.Compare c) {
        String op = c.op();
        if ((op.equals("in") || op.equals("not in")) && !(c.right() instanceof SelectLike)) {
            List<Expr> items = c.right() instanceof Expr.TupleLit t ? t.items()
                    : c.right() instanceof Expr.ArrayLit a ? a.items() : List.of(c.right());
            if (!items.isEmpty()) {
                String left = type(c.left());
                for (Expr item : items) {
                    String it = type(item);
                    if (cat(left).equals("array") != cat(it).equals("array") && !cat(it).equals("null")
                            && !cat(left).equals("null")) {
                        throw new HogQLResolutionException("IN compares values of one kind: " + left + " and " + it, c);
                    }
                }
            }
            return HogQLTypes.BOOL;
        }
        type(c.left());
        if (c.right() instanceof SelectLike sub) {
            columns(sub);
        } else {
            type(c.right());
        }
        return HogQLTypes.BOOL;
    }

    private String field(Ref r) {
        if (r instanceof ColumnRef c) {
            return Schema.fieldType(c.field(), c.path());
        }
        if (r instanceof PersonIdRef) {
            return "UUID";
        }
        if (r instanceof PersonFieldRef p) {
            return Schema.fieldType(p.field(), p.path());
        }
        if (r instanceof Resolver.GroupFieldRef g) {
            // an event without that group: NULL
            return HogQLTypes.nullable(Schema.fieldType(g.field(), g.path()));
        }
        if (r instanceof Resolver.SessionFieldRef sf) {
            return HogQLTypes.nullable(sf.field().type()); // an event without a session: NULL
        }
        if (r instanceof SubColumnRef s) {
            String t = res.sourceTypes.get(s.source()).get(s.index());
            if (s.path().isEmpty()) {
                return t;
            }
            if (!cat(t).equals("json")) {
                throw new HogQLResolutionException("Cannot access \"" + String.join(".", s.path())
                        + "\" on a column of type " + t);
            }
            return HogQLTypes.JSON_PATH;
        }
        if (r instanceof LambdaParamRef l) {
            String t = res.lambdaParamTypes.get(l.lambda()).get(l.index());
            if (l.path().isEmpty()) {
                return t;
            }
            if (!cat(t).equals("json")) {
                throw new HogQLResolutionException("Cannot access \"" + String.join(".", l.path())
                        + "\" on a value of type " + t);
            }
            return HogQLTypes.JSON_PATH;
        }
        return type(((ExprRef) r).expr());
    }

    /** A function call: its entry's type rule over its arguments' types. */
    private String call(Expr.Call c) {
        Functions.Spec spec = Functions.check(c);
        return entryType(spec, c);
    }

    private String entryType(Functions.Spec spec, Expr.Call c) {
        List<String> argTypes = new ArrayList<>();
        c.args().forEach(a -> argTypes.add(a instanceof Expr.Lambda ? null : type(a)));
        return spec.type().type(new Functions.ArgTypes() {
            @Override
            public String get(int i) {
                return argTypes.get(i);
            }

            @Override
            public int size() {
                return argTypes.size();
            }

            @Override
            public String of(Expr e) {
                return type(e);
            }

            @Override
            public String lambda(Expr.Lambda l, List<String> paramTypes) {
                return lambdaBody(l, paramTypes);
            }
        }, c);
    }

    /**
     * A window function, or an aggregate over a window: the function's type ({@code sum} and {@code avg} over a
     * window as ClickHouse types them); only window functions and the aggregates that may run over a window.
     */
    private String window(Expr.Window w) {
        Expr.Call c = w.call();
        Functions.Spec spec = Functions.check(c);
        String name = spec.name().toLowerCase(Locale.ROOT);
        String t;
        if ((name.equals("sum") || name.equals("avg")) && c.args().size() == 1 && !c.distinct()) {
            String x = type(c.args().get(0));
            t = name.equals("avg") ? "Nullable(Float64)" : AggregateFunctions.sumType(x);
        } else {
            // argMax and argMin are an ordered array_agg, which PostgreSQL does not run over a window
            if (!spec.window() && (!spec.aggregate() || name.startsWith("#") || name.equals("quantile")
                    || name.equals("median") || name.equals("argmax") || name.equals("argmin"))) {
                throw new HogQLResolutionException("\"" + c.name() + "\" cannot be used with OVER", w);
            }
            t = entryType(spec, c);
        }
        if (w.name() == null) {
            w.partitionBy().forEach(this::type);
            w.orderBy().forEach(o -> type(o.expr()));
        }
        return t;
    }
}

package dev.quarry.hogql;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code a OR b OR …} as PostgreSQL: each term as a boolean, except that the terms comparing one String expression
 * with string constants ({@code properties.x = 'a' OR properties.x = 'b' OR …}, what PostHog's property filters with
 * many values and hand-written filters give) are read as one {@code x IN ('a', 'b', …)} in the place of the first of
 * them. The answer is the same — NULL where x is NULL and no other term is true, as the ORs give — but PostgreSQL then
 * reads x once per row instead of once per term (a JSON property: one extraction of the properties document, not one
 * per value; 2,000 such terms took 24 s). ORs nested in it are read as its own terms.
 */
final class Disjunctions {
    private Disjunctions() {
    }

    static String print(PostgresPrinter p, Expr.Or o) {
        List<Expr> flat = flattened(o);
        if (flat.isEmpty()) {
            return "FALSE";
        }
        Map<Expr, List<Expr>> values = new LinkedHashMap<>();
        List<Expr> terms = new ArrayList<>(); // each kept term, or the left side standing for its group
        for (Expr x : flat) {
            if (x instanceof Expr.Compare c && c.op().equals("=") && c.right() instanceof Expr.Constant k
                    && k.value() instanceof String && HogQLTypes.cat(p.type(c.left())).equals("string")) {
                if (!values.containsKey(c.left())) {
                    values.put(c.left(), new ArrayList<>());
                    terms.add(c.left());
                }
                values.get(c.left()).add(c.right());
            } else {
                terms.add(x);
            }
        }
        return "(" + terms.stream().map(t -> {
            List<Expr> vs = values.get(t);
            if (vs == null) {
                return p.bool(p.expr(t));
            }
            Expr.Compare c = vs.size() == 1 ? new Expr.Compare("=", t, vs.get(0))
                    : new Expr.Compare("in", t, new Expr.TupleLit(vs));
            return p.expr(c).sql();
        }).collect(Collectors.joining(" OR ")) + ")";
    }

    /**
     * The terms of ORs nested in this one, in order ({@code (a OR b) OR (c OR d)}, what nested property groups give,
     * is {@code a, b, c, d}: OR is associative in three-valued logic too), so equalities of one expression merge
     * across the groups. Walked without recursion: the nesting is as deep as the input makes it.
     */
    private static List<Expr> flattened(Expr.Or o) {
        List<Expr> terms = new ArrayList<>();
        java.util.Deque<Expr> pending = new java.util.ArrayDeque<>();
        for (int i = o.exprs().size() - 1; i >= 0; i--) {
            pending.push(o.exprs().get(i));
        }
        while (!pending.isEmpty()) {
            Expr x = pending.pop();
            if (x instanceof Expr.Or inner) {
                for (int i = inner.exprs().size() - 1; i >= 0; i--) {
                    pending.push(inner.exprs().get(i));
                }
            } else {
                terms.add(x);
            }
        }
        return terms;
    }
}

package dev.quarry.hogql;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code arrayJoin(arr)} read as ClickHouse runs it, as the ARRAY JOIN clause {@code … ARRAY JOIN arr AS tag}: each row
 * repeated once per element (a row whose array is empty left out) before WHERE, GROUP BY and ORDER BY see it. PostgreSQL
 * cannot group by, aggregate beside, or filter on a set-returning function of the select list, so a SELECT that is
 * grouped ({@code SELECT arrayJoin(tags) AS tag, count() … GROUP BY tag}), or whose WHERE, ORDER BY or LIMIT BY reads
 * the element, is rewritten to the clause form, printed as a lateral {@code unnest}; any other SELECT keeps its
 * {@code arrayJoin} column as it was (the same rows). A column that read the array keeps its name (its expression's
 * text as written).
 * <p>
 * Only when the rewrite says the same thing: one array (every {@code arrayJoin} call of this SELECT on equal
 * arguments — ClickHouse evaluates equal calls once), no ARRAY JOIN clause already, a FROM clause, and no
 * {@code arrayJoin} inside a subquery of its clauses. Otherwise the SELECT is left as it is (and refused by the
 * resolver as before: two different arrays multiply rows in ClickHouse, where one ARRAY JOIN clause zips them).
 */
final class SelectArrayJoin {
    /** The refusal of an {@code arrayJoin} call this rewrite leaves where PostgreSQL cannot run it. */
    static final String MISPLACED = "arrayJoin is supported with one array per SELECT that has a FROM clause and no "
            + "ARRAY JOIN (else only as a plain column of an ungrouped SELECT); write ARRAY JOIN arr AS x after FROM "
            + "instead";

    /** The ARRAY JOIN alias when no select item names the array's element. */
    static final String ELEMENT = "__array_join_element";

    private SelectArrayJoin() {
    }

    static SelectQuery rewrite(SelectQuery s) {
        if (s.from().isEmpty() || s.from().stream().anyMatch(JoinExpr::isArrayJoin)) {
            return s;
        }
        List<Expr> clauses = new ArrayList<>(s.select());
        clauses.add(s.where());
        clauses.addAll(s.groupBy());
        clauses.add(s.having());
        s.orderBy().forEach(o -> clauses.add(o.expr()));
        List<Expr.Call> calls = new ArrayList<>();
        boolean[] nested = {false};
        for (Expr clause : clauses) {
            collect(clause, calls, nested);
        }
        if (calls.isEmpty() || nested[0] || calls.stream().anyMatch(c -> !c.args().equals(calls.get(0).args()))) {
            return s;
        }
        Expr array = calls.get(0).args().get(0);
        String element = null;
        for (Expr item : s.select()) {
            if (item instanceof Expr.Alias a && isArrayJoin(a.expr())) {
                element = a.alias();
                break;
            }
        }
        String name = element == null ? ELEMENT : element;
        boolean grouped = !s.groupBy().isEmpty() || s.having() != null
                || s.select().stream().anyMatch(Aggregations::hasAggregate);
        if (!grouped && !readsElement(s, name)) {
            return s; // PostgreSQL runs the set-returning column as it is
        }
        Expr.Field field = Expr.Field.of(name);
        List<Expr> select = new ArrayList<>();
        for (Expr item : s.select()) {
            if (item instanceof Expr.Alias a && a.alias().equals(name) && isArrayJoin(a.expr())) {
                select.add(field);
            } else if (isArrayJoin(item)) {
                // the column keeps the name an arrayJoin column has: its expression's text
                select.add(new Expr.Alias(field, HogQLPrinter.print(item)));
            } else {
                Expr replaced = replace(item, field);
                // an unnamed column that read the array keeps its name: its expression's text as written
                select.add(replaced.equals(item) || item instanceof Expr.Alias || item instanceof Expr.Field ? replaced
                        : new Expr.Alias(replaced, HogQLPrinter.print(item)));
            }
        }
        List<Expr> groupBy = new ArrayList<>();
        s.groupBy().forEach(g -> groupBy.add(replace(g, field)));
        List<SelectQuery.OrderExpr> orderBy = new ArrayList<>();
        s.orderBy().forEach(o -> orderBy.add(new SelectQuery.OrderExpr(replace(o.expr(), field), o.desc(), o.nullsFirst())));
        List<JoinExpr> from = new ArrayList<>(s.from());
        from.add(new JoinExpr(JoinExpr.ARRAY_JOIN, new Expr.TupleLit(List.of(new Expr.Alias(array, name))), null, null,
                List.of()));
        return new SelectQuery(s.ctes(), s.distinct(), select, from, replace(s.where(), field), groupBy,
                replace(s.having(), field), orderBy, s.limit(), s.offset(), s.limitBy(), s.limitWithTies());
    }

    /**
     * The {@code arrayJoin} calls of a clause, outside subqueries; {@code nested[0]} set when a subquery holds one
     * (its own array, which this SELECT's ARRAY JOIN must not take).
     */
    private static void collect(Expr clause, List<Expr.Call> calls, boolean[] nested) {
        if (clause == null) {
            return;
        }
        List<Expr.Call> all = new ArrayList<>();
        List<SelectLike> subqueries = new ArrayList<>();
        Placeholders.Transformer.transform(clause, e -> {
            if (e instanceof SelectLike q) {
                subqueries.add(q);
            } else if (isArrayJoin(e)) {
                all.add((Expr.Call) e);
            }
            return e;
        });
        if (subqueries.isEmpty()) {
            calls.addAll(all);
            return;
        }
        for (SelectLike q : subqueries) {
            boolean[] found = {false};
            Placeholders.Transformer.transform(q, e -> {
                found[0] |= isArrayJoin(e);
                return e;
            });
            nested[0] |= found[0];
        }
        calls.addAll(all);
    }

    /** Whether WHERE, ORDER BY or LIMIT BY read the array's element (its alias or the call itself). */
    private static boolean readsElement(SelectQuery s, String name) {
        List<Expr> clauses = new ArrayList<>();
        clauses.add(s.where());
        s.orderBy().forEach(o -> clauses.add(o.expr()));
        if (s.limitBy() != null) {
            clauses.addAll(s.limitBy().exprs());
        }
        boolean[] reads = {false};
        for (Expr clause : clauses) {
            if (clause != null) {
                Placeholders.Transformer.transform(clause, e -> {
                    reads[0] |= isArrayJoin(e) || e instanceof Expr.Field f && f.chain().equals(List.of(name));
                    return e;
                });
            }
        }
        return reads[0];
    }

    private static boolean isArrayJoin(Expr e) {
        return e instanceof Expr.Call c && c.name().equalsIgnoreCase("arrayJoin") && c.args().size() == 1
                && c.params() == null && !c.distinct();
    }

    private static Expr replace(Expr e, Expr.Field field) {
        return e == null ? null : Placeholders.Transformer.transform(e, x -> isArrayJoin(x) ? field : x);
    }
}

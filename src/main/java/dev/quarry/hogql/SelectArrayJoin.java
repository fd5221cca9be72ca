package dev.quarry.hogql;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code arrayJoin(arr)} in a grouped SELECT ({@code SELECT arrayJoin(tags) AS tag, count() … GROUP BY tag}), read
 * as ClickHouse runs it: as the ARRAY JOIN clause {@code … ARRAY JOIN arr AS tag}, each row repeated once per element
 * (a row whose array is empty left out) before the grouping. PostgreSQL cannot group by, or aggregate beside, a
 * set-returning function of the select list, so the grouped form is rewritten to the clause form Quarry prints as a
 * lateral {@code unnest}; an ungrouped SELECT keeps its {@code arrayJoin} column as it was.
 * <p>
 * Only when the rewrite says the same thing: one array (every {@code arrayJoin} call of this SELECT, outside its
 * subqueries, on equal arguments — ClickHouse evaluates equal calls once), no ARRAY JOIN clause already, a FROM
 * clause, and no subquery among the clauses that hold the calls. Otherwise the SELECT is left as it is (and refused
 * by the resolver as before: two different arrays multiply rows in ClickHouse, where one ARRAY JOIN clause zips them).
 */
final class SelectArrayJoin {
    /** The refusal of an {@code arrayJoin} call this rewrite leaves where PostgreSQL cannot run it. */
    static final String MISPLACED = "arrayJoin is only supported as a column of the SELECT list, with one array per "
            + "SELECT when the SELECT is grouped (or write ARRAY JOIN arr AS x after FROM)";

    /** The ARRAY JOIN alias when no select item names the array's element. */
    static final String ELEMENT = "__array_join_element";

    private SelectArrayJoin() {
    }

    static SelectQuery rewrite(SelectQuery s) {
        if (s.from().isEmpty() || s.from().stream().anyMatch(JoinExpr::isArrayJoin)) {
            return s;
        }
        boolean grouped = !s.groupBy().isEmpty() || s.having() != null
                || s.select().stream().anyMatch(Aggregations::hasAggregate);
        if (!grouped) {
            return s;
        }
        List<Expr> clauses = new ArrayList<>(s.select());
        clauses.add(s.where());
        clauses.addAll(s.groupBy());
        clauses.add(s.having());
        s.orderBy().forEach(o -> clauses.add(o.expr()));
        List<Expr.Call> calls = new ArrayList<>();
        boolean[] subquery = {false};
        for (Expr clause : clauses) {
            Placeholders.Transformer.transform(clause, e -> {
                if (e instanceof SelectLike) {
                    subquery[0] = true;
                } else if (isArrayJoin(e)) {
                    calls.add((Expr.Call) e);
                }
                return e;
            });
        }
        if (calls.isEmpty() || subquery[0] || calls.stream().anyMatch(c -> !c.args().equals(calls.get(0).args()))) {
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
        Expr.Field field = Expr.Field.of(name);
        List<Expr> select = new ArrayList<>();
        for (Expr item : s.select()) {
            if (item instanceof Expr.Alias a && a.alias().equals(name) && isArrayJoin(a.expr())) {
                select.add(field);
            } else if (isArrayJoin(item)) {
                // the column keeps the name an arrayJoin column has: its expression's text
                select.add(new Expr.Alias(field, HogQLPrinter.print(item)));
            } else {
                select.add(replace(item, field));
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

    private static boolean isArrayJoin(Expr e) {
        return e instanceof Expr.Call c && c.name().equalsIgnoreCase("arrayJoin") && c.args().size() == 1
                && c.params() == null && !c.distinct();
    }

    private static Expr replace(Expr e, Expr.Field field) {
        return e == null ? null : Placeholders.Transformer.transform(e, x -> isArrayJoin(x) ? field : x);
    }
}

package dev.quarry.hogql;

import java.util.List;

/**
 * One SELECT. Lists are never null (empty when absent); scalar clauses are null when absent. {@code limitWithTies}:
 * {@code LIMIT n WITH TIES} (rows tied with the last one by ORDER BY come too).
 */
public record SelectQuery(
        List<CTE> ctes,
        boolean distinct,
        List<Expr> select,
        List<JoinExpr> from,
        Expr where,
        List<Expr> groupBy,
        Expr having,
        List<OrderExpr> orderBy,
        Expr limit,
        Expr offset,
        LimitBy limitBy,
        boolean limitWithTies) implements SelectLike {

    /** A SELECT without {@code WITH TIES}. */
    public SelectQuery(List<CTE> ctes, boolean distinct, List<Expr> select, List<JoinExpr> from, Expr where,
            List<Expr> groupBy, Expr having, List<OrderExpr> orderBy, Expr limit, Expr offset, LimitBy limitBy) {
        this(ctes, distinct, select, from, where, groupBy, having, orderBy, limit, offset, limitBy, false);
    }

    public SelectQuery {
        ctes = ctes == null ? List.of() : List.copyOf(ctes);
        select = List.copyOf(select);
        from = from == null ? List.of() : List.copyOf(from);
        groupBy = groupBy == null ? List.of() : List.copyOf(groupBy);
        orderBy = orderBy == null ? List.of() : List.copyOf(orderBy);
    }

    /** A simple {@code SELECT cols FROM table WHERE …} for builders. */
    public static SelectQuery of(List<Expr> select, String table, Expr where) {
        return new SelectQuery(List.of(), false, select, List.of(JoinExpr.table(table, null)), where, List.of(), null,
                List.of(), null, null, null);
    }

    public SelectQuery withWhere(Expr w) {
        return new SelectQuery(ctes, distinct, select, from, w, groupBy, having, orderBy, limit, offset, limitBy,
                limitWithTies);
    }

    public SelectQuery withLimit(Expr l, Expr o) {
        return new SelectQuery(ctes, distinct, select, from, where, groupBy, having, orderBy, l, o, limitBy,
                limitWithTies);
    }

    /** One ORDER BY item. nullsFirst null when not written. */
    public record OrderExpr(Expr expr, boolean desc, Boolean nullsFirst) {
        /** " ASC" / " DESC" and the NULLS clause, as both printers write them after the expression. */
        public String direction() {
            return (desc ? " DESC" : " ASC") + (nullsFirst == null ? "" : nullsFirst ? " NULLS FIRST" : " NULLS LAST");
        }
    }

    /** ClickHouse {@code LIMIT n [OFFSET m] BY exprs}. */
    public record LimitBy(Expr n, Expr offset, List<Expr> exprs) {
        public LimitBy {
            exprs = List.copyOf(exprs);
        }
    }
}

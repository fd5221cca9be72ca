package dev.quarry.insights.funnels;

import dev.quarry.hogql.CTE;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.JoinExpr;
import dev.quarry.hogql.Parser;
import dev.quarry.hogql.Placeholders;
import dev.quarry.hogql.PropertyFilters;
import dev.quarry.hogql.SelectLike;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.hogql.SelectUnion;
import dev.quarry.query.HogQLStatement;
import dev.quarry.query.QueryContext;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.web.ValidationException;
import dev.quarry.query.QueryPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How the funnel runners build HogQL: SELECT statements as AST nodes ({@link Select}; a subquery is a node, never
 * text), their expressions from constant templates written in this package whose {@code {placeholders}} take
 * constants or expression nodes ({@link #expr}). User values only ever reach a tree as constants (bound parameters
 * when printed) or as expressions built from the query's records. The finished statement goes to
 * {@link #run}: runners never compile or execute.
 */
final class FunnelSql {
    private FunnelSql() {
    }

    /**
     * A constant HogQL expression template with its placeholders filled: {@code namesAndValues} alternates names and
     * values (an {@link Expr}, or a constant: string, number, boolean, date-time, list).
     */
    static Expr expr(String template, Object... namesAndValues) {
        Map<String, Object> values = new HashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            values.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return Placeholders.replace(Parser.parseExpr(template), values, null);
    }

    /**
     * Hands a finished statement to the query service to compile and run among the run's statements
     * ({@link QueryContext#execute}). The tree is copied first: a builder may put one expression node in several
     * places, and the compiler keys nodes by identity.
     */
    static QueryPlan<HogQLStatement.Result> run(QueryContext context, String kind, SelectLike query) {
        SelectLike fresh = (SelectLike) Placeholders.Transformer.copy(query);
        return QueryPlan.run(new HogQLStatement(kind, fresh, Map.of()));
    }

    /** A property filter record (a filter, a group, a list) as HogQL on events; 400 naming {@code attr} when unusable. */
    static Expr properties(PropertyFilter filter, String attr) {
        try {
            return PropertyFilters.toExpr(filter);
        } catch (HogQLException e) {
            throw new ValidationException(e.getMessage(), attr);
        }
    }

    static Expr.Field field(String... chain) {
        return Expr.Field.of(chain);
    }

    static Expr.Alias as(Expr e, String alias) {
        return new Expr.Alias(e, alias);
    }

    /** {@code r[1] >= k}: the actor reached step k (r is the scan's [furthest step, t1 … tn]). */
    static Expr reached(int k) {
        return expr("r[1] >= {k}", "k", k);
    }

    /** One SELECT, or the UNION ALL of several (a single one stays a SELECT). */
    static SelectLike unionAll(List<SelectQuery> selects) {
        return selects.size() == 1 ? selects.get(0) : new SelectUnion(new ArrayList<>(selects));
    }

    static Select select(Expr... columns) {
        return new Select(false, List.of(columns));
    }

    static Select select(List<Expr> columns) {
        return new Select(false, columns);
    }

    static Select selectDistinct(Expr... columns) {
        return new Select(true, List.of(columns));
    }

    /** A SELECT under construction; {@link #build} gives the node. */
    static final class Select {
        private final boolean distinct;
        private final List<Expr> columns;
        private final List<CTE> ctes = new ArrayList<>();
        private final List<JoinExpr> from = new ArrayList<>();
        private final List<Expr> groupBy = new ArrayList<>();
        private final List<SelectQuery.OrderExpr> orderBy = new ArrayList<>();
        private Expr where;
        private Expr having;
        private Expr limit;
        private Expr offset;

        private Select(boolean distinct, List<Expr> columns) {
            this.distinct = distinct;
            this.columns = List.copyOf(columns);
        }

        /** {@code WITH name AS (query)}. */
        Select with(String name, SelectLike query) {
            ctes.add(new CTE(name, query, true));
            return this;
        }

        /** {@code FROM table} (a table or CTE name). */
        Select from(String table) {
            from.add(JoinExpr.table(table, null));
            return this;
        }

        /** {@code FROM (query) AS alias}. */
        Select from(SelectLike query, String alias) {
            from.add(new JoinExpr(null, query, alias, null, List.of()));
            return this;
        }

        /** {@code INNER JOIN table [AS alias] ON on} (a table or CTE name). */
        Select innerJoin(String table, String alias, Expr on) {
            from.add(new JoinExpr("INNER JOIN", Expr.Field.of(table), alias, on, List.of()));
            return this;
        }

        /** {@code INNER JOIN (query) AS alias ON on}. */
        Select innerJoin(SelectLike query, String alias, Expr on) {
            from.add(new JoinExpr("INNER JOIN", query, alias, on, List.of()));
            return this;
        }

        /** {@code LEFT JOIN (query) AS alias ON on}. */
        Select leftJoin(SelectLike query, String alias, Expr on) {
            from.add(new JoinExpr("LEFT JOIN", query, alias, on, List.of()));
            return this;
        }

        Select where(Expr condition) {
            where = condition;
            return this;
        }

        Select groupBy(Expr... exprs) {
            groupBy.addAll(List.of(exprs));
            return this;
        }

        Select having(Expr condition) {
            having = condition;
            return this;
        }

        Select orderBy(Expr e, boolean desc) {
            orderBy.add(new SelectQuery.OrderExpr(e, desc, null));
            return this;
        }

        Select limit(long n) {
            limit = new Expr.Constant(n);
            return this;
        }

        Select offset(long n) {
            offset = new Expr.Constant(n);
            return this;
        }

        SelectQuery build() {
            return new SelectQuery(ctes, distinct, columns, from, where, groupBy, having, orderBy, limit, offset, null);
        }
    }
}

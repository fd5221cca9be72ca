package dev.quarry.hogql;

import java.util.List;

/**
 * HogQL abstract syntax tree. Records, so that trees compare by value in tests; positions are kept beside the
 * tree by the {@link Parser}.
 */
public sealed interface Expr permits Expr.Constant, Expr.Field, Expr.Star, Expr.Call, Expr.Arithmetic, Expr.Negate,
        Expr.Compare, Expr.And, Expr.Or, Expr.Not, Expr.Between, Expr.IsNull, Expr.Case, Expr.Interval,
        Expr.ArrayLit, Expr.TupleLit, Expr.ArrayAccess, Expr.Placeholder, Expr.Alias, Expr.Window, Expr.Lambda,
        SelectLike {

    /**
     * {@code fn(...) OVER ([name] PARTITION BY ... ORDER BY ... [frame])} or {@code fn(...) OVER name}: a window
     * function or an aggregate over a window. {@code frame} is null when not written; {@code name} names a window of
     * the SELECT's WINDOW clause (alone, or as the base the parentheses refine), else null.
     */
    record Window(Call call, List<Expr> partitionBy, List<SelectQuery.OrderExpr> orderBy, Frame frame, String name)
            implements Expr {
        public Window {
            partitionBy = List.copyOf(partitionBy);
            orderBy = List.copyOf(orderBy);
        }

        public Window(Call call, List<Expr> partitionBy, List<SelectQuery.OrderExpr> orderBy) {
            this(call, partitionBy, orderBy, null, null);
        }
    }

    /** A window frame: {@code method} ROWS or RANGE, from {@code start} to {@code end} (null: CURRENT ROW). */
    record Frame(String method, FrameBound start, FrameBound end) {}

    /**
     * One frame bound: {@code kind} PRECEDING, FOLLOWING or CURRENT ROW; {@code offset} rows (or range units), null
     * for UNBOUNDED (and CURRENT ROW).
     */
    record FrameBound(String kind, Long offset) {}

    /** null, Boolean, Long, Double, String (and, from placeholders, UUID / java.time values). */
    record Constant(Object value) implements Expr {}

    /** A name chain: {@code event}, {@code e.event}, {@code properties.$browser}, {@code person.properties.email}. */
    record Field(List<String> chain) implements Expr {
        public Field {
            chain = List.copyOf(chain);
        }

        public static Field of(String... chain) {
            return new Field(List.of(chain));
        }
    }

    /** {@code *} (table null) or {@code t.*}. */
    record Star(String table) implements Expr {}

    /** Function call; {@code params} non-null for parametric aggregates such as {@code quantile(0.9)(x)}. */
    record Call(String name, List<Expr> args, List<Expr> params, boolean distinct) implements Expr {
        public Call {
            args = List.copyOf(args);
            params = params == null ? null : List.copyOf(params);
        }

        public static Call of(String name, Expr... args) {
            return new Call(name, List.of(args), null, false);
        }
    }

    /** {@code + - * / %}. */
    record Arithmetic(String op, Expr left, Expr right) implements Expr {}

    record Negate(Expr expr) implements Expr {}

    /** op: {@code = != < <= > >= like ilike not like not ilike in not in}. */
    record Compare(String op, Expr left, Expr right) implements Expr {}

    record And(List<Expr> exprs) implements Expr {
        public And {
            exprs = List.copyOf(exprs);
        }
    }

    record Or(List<Expr> exprs) implements Expr {
        public Or {
            exprs = List.copyOf(exprs);
        }
    }

    record Not(Expr expr) implements Expr {}

    record Between(Expr expr, Expr low, Expr high, boolean negated) implements Expr {}

    record IsNull(Expr expr, boolean negated) implements Expr {}

    /** {@code CASE [subject] WHEN c THEN r … [ELSE otherwise] END}. */
    record Case(Expr subject, List<Expr> conditions, List<Expr> results, Expr otherwise) implements Expr {
        public Case {
            conditions = List.copyOf(conditions);
            results = List.copyOf(results);
        }
    }

    /** unit: second, minute, hour, day, week, month, quarter, year. */
    record Interval(Expr amount, String unit) implements Expr {}

    record ArrayLit(List<Expr> items) implements Expr {
        public ArrayLit {
            items = List.copyOf(items);
        }
    }

    record TupleLit(List<Expr> items) implements Expr {
        public TupleLit {
            items = List.copyOf(items);
        }
    }

    /** {@code arr[i]}, 1-based. */
    record ArrayAccess(Expr array, Expr index) implements Expr {}

    /** {@code {name}}; replaced before resolution by {@link Placeholders}. */
    record Placeholder(String name) implements Expr {}

    record Alias(Expr expr, String alias) implements Expr {}

    /**
     * {@code x -> body} or {@code (x, y) -> body}: only as the function argument of the higher-order array functions
     * ({@code arrayMap}, {@code arrayFilter}, …), as in ClickHouse.
     */
    record Lambda(List<String> params, Expr body) implements Expr {
        public Lambda {
            params = List.copyOf(params);
        }
    }
}

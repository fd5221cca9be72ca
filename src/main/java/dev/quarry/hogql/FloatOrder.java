package dev.quarry.hogql;

import dev.quarry.hogql.PostgresPrinter.Frag;

/**
 * ClickHouse's (IEEE's) order of Float64 values where PostgreSQL's differs. PostgreSQL orders NaN above every number
 * and equal to itself, so {@code 0/0 = 0/0} and {@code 0/0 > 1} are true there; in ClickHouse every comparison with
 * NaN is false except {@code !=}, which is true ({@code nan = nan} 0, {@code nan != nan} 1, {@code nan > 1} 0,
 * {@code 1 < nan} 0). ClickHouse sorts NaN after every number in both directions (NULLS LAST, the default: values,
 * NaN, NULL; NULLS FIRST: NULL, NaN, values) and NULL last by default in both directions too.
 *
 * <p>Only an operand typed Float that is no constant number can be NaN; comparisons of integers, dates and strings,
 * and of a float with a number constant where PostgreSQL already answers as IEEE, print PostgreSQL's operator as
 * before (index-usable). The rest guard the side that can be NaN ({@link #compare}), keeping NULL's answer (NULL)
 * exactly.
 */
final class FloatOrder {
    private FloatOrder() {
    }

    /** Whether a printed operand can hold NaN: typed Float and not a constant number other than NaN. */
    static boolean canBeNaN(Frag f, Expr e) {
        if (!HogQLTypes.cat(f.type()).equals("float")) {
            return false;
        }
        Expr x = e instanceof Expr.Negate n ? n.expr() : e;
        return !(x instanceof Expr.Constant c && c.value() instanceof Number n && !Double.isNaN(n.doubleValue()));
    }

    /**
     * {@code l op r} ({@code = != < <= > >=}) of coerced operands as IEEE compares them, or null where PostgreSQL's
     * operator already answers so: {@code =} and {@code !=} differ only when both sides can be NaN, {@code < <=} only
     * when the right one can, {@code > >=} only when the left one can. The guarded side is read through
     * {@code NULLIF(x, 'NaN')}, so NaN makes the comparison NULL and the COALESCE's second term — read only for such
     * rows — answers false (true for {@code !=}), or NULL when an operand is NULL; each operand is computed once per
     * row otherwise, and no function call stands in the way of PostgreSQL's plan.
     *
     * @param ls   the left operand's SQL after coercion
     * @param lNaN whether it can be NaN ({@link #canBeNaN})
     */
    static String compare(String op, String ls, boolean lNaN, String rs, boolean rNaN) {
        boolean guardLeft = switch (op) {
            case "=", "!=", "<>" -> lNaN && rNaN;
            case ">", ">=" -> lNaN;
            default -> false;
        };
        boolean guardRight = (op.equals("<") || op.equals("<=")) && rNaN;
        if (!guardLeft && !guardRight) {
            return null;
        }
        String sqlOp = op.equals("!=") ? "<>" : op;
        String l = guardLeft ? "NULLIF(" + ls + ", 'NaN'::float8)" : ls;
        String r = guardRight ? "NULLIF(" + rs + ", 'NaN'::float8)" : rs;
        String anyNull = "(" + ls + ") IS NULL OR (" + rs + ") IS NULL";
        String otherwise = sqlOp.equals("<>") ? "NOT (" + anyNull + ") OR NULL" : "(" + anyNull + ") AND NULL";
        return "COALESCE(" + l + " " + sqlOp + " " + r + ", " + otherwise + ")";
    }

    /** The SQL of {@code s[0] op s[1]} (coerced operands): {@link #compare}'s where NaN needs it, else PostgreSQL's. */
    static String compared(String op, String[] s, boolean lNaN, boolean rNaN) {
        String ieee = compare(op, s[0], lNaN, s[1], rNaN);
        return ieee != null ? ieee : "(" + s[0] + " " + (op.equals("!=") ? "<>" : op) + " " + s[1] + ")";
    }

    /**
     * One ORDER BY item as ClickHouse sorts it: a Float's NaN after the numbers in both directions (before them only
     * under NULLS FIRST, after the NULLs), and NULL last by default also in descending order (PostgreSQL's default
     * there is NULLS FIRST). An item PostgreSQL already sorts so — ascending without NULLS FIRST, a non-Nullable
     * value — prints as written.
     *
     * @param sql    the item's SQL (an expression, or a select column's position)
     * @param type   the item's type
     * @param nanKey whether {@code sql} can stand in an expression (no position) for NaN's own sort key
     */
    static String orderItem(String sql, String type, boolean nanKey, SelectQuery.OrderExpr o) {
        boolean nullsFirst = Boolean.TRUE.equals(o.nullsFirst());
        if (nanKey && HogQLTypes.cat(type).equals("float")) {
            if (o.desc() && !nullsFirst) {
                // the numbers (descending), then NaN, then NULL
                return "(" + sql + " = 'NaN'::float8) ASC NULLS LAST, " + sql + " DESC NULLS LAST";
            }
            if (!o.desc() && nullsFirst) {
                // NULL, then NaN, then the numbers (ascending)
                return "(" + sql + " = 'NaN'::float8) DESC NULLS FIRST, " + sql + " ASC NULLS FIRST";
            }
        }
        if (o.desc() && o.nullsFirst() == null && nullable(type)) {
            return sql + " DESC NULLS LAST";
        }
        return sql + o.direction();
    }

    /** {@code x BETWEEN low AND high} (not negated): {@code x >= low AND x <= high}, each compared as IEEE's. */
    static String between(PostgresPrinter p, Expr.Between b) {
        Frag x = p.expr(b.expr());
        Frag low = p.expr(b.low());
        Frag high = p.expr(b.high());
        String[] lo = p.coerce(x, b.expr(), low, b.low());
        String[] hi = p.coerce(x, b.expr(), high, b.high());
        boolean xNaN = canBeNaN(x, b.expr());
        String ge = compare(">=", lo[0], xNaN, lo[1], canBeNaN(low, b.low()));
        String le = compare("<=", hi[0], xNaN, hi[1], canBeNaN(high, b.high()));
        return "(" + (ge != null ? ge : lo[0] + " >= " + lo[1]) + " AND " + (le != null ? le : hi[0] + " <= " + hi[1]) + ")";
    }

    /**
     * An ORDER BY item of a SELECT ({@code columns}: its printed select columns) sorted as ClickHouse sorts NaN and
     * NULL. A position stands alone in PostgreSQL's ORDER BY; where NaN needs its own key the column's expression is
     * repeated (not under DISTINCT, where ORDER BY may only name select columns).
     */
    static String orderItem(PostgresPrinter p, SelectQuery.OrderExpr o, java.util.List<Frag> columns, boolean distinct) {
        if (o.expr() instanceof Expr.Constant c && c.value() instanceof Long position && position >= 1
                && position <= columns.size()) {
            Frag column = columns.get((int) (position - 1));
            boolean repeat = !distinct && HogQLTypes.cat(column.type()).equals("float");
            return orderItem(repeat ? column.sql() : Long.toString(position), column.type(), repeat, o);
        }
        Frag f = p.expr(o.expr());
        return orderItem(f.sql(), f.type(), true, o);
    }

    private static boolean nullable(String type) {
        return type.startsWith("Nullable(") || HogQLTypes.cat(type).equals("null");
    }
}

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

    /** IEEE's NaN as SQL. */
    static final String NAN = "'NaN'::float8";

    /**
     * {@code greatest(…)} / {@code least(…)} of printed, unified arguments as ClickHouse answers with NaN
     * (src/Functions/greatest.cpp, LeastGreatestGeneric.h). Two numbers, neither Nullable, take ClickHouse's binary
     * path {@code a > b ? a : b} ({@code least}: {@code a < b ? a : b}): NaN on either side makes the comparison
     * false, so the answer is the second argument ({@code greatest(0/0, 1)} 1, {@code greatest(1, 0/0)} nan). More
     * arguments, or a Nullable one, take the generic path, which compares NaN as smaller than every number for
     * greatest and larger for least: NaN is passed over unless every value is NaN ({@code greatest(1, 0/0, 2)} 2).
     * PostgreSQL's LEAST already passes NaN over so (NaN above every number); GREATEST does it as
     * {@code -LEAST(-a, -b, …)}. Arguments that cannot be NaN print PostgreSQL's function as before.
     *
     * @param sqls  the arguments' SQL, unified to the call's type
     * @param args  the arguments printed (their types)
     * @param exprs the arguments
     */
    static String greatest(boolean greatest, java.util.List<String> sqls, java.util.List<Frag> args,
            java.util.List<Expr> exprs) {
        String fn = greatest ? "GREATEST" : "LEAST";
        boolean nan = false;
        boolean nullable = false;
        for (int i = 0; i < args.size(); i++) {
            nan |= canBeNaN(args.get(i), exprs.get(i));
            String t = args.get(i).type();
            String cat = HogQLTypes.cat(t);
            nullable |= t.startsWith("Nullable(") || !(cat.equals("int") || cat.equals("float"));
        }
        if (!nan) {
            return fn + "(" + String.join(", ", sqls) + ")";
        }
        if (sqls.size() == 2 && !nullable) {
            String a = sqls.get(0);
            String b = sqls.get(1);
            return "(CASE WHEN (" + a + ") = " + NAN + " OR (" + b + ") = " + NAN + " THEN " + b + " ELSE " + fn + "("
                    + a + ", " + b + ") END)";
        }
        if (!greatest) {
            return "LEAST(" + String.join(", ", sqls) + ")";
        }
        return "(-LEAST(" + String.join(", ", sqls.stream().map(x -> "-(" + x + ")").toList()) + "))";
    }

    /**
     * The SQL of ClickHouse's {@code max} of a Float column ({@code fn}: {@code max(…)} with its filter after the
     * closing parenthesis written by the caller): ClickHouse's max keeps the first value and replaces it only by a
     * greater one, so a NaN is passed over unless it comes first (02406_minmax_behaviour: max of 1, 2, 3, nan, 4, 5
     * is 5). PostgreSQL's max takes NaN as the largest; {@code -min(-x)} passes it over unless every value is NaN
     * (min already does: NaN is above every number there). Rows have no order in SQL, so the answer does not depend
     * on which row comes first, where ClickHouse's does (a NaN in its first row read).
     */
    static String maxOfFloat(String x) {
        return "-min(-(" + x + "))";
    }

    /**
     * ORDER BY of {@code argMax}'s value ({@code desc}) or {@code argMin}'s: a Float's NaN after the numbers both
     * ways (ClickHouse's argMax replaces its row only for a greater value, so a NaN never wins over a number; argMin
     * likewise), NULL last.
     */
    static String argOrder(Frag y, boolean desc) {
        if (desc && HogQLTypes.cat(y.type()).equals("float")) {
            return "(" + y.sql() + " = " + NAN + ") ASC NULLS LAST, " + y.sql() + " DESC NULLS LAST";
        }
        return y.sql() + (desc ? " DESC" : " ASC") + " NULLS LAST";
    }

    /**
     * {@code (a1, a2, …) op (b1, b2, …)} of two tuples whose elements can be NaN — literals or tuple columns (a
     * subquery's or CTE's tuple, {@code tuple(…)}, any expression typed {@code Tuple(…)}) — as ClickHouse compares
     * tuples: element by element with the elements' own comparisons (FunctionsComparison's executeTuple), so IEEE's
     * NaN there — {@code (1, nan) = (1, nan)} 0, {@code (nan, 1) < (nan, 2)} 0, {@code (1, nan) < (2, nan)} 1;
     * {@code =} all equal, {@code !=} any unequal, {@code < <= > >=} lexicographic ({@code a1 < b1 OR (a1 = b1 AND
     * …)}, the last pair by the operator itself). A tuple column's elements are read with {@code tupleElement(t, k)}.
     * Quarry holds a tuple as a jsonb array, whose comparison takes NaN as equal to itself. Null for anything else
     * (tuples that cannot hold NaN compare as before).
     */
    static String tupleCompare(PostgresPrinter p, Expr.Compare c) {
        java.util.List<Expr> l = tupleItems(p, c.left());
        java.util.List<Expr> r = tupleItems(p, c.right());
        if (l == null || r == null || l.size() != r.size() || l.isEmpty()) {
            return null;
        }
        String op = c.op().equals("<>") ? "!=" : c.op();
        if (!java.util.Set.of("=", "!=", "<", "<=", ">", ">=").contains(op)) {
            return null;
        }
        int n = l.size();
        boolean nan = false;
        for (int k = 0; k < n; k++) {
            nan |= canBeNaN(p.expr(l.get(k)), l.get(k)) || canBeNaN(p.expr(r.get(k)), r.get(k));
        }
        if (!nan) {
            return null;
        }
        java.util.function.BiFunction<String, Integer, String> pair = (o, k) -> p.expr(
                new Expr.Compare(o, l.get(k), r.get(k))).sql();
        java.util.List<String> parts = new java.util.ArrayList<>();
        if (op.equals("=") || op.equals("!=")) {
            for (int k = 0; k < n; k++) {
                parts.add(pair.apply(op, k));
            }
            return "(" + String.join(op.equals("=") ? " AND " : " OR ", parts) + ")";
        }
        String strict = op.substring(0, 1);
        String acc = pair.apply(op, n - 1);
        for (int k = n - 2; k >= 0; k--) {
            acc = "(" + pair.apply(strict, k) + " OR (" + pair.apply("=", k) + " AND " + acc + "))";
        }
        return acc;
    }

    /**
     * The elements of a tuple operand: a literal's items, or {@code tupleElement(e, 1)} … of an expression typed
     * {@code Tuple(…)} (not Nullable); null for anything else.
     */
    private static java.util.List<Expr> tupleItems(PostgresPrinter p, Expr e) {
        if (e instanceof Expr.TupleLit t) {
            return t.items();
        }
        if (e instanceof SelectLike) {
            return null;
        }
        String type = p.type(e);
        if (type == null || !type.startsWith("Tuple(")) {
            return null;
        }
        int n = HogQLTypes.tupleTypes(type).size();
        java.util.List<Expr> items = new java.util.ArrayList<>();
        for (int k = 1; k <= n; k++) {
            items.add(Expr.Call.of("tupleElement", e, new Expr.Constant((long) k)));
        }
        return items;
    }

    /**
     * {@code left [NOT] IN (items)} of a list of values (coerced operands). ClickHouse builds a hash set of the list
     * and finds a Float64 key by its bits (HashTable's bitEquals): NaN is found ({@code nan IN (nan)} 1, PostgreSQL's
     * answer too), and the two zeros are different keys — {@code -0.0 IN (0.0)} is 0 and {@code 0.0 IN (-0.0)} 0,
     * where {@code -0.0 = 0.0} is 1 (ClickHouse's PR 115970 "Make hash tables agree with equals on negative zero"
     * states this behaviour; it is not merged). PostgreSQL's IN takes the zeros as equal, so a Float zero on the left
     * is compared by its text ({@code -0} / {@code 0}), every other value by PostgreSQL's IN as before.
     */
    static String inList(PostgresPrinter p, java.util.List<Expr> exprs, String left, java.util.List<String> items,
            boolean not, String leftType) {
        if (!HogQLTypes.cat(leftType).equals("float") || !exprs.stream().allMatch(e -> {
            String c = HogQLTypes.cat(p.expr(e).type());
            return c.equals("float") || c.equals("int") || c.equals("string");
        })) {
            return "(" + left + (not ? " NOT IN (" : " IN (") + String.join(", ", items) + "))";
        }
        String list = "(CASE WHEN (" + left + ") = 0 THEN (" + left + ")::float8::text IN (" + String.join(", ",
                items.stream().map(i -> "(" + i + ")::float8::text").toList()) + ") ELSE (" + left + " IN ("
                + String.join(", ", items) + ")) END)";
        return not ? "(NOT " + list + ")" : list;
    }

    private static boolean nullable(String type) {
        return type.startsWith("Nullable(") || HogQLTypes.cat(type).equals("null");
    }
}

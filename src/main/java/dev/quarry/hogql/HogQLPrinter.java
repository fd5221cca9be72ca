package dev.quarry.hogql;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Prints an AST back as normalised HogQL (shown to API users as {@code hogql}). */
public final class HogQLPrinter {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");

    private HogQLPrinter() {}

    public static String print(Expr e) {
        return e instanceof SelectLike ? p0(e) : p(e);
    }

    private static String p(Expr e) {
        return e instanceof SelectLike ? "(" + p0(e) + ")" : p0(e);
    }

    private static String p0(Expr e) {
        if (e instanceof Expr.Constant c) {
            return constant(c.value());
        }
        if (e instanceof Expr.Field f) {
            return f.chain().stream().map(HogQLPrinter::ident).collect(Collectors.joining("."));
        }
        if (e instanceof Expr.Star s) {
            return s.table() == null ? "*" : ident(s.table()) + ".*";
        }
        if (e instanceof Expr.Call c) {
            return call(c);
        }
        if (e instanceof Expr.Window w) {
            List<String> parts = new java.util.ArrayList<>();
            if (!w.partitionBy().isEmpty()) {
                parts.add("PARTITION BY " + w.partitionBy().stream().map(HogQLPrinter::p).collect(Collectors.joining(", ")));
            }
            if (!w.orderBy().isEmpty()) {
                parts.add("ORDER BY " + w.orderBy().stream().map(o -> p(o.expr()) + o.direction())
                        .collect(Collectors.joining(", ")));
            }
            if (w.frame() != null) {
                parts.add(frame(w.frame()));
            }
            if (w.name() != null) {
                parts.add(0, ident(w.name()));
            }
            return call(w.call()) + " OVER (" + String.join(" ", parts) + ")";
        }
        if (e instanceof Expr.Arithmetic a) {
            return "(" + p(a.left()) + " " + a.op() + " " + p(a.right()) + ")";
        }
        if (e instanceof Expr.Negate n) {
            return "-" + p(n.expr());
        }
        if (e instanceof Expr.Compare c) {
            return p(c.left()) + " " + compareOp(c.op()) + " " + p(c.right());
        }
        if (e instanceof Expr.And a) {
            return a.exprs().stream().map(HogQLPrinter::wrapBool).collect(Collectors.joining(" AND "));
        }
        if (e instanceof Expr.Or o) {
            return "(" + o.exprs().stream().map(HogQLPrinter::wrapBool).collect(Collectors.joining(" OR ")) + ")";
        }
        if (e instanceof Expr.Not n) {
            return "NOT " + wrapBool(n.expr());
        }
        if (e instanceof Expr.Between b) {
            return p(b.expr()) + (b.negated() ? " NOT BETWEEN " : " BETWEEN ") + p(b.low())
                    + " AND " + p(b.high());
        }
        if (e instanceof Expr.IsNull n) {
            return p(n.expr()) + (n.negated() ? " IS NOT NULL" : " IS NULL");
        }
        if (e instanceof Expr.Case c) {
            return caseExpr(c);
        }
        if (e instanceof Expr.Interval iv) {
            return "INTERVAL " + p(iv.amount()) + " " + iv.unit().toUpperCase(Locale.ROOT);
        }
        if (e instanceof Expr.ArrayLit a) {
            return "[" + list(a.items()) + "]";
        }
        if (e instanceof Expr.TupleLit t) {
            return "(" + list(t.items()) + ")";
        }
        if (e instanceof Expr.ArrayAccess a) {
            return p(a.array()) + "[" + p(a.index()) + "]";
        }
        if (e instanceof Expr.Placeholder p) {
            return "{" + p.name() + "}";
        }
        if (e instanceof Expr.Alias a) {
            return p(a.expr()) + " AS " + ident(a.alias());
        }
        if (e instanceof Expr.Lambda l) {
            String params = l.params().stream().map(HogQLPrinter::ident).collect(Collectors.joining(", "));
            return (l.params().size() == 1 ? params : "(" + params + ")") + " -> " + p(l.body());
        }
        if (e instanceof SelectQuery q) {
            return select(q);
        }
        if (e instanceof SelectUnion u) {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < u.selects().size(); k++) {
                SelectLike s = u.selects().get(k);
                if (k > 0) {
                    sb.append(' ').append(u.ops().get(k - 1)).append(' ');
                }
                sb.append(s instanceof SelectUnion ? p(s) : p0(s));
            }
            return sb.toString();
        }
        throw new IllegalArgumentException("Unknown node " + e);
    }

    private static String wrapBool(Expr e) {
        return e instanceof Expr.And || e instanceof Expr.Or ? p(e) : p(e);
    }

    private static String compareOp(String op) {
        return op.toUpperCase(Locale.ROOT);
    }

    private static String list(List<Expr> items) {
        return items.stream().map(HogQLPrinter::p).collect(Collectors.joining(", "));
    }

    private static String call(Expr.Call c) {
        if (c.name().equals(Functions.COHORT)) {
            return p(c.args().get(0)); // IN COHORT's cohort, as the user wrote it: an id or a name
        }
        if (c.name().equals(Functions.COLLECTED) || c.name().equals(Functions.BOUNDED)) {
            return p(c.args().get(0)); // the budget's marker is not the user's text
        }
        if (c.name().equals("matchesAction") && c.args().size() == 2) {
            return "matchesAction(" + p(c.args().get(0)) + ")"; // as written: the action's condition is not shown
        }
        StringBuilder sb = new StringBuilder(c.name());
        if (c.params() != null) {
            sb.append('(').append(list(c.params())).append(')');
        }
        sb.append('(');
        if (c.distinct()) {
            sb.append("DISTINCT ");
        }
        sb.append(list(c.args())).append(')');
        return sb.toString();
    }

    private static String caseExpr(Expr.Case c) {
        StringBuilder sb = new StringBuilder("CASE");
        if (c.subject() != null) {
            sb.append(' ').append(p(c.subject()));
        }
        for (int k = 0; k < c.conditions().size(); k++) {
            sb.append(" WHEN ").append(p(c.conditions().get(k))).append(" THEN ").append(p(c.results().get(k)));
        }
        if (c.otherwise() != null) {
            sb.append(" ELSE ").append(p(c.otherwise()));
        }
        return sb.append(" END").toString();
    }

    static String sub(Expr table) {
        return p(table);
    }

    private static String select(SelectQuery q) {
        StringBuilder sb = new StringBuilder();
        if (!q.ctes().isEmpty()) {
            sb.append("WITH ");
            sb.append(q.ctes().stream().map(c -> c.subquery()
                    ? ident(c.name()) + " AS " + p(c.expr())
                    : sub(c.expr()) + " AS " + ident(c.name())).collect(Collectors.joining(", ")));
            sb.append(' ');
        }
        sb.append("SELECT ");
        if (q.distinct()) {
            sb.append("DISTINCT ");
        }
        sb.append(q.select().stream().map(e -> e instanceof SelectLike ? p(e) : p(e))
                .collect(Collectors.joining(", ")));
        for (JoinExpr j : q.from()) {
            sb.append(j.joinType() == null ? " FROM " : " " + j.joinType() + " ");
            if (j.isArrayJoin()) {
                sb.append(list(((Expr.TupleLit) j.table()).items()));
                continue;
            }
            sb.append(sub(j.table()));
            if (j.alias() != null) {
                sb.append(" AS ").append(ident(j.alias()));
            }
            if (j.on() != null) {
                sb.append(" ON ").append(p(j.on()));
            }
            if (!j.using().isEmpty()) {
                sb.append(" USING (").append(j.using().stream().map(HogQLPrinter::ident).collect(Collectors.joining(", ")))
                        .append(')');
            }
        }
        if (q.where() != null) {
            sb.append(" WHERE ").append(p(q.where()));
        }
        if (!q.groupBy().isEmpty()) {
            sb.append(" GROUP BY ").append(list(q.groupBy()));
        }
        if (q.having() != null) {
            sb.append(" HAVING ").append(p(q.having()));
        }
        if (!q.orderBy().isEmpty()) {
            sb.append(" ORDER BY ").append(q.orderBy().stream().map(o -> p(o.expr()) + o.direction())
                    .collect(Collectors.joining(", ")));
        }
        if (q.limitBy() != null) {
            sb.append(" LIMIT ").append(p(q.limitBy().n()));
            if (q.limitBy().offset() != null) {
                sb.append(" OFFSET ").append(p(q.limitBy().offset()));
            }
            sb.append(" BY ").append(list(q.limitBy().exprs()));
        }
        if (q.limit() != null) {
            sb.append(" LIMIT ").append(p(q.limit()));
            if (q.limitWithTies()) {
                sb.append(" WITH TIES");
            }
        }
        if (q.offset() != null) {
            sb.append(" OFFSET ").append(p(q.offset()));
        }
        return sb.toString();
    }

    /** {@code ROWS BETWEEN 1 PRECEDING AND CURRENT ROW}: a window frame as HogQL and PostgreSQL both write it. */
    public static String frame(Expr.Frame f) {
        return f.method() + (f.end() == null ? " " + bound(f.start())
                : " BETWEEN " + bound(f.start()) + " AND " + bound(f.end()));
    }

    private static String bound(Expr.FrameBound b) {
        if (b.kind().equals("CURRENT ROW")) {
            return "CURRENT ROW";
        }
        return (b.offset() == null ? "UNBOUNDED" : b.offset().toString()) + " " + b.kind();
    }

    public static String ident(String name) {
        if (PLAIN.matcher(name).matches()) {
            return name;
        }
        return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`";
    }

    public static String constant(Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof Boolean b) {
            return b ? "true" : "false";
        }
        if (v instanceof Number) {
            return v.toString();
        }
        String s = v.toString();
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'";
    }
}

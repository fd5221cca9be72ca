package dev.quarry.hogql;

import dev.quarry.hogql.SelectQuery.LimitBy;
import dev.quarry.hogql.SelectQuery.OrderExpr;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Hand-written recursive-descent parser for HogQL. */
public final class Parser extends ExprParser {
    /** Words that end an expression or a FROM item, so they are never taken as a bare alias. */
    static final Set<String> RESERVED = Set.of("select", "from", "where", "prewhere", "group", "order", "limit",
            "having", "join", "left", "right", "inner", "full", "cross", "outer", "on", "using", "union", "as", "offset",
            "settings", "any", "all", "semi", "anti", "asof", "window", "and", "or", "not", "in", "like", "ilike",
            "between", "is", "case", "when", "then", "else", "end", "asc", "desc", "nulls", "by", "with", "distinct",
            "interval", "format", "array", "global", "except", "intersect", "into", "qualify", "sample", "final");

    public static final Set<String> INTERVAL_UNITS = Set.of("second", "minute", "hour", "day", "week", "month",
            "quarter", "year");

    public Parser(String src) {
        super(src);
    }

    /** Parses a whole SELECT statement (optionally a UNION ALL); anything after it is a syntax error. */
    public static SelectLike parseSelect(String src) {
        Parser p = new Parser(src);
        SelectLike s = p.selectStatement();
        if (p.windowsUsed && !p.windows.isEmpty()) {
            // OVER w before its WINDOW clause: parse again knowing the named windows, so every use is inlined
            Parser again = new Parser(src);
            again.windows.putAll(p.windows);
            return again.selectStatement();
        }
        return s;
    }

    /**
     * Like {@link #parseSelect} but keeps this parser, whose {@link #positions} then map nodes to offsets. A query
     * using named windows before their WINDOW clause gets a second parser, returned through {@code out}.
     */
    static SelectLike parseSelect(String src, Parser[] out) {
        Parser p = new Parser(src);
        SelectLike s = p.selectStatement();
        if (p.windowsUsed && !p.windows.isEmpty()) {
            Parser again = new Parser(src);
            again.windows.putAll(p.windows);
            s = again.selectStatement();
            p = again;
        }
        out[0] = p;
        return s;
    }

    /** Parses a single expression (used by property filters of type hogql and by tests). */
    public static Expr parseExpr(String src) {
        Parser p = new Parser(src);
        return CompileBudget.withinDepth(() -> {
            Expr e = p.expr();
            p.expectEnd();
            return e;
        });
    }

    /** [start, end) character offsets of nodes this parser created, by identity. */
    public Map<Object, int[]> positions() {
        return positions;
    }

    public SelectLike selectStatement() {
        return CompileBudget.withinDepth(() -> {
            SelectLike s = selectUnion();
            expectEnd();
            return s;
        });
    }

    /**
     * Selects joined by {@code UNION ALL}, {@code UNION [DISTINCT]}, {@code INTERSECT [DISTINCT]} and {@code EXCEPT}
     * (PostHog's grammar has no EXCEPT DISTINCT or INTERSECT ALL).
     */
    @Override
    SelectLike selectUnion() {
        int start = i;
        List<SelectLike> parts = new ArrayList<>();
        List<String> ops = new ArrayList<>();
        parts.add(selectOrParens());
        while (kw("union") || kw("intersect") || kw("except")) {
            String o = next().text().toLowerCase(Locale.ROOT);
            if (o.equals("union")) {
                ops.add(acceptKw("all") ? "UNION ALL" : "UNION");
                acceptKw("distinct");
            } else if (o.equals("intersect")) {
                acceptKw("distinct");
                ops.add("INTERSECT");
            } else {
                ops.add("EXCEPT");
            }
            parts.add(selectOrParens());
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        return mark(new SelectUnion(parts, ops), start);
    }

    private SelectLike selectOrParens() {
        if (op("(")) {
            int start = i;
            i++;
            SelectLike s = selectUnion();
            expectOp(")");
            if (kw("order") || kw("limit") || kw("offset")) {
                // (select …) ORDER BY / LIMIT: ordering a parenthesised set is valid HogQL
                Token t = peek();
                unsupported("ORDER BY, LIMIT or OFFSET after a parenthesised SELECT", t);
                setTail();
            }
            return mark(s, start);
        }
        return select();
    }

    /** Reads (and drops) ORDER BY / LIMIT / OFFSET after a parenthesised select; only reached once refused. */
    private void setTail() {
        if (acceptKw("order")) {
            expectKw("by");
            do {
                orderExpr();
            } while (acceptOp(","));
        }
        if (acceptKw("limit")) {
            expr();
            if (acceptOp(",") || acceptKw("offset")) {
                expr();
            }
        }
        if (acceptKw("offset")) {
            expr();
        }
    }

    private SelectQuery select() {
        int start = i;
        List<CTE> ctes = new ArrayList<>();
        if (acceptKw("with")) {
            if (kw("recursive")) {
                unsupported("WITH RECURSIVE", next());
            }
            do {
                ctes.add(cte());
            } while (acceptOp(","));
        }
        expectKw("select");
        boolean distinct = acceptKw("distinct");
        if (distinct && kw("on") && peek(1).isOp("(")) {
            unsupported("DISTINCT ON", next());
            listUntil(")");
        }
        List<Expr> columns = new ArrayList<>();
        do {
            if (!columns.isEmpty() && endsSelectList()) {
                break; // a trailing comma before FROM, as PostHog's grammar allows
            }
            columns.add(selectColumn());
        } while (acceptOp(","));
        List<JoinExpr> from = new ArrayList<>();
        boolean arrayJoined = false;
        if (acceptKw("from")) {
            from.add(joinItem(null));
            while (true) {
                if (acceptOp(",")) {
                    from.add(joinItem("CROSS JOIN"));
                    continue;
                }
                JoinExpr arrayJoin = arrayJoined ? null : arrayJoin();
                if (arrayJoin != null) {
                    from.add(arrayJoin); // one ARRAY JOIN clause per SELECT, after the joins, as in PostHog's grammar
                    arrayJoined = true;
                    continue;
                }
                if (arrayJoined && (kw("array") || kw("left") || kw("inner")) && (peek(1).isKeyword("array")
                        || peek(1).isKeyword("join") || peek(2).isKeyword("join"))) {
                    throw error("Unexpected " + describe(peek()) + " after ARRAY JOIN", peek());
                }
                String jt = joinType();
                if (jt == null) {
                    break;
                }
                from.add(joinItem(jt));
            }
        }
        Expr where = null;
        if (acceptKw("prewhere")) {
            where = expr();
        }
        if (acceptKw("where")) {
            Expr w = expr();
            where = where == null ? w : new Expr.And(List.of(where, w));
        }
        List<Expr> groupBy = new ArrayList<>();
        if (acceptKw("group")) {
            expectKw("by");
            if (kw("grouping") && peek(1).isKeyword("sets")) {
                unsupported("GROUP BY GROUPING SETS", peek());
                i += 2;
                listUntil(")");
            } else {
                do {
                    if (!groupBy.isEmpty() && endsGroupBy()) {
                        break; // GROUP BY a, b, — a trailing comma
                    }
                    groupBy.add(expr());
                } while (acceptOp(","));
            }
            if (kw("with") && (peek(1).isKeyword("totals") || peek(1).isKeyword("rollup") || peek(1).isKeyword("cube"))) {
                unsupported("GROUP BY … WITH " + peek(1).text().toUpperCase(Locale.ROOT), peek());
                i += 2;
            }
        }
        Expr having = null;
        if (acceptKw("having")) {
            having = expr();
        }
        if (kw("window")) {
            // WINDOW w AS (…), …: the named windows, inlined where OVER names them
            i++;
            do {
                String name = identifier("window name");
                expectKw("as");
                windows.put(name, windowSpec());
            } while (acceptOp(","));
        }
        if (kw("qualify")) {
            unsupported("QUALIFY", next());
            expr();
        }
        List<OrderExpr> orderBy = new ArrayList<>();
        if (acceptKw("order")) {
            expectKw("by");
            do {
                orderBy.add(orderExpr());
            } while (acceptOp(","));
        }
        Expr limit = null;
        Expr offset = null;
        LimitBy limitBy = null;
        boolean withTies = false;
        if (acceptKw("limit")) {
            Expr a = expr();
            if (op("%")) {
                unsupported("LIMIT … PERCENT (%)", next());
            }
            Expr b = null;
            if (acceptOp(",")) {
                b = expr(); // LIMIT offset, n
            } else if (acceptKw("offset")) {
                offset = expr();
            }
            if (b != null) {
                offset = a;
                a = b;
            }
            if (acceptKw("by")) {
                List<Expr> by = new ArrayList<>();
                do {
                    by.add(expr());
                } while (acceptOp(","));
                limitBy = new LimitBy(a, offset, by);
                offset = null;
                if (acceptKw("limit")) {
                    limit = expr();
                    if (acceptOp(",")) {
                        offset = limit;
                        limit = expr();
                    } else if (acceptKw("offset")) {
                        offset = expr();
                    }
                }
            } else {
                limit = a;
                if (kw("with") && peek(1).isKeyword("ties")) {
                    i += 2;
                    withTies = true;
                }
            }
        }
        if (offset == null && acceptKw("offset")) {
            offset = expr();
        }
        if (kw("settings")) {
            // PostHog's parser refuses SETTINGS in a query's text (NotImplementedError)
            throw new HogQLUnsupportedException("SETTINGS", peek());
        }
        if (kw("format")) {
            unsupported("FORMAT", next());
            identifier("format name");
        }
        if (kw("into")) {
            throw error("Unexpected INTO", peek());
        }
        return mark(SelectArrayJoin.rewrite(new SelectQuery(ctes, distinct, columns, from, where, groupBy, having,
                orderBy, limit, offset, limitBy, withTies)), start);
    }

    /** After a comma in GROUP BY: true when a clause (or the end) follows instead of another expression. */
    private boolean endsGroupBy() {
        Token t = peek();
        if (t.kind() == Token.Kind.EOF || t.isOp(")") || t.isOp(";")) {
            return true;
        }
        for (String k : List.of("having", "order", "limit", "union", "window", "qualify", "offset")) {
            if (t.isKeyword(k) && !peek(1).isOp("(") && !peek(1).isOp(".")) {
                return true;
            }
        }
        return false;
    }

    /** After a comma in the select list: true when a clause (or the end) follows instead of another column. */
    private boolean endsSelectList() {
        Token t = peek();
        if (t.kind() == Token.Kind.EOF || t.isOp(")") || t.isOp(";")) {
            return true;
        }
        for (String k : List.of("from", "where", "prewhere", "group", "having", "order", "limit", "union", "array")) {
            if (t.isKeyword(k) && !peek(1).isOp("(") && !peek(1).isOp(".") && peek(1).kind() != Token.Kind.EOF) {
                return !k.equals("array") || peek(1).isKeyword("join");
            }
        }
        return false;
    }

    private CTE cte() {
        int start = i;
        // WITH name AS (select …)
        if (isAliasToken(peek()) && peek(1).isKeyword("as") && peek(2).isOp("(")
                && (peek(3).isKeyword("select") || peek(3).isKeyword("with") || peek(3).isOp("("))) {
            String name = identifier("CTE name");
            expectKw("as");
            expectOp("(");
            SelectLike q = selectUnion();
            expectOp(")");
            return mark(new CTE(name, q, true), start);
        }
        // WITH expr AS name
        Expr e = expr();
        expectKw("as");
        String name = identifier("CTE name");
        return mark(new CTE(name, e, false), start);
    }

    private Expr selectColumn() {
        int start = i;
        if (kw("columns") && peek(1).isOp("(")) {
            unsupported("COLUMNS(…)", peek());
        }
        if (kw("top") && peek(1).kind() == Token.Kind.NUMBER) {
            throw new HogQLUnsupportedException("TOP", peek()); // PostHog's parser refuses TOP (NotImplementedError)
        }
        Expr e = expr();
        if (e instanceof Expr.Star && (kw("exclude") || kw("replace")) && peek(1).isOp("(")) {
            unsupported("* " + peek().text().toUpperCase(Locale.ROOT) + " (…)", peek());
            i++;
            listUntil(")");
        }
        if (acceptKw("as")) {
            // PostHog also takes a string as a column alias: select 1 as 'a b'
            return mark(new Expr.Alias(e, peek().kind() == Token.Kind.STRING ? next().text() : aliasAfterAs()), start);
        }
        if (isAliasToken(peek())) {
            return mark(new Expr.Alias(e, identifier("alias")), start);
        }
        return e;
    }

    @Override
    OrderExpr orderExpr() {
        Expr e = expr();
        boolean desc = false;
        if (acceptKw("desc") || acceptKw("descending")) {
            desc = true;
        } else if (!acceptKw("asc")) {
            acceptKw("ascending");
        }
        Boolean nullsFirst = null;
        if (acceptKw("nulls")) {
            if (acceptKw("first")) {
                nullsFirst = true;
            } else {
                expectKw("last");
                nullsFirst = false;
            }
        }
        return new OrderExpr(e, desc, nullsFirst);
    }

    /**
     * {@code [LEFT | INNER] ARRAY JOIN arr [AS x], …}: ClickHouse's row-multiplying join on arrays; the listed arrays
     * are unnested side by side. Null when no ARRAY JOIN follows.
     */
    private JoinExpr arrayJoin() {
        int start = i;
        String kind;
        if (kw("array") && peek(1).isKeyword("join")) {
            kind = JoinExpr.ARRAY_JOIN;
            i += 2;
        } else if (kw("left") && peek(1).isKeyword("array") && peek(2).isKeyword("join")) {
            kind = JoinExpr.LEFT_ARRAY_JOIN;
            i += 3;
        } else if (kw("inner") && peek(1).isKeyword("array") && peek(2).isKeyword("join")) {
            kind = JoinExpr.ARRAY_JOIN;
            i += 3;
        } else {
            return null;
        }
        int itemsStart = i;
        List<Expr> items = new ArrayList<>();
        do {
            int s = i;
            Expr e = expr();
            if (acceptKw("as") || isAliasToken(peek())) {
                e = mark(new Expr.Alias(e, identifier("alias")), s);
            } else {
                // PostHog: "ARRAY JOIN arrays must have an alias"
                throw error("ARRAY JOIN arrays must have an alias (ARRAY JOIN expr AS name)", tokens.get(s));
            }
            items.add(e);
        } while (acceptOp(","));
        Expr table = mark(new Expr.TupleLit(items), itemsStart);
        return mark(new JoinExpr(kind, table, null, null, List.of()), start);
    }

    /** Consumes a join keyword sequence and returns the normalised join type, or null when none follows. */
    private String joinType() {
        int save = i;
        acceptKw("global");
        String kind = null;
        boolean strictness = acceptKw("any") || acceptKw("all");
        if (acceptKw("inner")) {
            kind = "INNER JOIN";
        } else if (acceptKw("left")) {
            kind = "LEFT JOIN";
        } else if (acceptKw("right")) {
            kind = "RIGHT JOIN";
        } else if (acceptKw("full")) {
            kind = "FULL JOIN";
        } else if (acceptKw("cross")) {
            kind = "CROSS JOIN";
        }
        if (kind != null && !kind.equals("CROSS JOIN") && !kind.equals("INNER JOIN")) {
            acceptKw("outer");
        }
        if (!strictness) {
            strictness = acceptKw("any") || acceptKw("all");
        }
        if (kw("semi") || kw("anti") || kw("asof")) {
            // ClickHouse's SEMI / ANTI / ASOF joins: valid HogQL, not run here
            unsupported((kind == null ? "" : kind.replace(" JOIN", " ")) + peek().text().toUpperCase(Locale.ROOT)
                    + " JOIN", peek());
            i++;
            if (kind == null) {
                kind = "INNER JOIN";
            }
        }
        if (kw("join")) {
            i++;
            return kind == null ? "INNER JOIN" : kind;
        }
        if (kind != null || strictness) {
            throw error("Expected JOIN but found " + describe(peek()), peek());
        }
        i = save;
        return null;
    }

    private JoinExpr joinItem(String joinType) {
        int start = i;
        Expr table;
        if (op("<") && peek(1).kind() == Token.Kind.IDENT) {
            throw new HogQLUnsupportedException("A HogQLX tag <" + peek(1).text() + " …>", peek());
        }
        if (op("(")) {
            int s = i;
            i++;
            table = mark(selectUnion(), s);
            expectOp(")");
        } else if (op("{")) {
            // FROM {name}: a subquery given as an AST by the caller (PostHog's TableExprPlaceholder)
            int s = i;
            i++;
            String name = identifier("placeholder name");
            expectOp("}");
            table = mark(new Expr.Placeholder(name), s);
        } else {
            int s = i;
            List<String> chain = new ArrayList<>();
            chain.add(identifier("table name"));
            while (acceptOp(".")) {
                chain.add(identifier("table name"));
            }
            refuseInternalNames(chain, true);
            table = mark(new Expr.Field(chain), s);
            if (op("(") && chain.equals(List.of("numbers"))) {
                table = numbers(listUntil(")"), s);
            } else if (op("(")) {
                unsupported("The table function " + String.join(".", chain) + "(…)", tokens.get(s));
                listUntil(")");
            }
        }
        acceptKw("final"); // ClickHouse's FINAL: PostgreSQL rows are always final
        if (kw("sample")) {
            unsupported("SAMPLE", next());
            expr();
            if (acceptKw("offset")) {
                expr();
            }
        }
        String alias = null;
        if (acceptKw("as")) {
            alias = aliasAfterAs();
        } else if (isAliasToken(peek())) {
            alias = identifier("alias");
        }
        acceptKw("final");
        Expr on = null;
        List<String> using = new ArrayList<>();
        if (joinType != null && !joinType.equals("CROSS JOIN")) {
            if (acceptKw("on")) {
                on = expr();
            } else if (acceptKw("using")) {
                boolean paren = acceptOp("(");
                do {
                    using.add(identifier("column"));
                } while (acceptOp(","));
                if (paren) {
                    expectOp(")");
                }
            } else {
                unsupported("A JOIN without ON or USING", tokens.get(start));
            }
        }
        return mark(new JoinExpr(joinType, table, alias, on, using), start);
    }

    /**
     * ClickHouse's table function {@code numbers(count)} / {@code numbers(offset, count)}, PostHog's NumbersTable (one
     * column, {@code number}; one or two arguments): read as the subquery {@code (SELECT arrayJoin(range(offset,
     * offset + count)) AS number)}, so it has {@code range}'s bound (at most 1,000,000 rows, else a 400) and its
     * type (Int64 here, UInt64 in ClickHouse).
     */
    private SelectQuery numbers(List<Expr> args, int startTok) {
        if (args.isEmpty() || args.size() > 2) {
            throw error("Table function 'numbers' expects " + (args.isEmpty() ? "at least 1 argument" : "at most 2 "
                    + "arguments") + ", found " + args.size(), tokens.get(startTok));
        }
        List<Expr> bounds = args.size() == 1 ? args
                : List.of(args.get(0), mark(new Expr.Arithmetic("+", args.get(0), args.get(1)), startTok));
        Expr number = mark(new Expr.Alias(mark(new Expr.Call("arrayJoin",
                List.of(mark(new Expr.Call("range", bounds, null, false), startTok)), null, false), startTok),
                "number"), startTok);
        return mark(new SelectQuery(null, false, List.of(number), null, null, null, null, null, null, null, null),
                startTok);
    }

    // ---------------------------------------------------------------- expressions

}

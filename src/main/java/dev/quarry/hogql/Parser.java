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
        return new Parser(src).selectStatement();
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

    @Override
    SelectLike selectUnion() {
        int start = i;
        List<SelectLike> parts = new ArrayList<>();
        parts.add(selectOrParens());
        while (kw("union")) {
            Token u = next();
            if (!acceptKw("all")) {
                throw error("Only UNION ALL is supported", u);
            }
            parts.add(selectOrParens());
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        return mark(new SelectUnion(parts), start);
    }

    private SelectLike selectOrParens() {
        if (op("(")) {
            int start = i;
            i++;
            SelectLike s = selectUnion();
            expectOp(")");
            return mark(s, start);
        }
        return select();
    }

    private SelectQuery select() {
        int start = i;
        List<CTE> ctes = new ArrayList<>();
        if (acceptKw("with")) {
            do {
                ctes.add(cte());
            } while (acceptOp(","));
        }
        expectKw("select");
        boolean distinct = acceptKw("distinct");
        List<Expr> columns = new ArrayList<>();
        do {
            if (!columns.isEmpty() && endsSelectList()) {
                break; // a trailing comma before FROM, as PostHog's grammar allows
            }
            columns.add(selectColumn());
        } while (acceptOp(","));
        List<JoinExpr> from = new ArrayList<>();
        if (acceptKw("from")) {
            from.add(joinItem(null));
            while (true) {
                if (acceptOp(",")) {
                    from.add(joinItem("CROSS JOIN"));
                    continue;
                }
                JoinExpr arrayJoin = arrayJoin();
                if (arrayJoin != null) {
                    from.add(arrayJoin);
                    continue;
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
            do {
                groupBy.add(expr());
            } while (acceptOp(","));
        }
        Expr having = null;
        if (acceptKw("having")) {
            having = expr();
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
        if (acceptKw("limit")) {
            Expr a = expr();
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
            }
        }
        if (offset == null && acceptKw("offset")) {
            offset = expr();
            acceptKw("rows");
        }
        if (kw("settings") || kw("format") || kw("into")) {
            throw error("Unsupported clause " + peek().text().toUpperCase(Locale.ROOT), peek());
        }
        return mark(new SelectQuery(ctes, distinct, columns, from, where, groupBy, having, orderBy, limit, offset,
                limitBy), start);
    }

    /** After a comma in the select list: true when a clause (or the end) follows instead of another column. */
    private boolean endsSelectList() {
        Token t = peek();
        if (t.kind() == Token.Kind.EOF || t.isOp(")") || t.isOp(";")) {
            return true;
        }
        for (String k : List.of("from", "where", "prewhere", "group", "having", "order", "limit", "union", "array")) {
            if (t.isKeyword(k) && !peek(1).isOp("(") && !peek(1).isOp(".")) {
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
        Expr e = expr();
        if (acceptKw("as")) {
            // PostHog also takes a string as a column alias: select 1 as 'a b'
            return mark(new Expr.Alias(e, peek().kind() == Token.Kind.STRING ? next().text() : identifier("alias")), start);
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
            } else if (!(e instanceof Expr.Field)) {
                throw error("ARRAY JOIN needs an alias for an expression (ARRAY JOIN expr AS name)", tokens.get(s));
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
        if (kw("semi") || kw("anti") || kw("asof") || kw("array")) {
            throw error("Unsupported join type " + peek().text().toUpperCase(Locale.ROOT), peek());
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
            table = mark(new Expr.Field(chain), s);
        }
        String alias = null;
        if (acceptKw("as")) {
            alias = identifier("alias");
        } else if (isAliasToken(peek())) {
            alias = identifier("alias");
        }
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
                throw error("Expected ON or USING but found " + describe(peek()), peek());
            }
        }
        return mark(new JoinExpr(joinType, table, alias, on, using), start);
    }

    // ---------------------------------------------------------------- expressions

}

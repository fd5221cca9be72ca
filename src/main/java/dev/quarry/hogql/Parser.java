package dev.quarry.hogql;

import dev.quarry.hogql.SelectQuery.LimitBy;
import dev.quarry.hogql.SelectQuery.OrderExpr;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Hand-written recursive-descent parser for HogQL. */
public final class Parser {
    /** Words that end an expression or a FROM item, so they are never taken as a bare alias. */
    private static final Set<String> RESERVED = Set.of("select", "from", "where", "prewhere", "group", "order", "limit",
            "having", "join", "left", "right", "inner", "full", "cross", "outer", "on", "using", "union", "as", "offset",
            "settings", "any", "all", "semi", "anti", "asof", "window", "and", "or", "not", "in", "like", "ilike",
            "between", "is", "case", "when", "then", "else", "end", "asc", "desc", "nulls", "by", "with", "distinct",
            "interval", "format", "array", "global", "except", "intersect", "into", "qualify", "sample", "final");

    public static final Set<String> INTERVAL_UNITS = Set.of("second", "minute", "hour", "day", "week", "month",
            "quarter", "year");

    private final String src;
    private final List<Token> tokens;
    private int i;
    private final Map<Object, int[]> positions = new IdentityHashMap<>();
    private int nodes;

    /** Deeper bracket nesting than this is refused before parsing, so recursion cannot exhaust the stack. */
    static final int MAX_NESTING = 256;

    /** Lexes {@code src}; text past {@link CompileBudget#MAX_QUERY_CHARS} is refused before lexing. */
    public Parser(String src) {
        EventLoopGuard.check();
        CompileBudget.checkQuerySize(src);
        this.src = src;
        this.tokens = Lexer.tokenize(src);
        int depth = 0;
        for (Token t : tokens) {
            if (t.isOp("(") || t.isOp("[") || t.isOp("{")) {
                if (++depth > MAX_NESTING) {
                    throw error("Query is nested more than " + MAX_NESTING + " levels deep", t);
                }
            } else if (t.isOp(")") || t.isOp("]") || t.isOp("}")) {
                depth--;
            }
        }
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

    private void expectEnd() {
        if (peek().isOp(";")) {
            i++;
        }
        if (peek().kind() != Token.Kind.EOF) {
            Token t = peek();
            throw error("Unexpected " + describe(t) + ", expected end of query", t);
        }
    }

    // ---------------------------------------------------------------- tokens

    private Token peek() {
        return tokens.get(i);
    }

    private Token peek(int k) {
        return tokens.get(Math.min(i + k, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(i);
        if (t.kind() != Token.Kind.EOF) {
            i++;
        }
        return t;
    }

    private boolean kw(String k) {
        return peek().isKeyword(k);
    }

    private boolean acceptKw(String k) {
        if (kw(k)) {
            i++;
            return true;
        }
        return false;
    }

    private void expectKw(String k) {
        if (!acceptKw(k)) {
            throw error("Expected " + k.toUpperCase(Locale.ROOT) + " but found " + describe(peek()), peek());
        }
    }

    private boolean op(String o) {
        return peek().isOp(o);
    }

    private boolean acceptOp(String o) {
        if (op(o)) {
            i++;
            return true;
        }
        return false;
    }

    private void expectOp(String o) {
        if (!acceptOp(o)) {
            throw error("Expected '" + o + "' but found " + describe(peek()), peek());
        }
    }

    private static String describe(Token t) {
        return switch (t.kind()) {
            case EOF -> "end of query";
            case STRING -> "string literal";
            default -> "'" + t.text() + "'";
        };
    }

    private HogQLSyntaxException error(String message, Token t) {
        return new HogQLSyntaxException(message, t.line(), t.column(), t.start(), Math.max(t.end(), t.start() + 1));
    }

    private <T> T mark(T node, int startTok) {
        CompileBudget.checkAstElements(++nodes);
        int start = tokens.get(startTok).start();
        int end = tokens.get(Math.max(startTok, i - 1)).end();
        positions.putIfAbsent(node, new int[] {start, end});
        return node;
    }

    private String identifier(String what) {
        Token t = peek();
        if (t.kind() == Token.Kind.QUOTED_IDENT || (t.kind() == Token.Kind.IDENT)) {
            i++;
            return t.text();
        }
        throw error("Expected " + what + " but found " + describe(t), t);
    }

    private boolean isAliasToken(Token t) {
        return t.kind() == Token.Kind.QUOTED_IDENT
                || (t.kind() == Token.Kind.IDENT && !RESERVED.contains(t.text().toLowerCase(Locale.ROOT)));
    }

    // ---------------------------------------------------------------- select

    private SelectLike selectUnion() {
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
            return mark(new Expr.Alias(e, identifier("alias")), start);
        }
        if (isAliasToken(peek())) {
            return mark(new Expr.Alias(e, identifier("alias")), start);
        }
        return e;
    }

    private OrderExpr orderExpr() {
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

    public Expr expr() {
        return or();
    }

    private Expr or() {
        int start = i;
        Expr e = and();
        if (!kw("or")) {
            return e;
        }
        List<Expr> list = new ArrayList<>(List.of(e));
        while (acceptKw("or")) {
            list.add(and());
        }
        return mark(new Expr.Or(list), start);
    }

    private Expr and() {
        int start = i;
        Expr e = not();
        if (!kw("and")) {
            return e;
        }
        List<Expr> list = new ArrayList<>(List.of(e));
        while (acceptKw("and")) {
            list.add(not());
        }
        return mark(new Expr.And(list), start);
    }

    private Expr not() {
        int start = i;
        if (acceptKw("not")) {
            return mark(new Expr.Not(not()), start);
        }
        return comparison();
    }

    private Expr comparison() {
        int start = i;
        Expr left = additive();
        while (true) {
            Token t = peek();
            String cmp = null;
            if (t.kind() == Token.Kind.OP) {
                cmp = switch (t.text()) {
                    case "=", "==" -> "=";
                    case "!=", "<>" -> "!=";
                    case "<", "<=", ">", ">=" -> t.text();
                    default -> null;
                };
            }
            if (cmp != null) {
                i++;
                left = mark(new Expr.Compare(cmp, left, additive()), start);
                continue;
            }
            boolean negated = false;
            int save = i;
            if (kw("not")) {
                i++;
                negated = true;
            }
            if (acceptKw("like")) {
                left = mark(new Expr.Compare(negated ? "not like" : "like", left, additive()), start);
            } else if (acceptKw("ilike")) {
                left = mark(new Expr.Compare(negated ? "not ilike" : "ilike", left, additive()), start);
            } else if (kw("in") || (kw("global") && peek(1).isKeyword("in"))) {
                acceptKw("global");
                i++;
                Expr right = kw("cohort") && (peek(1).kind() == Token.Kind.NUMBER || peek(1).kind() == Token.Kind.STRING)
                        ? cohort() : inRight();
                left = mark(new Expr.Compare(negated ? "not in" : "in", left, right), start);
            } else if (acceptKw("between")) {
                Expr low = additive();
                expectKw("and");
                Expr high = additive();
                left = mark(new Expr.Between(left, low, high, negated), start);
            } else if (!negated && acceptKw("is")) {
                boolean n = acceptKw("not");
                Token nt = peek();
                if (!acceptKw("null")) {
                    throw error("Expected NULL but found " + describe(nt), nt);
                }
                left = mark(new Expr.IsNull(left, n), start);
            } else {
                i = save;
                return left;
            }
        }
    }

    /**
     * {@code IN COHORT 12} / {@code IN COHORT 'name'}: the persons of the team's cohort, as the subquery
     * {@code SELECT person_id FROM cohort_people WHERE cohort_id = …} (the printer walls it to the team like any
     * table; a name is looked up among the team's cohorts that are not deleted).
     */
    private Expr cohort() {
        int start = i;
        i++; // COHORT
        Token t = next();
        Expr id;
        if (t.kind() == Token.Kind.NUMBER) {
            if (!t.text().matches("\\d{1,18}")) {
                throw error("A cohort id must be a whole number", t);
            }
            id = new Expr.Constant(Long.parseLong(t.text()));
        } else {
            id = Expr.Call.of(Functions.COHORT_ID_BY_NAME, new Expr.Constant(t.text()));
        }
        SelectQuery sub = SelectQuery.of(List.of(Expr.Field.of("person_id")), "cohort_people",
                new Expr.Compare("=", Expr.Field.of("cohort_id"), id));
        return mark(sub, start);
    }

    private Expr inRight() {
        int start = i;
        if (op("(") && (peek(1).isKeyword("select") || peek(1).isKeyword("with"))) {
            i++;
            SelectLike q = selectUnion();
            expectOp(")");
            return mark(q, start);
        }
        Expr e = additive();
        if (e instanceof Expr.Field || e instanceof Expr.Placeholder || e instanceof Expr.TupleLit
                || e instanceof Expr.ArrayLit || e instanceof SelectLike) {
            return e;
        }
        // (x) with a single element
        return mark(new Expr.TupleLit(List.of(e)), start);
    }

    private Expr additive() {
        int start = i;
        Expr e = multiplicative();
        while (true) {
            if (op("+") || op("-")) {
                String o = next().text();
                e = mark(new Expr.Arithmetic(o, e, multiplicative()), start);
            } else if (acceptOp("||")) {
                e = mark(Expr.Call.of("concat", e, multiplicative()), start);
            } else {
                return e;
            }
        }
    }

    private Expr multiplicative() {
        int start = i;
        Expr e = unary();
        while (op("*") || op("/") || op("%")) {
            String o = next().text();
            e = mark(new Expr.Arithmetic(o, e, unary()), start);
        }
        return e;
    }

    private Expr unary() {
        int start = i;
        if (acceptOp("-")) {
            Expr inner = unary();
            if (inner instanceof Expr.Constant c && c.value() instanceof Long l) {
                return mark(new Expr.Constant(-l), start);
            }
            if (inner instanceof Expr.Constant c && c.value() instanceof Double d) {
                return mark(new Expr.Constant(-d), start);
            }
            return mark(new Expr.Negate(inner), start);
        }
        if (acceptOp("+")) {
            return unary();
        }
        return postfix();
    }

    private Expr postfix() {
        int start = i;
        Expr e = primary();
        while (true) {
            if (acceptOp("[")) {
                Expr idx = expr();
                expectOp("]");
                if (e instanceof Expr.Field f && idx instanceof Expr.Constant k && k.value() instanceof String key) {
                    List<String> chain = new ArrayList<>(f.chain());
                    chain.add(key);
                    e = mark(new Expr.Field(chain), start);
                    continue;
                }
                e = mark(new Expr.ArrayAccess(e, idx), start);
            } else if (op(":")) {
                throw error("Casts with '::' are not supported; use toString, toInt, toFloat, toDate …", peek());
            } else {
                return e;
            }
        }
    }

    private Expr primary() {
        int start = i;
        Token t = peek();
        switch (t.kind()) {
            case NUMBER -> {
                i++;
                return mark(new Expr.Constant(number(t)), start);
            }
            case STRING -> {
                i++;
                return mark(new Expr.Constant(t.text()), start);
            }
            case EOF -> throw error("Unexpected end of query", t);
            case OP -> {
                return opPrimary(t, start);
            }
            default -> {
                return identPrimary(t, start);
            }
        }
    }

    private Object number(Token t) {
        String s = t.text();
        if (s.matches("\\d+")) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                return Double.parseDouble(s);
            }
        }
        double d = Double.parseDouble(s);
        if (Double.isInfinite(d)) {
            throw error("Number out of range", t);
        }
        return d;
    }

    private Expr opPrimary(Token t, int start) {
        if (t.isOp("(")) {
            i++;
            if (kw("select") || kw("with")) {
                SelectLike q = selectUnion();
                expectOp(")");
                return mark(q, start);
            }
            if (acceptOp(")")) {
                return mark(new Expr.TupleLit(List.of()), start);
            }
            Expr first = expr();
            if (acceptKw("as")) {
                first = mark(new Expr.Alias(first, identifier("alias")), start);
            }
            if (acceptOp(")")) {
                return first;
            }
            List<Expr> items = new ArrayList<>(List.of(first));
            while (acceptOp(",")) {
                items.add(expr());
            }
            expectOp(")");
            return mark(new Expr.TupleLit(items), start);
        }
        if (t.isOp("[")) {
            i++;
            List<Expr> items = new ArrayList<>();
            if (!op("]")) {
                do {
                    items.add(expr());
                } while (acceptOp(","));
            }
            expectOp("]");
            return mark(new Expr.ArrayLit(items), start);
        }
        if (t.isOp("{")) {
            i++;
            String name = identifier("placeholder name");
            while (acceptOp(".")) {  // {variables.code_name}: a HogQL variable
                name = name + "." + identifier("placeholder name");
            }
            expectOp("}");
            return mark(new Expr.Placeholder(name), start);
        }
        if (t.isOp("*")) {
            i++;
            return mark(new Expr.Star(null), start);
        }
        throw error("Unexpected " + describe(t), t);
    }

    private Expr identPrimary(Token t, int start) {
        if (t.kind() == Token.Kind.IDENT) {
            String w = t.text().toLowerCase(Locale.ROOT);
            switch (w) {
                case "true", "false" -> {
                    if (!peek(1).isOp("(") && !peek(1).isOp(".")) {
                        i++;
                        return mark(new Expr.Constant(w.equals("true")), start);
                    }
                }
                case "null" -> {
                    if (!peek(1).isOp("(") && !peek(1).isOp(".")) {
                        i++;
                        return mark(new Expr.Constant(null), start);
                    }
                }
                case "case" -> {
                    i++;
                    return mark(caseExpr(), start);
                }
                case "interval" -> {
                    if (!peek(1).isOp("(")) {
                        i++;
                        return mark(interval(), start);
                    }
                }
                case "select", "from", "where", "group", "order", "limit", "having", "union", "when", "then",
                        "else", "end", "and", "or" -> throw error("Unexpected " + describe(t), t);
                default -> { }
            }
        }
        // function call
        if (t.kind() == Token.Kind.IDENT && peek(1).isOp("(")) {
            i += 2;
            Expr.Call call = call(t.text());
            return mark(kw("over") ? window(call) : call, start);
        }
        // field chain
        List<String> chain = new ArrayList<>();
        chain.add(next().text());
        while (op(".")) {
            i++;
            Token n = peek();
            if (n.isOp("*")) {
                i++;
                if (chain.size() != 1) {
                    throw error("Unexpected '*'", n);
                }
                return mark(new Expr.Star(chain.get(0)), start);
            }
            if (n.kind() == Token.Kind.IDENT || n.kind() == Token.Kind.QUOTED_IDENT || n.kind() == Token.Kind.STRING
                    || n.kind() == Token.Kind.NUMBER) {
                i++;
                chain.add(n.text());
            } else {
                throw error("Expected a name after '.' but found " + describe(n), n);
            }
        }
        return mark(new Expr.Field(chain), start);
    }

    /** {@code OVER (PARTITION BY ... ORDER BY ...)} after a call; frames (ROWS/RANGE) are not supported. */
    private Expr.Window window(Expr.Call call) {
        expectKw("over");
        expectOp("(");
        List<Expr> partitionBy = new ArrayList<>();
        if (acceptKw("partition")) {
            expectKw("by");
            do {
                partitionBy.add(expr());
            } while (acceptOp(","));
        }
        List<OrderExpr> orderBy = new ArrayList<>();
        if (acceptKw("order")) {
            expectKw("by");
            do {
                orderBy.add(orderExpr());
            } while (acceptOp(","));
        }
        if (kw("rows") || kw("range") || kw("groups")) {
            throw error("Window frames (ROWS/RANGE) are not supported", peek());
        }
        expectOp(")");
        return new Expr.Window(call, partitionBy, orderBy);
    }

    private Expr.Call call(String name) {
        boolean distinct = false;
        List<Expr> args = callArgs();
        List<Expr> params = null;
        if (op("(")) {
            // parametric aggregate: name(params)(args)
            i++;
            params = args;
            args = callArgs();
        }
        if (!args.isEmpty() && args.get(0) instanceof Expr.Call c && c.name().equals("\u0000distinct")) {
            distinct = true;
            List<Expr> a = new ArrayList<>(c.args());
            a.addAll(args.subList(1, args.size()));
            args = a;
        }
        if (name.equalsIgnoreCase("count") && args.size() == 1 && args.get(0) instanceof Expr.Star s
                && s.table() == null && !distinct) {
            args = List.of();
        }
        return new Expr.Call(name, args, params, distinct);
    }

    /** Reads arguments after '(' up to and including ')'. A leading DISTINCT is returned as a marker call. */
    private List<Expr> callArgs() {
        List<Expr> args = new ArrayList<>();
        if (acceptOp(")")) {
            return args;
        }
        boolean distinct = acceptKw("distinct");
        do {
            args.add(lambdaOrExpr());
        } while (acceptOp(","));
        expectOp(")");
        if (distinct) {
            return new ArrayList<>(List.of(new Expr.Call("\u0000distinct", args, null, false)));
        }
        return args;
    }

    /** {@code x -> body}, {@code (x, y) -> body}, or else an ordinary expression. */
    private Expr lambdaOrExpr() {
        int start = i;
        List<String> params = new ArrayList<>();
        if (peek().kind() == Token.Kind.IDENT && peek(1).isOp("->")) {
            params.add(next().text());
        } else if (op("(")) {
            int k = 1;
            while (peek(k).kind() == Token.Kind.IDENT && (peek(k + 1).isOp(",") || peek(k + 1).isOp(")"))) {
                if (peek(k + 1).isOp(")")) {
                    if (peek(k + 2).isOp("->")) {
                        i++;
                        do {
                            params.add(next().text());
                        } while (acceptOp(","));
                        expectOp(")");
                    }
                    break;
                }
                k += 2;
            }
        }
        if (params.isEmpty()) {
            return expr();
        }
        expectOp("->");
        Expr body = expr();
        return mark(new Expr.Lambda(params, body), start);
    }

    private Expr caseExpr() {
        Expr subject = null;
        if (!kw("when")) {
            subject = expr();
        }
        List<Expr> conds = new ArrayList<>();
        List<Expr> results = new ArrayList<>();
        while (acceptKw("when")) {
            conds.add(expr());
            expectKw("then");
            results.add(expr());
        }
        if (conds.isEmpty()) {
            throw error("Expected WHEN but found " + describe(peek()), peek());
        }
        Expr otherwise = null;
        if (acceptKw("else")) {
            otherwise = expr();
        }
        expectKw("end");
        return new Expr.Case(subject, conds, results, otherwise);
    }

    private Expr interval() {
        Token t = peek();
        if (t.kind() == Token.Kind.STRING) {
            i++;
            String[] parts = t.text().trim().split("\\s+");
            if (parts.length != 2 || !parts[0].matches("-?\\d{1,18}")) {
                throw error("Invalid interval '" + t.text() + "'", t);
            }
            return new Expr.Interval(new Expr.Constant(Long.parseLong(parts[0])), unit(parts[1], t));
        }
        Expr amount = unary();
        Token u = peek();
        if (u.kind() != Token.Kind.IDENT) {
            throw error("Expected an interval unit but found " + describe(u), u);
        }
        i++;
        return new Expr.Interval(amount, unit(u.text(), u));
    }

    private String unit(String raw, Token t) {
        String u = raw.toLowerCase(Locale.ROOT);
        if (u.endsWith("s")) {
            u = u.substring(0, u.length() - 1);
        }
        if (!INTERVAL_UNITS.contains(u)) {
            throw error("Unknown interval unit '" + raw + "'", t);
        }
        return u;
    }

    String source() {
        return src;
    }
}

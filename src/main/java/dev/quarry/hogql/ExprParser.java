package dev.quarry.hogql;

import dev.quarry.hogql.SelectQuery.OrderExpr;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The expression half of HogQL's recursive-descent parser, over the token stream: operators by precedence, calls,
 * lambdas, literals, CASE, INTERVAL, IN COHORT. {@link Parser} adds the statements (SELECT and its clauses).
 */
abstract class ExprParser {
    final String src;
    final List<Token> tokens;
    int i;
    final Map<Object, int[]> positions = new IdentityHashMap<>();
    private int nodes;

    /** Deeper bracket nesting than this is refused before parsing, so recursion cannot exhaust the stack. */
    static final int MAX_NESTING = 256;


    /** Lexes {@code src}; text past {@link CompileBudget#MAX_QUERY_CHARS} is refused before lexing. */
    ExprParser(String src) {
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

    /** A SELECT or UNION ALL at the current token (a subquery inside an expression). */
    abstract SelectLike selectUnion();

    /** One ORDER BY item (also in a window's OVER). */
    abstract SelectQuery.OrderExpr orderExpr();

    void expectEnd() {
        if (peek().isOp(";")) {
            i++;
        }
        if (peek().kind() != Token.Kind.EOF) {
            Token t = peek();
            throw error("Unexpected " + describe(t) + ", expected end of query", t);
        }
    }

    // ---------------------------------------------------------------- tokens

    Token peek() {
        return tokens.get(i);
    }

    Token peek(int k) {
        return tokens.get(Math.min(i + k, tokens.size() - 1));
    }

    Token next() {
        Token t = tokens.get(i);
        if (t.kind() != Token.Kind.EOF) {
            i++;
        }
        return t;
    }

    boolean kw(String k) {
        return peek().isKeyword(k);
    }

    boolean acceptKw(String k) {
        if (kw(k)) {
            i++;
            return true;
        }
        return false;
    }

    void expectKw(String k) {
        if (!acceptKw(k)) {
            throw error("Expected " + k.toUpperCase(Locale.ROOT) + " but found " + describe(peek()), peek());
        }
    }

    boolean op(String o) {
        return peek().isOp(o);
    }

    boolean acceptOp(String o) {
        if (op(o)) {
            i++;
            return true;
        }
        return false;
    }

    void expectOp(String o) {
        if (!acceptOp(o)) {
            throw error("Expected '" + o + "' but found " + describe(peek()), peek());
        }
    }

    static String describe(Token t) {
        return switch (t.kind()) {
            case EOF -> "end of query";
            case STRING -> "string literal";
            default -> "'" + t.text() + "'";
        };
    }

    HogQLSyntaxException error(String message, Token t) {
        return new HogQLSyntaxException(message, t.line(), t.column(), t.start(), Math.max(t.end(), t.start() + 1));
    }

    <T> T mark(T node, int startTok) {
        CompileBudget.checkAstElements(++nodes);
        int start = tokens.get(startTok).start();
        int end = tokens.get(Math.max(startTok, i - 1)).end();
        positions.putIfAbsent(node, new int[] {start, end});
        return node;
    }

    String identifier(String what) {
        Token t = peek();
        if (t.kind() == Token.Kind.QUOTED_IDENT || (t.kind() == Token.Kind.IDENT)) {
            i++;
            return t.text();
        }
        throw error("Expected " + what + " but found " + describe(t), t);
    }

    boolean isAliasToken(Token t) {
        return t.kind() == Token.Kind.QUOTED_IDENT
                || (t.kind() == Token.Kind.IDENT && !Parser.RESERVED.contains(t.text().toLowerCase(Locale.ROOT)));
    }

    // ---------------------------------------------------------------- select

    public Expr expr() {
        int start = i;
        Expr e = or();
        if (op("?") && !peek(1).isOp("?")) {
            i++;
            Expr then = expr();
            expectOp(":");
            return mark(Expr.Call.of("if", e, then, expr()), start);
        }
        return e;
    }

    Expr or() {
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

    Expr and() {
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

    Expr not() {
        int start = i;
        if (acceptKw("not")) {
            return mark(new Expr.Not(not()), start);
        }
        Expr e = comparison();
        while (op("?") && peek(1).isOp("?")) {
            i += 2;
            e = mark(Expr.Call.of("ifNull", e, comparison()), start);
        }
        return e;
    }

    Expr comparison() {
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
            if (t.kind() == Token.Kind.OP && t.text().contains("~")) {
                // regular expressions (PostHog's match, the starred forms case-insensitive with (?i))
                i++;
                Expr pattern = additive();
                if (t.text().endsWith("*")) {
                    pattern = Expr.Call.of("concat", new Expr.Constant("(?i)"), pattern);
                }
                Expr match = Expr.Call.of("match", left, pattern);
                left = mark(t.text().startsWith("!") ? new Expr.Not(match) : match, start);
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
     * {@code SELECT person_id FROM cohort_people WHERE cohort_id = #cohort(12 or 'name')} (the printer walls it to the
     * team like any table; the resolver checks the id or name against the team's cohorts when the caller gave them).
     */
    Expr cohort() {
        int start = i;
        i++; // COHORT
        Token t = next();
        if (t.kind() == Token.Kind.NUMBER && !t.text().matches("\\d{1,18}")) {
            throw error("A cohort id must be a whole number", t);
        }
        Expr id = Expr.Call.of(Functions.COHORT,
                new Expr.Constant(t.kind() == Token.Kind.NUMBER ? (Object) Long.parseLong(t.text()) : t.text()));
        SelectQuery sub = SelectQuery.of(List.of(Expr.Field.of("person_id")), "cohort_people",
                new Expr.Compare("=", Expr.Field.of("cohort_id"), id));
        return mark(sub, start);
    }

    Expr inRight() {
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

    Expr additive() {
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

    Expr multiplicative() {
        int start = i;
        Expr e = unary();
        while (op("*") || op("/") || op("%")) {
            String o = next().text();
            e = mark(new Expr.Arithmetic(o, e, unary()), start);
        }
        return e;
    }

    Expr unary() {
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

    Expr postfix() {
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
            } else if (op(":") && peek(1).isOp(":")) {
                throw error("Casts with '::' are not supported; use toString, toInt, toFloat, toDate …", peek());
            } else {
                return e;
            }
        }
    }

    Expr primary() {
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

    Object number(Token t) {
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

    Expr opPrimary(Token t, int start) {
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

    Expr identPrimary(Token t, int start) {
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
                case "inf", "nan" -> {
                    if (!peek(1).isOp("(") && !peek(1).isOp(".")) {
                        i++;
                        return mark(new Expr.Constant(w.equals("inf") ? Double.POSITIVE_INFINITY : Double.NaN), start);
                    }
                }
                case "date", "timestamp" -> {
                    // DATE '2024-01-01', TIMESTAMP '2024-01-01 10:00:00'
                    if (peek(1).kind() == Token.Kind.STRING) {
                        i++;
                        return mark(Expr.Call.of(w.equals("date") ? "toDate" : "toDateTime",
                                new Expr.Constant(next().text())), start);
                    }
                }
                case "cast" -> {
                    if (peek(1).isOp("(")) {
                        return mark(cast(), start);
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
        while (op(".") || (op("?") && peek(1).isOp("."))) {
            // x?.y and x?.['y'] (null-safe access) read as x.y and x['y']: a missing property is NULL either way
            if (op("?")) {
                i++;
                if (peek(1).isOp("[")) {
                    i++;
                    break;
                }
            }
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

    /**
     * {@code CAST(x AS Type)}: the conversion function of the type (PostHog's type cast), e.g. {@code toString},
     * {@code toInt}, {@code toDateTime}; {@code Nullable(T)} and type parameters are accepted and read as T.
     */
    Expr cast() {
        i += 2; // CAST (
        Expr x = expr();
        expectKw("as");
        Token t = peek();
        String type = identifier("a type name").toLowerCase(Locale.ROOT);
        if (type.equals("nullable") && acceptOp("(")) {
            t = peek();
            type = identifier("a type name").toLowerCase(Locale.ROOT);
            expectOp(")");
        }
        if (acceptOp("(")) {
            while (!acceptOp(")")) {
                next(); // type parameters: DateTime64(6, 'UTC'), Decimal(10, 2)
            }
        }
        expectOp(")");
        String fn = type.equals("string") ? "toString"
                : type.matches("u?int\\d*") ? "toInt"
                : type.matches("float\\d*|double") ? "toFloat"
                : type.startsWith("decimal") ? "toDecimal"
                : type.matches("date(32)?") ? "toDate"
                : type.matches("datetime(64)?") ? "toDateTime"
                : type.equals("uuid") ? "toUUID"
                : type.matches("bool(ean)?") ? "toBool" : null;
        if (fn == null) {
            throw error("CAST to " + t.text() + " is not supported", t);
        }
        return Expr.Call.of(fn, x);
    }

    /** {@code OVER (PARTITION BY ... ORDER BY ...)} after a call; frames (ROWS/RANGE) are not supported. */
    Expr.Window window(Expr.Call call) {
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

    Expr.Call call(String name) {
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
    List<Expr> callArgs() {
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
    Expr lambdaOrExpr() {
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

    Expr caseExpr() {
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

    Expr interval() {
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

    String unit(String raw, Token t) {
        String u = raw.toLowerCase(Locale.ROOT);
        if (u.endsWith("s")) {
            u = u.substring(0, u.length() - 1);
        }
        if (!Parser.INTERVAL_UNITS.contains(u)) {
            throw error("Unknown interval unit '" + raw + "'", t);
        }
        return u;
    }

    String source() {
        return src;
    }
}

package dev.quarry.hogql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The expression stage of HogQL's recursive-descent parser: operators by precedence (OR, AND, NOT, comparisons and
 * IN, IN COHORT, arithmetic, unary minus, postfix access and {@code ::} casts) down to the primaries — literals,
 * numbers, template strings, names, brackets, and the compound terms of {@link TermParser}. {@link Parser} adds the
 * statements (SELECT and its clauses).
 */
abstract class ExprParser extends TermParser {
    ExprParser(String src) {
        super(src);
    }


    public Expr expr() {
        int start = i;
        if (lambdaAhead()) {
            return lambdaOrExpr();
        }
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
        if (kw("not") && peek(1).kind() != Token.Kind.EOF && !peek(1).isOp(";")) {
            i++;
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
            } else if (kw("in")) {
                i++;
                if (op("(") && peek(1).isOp(")")) {
                    throw error("Unexpected ')'", peek(1));
                }
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
                if (acceptKw("distinct")) {
                    // a IS [NOT] DISTINCT FROM b: null-safe comparison
                    expectKw("from");
                    Expr right = additive();
                    Expr same = Expr.Call.of("or", new Expr.Compare("=", left, right),
                            new Expr.And(List.of(new Expr.IsNull(left, false), new Expr.IsNull(right, false))));
                    Expr nullSafe = Expr.Call.of("ifNull", same, new Expr.Constant(false));
                    left = mark(n ? nullSafe : new Expr.Not(nullSafe), start);
                    continue;
                }
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
        while (op("*") || op("/") || (op("%") && !percentMarker())) {
            String o = next().text();
            e = mark(new Expr.Arithmetic(o, e, unary()), start);
        }
        return e;
    }

    /** {@code LIMIT n %}: a '%' that ends the expression (PostHog's LIMIT … PERCENT marker), not a modulo. */
    private boolean percentMarker() {
        Token n = peek(1);
        return n.kind() == Token.Kind.EOF || n.isOp(")") || n.isOp(";") || n.isKeyword("offset")
                || (n.isKeyword("with") && peek(2).isKeyword("ties"));
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
            // -9223372036854775808 is Int64's smallest value: a literal, though its digits alone pass Int64
            if (inner instanceof Expr.Constant c && c.value() instanceof java.math.BigInteger b
                    && b.negate().bitLength() < 64) {
                return mark(new Expr.Constant(b.negate().longValueExact()), start);
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
                    refuseInternalNames(chain, false);
                    e = mark(new Expr.Field(chain), start);
                    continue;
                }
                e = mark(new Expr.ArrayAccess(e, idx), start);
            } else if (op("::")) {
                i++;
                Token t = peek();
                e = mark(castTo(e, typeName(), t), start);
            } else if (op(".") && peek(1).kind() == Token.Kind.NUMBER && peek(1).text().matches("\\d+")) {
                // tuple access: (1, 2).1, f(x).2
                i++;
                Token number = next();
                long position;
                try {
                    position = Long.parseLong(number.text());
                } catch (NumberFormatException tooLong) {
                    throw error("Tuple index " + number.text() + " is out of range", number);
                }
                Expr index = new Expr.Constant(position);
                e = mark(Expr.Call.of("tupleElement", e, index), start);
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
            case TEMPLATE -> {
                i++;
                return mark(template(t), start);
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
        if (s.length() > 2 && s.charAt(0) == '0' && "xXbBoO".indexOf(s.charAt(1)) >= 0) {
            int radix = "xX".indexOf(s.charAt(1)) >= 0 ? 16 : "bB".indexOf(s.charAt(1)) >= 0 ? 2 : 8;
            try {
                return Long.parseLong(s.substring(2), radix);
            } catch (NumberFormatException e) {
                throw new HogQLUnsupportedException("A number this large", t);
            }
        }
        if (s.matches("\\d+")) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                // past Int64: kept exactly up to 256 bits as ClickHouse does (UInt64 … UInt256), then Float64
                java.math.BigInteger big = new java.math.BigInteger(s);
                return Literals.bigIntegerType(big) != null ? big : Double.parseDouble(s);
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
            while (acceptOp(",") && !op(")")) {
                items.add(expr());
            }
            expectOp(")");
            return mark(new Expr.TupleLit(items), start);
        }
        if (t.isOp("[")) {
            return mark(new Expr.ArrayLit(listUntil("]")), start);
        }
        if (t.isOp("{") && !(peek(1).kind() == Token.Kind.IDENT && (peek(2).isOp("}") || peek(2).isOp(".")))) {
            // {'a': 1}: a dict literal (PostHog's Hog dicts); ClickHouse SQL has no such value
            i++;
            if (!acceptOp("}")) {
                do {
                    expr();
                    expectOp(":");
                    expr();
                } while (acceptOp(",") && !op("}"));
                expectOp("}");
            }
            unsupported("A dict literal {…}", t);
            return mark(new Expr.Constant(null), start);
        }
        if (t.isOp("<") && (peek(1).kind() == Token.Kind.IDENT)) {
            throw new HogQLUnsupportedException("A HogQLX tag <" + peek(1).text() + " …>", t);
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

    /** Items up to the closing bracket (the opening one is at i); a trailing comma is allowed, as in PostHog. */
    List<Expr> listUntil(String close) {
        i++;
        List<Expr> items = new ArrayList<>();
        while (!op(close)) {
            items.add(expr());
            if (!acceptOp(",")) {
                break;
            }
        }
        expectOp(close);
        return items;
    }

    /**
     * {@code f'text {expr} text'}: {@code concat} of its parts (a constant when it has no {@code {…}}), as PostHog
     * reads a template string; {@code \\{} is a literal brace.
     */
    Expr template(Token t) {
        String raw = t.text();
        List<Expr> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int k = 0;
        while (k < raw.length()) {
            char c = raw.charAt(k);
            if (c == '\\' && k + 1 < raw.length()) {
                char n = raw.charAt(k + 1);
                text.append(switch (n) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    default -> n;
                });
                k += 2;
            } else if (c == '{') {
                int depth = 1;
                int e = k + 1;
                while (e < raw.length() && depth > 0) {
                    char d = raw.charAt(e);
                    if (d == '\'') {
                        e++;
                        while (e < raw.length() && raw.charAt(e) != '\'') {
                            e += raw.charAt(e) == '\\' ? 2 : 1;
                        }
                    } else if (d == '{') {
                        depth++;
                    } else if (d == '}') {
                        depth--;
                    }
                    e++;
                }
                if (text.length() > 0) {
                    parts.add(new Expr.Constant(text.toString()));
                    text.setLength(0);
                }
                String inner = raw.substring(k + 1, Math.max(k + 1, e - 1));
                // the part is parsed by its own parser, counting against this query's node budget
                Parser sub = new Parser(inner);
                sub.nodes = nodes;
                try {
                    parts.add(sub.expr());
                    if (sub.peek().kind() != Token.Kind.EOF) {
                        throw sub.error("Unexpected " + describe(sub.peek()), sub.peek());
                    }
                } catch (HogQLSyntaxException ex) {
                    throw error("Invalid expression in template string: " + ex.getMessage(), t);
                }
                nodes = sub.nodes;
                if (sub.unsupported != null && unsupported == null) {
                    unsupported = sub.unsupported;
                }
                k = e;
            } else {
                text.append(c);
                k++;
            }
        }
        if (text.length() > 0 || parts.isEmpty()) {
            parts.add(new Expr.Constant(text.toString()));
        }
        return parts.size() == 1 && parts.get(0) instanceof Expr.Constant ? parts.get(0)
                : new Expr.Call("concat", parts, null, false);
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
                    if (!peek(1).isOp("(") && peek(1).kind() != Token.Kind.EOF && !peek(1).isOp(",")
                            && !peek(1).isOp(")")) {
                        i++;
                        return mark(interval(), start);
                    }
                }
                case "array" -> {
                    if (peek(1).isOp("[")) {
                        i++;
                        return mark(new Expr.ArrayLit(listUntil("]")), start);
                    }
                }
                case "trim" -> {
                    if (peek(1).isOp("(") && (peek(2).isKeyword("both") || peek(2).isKeyword("leading")
                            || peek(2).isKeyword("trailing"))) {
                        i += 2;
                        String side = next().text().toLowerCase(Locale.ROOT);
                        Expr chars = expr();
                        expectKw("from");
                        Expr x = expr();
                        expectOp(")");
                        String fn = side.equals("both") ? "trim" : side.equals("leading") ? "trimLeft" : "trimRight";
                        return mark(Expr.Call.of(fn, x, chars), start);
                    }
                }
                case "inf", "nan" -> {
                    if (!peek(1).isOp("(") && !peek(1).isOp(".")) {
                        i++;
                        return mark(new Expr.Constant(w.equals("inf") ? Double.POSITIVE_INFINITY : Double.NaN), start);
                    }
                }
                case "date", "timestamp" -> {
                    // DATE '2024-01-01': PostHog's parser refuses it (NotImplementedError), so Quarry does too
                    if (peek(1).kind() == Token.Kind.STRING) {
                        unsupported("The " + w.toUpperCase(Locale.ROOT) + " '…' literal (use to"
                                + (w.equals("date") ? "Date" : "DateTime") + "('…'))", t);
                        i++;
                        return mark(Expr.Call.of(w.equals("date") ? "toDate" : "toDateTime",
                                new Expr.Constant(next().text())), start);
                    }
                }
                case "cast" -> {
                    if (peek(1).isOp("(") && castAhead()) {
                        return mark(cast(), start);
                    }
                }
                case "select", "from", "where", "group", "order", "limit", "having", "union", "when", "then",
                        "else", "end", "and", "or" -> {
                    // a keyword with nothing after it is a column name in PostHog's grammar: select a, where;
                    // and(…) / or(…) where a value starts is PostHog's function call (its grammar's identifier)
                    boolean call = (w.equals("and") || w.equals("or")) && peek(1).isOp("(");
                    if (!call && peek(1).kind() != Token.Kind.EOF && !peek(1).isOp(";")) {
                        throw error("Unexpected " + describe(t), t);
                    }
                }
                default -> { }
            }
        }
        // function call (a quoted name too: `toString`(x))
        if ((t.kind() == Token.Kind.IDENT || t.kind() == Token.Kind.QUOTED_IDENT) && peek(1).isOp("(")) {
            if (t.text().startsWith("#")) {
                // Quarry's internal functions (#cohort …) are not callable by name
                unsupported("Function " + t.text(), t);
            }
            i += 2;
            Expr.Call call = call(t.text());
            if (kw("filter") && peek(1).isOp("(") && peek(2).isKeyword("where")) {
                // agg(x) FILTER (WHERE c): the -If combinator, aggIf(x, c)
                i += 3;
                Expr cond = expr();
                expectOp(")");
                List<Expr> args = new ArrayList<>(call.args());
                args.add(cond);
                call = new Expr.Call(call.name() + "If", args, call.params(), call.distinct());
            }
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
            if (n.kind() == Token.Kind.IDENT || n.kind() == Token.Kind.QUOTED_IDENT || n.kind() == Token.Kind.NUMBER) {
                i++;
                chain.add(n.text());
            } else {
                throw error("Expected a name after '.' but found " + describe(n), n);
            }
        }
        refuseInternalNames(chain, false);
        return mark(new Expr.Field(chain), start);
    }

}

package dev.quarry.hogql;

import dev.quarry.hogql.SelectQuery.OrderExpr;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The compound terms of HogQL expressions, each opened by a word or a call: function calls and their arguments,
 * {@code OVER} windows and frames, lambdas, {@code CASE}, {@code INTERVAL}, {@code CAST}. Their operands are full
 * expressions, read by {@link ExprParser}, the next stage.
 */
abstract class TermParser extends TokenReader {
    TermParser(String src) {
        super(src);
    }

    /** A full expression (lowest precedence first), read by {@link ExprParser}. */
    public abstract Expr expr();

    /** A unary-minus operand and what binds tighter (an INTERVAL's amount), read by {@link ExprParser}. */
    abstract Expr unary();

    /** After {@code CAST(}: true when it is {@code CAST(x AS Type)} (else {@code cast(x, 'T')} is a function call). */
    boolean castAhead() {
        int depth = 0;
        for (int k = i + 1; k < tokens.size(); k++) {
            Token t = tokens.get(k);
            if (t.isOp("(") || t.isOp("[")) {
                depth++;
            } else if (t.isOp(")") || t.isOp("]")) {
                if (--depth == 0) {
                    return false;
                }
            } else if (depth == 1 && (t.isKeyword("as") || t.isOp(","))) {
                return t.isKeyword("as");
            } else if (t.kind() == Token.Kind.EOF) {
                return false;
            }
        }
        return false;
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
        String type = typeName();
        expectOp(")");
        return castTo(x, type, t);
    }

    /** A type name after AS or {@code ::}, lower-cased: {@code Nullable(T)} reads as T, parameters are skipped. */
    String typeName() {
        String type = identifier("a type name").toLowerCase(Locale.ROOT);
        if (type.equals("nullable") && acceptOp("(")) {
            type = identifier("a type name").toLowerCase(Locale.ROOT);
            expectOp(")");
        }
        if (acceptOp("(")) {
            int depth = 1;
            while (depth > 0) {
                Token n = next(); // type parameters: DateTime64(6, 'UTC'), Decimal(10, 2)
                if (n.kind() == Token.Kind.EOF) {
                    throw error("Expected ')' but found end of query", n);
                }
                depth += n.isOp("(") ? 1 : n.isOp(")") ? -1 : 0;
            }
        }
        return type;
    }

    /** The conversion of {@code x} to the type; a type Quarry cannot convert to is refused by name. */
    Expr castTo(Expr x, String type, Token at) {
        String fn = type.equals("string") || type.equals("text") || type.equals("varchar") ? "toString"
                : type.matches("u?int\\d*|integer|bigint") ? "toInt"
                : type.matches("float\\d*|double") ? "toFloat"
                : type.startsWith("decimal") ? "toDecimal"
                : type.matches("date(32)?") ? "toDate"
                : type.matches("datetime(64)?") ? "toDateTime"
                : type.equals("uuid") ? "toUUID"
                : type.matches("bool(ean)?") ? "toBool" : null;
        if (fn == null) {
            unsupported("A cast to " + at.text(), at);
            return x;
        }
        return Expr.Call.of(fn, x);
    }

    /** {@code OVER (…)} or {@code OVER name} (a window of the SELECT's WINDOW clause) after a call. */
    Expr.Window window(Expr.Call call) {
        expectKw("over");
        Expr.Window w = op("(") ? windowSpec() : named(identifier("window name"), null);
        return new Expr.Window(call, w.partitionBy(), w.orderBy(), w.frame(), w.name());
    }

    /**
     * The named window refined by {@code own} (its PARTITION BY, ORDER BY and frame win when written), inlined when
     * known; else a window keeping the name (the printer refuses a name that no WINDOW clause defines).
     */
    private Expr.Window named(String name, Expr.Window own) {
        Expr.Window base = windows.get(name);
        if (base == null) {
            windowsUsed = true;
            return own == null ? new Expr.Window(null, List.of(), List.of(), null, name)
                    : new Expr.Window(null, own.partitionBy(), own.orderBy(), own.frame(), name);
        }
        if (own == null) {
            return base;
        }
        return new Expr.Window(null, own.partitionBy().isEmpty() ? base.partitionBy() : own.partitionBy(),
                own.orderBy().isEmpty() ? base.orderBy() : own.orderBy(), own.frame() == null ? base.frame() : own.frame(),
                base.name());
    }

    /**
     * {@code ([base] [PARTITION BY …] [ORDER BY …] [ROWS|RANGE frame])}, the parentheses included; the call of the
     * returned window is null. A frame is {@code BETWEEN a AND b} or a single start; each bound
     * {@code UNBOUNDED PRECEDING|FOLLOWING}, {@code CURRENT ROW} or {@code n PRECEDING|FOLLOWING}.
     */
    Expr.Window windowSpec() {
        expectOp("(");
        String base = null;
        if (peek().kind() == Token.Kind.IDENT && !kw("partition") && !kw("order") && !kw("rows") && !kw("range")) {
            base = identifier("window name");
        }
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
        Expr.Frame frame = null;
        if (kw("rows") || kw("range")) {
            String method = next().text().toUpperCase(Locale.ROOT);
            if (acceptKw("between")) {
                Expr.FrameBound from = frameBound();
                expectKw("and");
                frame = new Expr.Frame(method, from, frameBound());
            } else {
                frame = new Expr.Frame(method, frameBound(), null);
            }
        }
        expectOp(")");
        Expr.Window own = new Expr.Window(null, partitionBy, orderBy, frame, null);
        return base == null ? own : named(base, own);
    }

    private Expr.FrameBound frameBound() {
        if (acceptKw("unbounded")) {
            Token t = peek();
            if (acceptKw("preceding")) {
                return new Expr.FrameBound("PRECEDING", null);
            }
            if (acceptKw("following")) {
                return new Expr.FrameBound("FOLLOWING", null);
            }
            throw error("Expected PRECEDING or FOLLOWING but found " + describe(t), t);
        }
        if (acceptKw("current")) {
            expectKw("row");
            return new Expr.FrameBound("CURRENT ROW", null);
        }
        Token n = peek();
        if (n.kind() != Token.Kind.NUMBER || !n.text().matches("\\d{1,9}")) {
            throw error("Expected a frame bound but found " + describe(n), n);
        }
        i++;
        Long offset = Long.parseLong(n.text());
        Token t = peek();
        if (acceptKw("preceding")) {
            return new Expr.FrameBound("PRECEDING", offset);
        }
        if (acceptKw("following")) {
            return new Expr.FrameBound("FOLLOWING", offset);
        }
        throw error("Expected PRECEDING or FOLLOWING but found " + describe(t), t);
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
            if (op(")") && !args.isEmpty()) {
                break; // f(a, b,): a trailing comma
            }
            if (kw("select") || kw("with")) {
                args.add(selectUnion()); // exists(select …)
            } else {
                args.add(lambdaOrExpr());
            }
        } while (acceptOp(","));
        expectOp(")");
        if (distinct) {
            return new ArrayList<>(List.of(new Expr.Call("\u0000distinct", args, null, false)));
        }
        return args;
    }

    /** True when a lambda ({@code x ->}, {@code (x, y) ->}, {@code () ->}) starts at the current token. */
    boolean lambdaAhead() {
        if (peek().kind() == Token.Kind.IDENT && peek(1).isOp("->")) {
            return true;
        }
        if (!op("(")) {
            return false;
        }
        int k = 1;
        if (peek(1).isOp(")")) {
            return peek(2).isOp("->");
        }
        while (peek(k).kind() == Token.Kind.IDENT && (peek(k + 1).isOp(",") || peek(k + 1).isOp(")"))) {
            if (peek(k + 1).isOp(")")) {
                return peek(k + 2).isOp("->");
            }
            k += 2;
        }
        return false;
    }

    /** {@code x -> body}, {@code (x, y) -> body}, {@code () -> body}, or else an ordinary expression. */
    Expr lambdaOrExpr() {
        int start = i;
        List<String> params = new ArrayList<>();
        if (op("(") && peek(1).isOp(")") && peek(2).isOp("->")) {
            i += 3;
            return mark(new Expr.Lambda(List.of(), expr()), start);
        }
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
        if (t.kind() == Token.Kind.STRING && peek(1).kind() == Token.Kind.IDENT && t.text().trim().matches("-?\\d{1,18}")
                && Parser.INTERVAL_UNITS.contains(peek(1).text().toLowerCase(Locale.ROOT))) {
            i++; // INTERVAL '2' DAY
            Token u = next();
            return new Expr.Interval(new Expr.Constant(Long.parseLong(t.text().trim())), unit(u.text(), u));
        }
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
        if (!Parser.INTERVAL_UNITS.contains(u.text().toLowerCase(Locale.ROOT))) {
            // INTERVAL 7 DAYS: PostHog's grammar takes only the singular unit outside a string
            throw error("Unknown interval unit '" + u.text() + "'", u);
        }
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

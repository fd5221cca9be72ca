package dev.quarry.hogql;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The first stage of HogQL's recursive-descent parser: the token stream and what every later stage shares — the
 * cursor, keyword and operator matching, syntax errors with positions, node positions and the AST budget, names and
 * aliases, the first construct Quarry refuses. {@link TermParser} (compound terms), {@link ExprParser} (operators
 * and primaries) and {@link Parser} (statements) build on it.
 */
abstract class TokenReader {
    final String src;
    final List<Token> tokens;
    int i;
    final Map<Object, int[]> positions = new IdentityHashMap<>();
    /** Nodes built so far, template strings' parts included, against {@link CompileBudget#MAX_AST_ELEMENTS}. */
    int nodes;
    /**
     * The first construct found that is valid HogQL but that Quarry does not run; thrown once the whole text has
     * parsed, so that a syntax error anywhere still reads as a syntax error (as in PostHog's parser).
     */
    HogQLUnsupportedException unsupported;
    /** Named windows of WINDOW clauses (name → specification, call null), inlined where OVER names them. */
    final Map<String, Expr.Window> windows = new java.util.HashMap<>();
    /** An OVER named a window not (yet) known: the statement is parsed again once the WINDOW clauses are known. */
    boolean windowsUsed;

    /** Deeper bracket nesting than this is refused before parsing, so recursion cannot exhaust the stack. */
    static final int MAX_NESTING = 256;


    /** Lexes {@code src}; text past {@link CompileBudget#MAX_QUERY_CHARS} is refused before lexing. */
    TokenReader(String src) {
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
        if (unsupported != null) {
            throw unsupported;
        }
    }

    /** Notes a valid construct Quarry refuses (see {@link #unsupported}); the first one noted is reported. */
    void unsupported(String construct, Token at) {
        if (unsupported == null) {
            unsupported = new HogQLUnsupportedException(construct, at);
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

    /**
     * Quarry's internal tables and columns ({@code #person_overrides}, {@code #session_key},
     * {@code #stored_person_id}: {@link Schema}) are built into ASTs by its runners and are not part of HogQL; a
     * quoted name starting with {@code #} in user text is unknown, as the resolver answers any unknown name, unless it
     * is a property's key (it follows {@code properties}). {@code table} for a FROM/JOIN table's name.
     */
    static void refuseInternalNames(java.util.List<String> chain, boolean table) {
        for (int k = 0; k < chain.size(); k++) {
            if (chain.get(k).startsWith("#") && (table || k == 0 || !chain.get(k - 1).equals("properties"))) {
                throw new HogQLResolutionException(table ? "Unknown table \"" + String.join(".", chain) + "\""
                        : k == 0 ? "Unable to resolve field: " + chain.get(0) : "Field not found: " + chain.get(k));
            }
        }
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
                || (t.kind() == Token.Kind.IDENT && !Parser.RESERVED.contains(t.text().toLowerCase(Locale.ROOT))
                        && !LITERAL_WORDS.contains(t.text().toLowerCase(Locale.ROOT)));
    }

    /** Words PostHog never takes as an alias or identifier ("cannot be an alias or identifier"). */
    static final java.util.Set<String> LITERAL_WORDS = java.util.Set.of("true", "false", "null");

    /** An alias after AS: a name, never true / false / null (PostHog: a reserved keyword). */
    String aliasAfterAs() {
        Token t = peek();
        if (t.kind() == Token.Kind.IDENT && LITERAL_WORDS.contains(t.text().toLowerCase(Locale.ROOT))) {
            throw error("\"" + t.text() + "\" cannot be an alias or identifier, as it's a reserved keyword", t);
        }
        return identifier("alias");
    }
}

package dev.quarry.hogql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits HogQL text into tokens. Comments ({@code --}, {@code /* *}{@code /}) are skipped; an unterminated
 * {@code /*} is the two operators, as in PostHog's lexer. Numbers are decimal, float ({@code 1.5}, {@code .5},
 * {@code 1.e5}), hex {@code 0x1F}, binary {@code 0b101} or octal {@code 0o17}; a number runs into a name without a
 * space ({@code 12abc} is 12 aliased abc, as PostHog reads it). {@code f'…{expr}…'} is a template string.
 */
public final class Lexer {
    private static final String[] OPS = {
        "=~*", "!~*", "=~", "!~", "~*", "::", "==", "!=", "<>", "<=", ">=", "||", "->", "=", "<", ">", "+", "-", "*", "/",
        "%", "(", ")", "[", "]", ",", ".", "{", "}", ";", ":", "?", "~"
    };

    private final String src;
    private int pos;
    private int line = 1;
    private int lineStart;

    private Lexer(String src) {
        this.src = src;
    }

    public static List<Token> tokenize(String src) {
        return new Lexer(src).run();
    }

    private HogQLSyntaxException error(String message, int start, int end) {
        int l = 1;
        int ls = 0;
        for (int i = 0; i < start && i < src.length(); i++) {
            if (src.charAt(i) == '\n') {
                l++;
                ls = i + 1;
            }
        }
        return new HogQLSyntaxException(message, l, start - ls + 1, start, end);
    }

    private List<Token> run() {
        List<Token> out = new ArrayList<>();
        while (true) {
            skipSpaceAndComments();
            if (pos >= src.length()) {
                out.add(new Token(Token.Kind.EOF, "", pos, pos, line, pos - lineStart + 1));
                return out;
            }
            int start = pos;
            int col = pos - lineStart + 1;
            int ln = line;
            char c = src.charAt(pos);
            if ((c == 'f' || c == 'F') && pos + 1 < src.length() && src.charAt(pos + 1) == '\''
                    && (out.isEmpty() || !out.get(out.size() - 1).isOp("."))) {
                pos++;
                out.add(new Token(Token.Kind.TEMPLATE, template(start), start, pos, ln, col));
            } else if (Character.isLetter(c) || c == '_' || c == '$') {
                while (pos < src.length() && isIdentPart(src.charAt(pos))) {
                    pos++;
                }
                out.add(new Token(Token.Kind.IDENT, src.substring(start, pos), start, pos, ln, col));
            } else if (Character.isDigit(c) || (c == '.' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1))
                    && !(out.size() > 0 && endsChainable(out.get(out.size() - 1))))) {
                out.add(number(start, ln, col));
            } else if (c == '\'') {
                out.add(new Token(Token.Kind.STRING, quoted('\''), start, pos, ln, col));
            } else if (c == '`' || c == '"') {
                String name = quoted(c);
                out.add(new Token(Token.Kind.QUOTED_IDENT, name, start, pos, ln, col));
            } else {
                String op = null;
                for (String o : OPS) {
                    if (src.startsWith(o, pos)) {
                        op = o;
                        break;
                    }
                }
                if (op == null) {
                    throw error("Unexpected character '" + c + "'", pos, pos + 1);
                }
                pos += op.length();
                out.add(new Token(Token.Kind.OP, op, start, pos, ln, col));
            }
        }
    }

    private static boolean endsChainable(Token t) {
        return t.kind() == Token.Kind.IDENT || t.kind() == Token.Kind.QUOTED_IDENT || t.kind() == Token.Kind.NUMBER
                || t.isOp(")") || t.isOp("]");
    }

    private static boolean isIdentPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private Token number(int start, int ln, int col) {
        if (src.charAt(pos) == '0' && pos + 2 < src.length()) {
            char base = Character.toLowerCase(src.charAt(pos + 1));
            int radix = base == 'x' ? 16 : base == 'b' ? 2 : base == 'o' ? 8 : 0;
            if (base == 'o' && Character.isDigit(src.charAt(pos + 2))) {
                throw error("HogQL does not support 0o-prefixed octal literals; use a decimal number", start, pos + 3);
            }
            if (base == 'b' && Character.isDigit(src.charAt(pos + 2)) && src.charAt(pos + 2) > '1') {
                throw error("Invalid binary literal", start, pos + 3);
            }
            if (radix == 8) {
                radix = 0;
            }
            if (radix > 0 && Character.digit(src.charAt(pos + 2), radix) >= 0) {
                pos += 2;
                while (pos < src.length() && Character.digit(src.charAt(pos), radix) >= 0) {
                    pos++;
                }
                return new Token(Token.Kind.NUMBER, src.substring(start, pos), start, pos, ln, col);
            }
        }
        while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
            pos++;
        }
        if (pos < src.length() && src.charAt(pos) == '.' && pos + 1 < src.length()
                && (Character.isDigit(src.charAt(pos + 1)) || (pos > start && isExponent(pos + 1)))) {
            pos++;
            while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                pos++;
            }
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int save = pos;
            pos++;
            if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
                pos++;
            }
            if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                    pos++;
                }
            } else {
                pos = save;
            }
        }
        return new Token(Token.Kind.NUMBER, src.substring(start, pos), start, pos, ln, col);
    }

    /** An exponent ({@code e5}, {@code E-5}) starts at i. */
    private boolean isExponent(int i) {
        if (i >= src.length() || Character.toLowerCase(src.charAt(i)) != 'e') {
            return false;
        }
        int k = i + 1;
        if (k < src.length() && (src.charAt(k) == '+' || src.charAt(k) == '-')) {
            k++;
        }
        return k < src.length() && Character.isDigit(src.charAt(k));
    }

    /**
     * Reads a template string {@code f'…'} whose opening quote is at pos: the raw text between the quotes, with
     * {@code {expr}} parts (which may hold quoted strings) kept for the parser to split.
     */
    private String template(int start) {
        pos++; // opening quote
        int from = pos;
        int depth = 0;
        while (true) {
            if (pos >= src.length()) {
                throw error("Unterminated string", start, src.length());
            }
            char c = src.charAt(pos);
            if (c == '\\' && pos + 1 < src.length()) {
                pos += 2;
            } else if (c == '{') {
                depth++;
                pos++;
            } else if (c == '}' && depth > 0) {
                depth--;
                pos++;
            } else if (c == '\'' && depth > 0) {
                quoted('\'');
            } else if (c == '\'' && depth == 0) {
                String raw = src.substring(from, pos);
                pos++;
                return raw;
            } else {
                if (c == '\n') {
                    line++;
                    lineStart = pos + 1;
                }
                pos++;
            }
        }
    }

    /** Reads a quoted string or identifier starting at pos (the opening quote), decoding escapes. */
    private String quoted(char q) {
        int start = pos;
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= src.length()) {
                throw error(q == '\'' ? "Unterminated string" : "Unterminated quoted identifier", start, src.length());
            }
            char c = src.charAt(pos);
            if (c == '\\') {
                if (pos + 1 >= src.length()) {
                    throw error("Unterminated string", start, src.length());
                }
                char n = src.charAt(pos + 1);
                switch (n) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case '0' -> sb.append('\0');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    default -> sb.append(n);
                }
                pos += 2;
            } else if (c == q) {
                if (pos + 1 < src.length() && src.charAt(pos + 1) == q) {
                    sb.append(q);
                    pos += 2;
                } else {
                    pos++;
                    return sb.toString();
                }
            } else {
                if (c == '\n') {
                    line++;
                    lineStart = pos + 1;
                }
                sb.append(c);
                pos++;
            }
        }
    }

    private void skipSpaceAndComments() {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '\n') {
                line++;
                pos++;
                lineStart = pos;
            } else if (Character.isWhitespace(c)) {
                pos++;
            } else if (src.startsWith("--", pos)) {
                while (pos < src.length() && src.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (src.startsWith("/*", pos)) {
                int end = src.indexOf("*/", pos + 2);
                if (end < 0) {
                    return; // not a comment: '/' and '*' (PostHog's lexer reads "1 /* x" as 1 / * aliased x)
                }
                for (int i = pos; i < end; i++) {
                    if (src.charAt(i) == '\n') {
                        line++;
                        lineStart = i + 1;
                    }
                }
                pos = end + 2;
            } else {
                return;
            }
        }
    }
}

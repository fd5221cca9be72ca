package dev.quarry.hogql;

import java.util.ArrayList;
import java.util.List;

/** Splits HogQL text into tokens. Comments ({@code --}, {@code /* *}{@code /}) are skipped. */
public final class Lexer {
    private static final String[] OPS = {
        "=~*", "!~*", "=~", "!~", "~*", "==", "!=", "<>", "<=", ">=", "||", "->", "=", "<", ">", "+", "-", "*", "/",
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
            if (Character.isLetter(c) || c == '_' || c == '$') {
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
        return t.kind() == Token.Kind.IDENT || t.kind() == Token.Kind.QUOTED_IDENT || t.isOp(")") || t.isOp("]");
    }

    private static boolean isIdentPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private Token number(int start, int ln, int col) {
        while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
            pos++;
        }
        if (pos < src.length() && src.charAt(pos) == '.' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1))) {
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
        if (pos < src.length() && isIdentPart(src.charAt(pos))) {
            throw error("Invalid number", start, pos + 1);
        }
        return new Token(Token.Kind.NUMBER, src.substring(start, pos), start, pos, ln, col);
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
                    throw error("Unterminated comment", pos, src.length());
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

package dev.quarry.hogql;

/** One lexical token. {@code text} is the decoded value (string contents, identifier name, number text). */
public record Token(Kind kind, String text, int start, int end, int line, int column) {
    /** TEMPLATE: the raw text of {@code f'…'} between its quotes. */
    public enum Kind { IDENT, QUOTED_IDENT, STRING, NUMBER, TEMPLATE, OP, EOF }

    public boolean isOp(String op) {
        return kind == Kind.OP && text.equals(op);
    }

    /** A bare (unquoted) identifier equal to the keyword, case-insensitively. */
    public boolean isKeyword(String kw) {
        return kind == Kind.IDENT && text.equalsIgnoreCase(kw);
    }
}

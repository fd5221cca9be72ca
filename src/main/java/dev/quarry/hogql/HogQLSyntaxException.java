package dev.quarry.hogql;

/** The query text is not valid HogQL. Carries the 1-based line and column and the character offsets. */
public class HogQLSyntaxException extends HogQLException {
    private final int line;
    private final int column;

    public HogQLSyntaxException(String message, int line, int column, int start, int end) {
        super(message + " (line " + line + ", column " + column + ")", start, end, null);
        this.line = line;
        this.column = column;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }
}

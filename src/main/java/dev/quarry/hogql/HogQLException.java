package dev.quarry.hogql;

/** Base of every error the HogQL compiler raises; the API maps it to a 400 validation error. */
public class HogQLException extends RuntimeException {
    private final int start;
    private final int end;
    /** The AST node the error is about (used to find its position), or null. */
    private final transient Object node;

    public HogQLException(String message) {
        this(message, -1, -1, null);
    }

    public HogQLException(String message, Object node) {
        this(message, -1, -1, node);
    }

    public HogQLException(String message, int start, int end, Object node) {
        super(message);
        this.start = start;
        this.end = end;
        this.node = node;
    }

    /** Start character offset in the query text, or -1 when unknown. */
    public int start() {
        return start;
    }

    /** End character offset (exclusive) in the query text, or -1 when unknown. */
    public int end() {
        return end;
    }

    public Object node() {
        return node;
    }
}

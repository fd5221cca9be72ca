package dev.quarry.hogql;

/** The query is syntactically valid but names an unknown table, field or function, or misuses one. */
public class HogQLResolutionException extends HogQLException {
    public HogQLResolutionException(String message) {
        super(message);
    }

    public HogQLResolutionException(String message, Object node) {
        super(message, node);
    }
}

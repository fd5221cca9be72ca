package dev.quarry.web;

/** A query stopped by DELETE query/:id while it ran. */
public class QueryCancelledException extends ApiException {
    public QueryCancelledException() {
        super("query_cancelled", "Query was cancelled.", null);
    }

    @Override
    public int status() {
        return 400;
    }

    @Override
    public String type() {
        return "validation_error";
    }
}

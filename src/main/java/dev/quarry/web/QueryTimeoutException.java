package dev.quarry.web;

/** 504: a query ran past its statement timeout and was stopped. */
public class QueryTimeoutException extends ApiException {
    public QueryTimeoutException(long timeoutSeconds) {
        super("timeout", "Query has hit the max execution time of " + timeoutSeconds
                + " seconds before completing. Narrow the date range or run it async.", null);
    }

    @Override
    public int status() {
        return 504;
    }

    @Override
    public String type() {
        return "server_error";
    }
}

package dev.quarry.web;

/**
 * 504: a query ran past its statement timeout and was stopped. The body is PostHog's {@code ClickHouseQueryTimeOut}
 * (posthog/exceptions.py, an {@code APIException} with status 504 and no code of its own, so DRF's default code
 * {@code error}): {@code {"type":"server_error","code":"error","detail":"Query has hit the max execution time before
 * completing. …","attr":null}}. An async run shows the same detail as its status' {@code error_message}.
 */
public class QueryTimeoutException extends ApiException {
    /** PostHog's ClickHouseQueryTimeOut detail, word for word. */
    public static final String DETAIL = "Query has hit the max execution time before completing. See our docs for "
            + "how to improve your query performance. You may need to materialize.";

    private final long timeoutSeconds;

    /** @param timeoutSeconds the statement timeout that was hit (for logs; PostHog's detail does not name it) */
    public QueryTimeoutException(long timeoutSeconds) {
        super("error", DETAIL, null);
        this.timeoutSeconds = timeoutSeconds;
    }

    /** The statement timeout that was hit, in seconds. */
    public long timeoutSeconds() {
        return timeoutSeconds;
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

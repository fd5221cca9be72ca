package dev.quarry.web;

/**
 * 503 server_error / service_unavailable, with Retry-After: the database cannot be reached right now (restarting,
 * failing over, or every pooled connection busy past the acquisition timeout). Nothing of the request was applied
 * unless the client is told otherwise; retrying later is safe (capture deduplicates re-sent event uuids).
 */
public class ServiceUnavailableException extends ApiException {
    private final long retryAfterSeconds;

    public ServiceUnavailableException(String detail, long retryAfterSeconds) {
        super("service_unavailable", detail, null);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    @Override
    public int status() {
        return 503;
    }

    @Override
    public String type() {
        return "server_error";
    }
}

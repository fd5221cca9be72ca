package dev.quarry.web;

/** 429 throttled_error. */
public class ThrottledException extends ApiException {
    private final long retryAfterSeconds;

    public ThrottledException(String detail, long retryAfterSeconds) {
        super("throttled", detail, null);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    @Override
    public int status() {
        return 429;
    }

    @Override
    public String type() {
        return "throttled_error";
    }
}

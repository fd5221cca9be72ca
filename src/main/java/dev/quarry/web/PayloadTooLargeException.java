package dev.quarry.web;

/** 413 invalid_request: the request body is larger than Quarry accepts. */
public class PayloadTooLargeException extends ApiException {
    public PayloadTooLargeException(long limitBytes) {
        super("payload_too_large", "Request body is larger than " + limitBytes + " bytes.", null);
    }

    /** A 413 with its own code and detail (capture's {@code event_too_big}, as PostHog's capture names it). */
    public PayloadTooLargeException(String code, String detail) {
        super(code, detail, null);
    }

    @Override
    public int status() {
        return 413;
    }

    @Override
    public String type() {
        return "invalid_request";
    }
}

package dev.quarry.web;

/** 413 invalid_request: the request body is larger than Quarry accepts. */
public class PayloadTooLargeException extends ApiException {
    public PayloadTooLargeException(long limitBytes) {
        super("payload_too_large", "Request body is larger than " + limitBytes + " bytes.", null);
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

package dev.quarry.web;

/** 404 invalid_request / not_found. */
public class NotFoundException extends ApiException {
    public NotFoundException(String detail) {
        super("not_found", detail, null);
    }

    public NotFoundException() {
        this("Not found.");
    }

    @Override
    public int status() {
        return 404;
    }

    @Override
    public String type() {
        return "invalid_request";
    }
}

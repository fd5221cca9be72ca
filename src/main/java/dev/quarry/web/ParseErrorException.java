package dev.quarry.web;

/** 400 invalid_request / parse_error: a body that is not JSON, or not the shape asked for. */
public class ParseErrorException extends ApiException {
    public ParseErrorException(String detail) {
        super("parse_error", detail, null);
    }

    /** A body of the wrong shape; {@code attr} names the field at fault. */
    public ParseErrorException(String detail, String attr) {
        super("parse_error", detail, attr);
    }

    @Override
    public int status() {
        return 400;
    }

    @Override
    public String type() {
        return "invalid_request";
    }
}

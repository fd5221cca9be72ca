package dev.quarry.web;

/** 400 invalid_request / parse_error: a body that is not JSON, or not the shape asked for. */
public class ParseErrorException extends ApiException {
    public ParseErrorException(String detail) {
        super("parse_error", detail, null);
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

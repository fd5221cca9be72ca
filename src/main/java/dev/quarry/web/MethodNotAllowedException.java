package dev.quarry.web;

/** 405 invalid_request / method_not_allowed. */
public class MethodNotAllowedException extends ApiException {
    public MethodNotAllowedException(String method) {
        super("method_not_allowed", "Method \"" + method + "\" not allowed.", null);
    }

    @Override
    public int status() {
        return 405;
    }

    @Override
    public String type() {
        return "invalid_request";
    }
}

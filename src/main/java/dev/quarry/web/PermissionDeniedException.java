package dev.quarry.web;

/** 403 authentication_error / permission_denied. */
public class PermissionDeniedException extends ApiException {
    public PermissionDeniedException(String detail) {
        super("permission_denied", detail, null);
    }

    @Override
    public int status() {
        return 403;
    }

    @Override
    public String type() {
        return "authentication_error";
    }
}

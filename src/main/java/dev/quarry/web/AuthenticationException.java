package dev.quarry.web;

/** 401 authentication_error: no credentials (not_authenticated) or bad ones (authentication_failed). */
public class AuthenticationException extends ApiException {
    private AuthenticationException(String code, String detail) {
        super(code, detail, null);
    }

    public static AuthenticationException notAuthenticated() {
        return new AuthenticationException("not_authenticated", "Authentication credentials were not provided.");
    }

    public static AuthenticationException failed(String detail) {
        return new AuthenticationException("authentication_failed", detail);
    }

    @Override
    public int status() {
        return 401;
    }

    @Override
    public String type() {
        return "authentication_error";
    }
}

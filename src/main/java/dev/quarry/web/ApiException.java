package dev.quarry.web;

/**
 * An error a client caused or must be told about, rendered as PostHog's error body. One subclass per kind;
 * {@link ApiExceptionMapper} is the only place that turns them into responses.
 */
public abstract class ApiException extends RuntimeException {
    private final String code;
    private final String attr;

    protected ApiException(String code, String detail, String attr) {
        super(detail, null, false, false);
        this.code = code;
        this.attr = attr;
    }

    public abstract int status();

    public abstract String type();

    public String code() {
        return code;
    }

    public String attr() {
        return attr;
    }

    public ApiError body() {
        return new ApiError(type(), code, JsonErrors.withoutJavaNames(getMessage()), attr);
    }
}

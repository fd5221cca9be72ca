package dev.quarry.web;

/** 400 validation_error; attr names the offending parameter or field. */
public class ValidationException extends ApiException {
    public ValidationException(String detail, String attr) {
        super("invalid_input", detail, attr);
    }

    public ValidationException(String code, String detail, String attr) {
        super(code, detail, attr);
    }

    public static ValidationException of(String detail) {
        return new ValidationException(detail, null);
    }

    @Override
    public int status() {
        return 400;
    }

    @Override
    public String type() {
        return "validation_error";
    }
}

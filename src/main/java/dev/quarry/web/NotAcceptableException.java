package dev.quarry.web;

/** 406 invalid_request / not_acceptable: DRF's {@code NotAcceptable}, no renderer of the view writes what Accept asks. */
public class NotAcceptableException extends ApiException {
    public NotAcceptableException() {
        super("not_acceptable", "Could not satisfy the request Accept header.", null);
    }

    @Override
    public int status() {
        return 406;
    }

    @Override
    public String type() {
        return "invalid_request";
    }
}

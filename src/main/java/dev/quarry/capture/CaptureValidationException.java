package dev.quarry.capture;

import dev.quarry.web.ValidationException;

/** A capture payload that cannot be stored: 400 with code invalid_payload. */
public class CaptureValidationException extends ValidationException {
    public CaptureValidationException(String detail) {
        super("invalid_payload", detail, null);
    }
}

package dev.quarry.web;

/**
 * 415 invalid_request {@code unsupported_media_type}: a request body in a media type no endpoint reads, or sent with no
 * Content-Type at all. The detail is Django REST framework's ({@code exceptions.UnsupportedMediaType}):
 * {@code Unsupported media type "<the Content-Type header as sent>" in request.}, with {@code ""} when the header is
 * missing (DRF's {@code request.content_type} is the empty string then), {@code attr} null, as PostHog's exception
 * handler renders it.
 */
public class UnsupportedMediaTypeException extends ApiException {
    public UnsupportedMediaTypeException(String contentType) {
        super("unsupported_media_type", "Unsupported media type \"" + (contentType == null ? "" : contentType)
                + "\" in request.", null);
    }

    @Override
    public int status() {
        return 415;
    }

    @Override
    public String type() {
        return "invalid_request";
    }
}

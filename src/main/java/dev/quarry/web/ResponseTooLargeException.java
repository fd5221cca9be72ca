package dev.quarry.web;

/**
 * 400 invalid_request {@code response_too_large}: the answer would not fit in what a Lambda function may return
 * (see {@link ResponseLimit}). The caller is told to ask for less (a page: limit/offset, fewer columns or rows) or to
 * run the query asynchronously and page through its result.
 */
public class ResponseTooLargeException extends ApiException {
    public ResponseTooLargeException(long bytes, long limitBytes) {
        super("response_too_large", "The response would be " + bytes + " bytes, more than the " + limitBytes
                + " bytes an API response may carry. Ask for less: page with limit and offset (or add a LIMIT), select"
                + " fewer columns, or run the query async (\"async\": true) and fetch smaller pages of it.", null);
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

package dev.quarry.web;

/**
 * The largest response Quarry sends. A Lambda function's synchronous response is at most 6 MB (6,291,456 bytes),
 * and that counts the API Gateway v2 envelope the body travels in: a JSON body becomes a JSON string there, so each
 * {@code "} and {@code \} costs one byte more and a control character five. Past the limit the function's answer is
 * refused by the Lambda runtime and API Gateway turns it into a bare 500; Quarry answers a PostHog 400 instead
 * ({@link ResponseTooLargeException}). The local server applies the same limit, so that a caller meets it before
 * deploying.
 */
public final class ResponseLimit {
    /** Lambda's 6 MB less room for the envelope's status, headers and field names. */
    public static final long MAX_ENCODED_BYTES = 6_291_456 - 32 * 1024;

    private ResponseLimit() {
    }

    /** The size of a UTF-8 body once written as a JSON string value (without the quotes). */
    public static long encodedSize(byte[] body) {
        long size = body.length;
        for (byte b : body) {
            if (b == '"' || b == '\\') {
                size += 1;
            } else if (b >= 0 && b < 0x20) {
                size += 5;
            }
        }
        return size;
    }

    /** @throws ResponseTooLargeException when the body would not fit */
    public static void check(byte[] body) {
        long size = encodedSize(body);
        if (size > MAX_ENCODED_BYTES) {
            throw new ResponseTooLargeException(size, MAX_ENCODED_BYTES);
        }
    }
}

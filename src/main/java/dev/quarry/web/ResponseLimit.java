package dev.quarry.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;

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

    /** Room a list page keeps in its answer for the envelope around its rows ({@code count}, links). */
    public static final long PAGE_ENVELOPE_BYTES = 16 * 1024;

    /**
     * What one row of a list adds to an answer: its JSON, counted as {@link #encodedSize} counts it, and its
     * separating comma. Pages that stop before the response limit sum these.
     */
    public static long rowSize(com.fasterxml.jackson.databind.ObjectMapper mapper,
                               com.fasterxml.jackson.databind.JsonNode row) {
        try {
            return encodedSize(mapper.writeValueAsBytes(row)) + 1;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("A row's JSON could not be written", e);
        }
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

    /**
     * {@code value} written as JSON by {@code mapper}, stopped as soon as its encoded size passes the limit: an answer
     * whose tree shares one node in many places (a person object repeated in each of 1,500 select columns) is small
     * in memory but would be gigabytes of text, and is refused after at most the limit's bytes are written.
     *
     * @throws ResponseTooLargeException when the JSON would not fit
     * @throws JsonProcessingException   when {@code value} cannot be written as JSON
     */
    public static byte[] write(ObjectMapper mapper, Object value) throws JsonProcessingException {
        BoundedBuffer out = new BoundedBuffer();
        try {
            mapper.writeValue(out, value);
        } catch (JsonProcessingException e) {
            // Jackson's databind wraps what a stream throws while it writes a value
            for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                if (cause instanceof ResponseTooLargeException tooLarge) {
                    throw tooLarge;
                }
            }
            throw e;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot write JSON to memory", e);
        }
        return out.toByteArray();
    }

    /** Bytes in memory, counted as {@link #encodedSize} counts them, refused past {@link #MAX_ENCODED_BYTES}. */
    private static final class BoundedBuffer extends ByteArrayOutputStream {
        private long encoded;

        BoundedBuffer() {
            super(8192);
        }

        @Override
        public void write(int b) {
            charge(b);
            super.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                charge(bytes[i]);
            }
            super.write(bytes, offset, length);
        }

        private void charge(int b) {
            encoded += b == '"' || b == '\\' ? 2 : b >= 0 && b < 0x20 ? 6 : 1;
            if (encoded > MAX_ENCODED_BYTES) {
                throw ResponseTooLargeException.atLeast(encoded, MAX_ENCODED_BYTES);
            }
        }
    }
}

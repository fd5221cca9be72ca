package dev.quarry.web;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * A JSON request body that a resource reads as a value (a record, a {@code JsonNode}) is exactly one JSON value and
 * nothing after it but whitespace, as PostHog's parser ({@code json.loads}) requires: {@code {"a": 1} x} is a 400
 * {@code parse_error} ("JSON parse error - Extra data…"), not a body read up to its first value (the breaker's
 * trailing garbage created an insight and an action). Bodies read as bytes or text (capture, the query endpoints'
 * own parser) are not touched here; the query endpoints check the same themselves ({@code query.QueryBodies}).
 * Jackson's {@code FAIL_ON_TRAILING_TOKENS} cannot be set on the application's mapper for this: every nested
 * {@code readTree(parser)} (custom deserializers, capture's streaming reader) would fail on the tokens after it.
 */
@Provider
public class SingleJsonValueInterceptor implements ReaderInterceptor {
    private static final JsonFactory FACTORY = new JsonFactory();

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        MediaType type = context.getMediaType();
        Class<?> target = context.getType();
        if (type == null || !(type.getSubtype().equals("json") || type.getSubtype().endsWith("+json"))
                || target == byte[].class || target == String.class) {
            return context.proceed();
        }
        byte[] body = context.getInputStream().readAllBytes();
        refuseExtraData(body);
        context.setInputStream(new ByteArrayInputStream(body));
        return context.proceed();
    }

    /**
     * Skips the body's first JSON value and fails if any token follows it. A body that does not parse at all is left
     * to the reader, whose error the client gets as before.
     *
     * @throws ParseErrorException 400 {@code parse_error} for a token after the first value
     */
    static void refuseExtraData(byte[] body) throws IOException {
        try (JsonParser parser = FACTORY.createParser(body)) {
            if (parser.nextToken() == null) {
                return;
            }
            parser.skipChildren();
            JsonToken after;
            try {
                after = parser.nextToken();
            } catch (JsonProcessingException garbage) {
                after = JsonToken.NOT_AVAILABLE;
            }
            if (after != null) {
                long at = parser.currentTokenLocation().getCharOffset();
                throw new ParseErrorException("JSON parse error - Extra data: the body holds more after its JSON value"
                        + (at >= 0 ? " (char " + at + ")" : ""));
            }
        } catch (JsonProcessingException malformed) {
            // the first value itself does not parse: the reader answers it
        }
    }
}

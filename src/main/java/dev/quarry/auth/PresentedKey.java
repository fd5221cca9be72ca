package dev.quarry.auth;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The personal API key a request presents, taken from the first place that has one. */
public record PresentedKey(String value, KeySource source) {
    private static final Pattern BEARER = Pattern.compile("^Bearer\\s+(\\S.+)$");
    private static final String BODY_FIELD = "personal_api_key";
    /** A body past this size is not looked into for a key. */
    public static final int MAX_BODY_BYTES = 1_000_000;

    /**
     * Header first, then the JSON body's {@code personal_api_key}, then the query string. Only the first found is
     * tried. A bearer token starting {@code pha_} is an OAuth token, which Quarry does not accept.
     */
    public static Optional<PresentedKey> find(String authorizationHeader, byte[] body, String queryParam,
                                              ObjectMapper mapper) {
        if (authorizationHeader != null) {
            Matcher matcher = BEARER.matcher(authorizationHeader.trim());
            if (matcher.matches() && !matcher.group(1).startsWith("pha_")) {
                return Optional.of(new PresentedKey(matcher.group(1).trim(), KeySource.AUTHORIZATION_HEADER));
            }
        }
        String fromBody = bodyKey(body, mapper);
        if (fromBody != null) {
            return Optional.of(new PresentedKey(fromBody, KeySource.BODY));
        }
        if (queryParam != null && !queryParam.isBlank()) {
            return Optional.of(new PresentedKey(queryParam, KeySource.QUERY_STRING));
        }
        return Optional.empty();
    }

    /**
     * The top-level {@code personal_api_key} of a JSON object body, read as a token stream: nested values are skipped
     * and no tree is built, so a large body without a key costs one scan, not its parse. A repeated field counts by
     * its last value, as a parsed dict would.
     */
    private static String bodyKey(byte[] body, ObjectMapper mapper) {
        if (body == null || body.length == 0 || body.length > MAX_BODY_BYTES) {
            return null;
        }
        try (JsonParser parser = mapper.getFactory().createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String key = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (BODY_FIELD.equals(name)) {
                    key = value == JsonToken.VALUE_STRING && !parser.getText().isBlank() ? parser.getText() : null;
                } else {
                    parser.skipChildren();
                }
            }
            return key;
        } catch (IOException e) {
            return null; // not JSON: the endpoint itself reports the parse error
        }
    }
}

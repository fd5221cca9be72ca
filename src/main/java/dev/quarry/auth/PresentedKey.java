package dev.quarry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The personal API key a request presents, taken from the first place that has one. */
public record PresentedKey(String value, KeySource source) {
    private static final Pattern BEARER = Pattern.compile("^Bearer\\s+(\\S.+)$");

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

    private static String bodyKey(byte[] body, ObjectMapper mapper) {
        if (body == null || body.length == 0 || body.length > 1_000_000) {
            return null;
        }
        try {
            JsonNode node = mapper.readTree(body);
            JsonNode key = node == null ? null : node.get("personal_api_key");
            return key != null && key.isTextual() && !key.asText().isBlank() ? key.asText() : null;
        } catch (IOException e) {
            return null; // not JSON: the endpoint itself reports the parse error
        }
    }
}

package dev.quarry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ScopesTest {
    @Test
    void legacyKeyWithoutScopesAndStarMayDoEverything() {
        assertEquals(Optional.empty(), Scopes.firstMissing(List.of(), List.of("person:write")));
        assertEquals(Optional.empty(), Scopes.firstMissing(List.of("*"), List.of("person:write", "query:read")));
    }

    @Test
    void writeSatisfiesReadButNotTheReverse() {
        assertEquals(Optional.empty(), Scopes.firstMissing(List.of("person:write"), List.of("person:read")));
        assertEquals(Optional.of("person:write"), Scopes.firstMissing(List.of("person:read"), List.of("person:write")));
    }

    @Test
    void namesTheFirstMissingScope() {
        assertEquals(Optional.of("cohort:read"),
                Scopes.firstMissing(List.of("person:read"), List.of("person:read", "cohort:read")));
    }

    @Test
    void validatesScopeStrings() {
        assertTrue(Scopes.isValid("query:read"));
        assertTrue(Scopes.isValid("*"));
        assertFalse(Scopes.isValid("query"));
        assertFalse(Scopes.isValid("query:delete"));
    }

    @Test
    void keysAreStoredAsSha256WithAMask() {
        String key = PersonalApiKeyTokens.newKey();
        assertTrue(key.startsWith("phx_"));
        assertTrue(PersonalApiKeyTokens.secureValue(key).matches("sha256\\$[0-9a-f]{64}"));
        assertEquals(PersonalApiKeyTokens.secureValue("phx_a"), PersonalApiKeyTokens.secureValue("phx_a"));
        assertEquals("phx_..." + key.substring(key.length() - 4), PersonalApiKeyTokens.mask(key));
    }

    @Test
    void presentedKeyIsTakenFromTheFirstPlaceThatHasOne() {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        byte[] body = "{\"personal_api_key\": \"phx_body\"}".getBytes();
        assertEquals(new PresentedKey("phx_header", KeySource.AUTHORIZATION_HEADER),
                PresentedKey.find("Bearer phx_header", body, "phx_query", mapper).orElseThrow());
        assertEquals(new PresentedKey("phx_body", KeySource.BODY),
                PresentedKey.find(null, body, "phx_query", mapper).orElseThrow());
        assertEquals(new PresentedKey("phx_query", KeySource.QUERY_STRING),
                PresentedKey.find(null, "not json".getBytes(), "phx_query", mapper).orElseThrow());
        assertEquals(Optional.empty(), PresentedKey.find("Bearer pha_oauth", null, null, mapper));
        // only the top level counts (a key inside a nested value is data), the last of repeated fields wins, and a
        // body that is not one JSON object presents nothing
        byte[] nested = "{\"query\": {\"personal_api_key\": \"phx_nested\", \"values\": [1, [2, {}]]}, \"x\": 1}"
                .getBytes();
        assertEquals(Optional.empty(), PresentedKey.find(null, nested, null, mapper));
        byte[] after = "{\"query\": {\"kind\": \"HogQLQuery\"}, \"personal_api_key\": \"phx_a\", \"personal_api_key\": \"phx_b\"}"
                .getBytes();
        assertEquals(new PresentedKey("phx_b", KeySource.BODY), PresentedKey.find(null, after, null, mapper).orElseThrow());
        assertEquals(Optional.empty(), PresentedKey.find(null, "[{\"personal_api_key\": \"phx_a\"}]".getBytes(), null,
                mapper));
        assertEquals(Optional.empty(), PresentedKey.find(null, "{\"personal_api_key\": 12}".getBytes(), null, mapper));
    }
}

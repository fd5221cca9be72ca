package dev.quarry.auth;

import java.util.List;
import java.util.Optional;

/** PostHog's scope rules for personal API keys. */
public final class Scopes {
    public static final List<String> ALL_OBJECTS = List.of(
            "person", "cohort", "plugin", "query", "project", "user", "event", "insight", "feature_flag", "action");

    private Scopes() {
    }

    /**
     * The first required scope the key lacks, if any. An empty key scope list is a legacy key that may do
     * everything; {@code *} grants everything; {@code X:write} satisfies {@code X:read}.
     */
    public static Optional<String> firstMissing(List<String> keyScopes, List<String> required) {
        if (keyScopes.isEmpty() || keyScopes.contains("*")) {
            return Optional.empty();
        }
        for (String scope : required) {
            if (!grants(keyScopes, scope)) {
                return Optional.of(scope);
            }
        }
        return Optional.empty();
    }

    private static boolean grants(List<String> keyScopes, String scope) {
        if (keyScopes.contains(scope)) {
            return true;
        }
        if (scope.endsWith(":read")) {
            String write = scope.substring(0, scope.length() - ":read".length()) + ":write";
            return keyScopes.contains(write);
        }
        return false;
    }

    public static boolean isValid(String scope) {
        if (scope == null) {
            return false;
        }
        if (scope.equals("*")) {
            return true;
        }
        int colon = scope.indexOf(':');
        if (colon <= 0) {
            return false;
        }
        String action = scope.substring(colon + 1);
        return action.equals("read") || action.equals("write");
    }
}

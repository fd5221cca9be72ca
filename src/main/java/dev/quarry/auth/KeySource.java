package dev.quarry.auth;

/** Where a personal API key was found; PostHog names it in the 401 message. */
public enum KeySource {
    AUTHORIZATION_HEADER("Authorization header"),
    BODY("body"),
    QUERY_STRING("query string");

    private final String description;

    KeySource(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}

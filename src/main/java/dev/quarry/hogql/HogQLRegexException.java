package dev.quarry.hogql;

/**
 * A regular expression RE2 (ClickHouse's engine) refuses, or one past Quarry's compile budget: ClickHouse fails such a
 * query with CANNOT_COMPILE_REGEXP (code 427), which PostHog answers as a 400 whose code is
 * {@value #CODE}, not {@code hogql_query_error}.
 */
public final class HogQLRegexException extends HogQLResolutionException {
    /** ClickHouse's error code name, as the API's {@code code}. */
    public static final String CODE = "cannot_compile_regexp";

    public HogQLRegexException(String message) {
        super(message);
    }
}

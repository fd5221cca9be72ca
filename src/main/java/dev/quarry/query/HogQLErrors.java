package dev.quarry.query;

import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.HogQLSyntaxException;
import dev.quarry.web.ValidationException;

/**
 * HogQL compile errors as the API's 400, with PostHog's {@code code_name}: {@code hogql_syntax_error} for text
 * that is not HogQL, {@code hogql_query_error} for a well-formed query that is invalid. The detail is the message,
 * which for a syntax error already ends with its line and column.
 */
public final class HogQLErrors {
    public static final String SYNTAX_ERROR = "hogql_syntax_error";
    public static final String QUERY_ERROR = "hogql_query_error";

    private HogQLErrors() {
    }

    public static ValidationException toValidation(HogQLException e) {
        return new ValidationException(e instanceof HogQLSyntaxException ? SYNTAX_ERROR : QUERY_ERROR, e.getMessage(), null);
    }
}

package dev.quarry.query;

import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.HogQLRegexException;
import dev.quarry.hogql.HogQLSyntaxException;
import dev.quarry.web.ValidationException;

/**
 * HogQL compile errors as the API's 400, with PostHog's {@code code_name}: {@code hogql_syntax_error} for text
 * that is not HogQL, {@code hogql_query_error} for a well-formed query that is invalid. The detail is the message,
 * which for a syntax error already ends with its line and column. A regular expression RE2 refuses (or past Quarry's
 * compile budget) answers ClickHouse's {@code cannot_compile_regexp}, as a pattern read per row does.
 */
public final class HogQLErrors {
    public static final String SYNTAX_ERROR = "hogql_syntax_error";
    public static final String QUERY_ERROR = "hogql_query_error";

    private HogQLErrors() {
    }

    public static ValidationException toValidation(HogQLException e) {
        String code = e instanceof HogQLSyntaxException ? SYNTAX_ERROR
                : e instanceof HogQLRegexException ? HogQLRegexException.CODE : QUERY_ERROR;
        return new ValidationException(code, e.getMessage(), null);
    }
}

package dev.quarry.query;

import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.HogQLSyntaxException;
import dev.quarry.web.ValidationException;

/** HogQL compile errors as the API's 400: the message, and where the syntax error is. */
public final class HogQLErrors {
    private HogQLErrors() {
    }

    public static ValidationException toValidation(HogQLException e) {
        String detail = e.getMessage();
        if (e instanceof HogQLSyntaxException syntax && syntax.line() > 0) {
            detail = detail + " (line " + syntax.line() + ", column " + syntax.column() + ")";
        }
        return new ValidationException("query_error", detail, null);
    }
}

package dev.quarry.hogql;

/**
 * The query is valid HogQL (PostHog's parser accepts it) but uses a construct Quarry does not run on PostgreSQL,
 * e.g. {@code SEMI JOIN} or {@code COLUMNS('regex')}. The message names the construct; the API answers 400 with
 * {@code hogql_query_error}, never a syntax error, so a client can tell "not here" from "not HogQL".
 */
public class HogQLUnsupportedException extends HogQLException {
    public HogQLUnsupportedException(String construct, Token at) {
        super(construct + " is not supported by Quarry (line " + at.line() + ", column " + at.column() + ")",
                at.start(), Math.max(at.end(), at.start() + 1), null);
    }
}

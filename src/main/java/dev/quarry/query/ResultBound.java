package dev.quarry.query;

/**
 * The most of a user's HogQL result (HogQLQuery, EventsQuery) the app reads: {@link #MAX_BYTES} of its rows' text.
 * The reactive client buffers a statement's rows before the caller sees any, so the bound is kept by the database:
 * the statement is read through a running sum of its rows' text length in their order, and the first row past the
 * bound fails it (V117_2 {@code quarry_result_too_large}, SQLSTATE 54000), which the executor answers as PostHog's
 * 400 {@code response_too_large}. Every answer, synchronous or async, is then held to Lambda's 6 MB before it is
 * cached, stored or sent ({@link dev.quarry.web.ResponseLimit}); this bound keeps what is read before that check small.
 */
public final class ResultBound {
    /** 64 MiB of the rows' text (as PostgreSQL prints a row), the app's share of one user statement. */
    public static final long MAX_BYTES = 64L * 1024 * 1024;
    /**
     * 32 MiB of rows' text: what an insight runner's statement that returns rows per value (a trends breakdown) may
     * return; an answer built from more would not fit in a response anyway (a breaker's 250,000 breakdown values of
     * 900 bytes each ran a 512 MB heap out while the client read them).
     */
    public static final long RUNNER_MAX_BYTES = 32L * 1024 * 1024;

    /** The message prefix of V117_2's error (SQLSTATE 54000), its DETAIL the bytes read when it was raised. */
    static final String MESSAGE = "quarry: the result is larger than";

    private ResultBound() {
    }

    /**
     * {@code sql} read through the bound: the same columns (names, types) and rows in the same order, or the
     * statement fails once the rows' text passes {@link #MAX_BYTES}. {@code sql} is a complete statement Quarry's
     * printer made (a SELECT, a UNION or a WITH), never user text.
     */
    public static String wrap(String sql) {
        return wrap(sql, MAX_BYTES);
    }

    /** {@link #wrap(String)} with a bound of {@code maxBytes} (a runner's statement: {@link #RUNNER_MAX_BYTES}). */
    public static String wrap(String sql, long maxBytes) {
        return "SELECT (quarry_bounded_rows.q).* FROM (SELECT q, sum(octet_length(q::text)) OVER (ROWS BETWEEN "
                + "UNBOUNDED PRECEDING AND CURRENT ROW) AS quarry_bytes FROM (" + sql + ") q) quarry_bounded_rows "
                + "WHERE CASE WHEN quarry_bounded_rows.quarry_bytes <= " + maxBytes + " THEN true ELSE "
                + "quarry_result_too_large(quarry_bounded_rows.quarry_bytes, " + maxBytes + ") END";
    }

    /** The bound a {@link #MESSAGE} names ({@code quarry: the result is larger than N bytes}), else {@link #MAX_BYTES}. */
    static long boundOf(String message) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("larger than (\\d+) bytes").matcher(
                message == null ? "" : message);
        return m.find() ? Long.parseLong(m.group(1)) : MAX_BYTES;
    }
}

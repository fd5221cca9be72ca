package dev.quarry.web;

/**
 * 400 invalid_request {@code response_too_large}: the answer would not fit in what a Lambda function may return
 * (see {@link ResponseLimit}). The caller is told to ask for less (a page: limit/offset, fewer columns or rows) or to
 * page through the result with smaller requests (an async query's result is held to the same limit when it is read).
 */
public class ResponseTooLargeException extends ApiException {
    private static final String ASK_FOR_LESS = " Ask for less: page with limit and offset (or add a LIMIT), or select"
            + " fewer columns.";

    public ResponseTooLargeException(long bytes, long limitBytes) {
        super("response_too_large", "The response would be " + bytes + " bytes, more than the " + limitBytes
                + " bytes an API response may carry." + ASK_FOR_LESS, null);
    }

    private ResponseTooLargeException(String detail) {
        super("response_too_large", detail, null);
    }

    /** A page-number page whose rows would not fit in one answer: fewer a page ({@code parameter}) would. */
    public static ResponseTooLargeException page(String parameter) {
        return new ResponseTooLargeException("The page's entries add up to more than an API response may carry. "
                + "Ask for fewer with " + parameter + ".");
    }

    /** A response stopped while it was written, once {@code bytes} (already past {@code limitBytes}) were. */
    static ResponseTooLargeException atLeast(long bytes, long limitBytes) {
        return new ResponseTooLargeException("The response would be more than " + bytes + " bytes, more than the "
                + limitBytes + " bytes an API response may carry." + ASK_FOR_LESS);
    }

    /**
     * A query result the database stopped before the app read it whole: {@code readBytes} of rows' text had been
     * read when it passed {@code boundBytes}.
     */
    public static ResponseTooLargeException result(long readBytes, long boundBytes) {
        return new ResponseTooLargeException("The query's result passed the " + boundBytes + " bytes a query may "
                + "return (" + readBytes + " bytes when it was stopped)." + ASK_FOR_LESS);
    }

    /**
     * An insight answer refused before it is built: {@code cells} values (a table's rows × columns × breakdown values)
     * where at most {@code maxCells} are built, so that one request cannot hold the server's memory.
     */
    public static ResponseTooLargeException cells(String what, long cells, long maxCells) {
        return cells(what, cells, maxCells, "fewer intervals, a lower breakdown_limit, or a shorter date range");
    }

    /** {@link #cells(String, long, long)} with what to ask for instead ({@code lessOf}, e.g. "fewer columns"). */
    public static ResponseTooLargeException cells(String what, long cells, long maxCells, String lessOf) {
        return new ResponseTooLargeException("The " + what + " would hold " + cells + " values, more than the "
                + maxCells + " an answer is built with. Ask for less: " + lessOf + ".");
    }

    @Override
    public int status() {
        return 400;
    }

    @Override
    public String type() {
        return "invalid_request";
    }
}

package dev.quarry.insights;

import dev.quarry.query.HogQLStatement;
import dev.quarry.web.ResponseTooLargeException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How much of one insight answer is built: its series rows counted in cells (a row's buckets plus
 * {@link #ROW_OVERHEAD} for its action, label and value), charged as each part of the request is read and before its
 * JSON is made, so that one request cannot hold the server's memory or build an answer no caller could be sent
 * (Lambda carries 6 MB; {@link #MAX_CELLS} cells are about that much JSON). Past the bound the request is PostHog's
 * 400 {@code response_too_large}, telling the caller to ask for fewer intervals or breakdown values. Also bounds the
 * rows a runner statement may return ({@link #bounded}), so a statement's rows are never read past what could be
 * shown. Shared by the concurrent parts of one request.
 */
public final class AnswerCells {
    /** The most cells one answer is built with (≈ 7 MB of trends JSON; the same bound as retention's answers). */
    public static final long MAX_CELLS = 250_000;
    /** A series row's own fields (its action object, label, breakdown value, count), counted as cells. */
    public static final int ROW_OVERHEAD = 15;

    private final String what;
    private final AtomicLong charged = new AtomicLong();

    /** @param what the answer's name in the refusal, e.g. "trends answer (series × breakdown values × intervals)" */
    public AnswerCells(String what) {
        this.what = what;
    }

    /**
     * Charges {@code rows} series rows of {@code buckets} buckets each (0 for a total value).
     *
     * @throws ResponseTooLargeException 400 once the request's rows together pass {@link #MAX_CELLS}
     */
    public void charge(long rows, int buckets) {
        long total = charged.addAndGet(rows * (Math.max(buckets, 1) + (long) ROW_OVERHEAD));
        if (total > MAX_CELLS) {
            throw ResponseTooLargeException.cells(what, total, MAX_CELLS);
        }
    }

    /**
     * The statement reading at most one row past {@link #MAX_CELLS} (see {@link #checkRows}) and at most
     * {@link dev.quarry.query.ResultBound#RUNNER_MAX_BYTES} of rows' text (long breakdown values: past it a 400
     * {@code response_too_large} before the rows reach the app).
     */
    public static HogQLStatement bounded(HogQLStatement statement) {
        return statement.withLimit((int) MAX_CELLS + 1).withMaxBytes(dev.quarry.query.ResultBound.RUNNER_MAX_BYTES);
    }

    /**
     * @param rows rows a {@link #bounded} statement returned (one per bucket and value)
     * @throws ResponseTooLargeException 400 when it reached its bound: the answer would hold more cells than are built
     */
    public void checkRows(int rows) {
        if (rows > MAX_CELLS) {
            throw ResponseTooLargeException.cells(what, rows, MAX_CELLS);
        }
    }
}

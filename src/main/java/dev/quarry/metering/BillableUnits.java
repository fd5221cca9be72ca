package dev.quarry.metering;

/**
 * What a call costs the customer: a successful (2xx) call is 1 unit, plus 1 unit per full 10,000 rows the
 * database returned for it (a HogQL query of 25,000 rows is 3 units; an answer from the query cache is 1).
 * A failed call (4xx, 5xx, including 429 throttled) is 0: recorded, never billed.
 */
public final class BillableUnits {
    public static final long ROWS_PER_UNIT = 10_000;

    private BillableUnits() {
    }

    public static boolean billable(int status) {
        return status >= 200 && status < 300;
    }

    public static long of(int status, long rowsReturned) {
        return billable(status) ? 1 + Math.max(0, rowsReturned) / ROWS_PER_UNIT : 0;
    }
}

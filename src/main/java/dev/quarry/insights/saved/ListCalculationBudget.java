package dev.quarry.insights.saved;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * How long one insights-list request may spend calculating its insights' results when {@code refresh} asks for them:
 * the first insight of the page is calculated whatever the time, the next ones while the page is within
 * {@link #PAGE_BUDGET} of its start, and the rest answer their cached results only ({@code refresh} then counts as
 * absent). Each insight's own run is bounded, not the page's: a page of 40 insights of 6 s each held one request for
 * 244 s (the breaker's F4 of 2026-12-06), and API Gateway gives up on a request after 30 s anyway.
 */
final class ListCalculationBudget {
    static final Duration PAGE_BUDGET = Duration.ofSeconds(25);

    private final LongSupplier nanoTime;
    private final long until;

    ListCalculationBudget(Duration budget, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.until = nanoTime.getAsLong() + budget.toNanos();
    }

    /** A budget of {@link #PAGE_BUDGET} starting now. */
    static ListCalculationBudget startingNow() {
        return new ListCalculationBudget(PAGE_BUDGET, System::nanoTime);
    }

    /** The {@code refresh} the insight at {@code index} of the page is rendered with: as sent, or null (cache only). */
    String refreshFor(int index, String refresh) {
        return index == 0 || nanoTime.getAsLong() - until < 0 ? refresh : null;
    }
}

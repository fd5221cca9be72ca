package dev.quarry.insights.saved;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** An insights-list page calculates while within its budget, its first insight always; the rest answer the cache. */
class ListCalculationBudgetTest {
    @Test
    void thePageCalculatesWithinItsBudgetThenAnswersTheCache() {
        AtomicLong now = new AtomicLong(1_000);
        ListCalculationBudget budget = new ListCalculationBudget(Duration.ofSeconds(25), now::get);
        assertEquals("force_blocking", budget.refreshFor(0, "force_blocking"));
        now.addAndGet(Duration.ofSeconds(24).toNanos());
        assertEquals("force_blocking", budget.refreshFor(1, "force_blocking"));
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertNull(budget.refreshFor(2, "force_blocking"));
        assertNull(budget.refreshFor(3, "blocking"));
        // the first insight of a page is calculated even when the budget is already spent
        assertEquals("true", new ListCalculationBudget(Duration.ZERO, now::get).refreshFor(0, "true"));
        assertNull(new ListCalculationBudget(Duration.ZERO, now::get).refreshFor(1, "true"));
    }
}

package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The set of definitions known stored, on a hand-driven clock (nanoseconds). */
class KnownDefinitionsTest {
    private static final long TTL = TimeUnit.MINUTES.toNanos(10);
    private static final Instant TEN = Instant.parse("2026-03-02T10:00:00Z");

    private final AtomicLong now = new AtomicLong(Long.MAX_VALUE - TimeUnit.MINUTES.toNanos(5));

    private KnownDefinitions known(int max) {
        return new KnownDefinitions(max, TTL, now::get);
    }

    /** Entries expire ten minutes after they were added (the clock wraps past Long.MAX_VALUE meanwhile); a hit does not extend them. */
    @Test
    void entriesExpireAfterTheirTtlAndHitsDoNotExtendThem() {
        KnownDefinitions known = known(100);
        KnownDefinitions.Property plan = new KnownDefinitions.Property(7, DefinitionsRecorder.EVENT, "plan");
        known.add(plan);
        now.addAndGet(TimeUnit.MINUTES.toNanos(9));
        assertTrue(known.knows(plan));
        now.addAndGet(TimeUnit.MINUTES.toNanos(1));
        assertFalse(known.knows(plan));
        assertEquals(0, known.size());
    }

    @Test
    void teamsKindsAndPairsAreSeparateEntries() {
        KnownDefinitions known = known(100);
        known.add(new KnownDefinitions.Property(7, DefinitionsRecorder.EVENT, "plan"));
        known.add(new KnownDefinitions.Pair(7, "signed_up", "plan"));
        known.addEvent(7, "signed_up", TEN, TEN);
        assertFalse(known.knows(new KnownDefinitions.Property(8, DefinitionsRecorder.EVENT, "plan")));
        assertFalse(known.knows(new KnownDefinitions.Property(7, DefinitionsRecorder.PERSON, "plan")));
        assertFalse(known.knows(new KnownDefinitions.Pair(8, "signed_up", "plan")));
        assertFalse(known.knows(new KnownDefinitions.Pair(7, "plan", "signed_up")));
        assertFalse(known.eventCurrent(8, "signed_up", TEN, TEN));
        assertTrue(known.eventCurrent(7, "signed_up", TEN, TEN));

        known.forgetTeam(7);
        assertFalse(known.knows(new KnownDefinitions.Property(7, DefinitionsRecorder.EVENT, "plan")));
        assertFalse(known.eventCurrent(7, "signed_up", TEN, TEN));
    }

    /** What the definitions statement would write nothing for: created no later, last seen at most an hour behind. */
    @Test
    void anEventIsCurrentWhileItsStoredRowNeedsNoUpdate() {
        KnownDefinitions known = known(100);
        known.addEvent(7, "signed_up", TEN, TEN.plusSeconds(1800));
        assertTrue(known.eventCurrent(7, "signed_up", TEN, TEN.plusSeconds(1800 + 3600)));
        assertFalse(known.eventCurrent(7, "signed_up", TEN, TEN.plusSeconds(1800 + 3601)));
        assertFalse(known.eventCurrent(7, "signed_up", TEN.minusSeconds(1), TEN.plusSeconds(1800)));
        assertFalse(known.eventCurrent(7, "other", TEN, TEN));
    }

    @Test
    void theSetIsDroppedWhenFull() {
        KnownDefinitions known = known(3);
        for (int i = 0; i < 3; i++) {
            known.add(new KnownDefinitions.Property(7, DefinitionsRecorder.EVENT, "p" + i));
        }
        assertEquals(3, known.size());
        known.add(new KnownDefinitions.Property(7, DefinitionsRecorder.EVENT, "p3"));
        assertEquals(1, known.size());
        assertTrue(known.knows(new KnownDefinitions.Property(7, DefinitionsRecorder.EVENT, "p3")));
        assertFalse(known.knows(new KnownDefinitions.Property(7, DefinitionsRecorder.EVENT, "p0")));
    }

    @Test
    void aZeroTtlKeepsNothing() {
        KnownDefinitions known = new KnownDefinitions(100, 0, now::get);
        known.add(new KnownDefinitions.Property(7, DefinitionsRecorder.EVENT, "plan"));
        assertEquals(0, known.size());
    }

    /** Long names cannot hold more than MAX_CHARS characters whatever the entry count (a breaker's heap finding). */
    @Test
    void theNamesHeldAreBoundedInCharacters() {
        KnownDefinitions known = known(1_000_000);
        String name = "n".repeat(400);
        long held = 0;
        for (int i = 0; i < 50_000; i++) {
            known.add(new KnownDefinitions.Property(7, DefinitionsRecorder.EVENT, name + i));
            held = Math.max(held, known.chars());
            assertTrue(known.chars() <= KnownDefinitions.MAX_CHARS);
        }
        assertTrue(held > KnownDefinitions.MAX_CHARS - 1_000, "filled up to the bound before dropping");
        known.forgetTeam(7);
        assertEquals(0, known.chars());
        assertEquals(0, known.size());
    }
}

package dev.quarry.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Capture's per-project quota cache, with a hand-driven clock and a simulated database: the billable calls of the
 * month, bumped when a call ends, read by a cache miss as {@link Limits#admitCapture} reads them.
 */
class QuotaCacheTest {
    private static final long MS = 1_000_000L;

    /** The database side of a flood: the quota, the calls counted so far; one admission as Limits does it. */
    private static final class Database {
        final long quota;
        long used;
        int reads;

        Database(long quota) {
            this.quota = quota;
        }

        boolean admit(QuotaCache cache, long team, long now) {
            if (cache.tryAdmit(team)) {
                return true;
            }
            reads++;
            if (used >= quota) {
                cache.forget(team);
                return false;
            }
            cache.admittedAfterRead(team, quota, used, now);
            return true;
        }
    }

    @Test
    void oneProcessNeverPassesTheQuotaAndReadsOnlyWhenItsEntryCannotAdmit() {
        AtomicLong clock = new AtomicLong();
        QuotaCache cache = new QuotaCache(5_000, 100, clock::get);
        Database db = new Database(10);
        int admitted = 0;
        int refused = 0;
        for (int i = 0; i < 25; i++) {
            if (db.admit(cache, 1, clock.get())) {
                admitted++;
                db.used++; // the call ends, billable
            } else {
                refused++;
            }
            clock.addAndGet(MS);
        }
        assertEquals(10, admitted);
        assertEquals(15, refused);
        // one read admitted the first call, the entry the next 9; each refusal is a read of its own
        assertEquals(1 + 15, db.reads);
    }

    @Test
    void aFloodOverSeveralProcessesPassesTheQuotaByAtMostWhatTheOtherEntriesAdmit() {
        // 3 processes (Lambda instances), each one call at a time, taking turns; quota 1,000, 990 used already
        AtomicLong clock = new AtomicLong();
        Database db = new Database(1_000);
        db.used = 990;
        List<QuotaCache> processes = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            processes.add(new QuotaCache(5_000, 100, clock::get));
        }
        int admitted = 0;
        for (int i = 0; i < 3_000; i++) {
            QuotaCache process = processes.get(i % 3);
            if (db.admit(process, 7, clock.get())) {
                admitted++;
                db.used++;
            }
            clock.addAndGet(MS); // 3 s in all: every entry is still fresh
        }
        // the processes' first reads saw 990, 991 and 992 used, so their entries admit 10, 9 and 8 calls: 27 in
        // all, 17 over the quota, within (processes - 1) × (quota - used at the first read) = 20; after that every
        // call reads and is refused
        assertEquals(27, admitted);
        assertEquals(17, db.used - db.quota);
        assertTrue(db.used - db.quota <= 2 * 10);
    }

    @Test
    void anEntryExpiresAfterItsTimeToLiveAndThenTheDatabaseDecides() {
        AtomicLong clock = new AtomicLong();
        QuotaCache cache = new QuotaCache(5_000, 100, clock::get);
        cache.admittedAfterRead(1, 100L, 0, clock.get());
        assertTrue(cache.tryAdmit(1));
        clock.addAndGet(4_999 * MS);
        assertTrue(cache.tryAdmit(1));
        clock.addAndGet(MS);
        assertFalse(cache.tryAdmit(1));
    }

    @Test
    void aSecondProjectHasItsOwnEntryAndIsNotHeldByTheFirstOnesQuota() {
        AtomicLong clock = new AtomicLong();
        QuotaCache cache = new QuotaCache(5_000, 100, clock::get);
        cache.admittedAfterRead(1, 2L, 1, clock.get()); // project 1: its last call
        cache.admittedAfterRead(2, null, 0, clock.get()); // project 2: unlimited
        assertFalse(cache.tryAdmit(1));
        assertFalse(cache.tryAdmit(3)); // never read: the database decides
        for (int i = 0; i < 1_000; i++) {
            assertTrue(cache.tryAdmit(2));
        }
        assertFalse(cache.tryAdmit(1));
    }

    @Test
    void aLaterReadsAnswerIsNotReplacedByAnEarlierOnesAndARefusalIsForgotten() {
        AtomicLong clock = new AtomicLong(1_000 * MS);
        QuotaCache cache = new QuotaCache(5_000, 100, clock::get);
        long earlier = clock.get();
        long later = earlier + MS;
        cache.admittedAfterRead(1, 3L, 1, later); // later read: 1 used, its call admitted (2 of 3)
        cache.admittedAfterRead(1, 3L, 0, earlier); // the earlier read answers last: its call counts in the later entry
        clock.set(later + MS);
        assertFalse(cache.tryAdmit(1)); // 1 used + 2 admitted = the quota
        cache.forget(1);
        cache.admittedAfterRead(1, 4L, 1, later); // the same, with room for one more call
        cache.admittedAfterRead(1, 4L, 0, earlier);
        assertTrue(cache.tryAdmit(1));
        assertFalse(cache.tryAdmit(1));
        cache.forget(1);
        assertEquals(0, cache.size());
    }

    @Test
    void theMapIsBoundedAndATimeToLiveOfZeroCachesNothing() {
        AtomicLong clock = new AtomicLong();
        QuotaCache cache = new QuotaCache(5_000, 3, clock::get);
        for (long team = 1; team <= 3; team++) {
            cache.admittedAfterRead(team, null, 0, clock.get());
        }
        clock.addAndGet(6_000 * MS);
        cache.admittedAfterRead(4, null, 0, clock.get()); // full: the three expired entries go
        assertEquals(1, cache.size());
        cache.admittedAfterRead(5, null, 0, clock.get());
        cache.admittedAfterRead(6, null, 0, clock.get());
        cache.admittedAfterRead(7, null, 0, clock.get()); // full, none expired: emptied, then 7 kept
        assertEquals(1, cache.size());
        assertTrue(cache.tryAdmit(7));
        assertFalse(cache.tryAdmit(4));
        clock.addAndGet(-60_000 * MS); // the clock went back (a snapshot restored elsewhere): 7's entry is not used
        assertFalse(cache.tryAdmit(7));
        QuotaCache off = new QuotaCache(0, 3, clock::get);
        off.admittedAfterRead(1, null, 0, clock.get());
        assertFalse(off.tryAdmit(1));
        assertEquals(0, off.size());
    }
}

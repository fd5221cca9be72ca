package dev.quarry.metering;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Capture's monthly quota answer per project, kept for a few seconds so that a capture request of a project under
 * its quota costs no database round trip (PostHog's capture does the same: its billing limiter reads the limited
 * tokens from Redis every 5 seconds, not per request — rust/capture, {@code CaptureQuotaLimiter}).
 *
 * <p>An entry is what {@link Limits} read from PostgreSQL: the quota (null: unlimited) and the project's billable
 * capture calls this month at the time of the read. While it is younger than the time to live, a call is let
 * through from the entry only if {@code used + admitted < quota}, where {@code admitted} counts every call this
 * process let through since the read (the read's own call included). So the cache never refuses: a call the entry
 * cannot admit goes to the database, which decides, and a refusal (429) always comes from a fresh read. Within one
 * process the cache therefore admits no call the uncached check would have refused, except those already allowed by
 * the check's own softness (a call counts when it ends). What it cannot see are calls of other processes (other
 * Lambda instances) since its read: a flood over N processes can pass the quota by at most what the other N − 1
 * processes let through from their entries, each at most {@code min(quota − used at its read, calls it serves in
 * one time to live)}, plus the calls in flight. A quota or plan change reaches a cached project within the time to
 * live. At most {@code maxProjects} entries are kept; when full, expired ones are dropped, and if none has expired
 * the map is emptied (each project then costs one read again).
 */
final class QuotaCache {
    /** One read's answer: the quota (null: unlimited), the billable calls counted at the read, when it was read. */
    private record Entry(Long quota, long used, long readAtNanos, AtomicLong admitted) {
    }

    private final ConcurrentHashMap<Long, Entry> entries = new ConcurrentHashMap<>();
    private final long ttlNanos;
    private final int maxProjects;
    private final LongSupplier nanoClock;

    /**
     * @param ttlMillis how long a read's answer is used, in milliseconds (0: never, every call reads)
     * @param maxProjects the most projects kept at once
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime})
     */
    QuotaCache(long ttlMillis, int maxProjects, LongSupplier nanoClock) {
        this.ttlNanos = Math.max(0, ttlMillis) * 1_000_000L;
        this.maxProjects = Math.max(1, maxProjects);
        this.nanoClock = nanoClock;
    }

    /** True if the project's fresh entry admits one more call (and counts it); false: read the database. */
    boolean tryAdmit(long teamId) {
        if (ttlNanos == 0) {
            return false;
        }
        Entry entry = entries.get(teamId);
        if (entry == null) {
            return false;
        }
        long age = nanoClock.getAsLong() - entry.readAtNanos();
        if (age < 0 || age >= ttlNanos) {
            return false; // expired, or the clock went back (a Lambda snapshot restored on another host): read again
        }
        if (entry.quota() == null) {
            return true;
        }
        long admitted = entry.admitted().incrementAndGet();
        if (entry.used() + admitted <= entry.quota()) {
            return true;
        }
        entry.admitted().decrementAndGet();
        return false;
    }

    /**
     * Keeps what a read found for a call it admitted (that call counts as the entry's first admitted one), unless
     * a read sent later has already answered: then the call counts in that entry. Calls the replaced entry let
     * through while this read was on its way are not carried over; they were in flight during the read, which is
     * the quota's softness anyway. A read that refused its call is not kept, so the next call reads again.
     *
     * @param readAtNanos the clock when the read was sent (not when it answered), so an entry never outlives it
     *
     * @param quota the monthly quota in calls, null when unlimited
     * @param used billable calls this month when read
     */
    void admittedAfterRead(long teamId, Long quota, long used, long readAtNanos) {
        if (ttlNanos == 0) {
            return;
        }
        if (entries.size() >= maxProjects && !entries.containsKey(teamId)) {
            long now = nanoClock.getAsLong();
            entries.values().removeIf(e -> now - e.readAtNanos() < 0 || now - e.readAtNanos() >= ttlNanos);
            if (entries.size() >= maxProjects) {
                entries.clear();
            }
        }
        entries.compute(teamId, (id, current) -> {
            if (current != null && current.readAtNanos() - readAtNanos >= 0) {
                current.admitted().incrementAndGet(); // a read sent after this one already answered: count the call
                return current;
            }
            return new Entry(quota, used, readAtNanos, new AtomicLong(1));
        });
    }

    /** Forgets the project's entry (its read refused a call). */
    void forget(long teamId) {
        entries.remove(teamId);
    }

    int size() {
        return entries.size();
    }
}

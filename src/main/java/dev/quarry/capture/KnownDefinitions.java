package dev.quarry.capture;

import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The definitions this process knows to be stored, so that a capture batch whose names are all known sends no
 * definitions statement (PostHog's plugin-server keeps the same kind of process-local caches in front of its
 * definition writes: {@code plugin-server/src/worker/ingestion/property-definitions-manager.ts} and
 * {@code property-definitions-cache.ts}, LRUs of {@code EVENT_PROPERTY_LRU_SIZE} = 10,000 entries per team and
 * per (team, event), 24 hours, writing only names not in them).
 * <p>
 * Three kinds of entry, all keyed by team first so that two projects never share one: a property name of a kind
 * ({@link DefinitionsRecorder#EVENT} or {@link DefinitionsRecorder#PERSON}), an (event, property) pair, and an event
 * name with the {@code created_at} and {@code last_seen_at} its stored row had after this process's statement (an
 * upper bound of the first and a lower bound of the second from then on: capture only moves them outwards).
 * Entries are added only by {@link DefinitionsRecorder.Learned#committed} (after the batch's {@code COMMIT}
 * succeeded), never refreshed by a hit, and expire {@code ttlNanos} after they were added: a definition deleted
 * directly in the database or by another instance (Lambda runs many) is written again by the first batch naming it
 * after its entry expired. {@link #forgetTeam} drops a team's entries at once (for a deletion made by this process).
 * Bounded: when {@code maxEntries} are held, or the names held reach {@link #MAX_CHARS} characters (event names are
 * at most 200 characters and property names 400, so entries are small, but the bound holds whatever they are), the
 * whole set is dropped (the next batches probe again and refill it).
 * Thread-safe; nothing outlives the process, so nothing is shared between instances.
 */
final class KnownDefinitions {
    /**
     * A property name of one kind, known to be in {@code property_definitions} (group index -1), as sent with a type
     * or without one ({@code typed}: a sighting with a type is not known from an untyped one, so it is sent and can
     * type a definition stored without one).
     */
    record Property(long team, short kind, String name, boolean typed) implements Keyed {
        /** A name sent with a type. */
        Property(long team, short kind, String name) {
            this(team, kind, name, true);
        }

        @Override
        public int chars() {
            return name.length();
        }
    }

    /** An (event, property) pair known to be in {@code event_properties}. */
    record Pair(long team, String event, String property) implements Keyed {
        @Override
        public int chars() {
            return event.length() + property.length();
        }
    }

    /** An event name known to be in {@code event_definitions}. */
    record Event(long team, String name) implements Keyed {
        @Override
        public int chars() {
            return name.length();
        }
    }

    interface Keyed {
        long team();

        /** The characters of the names the entry holds. */
        int chars();
    }

    /** The characters of names held at most (≈ 16 MB as UTF-16 at worst), whatever the number of entries. */
    static final long MAX_CHARS = 8_000_000;

    /**
     * An entry's expiry ({@link System#nanoTime} scale); for an event, the stored row's {@code created_at} and
     * {@code last_seen_at} as the statement returned them (null for the other kinds).
     */
    private record Entry(long expires, Instant created, Instant lastSeen) {
    }

    private final ConcurrentHashMap<Keyed, Entry> entries = new ConcurrentHashMap<>();
    /** The characters of the names held (approximate under races: it only decides when to drop the set). */
    private final java.util.concurrent.atomic.AtomicLong chars = new java.util.concurrent.atomic.AtomicLong();
    private final int maxEntries;
    private final long ttlNanos;
    private final LongSupplier nanoTime;

    KnownDefinitions(int maxEntries, long ttlNanos, LongSupplier nanoTime) {
        this.maxEntries = maxEntries;
        this.ttlNanos = ttlNanos;
        this.nanoTime = nanoTime;
    }

    /** Whether the name or pair is known stored (an unexpired entry). */
    boolean knows(Keyed key) {
        return live(key) != null;
    }

    /**
     * Whether the event's stored row needs nothing for a batch whose events of that name run from {@code first}
     * to {@code last}: known, {@code created_at} no later than {@code first}, and {@code last_seen_at} no more than
     * an hour behind {@code last} — the conditions under which the definitions statement would write nothing.
     */
    boolean eventCurrent(long team, String name, Instant first, Instant last) {
        Entry entry = live(new Event(team, name));
        return entry != null && entry.lastSeen() != null && !entry.created().isAfter(first)
                && !entry.lastSeen().isBefore(last.minusSeconds(3600));
    }

    void add(Keyed key) {
        put(key, null, null);
    }

    void addEvent(long team, String name, Instant created, Instant lastSeen) {
        put(new Event(team, name), created, lastSeen);
    }

    /** Drops every entry of the team (a definition of it was deleted by this process). */
    void forgetTeam(long team) {
        entries.keySet().removeIf(key -> {
            if (key.team() != team) {
                return false;
            }
            chars.addAndGet(-key.chars());
            return true;
        });
    }

    int size() {
        return entries.size();
    }

    /** The characters of the names held. */
    long chars() {
        return chars.get();
    }

    private Entry live(Keyed key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (nanoTime.getAsLong() - entry.expires() >= 0) {
            if (entries.remove(key, entry)) {
                chars.addAndGet(-key.chars());
            }
            return null;
        }
        return entry;
    }

    private void put(Keyed key, Instant created, Instant lastSeen) {
        if (ttlNanos <= 0 || maxEntries <= 0) {
            return;
        }
        if (entries.size() >= maxEntries || chars.get() + key.chars() > MAX_CHARS) {
            entries.clear();
            chars.set(0);
        }
        if (entries.put(key, new Entry(nanoTime.getAsLong() + ttlNanos, created, lastSeen)) == null) {
            chars.addAndGet(key.chars());
        }
    }
}

package dev.quarry.insights.funnels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-actor scan of migration V7 (quarry_funnel) on hand-made event streams, worked out by hand from contract
 * Part A 10. Events are (seconds, mask): bit k-1 = step k, bits from n up = exclusions. A result is
 * [furthest step, t1, …, tn] (-1 = excluded). Steps are called A, B, C; X is any other event.
 */
class FunnelScanSqlTest {
    static final int ORDERED = 0;
    static final int STRICT = 1;
    static final int UNORDERED = 2;
    static final long A = 1;
    static final long B = 2;
    static final long C = 4;

    static EmbeddedPostgres pg;
    static Connection conn;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgres.builder().start();
        conn = pg.getPostgresDatabase().getConnection();
        try (Statement st = conn.createStatement()) {
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V7__funnels.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V18_2__funnel_ordered.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V41_1__funnel_strict_positions.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V41_2__funnel_ordered_counts.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V123_2__funnel_ordered_counts_shortcuts.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V123_3__funnel_strict_as_posthog.sql")));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        conn.close();
        pg.close();
    }

    /**
     * events: seconds, mask, seconds, mask … (already in scan order). Where the compact evaluations of V18_2 apply
     * (ordered or strict, no exclusions, no event doing two steps) they are asserted to give the same answer, so
     * every hand-made stream here checks them too.
     */
    static List<Double> scan(int n, double window, int mode, String excl, long... events) throws Exception {
        List<Double> full = fullScan(n, window, mode, excl, events);
        if (excl.isEmpty() && mode != UNORDERED && singleSteps(n, events)) {
            assertEquals(full, compactScan(n, window, mode, events), "V18_2 disagrees with V7 on this stream");
        }
        return full;
    }

    static boolean singleSteps(int n, long... events) {
        for (int i = 1; i < events.length; i += 2) {
            if (Long.bitCount(events[i]) > 1 || events[i] >= (1L << n)) {
                return false;
            }
        }
        return true;
    }

    /**
     * quarry_funnel_ordered (mode 0: step events grouped by step, in time order) or quarry_funnel_strict_positions
     * (mode 1, V123_3: every event in scan order).
     */
    static List<Double> compactScan(int n, double window, int mode, long... events) throws Exception {
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < events.length; i += 2) {
            int step = events[i + 1] == 0 ? 0 : Long.numberOfTrailingZeros(events[i + 1]) + 1;
            if (mode == STRICT || step > 0) { // ordered: other events change nothing
                rows.add(new double[] {events[i], step});
            }
        }
        if (mode == ORDERED) {
            rows.sort(java.util.Comparator.comparingDouble(r -> r[1])); // stable: time order within a step
        }
        Double[] ts = rows.stream().map(r -> r[0]).toArray(Double[]::new);
        Integer[] steps = rows.stream().map(r -> (int) r[1]).toArray(Integer[]::new);
        if (mode == ORDERED) {
            assertEquals(arrayScan("quarry_funnel_ordered", n, window, ts, steps), orderedCounts(n, window, ts, steps),
                    "quarry_funnel_ordered_counts (V41_2) disagrees with quarry_funnel_ordered");
        }
        if (mode == STRICT) {
            return strictPositions(n, window, ts, steps);
        }
        return arrayScan("quarry_funnel_ordered", n, window, ts, steps);
    }

    /** quarry_funnel_strict_positions (V41_1) as the compiler feeds it: timestamps and each event's step (0 = other). */
    static List<Double> strictPositions(int n, double window, Double[] ts, Integer[] steps) throws Exception {
        try (PreparedStatement ps = conn.prepareStatement("SELECT quarry_funnel_strict_positions(ARRAY(SELECT "
                + "to_timestamp(t) FROM unnest(?::float8[]) WITH ORDINALITY AS u(t, i) ORDER BY i), ?::int[], ?, ?)")) {
            ps.setArray(1, conn.createArrayOf("float8", ts));
            ps.setArray(2, conn.createArrayOf("int4", steps));
            ps.setInt(3, n);
            ps.setDouble(4, window);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Array a = rs.getArray(1);
                return a == null ? null : new ArrayList<>(Arrays.asList((Double[]) a.getArray()));
            }
        }
    }

    /**
     * quarry_funnel_ordered_counts as the compiler feeds it (timestamps grouped by step and sorted, the count of each
     * step), and for an actor without step-2 events the statement's own answer (the first step-1 time) instead.
     */
    static List<Double> orderedCounts(int n, double window, Double[] ts, Integer[] steps) throws Exception {
        Integer[] counts = new Integer[n];
        Arrays.fill(counts, 0);
        for (int step : steps) {
            counts[step - 1]++;
        }
        try (PreparedStatement ps = conn.prepareStatement("SELECT quarry_funnel_ordered_counts(ARRAY(SELECT "
                + "to_timestamp(t) FROM unnest(?::float8[]) WITH ORDINALITY AS u(t, i) ORDER BY i), ?::int[], ?, ?)")) {
            ps.setArray(1, conn.createArrayOf("float8", ts));
            ps.setArray(2, conn.createArrayOf("int4", counts));
            ps.setInt(3, n);
            ps.setDouble(4, window);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Array a = rs.getArray(1);
                List<Double> full = a == null ? null : new ArrayList<>(Arrays.asList((Double[]) a.getArray()));
                if (counts[0] > 0 && (n == 1 || counts[1] == 0)) {
                    List<Double> first = new ArrayList<>(java.util.Collections.nCopies(n + 1, (Double) null));
                    first.set(0, 1.0);
                    first.set(1, ts[0]);
                    assertEquals(first, full, "an actor without step-2 events: its first step-1 time");
                }
                return full;
            }
        }
    }

    static List<Double> arrayScan(String fn, int n, double window, Double[] ts, Integer[] steps) throws Exception {
        try (PreparedStatement ps = conn.prepareStatement("SELECT " + fn + "(?, ?, ?, ?)")) {
            ps.setArray(1, conn.createArrayOf("float8", ts));
            ps.setArray(2, conn.createArrayOf("int4", steps));
            ps.setInt(3, n);
            ps.setDouble(4, window);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Array a = rs.getArray(1);
                return a == null ? null : new ArrayList<>(Arrays.asList((Double[]) a.getArray()));
            }
        }
    }

    /**
     * Generated streams (fixed seed): random times on a coarse grid (so ties happen), 1 to 4 steps, other events,
     * windows from tight to wide; the compact evaluations must give exactly the per-event scan's answer.
     */
    @Test
    void compactEvaluationsAgreeOnGeneratedStreams() throws Exception {
        java.util.Random random = new java.util.Random(18);
        int checked = 0;
        for (int round = 0; round < 1500; round++) {
            int n = 1 + random.nextInt(4);
            int m = random.nextInt(24);
            long[] t = new long[m];
            for (int i = 0; i < m; i++) {
                t[i] = random.nextInt(30) * 10L;
            }
            Arrays.sort(t);
            long[] events = new long[2 * m];
            for (int i = 0; i < m; i++) {
                int step = random.nextInt(n + 1); // 0 = another event
                events[2 * i] = t[i];
                events[2 * i + 1] = step == 0 ? 0 : 1L << (step - 1);
            }
            // scan order: same-time events in step order, other events last
            long[][] pairs = new long[m][];
            for (int i = 0; i < m; i++) {
                pairs[i] = new long[] {events[2 * i], events[2 * i + 1] == 0 ? 1000 : events[2 * i + 1]};
            }
            Arrays.sort(pairs, java.util.Comparator.<long[]>comparingLong(p -> p[0]).thenComparingLong(p -> p[1]));
            for (int i = 0; i < m; i++) {
                events[2 * i] = pairs[i][0];
                events[2 * i + 1] = pairs[i][1] == 1000 ? 0 : pairs[i][1];
            }
            double window = new double[] {0, 10, 45, 100, 1000}[random.nextInt(5)];
            for (int mode : new int[] {ORDERED, STRICT}) {
                assertEquals(fullScan(n, window, mode, "", events), compactScan(n, window, mode, events),
                        "mode " + mode + ", n " + n + ", window " + window + ", stream " + Arrays.toString(events));
                checked++;
            }
        }
        assertEquals(3000, checked);
    }

    static List<Double> fullScan(int n, double window, int mode, String excl, long... events) throws Exception {
        Double[] ts = new Double[events.length / 2];
        Long[] masks = new Long[events.length / 2];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = (double) events[2 * i];
            masks[i] = events[2 * i + 1];
        }
        try (PreparedStatement ps = conn.prepareStatement("SELECT quarry_funnel(?, ?, ?, ?, ?, ?)")) {
            ps.setArray(1, conn.createArrayOf("float8", ts));
            ps.setArray(2, conn.createArrayOf("int8", masks));
            ps.setInt(3, n);
            ps.setDouble(4, window);
            ps.setInt(5, mode);
            ps.setString(6, excl);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Array a = rs.getArray(1);
                if (a == null) {
                    return null;
                }
                return new ArrayList<>(Arrays.asList((Double[]) a.getArray()));
            }
        }
    }

    static List<Double> r(Double... v) {
        return Arrays.asList(v);
    }

    @Test
    void orderedCompletes() throws Exception {
        assertEquals(r(3.0, 0.0, 10.0, 20.0), scan(3, 100, ORDERED, "", 0, A, 10, B, 20, C));
        // other events between the steps do not matter in ordered mode
        assertEquals(r(3.0, 0.0, 10.0, 20.0), scan(3, 100, ORDERED, "", 0, A, 5, 0, 10, B, 12, A | 0, 20, C));
    }

    @Test
    void noStepOneNoFunnel() throws Exception {
        assertNull(scan(3, 100, ORDERED, "", 10, B, 20, C));
    }

    @Test
    void windowIsInclusive() throws Exception {
        // B exactly 100 s after A's start counts; 101 s does not
        assertEquals(r(2.0, 0.0, 100.0), scan(2, 100, ORDERED, "", 0, A, 100, B));
        assertEquals(r(1.0, 0.0, null), scan(2, 100, ORDERED, "", 0, A, 101, B));
        // the window runs from the attempt's start, not from the previous step: C at 100 yes, at 101 no
        assertEquals(r(3.0, 0.0, 90.0, 100.0), scan(3, 100, ORDERED, "", 0, A, 90, B, 100, C));
        assertEquals(r(2.0, 0.0, 90.0, null), scan(3, 100, ORDERED, "", 0, A, 90, B, 101, C));
    }

    @Test
    void laterStepOneRestartsTheClock() throws Exception {
        // A@0 expires for B@120, the A@50 attempt converts: 120 - 50 = 70
        assertEquals(r(2.0, 50.0, 120.0), scan(2, 100, ORDERED, "", 0, A, 50, A, 120, B));
        // A@20 replaces A@0 at step 1, but the attempt at step 2 (started 0) goes on: C@30 completes it
        assertEquals(r(3.0, 0.0, 10.0, 30.0), scan(3, 100, ORDERED, "", 0, A, 10, B, 20, A, 30, C));
    }

    @Test
    void firstAttemptToReachTheFurthestStepWins() throws Exception {
        // attempts (0,10) and (20,30) both reach B: the first one counts, conversion 10 s
        assertEquals(r(2.0, 0.0, 10.0, null), scan(3, 100, ORDERED, "", 0, A, 10, B, 20, A, 30, B));
        // a later incomplete attempt is ignored; a complete one stops the scan
        assertEquals(r(2.0, 0.0, 5.0), scan(2, 100, ORDERED, "", 0, A, 5, B, 50, A, 60, B));
    }

    @Test
    void repeatedStepEvents() throws Exception {
        // $pageview as step 1 and step 2: one event never serves as both steps of one attempt
        long p = A | B;
        assertEquals(r(1.0, 0.0, null), scan(2, 100, ORDERED, "", 0, p));
        assertEquals(r(2.0, 0.0, 10.0), scan(2, 100, ORDERED, "", 0, p, 10, p));
        // A, B, A again as step 3 (A = steps 1 and 3): 0, 10, 20
        assertEquals(r(3.0, 0.0, 10.0, 20.0), scan(3, 100, ORDERED, "", 0, A | C, 10, B, 20, A | C));
        // a repeated B does not move an attempt already at B
        assertEquals(r(2.0, 0.0, 10.0, null), scan(3, 100, ORDERED, "", 0, A, 10, B, 15, B));
    }

    @Test
    void sameTimestampTakenInStepOrder() throws Exception {
        assertEquals(r(3.0, 0.0, 0.0, 0.0), scan(3, 100, ORDERED, "", 0, A, 0, B, 0, C));
    }

    @Test
    void strictResetsOnAnyOtherEvent() throws Exception {
        assertEquals(r(2.0, 0.0, 10.0), scan(2, 100, STRICT, "", 0, A, 10, B));
        assertEquals(r(1.0, 0.0, null), scan(2, 100, STRICT, "", 0, A, 5, 0, 10, B));
        // a repeated A is not the next step either: it resets and opens a new attempt at 6
        assertEquals(r(2.0, 6.0, 10.0), scan(2, 100, STRICT, "", 0, A, 5, 0, 6, A, 10, B));
        // A, B, B, C: a repeat of the step reached keeps the attempt, as PostHog's UDF clears only the steps an event
        // does not match (V123_3); the times are the first B's
        assertEquals(r(3.0, 0.0, 1.0, 3.0), scan(3, 100, STRICT, "", 0, A, 1, B, 2, B, 3, C));
        assertEquals(r(3.0, 0.0, 1.0, 4.0), scan(3, 100, STRICT, "", 0, A, 1, B, 2, B, 3, B, 4, C));
        // but a repeat of an earlier step breaks it
        assertEquals(r(2.0, 0.0, 1.0, null), scan(3, 100, STRICT, "", 0, A, 1, B, 2, A, 3, C));
        assertEquals(r(2.0, 0.0, 1.0, null), scan(3, 100, STRICT, "", 0, A, 1, B, 2, 0, 3, B, 4, C));
        // ordered mode counts the same stream complete
        assertEquals(r(3.0, 0.0, 1.0, 3.0), scan(3, 100, ORDERED, "", 0, A, 1, B, 2, B, 3, C));
        // window still applies
        assertEquals(r(1.0, 0.0, null), scan(2, 100, STRICT, "", 0, A, 101, B));
    }

    /**
     * PostHog's UDF takes a group of same-timestamp events that do not all match the same steps as an ordered group:
     * its step events in step order, its other events dropped, nothing cleared (V123_3).
     */
    @Test
    void strictIgnoresItsResetsInAMixedSameTimestampGroup() throws Exception {
        // A and another event at 0, then B: the other event does not break the attempt
        assertEquals(r(2.0, 0.0, 10.0), scan(2, 100, STRICT, "", 0, A, 0, 0, 10, B));
        // B and another event at 10 after A: reached; the other event does not clear it before C
        assertEquals(r(3.0, 0.0, 10.0, 20.0), scan(3, 100, STRICT, "", 0, A, 10, B, 10, 0, 20, C));
        // A, B, then A and C together: the new A does not clear the attempt at B, which C completes
        assertEquals(r(3.0, 0.0, 1.0, 2.0), scan(3, 100, STRICT, "", 0, A, 1, B, 2, A, 2, C));
        // all-same groups still reset as single events: two other events at 5 break A → B
        assertEquals(r(1.0, 0.0, null), scan(2, 100, STRICT, "", 0, A, 5, 0, 5, 0, 10, B));
    }

    @Test
    void unorderedCountsDistinctStepsWithinTheWindow() throws Exception {
        assertEquals(r(3.0, 0.0, 10.0, 20.0), scan(3, 100, UNORDERED, "", 0, B, 10, A, 20, C));
        // C at 200 is outside every window containing B and A: two steps
        assertEquals(r(2.0, 0.0, 10.0, null), scan(3, 100, UNORDERED, "", 0, B, 10, A, 200, C));
        // window edge: 100 s counts
        assertEquals(r(2.0, 0.0, 100.0), scan(2, 100, UNORDERED, "", 0, C >> 1, 100, A));
        // a later start can do more steps: B@0, then A@150 and C@160 → 2 steps from 150
        assertEquals(r(2.0, 150.0, 160.0, null), scan(3, 100, UNORDERED, "", 0, B, 150, A, 160, C));
        // one event does one step: A|B twice = both steps
        assertEquals(r(1.0, 0.0, null), scan(2, 100, UNORDERED, "", 0, A | B));
        assertEquals(r(2.0, 0.0, 5.0), scan(2, 100, UNORDERED, "", 0, A | B, 5, A | B));
    }

    @Test
    void exclusions() throws Exception {
        long x = 1L << 2; // n = 2: exclusion 1 is bit 2
        // X between A and B (exclusion from step 0 to step 1): the actor leaves the funnel
        assertEquals(r(-1.0, null, null), scan(2, 100, ORDERED, "0,1", 0, A, 5, x, 10, B));
        // X before A or after B does not matter
        assertEquals(r(2.0, 0.0, 10.0), scan(2, 100, ORDERED, "0,1", -5, x, 0, A, 10, B));
        assertEquals(r(2.0, 0.0, 10.0), scan(2, 100, ORDERED, "0,1", 0, A, 10, B, 20, x));
        // X outside the attempt's window does not exclude it
        assertEquals(r(1.0, 0.0, null), scan(2, 100, ORDERED, "0,1", 0, A, 150, x));
        // the excluded attempt is replaced by a later clean one
        assertEquals(r(2.0, 20.0, 30.0), scan(2, 100, ORDERED, "0,1", 0, A, 5, x, 20, A, 30, B));
        // exclusion between steps 1 and 2 of three (0-based 1 → 2): X after B excludes, X before B does not
        long x3 = 1L << 3;
        assertEquals(r(-1.0, null, null, null), scan(3, 100, ORDERED, "1,2", 0, A, 10, B, 15, x3, 20, C));
        assertEquals(r(3.0, 0.0, 10.0, 20.0), scan(3, 100, ORDERED, "1,2", 0, A, 5, x3, 10, B, 20, C));
        // unordered: an exclusion inside the attempt (0 → 10) drops that attempt; the one starting at B@10 counts
        assertEquals(r(1.0, 10.0, null), scan(2, 100, UNORDERED, "0,1", 0, A, 5, x, 10, B));
    }
}

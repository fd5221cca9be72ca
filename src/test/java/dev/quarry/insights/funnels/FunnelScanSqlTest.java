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
        }
    }

    @AfterAll
    static void stop() throws Exception {
        conn.close();
        pg.close();
    }

    /** events: seconds, mask, seconds, mask … (already in scan order) */
    static List<Double> scan(int n, double window, int mode, String excl, long... events) throws Exception {
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
        // A, B, B, C: the second B breaks the sequence before C
        assertEquals(r(2.0, 0.0, 1.0, null), scan(3, 100, STRICT, "", 0, A, 1, B, 2, B, 3, C));
        // ordered mode counts the same stream complete
        assertEquals(r(3.0, 0.0, 1.0, 3.0), scan(3, 100, ORDERED, "", 0, A, 1, B, 2, B, 3, C));
        // window still applies
        assertEquals(r(1.0, 0.0, null), scan(2, 100, STRICT, "", 0, A, 101, B));
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

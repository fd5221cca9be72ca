package dev.quarry.insights.funnels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Migration V29_1: the funnel statements' shape (a grouped scan per actor, then "reached step 1" on the scan's
 * result) evaluates each actor's PL/pgSQL scan once. Before it, PostgreSQL pushed {@code r[1] >= 1} into the grouped
 * subquery, where the aggregate node evaluated the scan a second time for the condition; the plan then shows the
 * function inside the aggregate's {@code Filter}.
 */
class FunnelScanOnceTest {
    static EmbeddedPostgres pg;
    static Connection conn;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgres.builder().start();
        conn = pg.getPostgresDatabase().getConnection();
        try (Statement st = conn.createStatement()) {
            for (String m : List.of("V7__funnels.sql", "V18_2__funnel_ordered.sql", "V29_1__funnel_scans_evaluated_once.sql",
                    "V41_1__funnel_strict_positions.sql", "V41_2__funnel_ordered_counts.sql",
                    "V123_2__funnel_ordered_counts_shortcuts.sql")) {
                st.execute(Files.readString(Path.of("src/main/resources/db/migration", m)));
            }
            // actor 1: A at 0, B at 10 (2 steps); actor 2: B only (no step 1, left out); actor 3: A, B, C
            st.execute("CREATE TABLE ev (actor int, step int, ts float8)");
            st.execute("INSERT INTO ev VALUES (1, 1, 0), (1, 2, 10), (2, 2, 5), (3, 1, 100), (3, 2, 110), (3, 3, 120)");
            st.execute("ANALYZE ev");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        conn.close();
        pg.close();
    }

    static final String ORDERED = "SELECT actor, r FROM (SELECT actor, quarry_funnel_ordered(array_agg(ts ORDER BY step, ts), "
            + "array_agg(step ORDER BY step, ts), 3, 60) AS r FROM ev GROUP BY actor) AS scan WHERE scan.r[1] >= 1 ORDER BY actor";
    static final String ORDERED_COUNTS = "SELECT actor, r FROM (SELECT actor, quarry_funnel_ordered_counts("
            + "array_agg(to_timestamp(ts) ORDER BY step, ts), ARRAY[count(*) FILTER (WHERE step = 1), count(*) FILTER "
            + "(WHERE step = 2), count(*) FILTER (WHERE step = 3)]::int[], 3, 60) AS r FROM ev GROUP BY actor) AS scan "
            + "WHERE scan.r[1] >= 1 ORDER BY actor";
    static final String STRICT_POSITIONS = "SELECT actor, r FROM (SELECT actor, quarry_funnel_strict_positions("
            + "array_agg(to_timestamp(ts) ORDER BY ts, step), array_agg(step ORDER BY ts, step), 3, 60) AS r FROM ev "
            + "GROUP BY actor) AS scan WHERE scan.r[1] >= 1 ORDER BY actor";
    static final String STRICT = "SELECT actor, r FROM (SELECT actor, quarry_funnel_strict(array_agg(ts ORDER BY ts, step), "
            + "array_agg(step ORDER BY ts, step), 3, 60) AS r FROM ev GROUP BY actor) AS scan WHERE scan.r[1] >= 1 ORDER BY actor";
    static final String FULL = "SELECT actor, r FROM (SELECT actor, quarry_funnel(array_agg(ts ORDER BY ts, step), "
            + "array_agg((1 << (step - 1))::bigint ORDER BY ts, step), 3, 60, 0, '') AS r FROM ev GROUP BY actor) AS scan "
            + "WHERE scan.r[1] >= 1 ORDER BY actor";

    @Test
    void theScanIsNotPushedIntoTheAggregate() throws Exception {
        for (String sql : List.of(ORDERED, ORDERED_COUNTS, STRICT, STRICT_POSITIONS, FULL)) {
            for (boolean hashed : List.of(true, false)) {
                List<String> plan = lines("SET enable_hashagg = " + hashed + "; EXPLAIN (VERBOSE, COSTS OFF) " + sql);
                for (String line : plan) {
                    assertTrue(!(line.trim().startsWith("Filter:") && line.contains("quarry_funnel")),
                            "the funnel scan is evaluated again in a filter:\n" + String.join("\n", plan));
                }
            }
        }
    }

    @Test
    void answersAreTheScans() throws Exception {
        // per actor: [furthest step, t1, t2, t3]; actor 2 never did step 1
        List<String> expected = List.of("1 {2,0,10,NULL}", "3 {3,100,110,120}");
        assertEquals(expected, lines(ORDERED));
        assertEquals(expected, lines(ORDERED_COUNTS));
        assertEquals(expected, lines(STRICT_POSITIONS));
        assertEquals(expected, lines(STRICT));
        assertEquals(expected, lines(FULL));
    }

    static List<String> lines(String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement st = conn.createStatement()) {
            boolean rs = st.execute(sql);
            while (!rs && st.getUpdateCount() != -1) {
                rs = st.getMoreResults();
            }
            try (ResultSet r = st.getResultSet()) {
                int cols = r.getMetaData().getColumnCount();
                while (r.next()) {
                    StringBuilder b = new StringBuilder();
                    for (int i = 1; i <= cols; i++) {
                        b.append(i > 1 ? " " : "").append(r.getString(i));
                    }
                    out.add(b.toString());
                }
            }
        }
        return out;
    }
}

package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.BatchSender;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rollup fold in bounded per-project chunks (V57_1, {@link RollupFolding}): one call folds at most the given
 * number of a project's delta rows, a fold of project A holds only A's rollup lock (project B's recompute of an
 * updated event goes through while A's chunk is uncommitted; A's own waits, shown with lock_timeout instead of a
 * sleep), and folding chunk by chunk leaves the rollups equal to what the events give.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RollupFoldChunksTest {
    private static final Instant T0 = Instant.parse("2024-03-01T09:00:00Z");

    @Inject
    Pool pool;

    /** posthog-node 5.x: POST /batch/, Content-Type application/json, Content-Encoding gzip. */
    private static void send(Project project, int persons, int days) throws Exception {
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int p = 0; p < persons; p++) {
            for (int d = 0; d < days; d++) {
                batch.add(Map.of("event", "$pageview", "distinct_id", "user-" + p,
                        "timestamp", T0.plusSeconds(86_400L * d + 60L * p).toString(),
                        "properties", Map.of("$browser", "Firefox", "$ignore_sent_at", true)));
            }
        }
        BatchSender.gzip(project, batch);
    }

    private long scalar(SqlConnection conn, String sql, Object... args) {
        return conn.preparedQuery(sql).execute(Tuple.tuple(List.of(args))).await().indefinitely().iterator().next()
                .getLong(0);
    }

    private long scalar(String sql, Object... args) {
        return pool.preparedQuery(sql).execute(Tuple.tuple(List.of(args))).await().indefinitely().iterator().next()
                .getLong(0);
    }

    /** Person-day keys (UTC days) where the rollup view and the events disagree, both ways. */
    private long differences(long team) {
        return BatchSender.rollupDifferences(pool, team, "UTC");
    }

    private static boolean lockTimedOut(Throwable failure) {
        return failure instanceof PgException pg && "55P03".equals(pg.getSqlState());
    }

    @Test
    void aBacklogOfOneProjectIsFoldedInChunksWithoutHoldingAnotherProjectsRecompute() throws Exception {
        Project a = TestProjects.create("fold backlog A");
        Project b = TestProjects.create("fold backlog B");
        send(a, 2, 30); // 60 person-days of A: 30 delta rows (one statement, one row per event and day: V111_1)
        send(b, 2, 2);
        long backlog = scalar("SELECT count(*) FROM events_person_days_delta WHERE team_id = $1", a.id());
        assertEquals(30, backlog);

        SqlConnection folder = pool.getConnection().await().indefinitely();
        SqlConnection writer = pool.getConnection().await().indefinitely();
        try {
            Transaction fold = folder.begin().await().indefinitely();
            // one chunk of A, uncommitted: it moved exactly 10 rows and holds A's rollup lock until it ends
            assertEquals(10, scalar(folder, "SELECT quarry_rollups_fold($1, 10)", a.id()));
            assertEquals(backlog - 10, scalar(folder,
                    "SELECT count(*) FROM events_person_days_delta WHERE team_id = $1", a.id()));

            // B's recompute (an event moved by an hour: the update trigger recomputes its person-days) does not wait
            // for A's fold: with the one shared lock of V48_1 this failed on the lock timeout
            writer.query("SET lock_timeout = '5s'").execute().await().indefinitely();
            assertEquals(1, writer.preparedQuery("UPDATE events SET timestamp = timestamp + interval '1 hour' "
                            + "WHERE team_id = $1 AND uuid = (SELECT uuid FROM events WHERE team_id = $1 "
                            + "ORDER BY timestamp LIMIT 1)")
                    .execute(Tuple.of(b.id())).await().indefinitely().rowCount());
            // A's own recompute waits for A's chunk (the lock is real), here until its short lock timeout
            writer.query("SET lock_timeout = '200ms'").execute().await().indefinitely();
            Throwable waited = assertThrows(Throwable.class, () -> writer.preparedQuery(
                            "UPDATE events SET timestamp = timestamp + interval '1 hour' WHERE team_id = $1 "
                                    + "AND uuid = (SELECT uuid FROM events WHERE team_id = $1 ORDER BY timestamp LIMIT 1)")
                    .execute(Tuple.of(a.id())).await().indefinitely());
            assertTrue(lockTimedOut(waited), "A's recompute waited on A's fold: " + waited);
            fold.commit().await().indefinitely();
        } finally {
            writer.close().await().indefinitely();
            folder.close().await().indefinitely();
        }
        assertEquals(0, differences(b.id()), "B's rollup after its recompute");

        // the rest, chunk by chunk (7 rows a transaction): everything folded, answers as the events give them
        long folded = new RollupFolding(pool, 7).fold().await().indefinitely();
        assertTrue(folded >= backlog - 10, "folded " + folded);
        assertEquals(0, scalar("SELECT count(*) FROM events_person_days_delta WHERE team_id = ANY($1)",
                (Object) new Long[] {a.id(), b.id()}));
        assertEquals(0, differences(a.id()), "A's rollup after the chunked fold");
        assertEquals(0, differences(b.id()), "B's rollup after the chunked fold");
        assertEquals(60, scalar("SELECT count(*) FROM events_person_days_folded WHERE team_id = $1", a.id()));
        assertEquals(0, new RollupFolding(pool, 7).fold().await().indefinitely(), "nothing left to fold");
    }
}

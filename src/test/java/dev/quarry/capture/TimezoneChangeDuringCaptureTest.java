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
import io.vertx.mutiny.sqlclient.Row;
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
 * A timezone change racing a capture write of the same project (V60_1), found by the breaker: a batch whose events
 * were inserted but not yet committed when the project's timezone changed kept its person-days on the old zone's
 * days for good (the rebuild could not see them). Each order is played with two connections; lock_timeout shows the
 * wait instead of a sleep. After both commit the rollup equals the events counted in the new zone.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class TimezoneChangeDuringCaptureTest {
    private static final Instant T0 = Instant.parse("2024-03-01T09:00:00Z");
    /** 02:30 UTC on 2 March: still 1 March in America/St_Johns (UTC−3:30), already 2 March 08:15 in Kathmandu. */
    private static final String LATE = "2024-03-02T02:30:00Z";

    @Inject
    Pool pool;

    /** posthog-node 5.x: POST /batch/, Content-Type application/json, Content-Encoding gzip. */
    private static void send(Project project) throws Exception {
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            batch.add(Map.of("event", "$pageview", "distinct_id", "tz-user-" + p,
                    "timestamp", T0.plusSeconds(60L * p).toString(),
                    "properties", Map.of("$browser", "Firefox", "$ignore_sent_at", true)));
        }
        BatchSender.gzip(project, batch);
    }

    private long scalar(String sql, Object... args) {
        return pool.preparedQuery(sql).execute(Tuple.tuple(List.of(args))).await().indefinitely().iterator().next()
                .getLong(0);
    }

    /** Person-day keys where the rollup view and the events counted in {@code zone} disagree, both ways. */
    private long differences(long team, String zone) {
        return BatchSender.rollupDifferences(pool, team, zone);
    }

    /** A copy of one of the project's events under a new uuid at {@link #LATE}: what a batch's insert writes. */
    private String copyAtLate() {
        List<String> columns = new ArrayList<>();
        for (Row row : pool.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'events' "
                + "AND is_generated = 'NEVER' ORDER BY ordinal_position").execute().await().indefinitely()) {
            columns.add(row.getString(0));
        }
        List<String> values = new ArrayList<>();
        for (String c : columns) {
            values.add(switch (c) {
                case "uuid" -> "gen_random_uuid()";
                case "timestamp" -> "'" + LATE + "'::timestamptz";
                default -> "\"" + c + "\"";
            });
        }
        String list = String.join(", ", columns.stream().map(c -> "\"" + c + "\"").toList());
        return "INSERT INTO events (" + list + ") SELECT " + String.join(", ", values)
                + " FROM events WHERE team_id = $1 ORDER BY timestamp LIMIT 1";
    }

    private static boolean lockTimedOut(Throwable failure) {
        return failure instanceof PgException pg && "55P03".equals(pg.getSqlState());
    }

    private static void exec(SqlConnection conn, String sql, Object... args) {
        conn.preparedQuery(sql).execute(Tuple.tuple(List.of(args))).await().indefinitely();
    }

    @Test
    void aTimezoneChangeWaitsForABatchStillWritingAndRebuildsWithItsRows() throws Exception {
        Project a = TestProjects.create("zone change after a batch");
        send(a);
        SqlConnection batch = pool.getConnection().await().indefinitely();
        SqlConnection settings = pool.getConnection().await().indefinitely();
        try {
            Transaction written = batch.begin().await().indefinitely();
            exec(batch, copyAtLate(), a.id()); // inserted in UTC days, not committed yet
            exec(settings, "SET lock_timeout = '300ms'");
            Throwable waited = assertThrows(Throwable.class, () -> exec(settings,
                    "UPDATE teams SET timezone = 'America/St_Johns' WHERE id = $1", a.id()));
            assertTrue(lockTimedOut(waited), "the timezone change waited for the batch: " + waited);
            written.commit().await().indefinitely();
            exec(settings, "SET lock_timeout = '10s'");
            exec(settings, "UPDATE teams SET timezone = 'America/St_Johns' WHERE id = $1", a.id());
        } finally {
            settings.close().await().indefinitely();
            batch.close().await().indefinitely();
        }
        assertEquals(4, scalar("SELECT count(*) FROM events WHERE team_id = $1", a.id()));
        assertEquals(0, differences(a.id(), "America/St_Johns"), "rollup in the new zone, the batch's row included");
        assertEquals(1, scalar("SELECT count(*) FROM events_person_days WHERE team_id = $1 AND day = '2024-03-02'",
                a.id()) + scalar("SELECT count(*) FROM events_person_days WHERE team_id = $1 AND day = '2024-03-01' "
                + "AND last_at = $2::text::timestamptz", a.id(), LATE), "the late event's day is St John's 1 March");
    }

    @Test
    void aBatchAfterAnUncommittedTimezoneChangeComputesItsDaysInTheNewZone() throws Exception {
        Project a = TestProjects.create("batch after a zone change");
        send(a);
        SqlConnection batch = pool.getConnection().await().indefinitely();
        SqlConnection settings = pool.getConnection().await().indefinitely();
        try {
            Transaction change = settings.begin().await().indefinitely();
            exec(settings, "UPDATE teams SET timezone = 'Asia/Kathmandu' WHERE id = $1", a.id());
            exec(batch, "SET lock_timeout = '300ms'");
            String insert = copyAtLate();
            Throwable waited = assertThrows(Throwable.class, () -> exec(batch, insert, a.id()));
            assertTrue(lockTimedOut(waited), "the batch waited for the timezone change: " + waited);
            change.commit().await().indefinitely();
            exec(batch, "SET lock_timeout = '10s'");
            exec(batch, insert, a.id());
        } finally {
            settings.close().await().indefinitely();
            batch.close().await().indefinitely();
        }
        assertEquals(0, differences(a.id(), "Asia/Kathmandu"), "rollup in the new zone, the late batch included");
    }
}

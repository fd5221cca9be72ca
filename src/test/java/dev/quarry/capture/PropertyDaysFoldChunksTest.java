package dev.quarry.capture;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The per-property daily counts (V55_1) folded in bounded per-project chunks, and capture's grouped insert trigger
 * (V64_1): one call of {@code quarry_property_days_fold(team, max_rows)} moves at most max_rows of one project's
 * deltas under that project's lock only (project B's timezone rebuild goes through while A's chunk is uncommitted; A's
 * own waits, shown with lock_timeout instead of a sleep), and the counts equal what the events give — all 11 hot
 * properties, missing values as '' — before any fold, after a chunked fold, after a delete that brings a key to 0
 * and after B's rebuild in another zone.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PropertyDaysFoldChunksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2024-03-01T22:55:00Z");
    private static final String[] BROWSERS = {"Chrome", "Firefox", "Safari"};

    @Inject
    Pool pool;

    /**
     * posthog-node 5.x: POST /batch/, Content-Type application/json, Content-Encoding gzip; one batch per person. Per
     * person and day one event whose hot properties vary (some missing, some empty), times 22:55 + p minutes UTC:
     * Berlin (UTC+1 in March) puts persons 5 and up on the next day.
     */
    private static void send(Project project, int persons, int days) throws Exception {
        for (int p = 0; p < persons; p++) {
            List<Map<String, Object>> batch = new ArrayList<>();
            for (int d = 0; d < days; d++) {
                Map<String, Object> properties = new HashMap<>();
                properties.put("$browser", BROWSERS[(p + d) % 3]);
                properties.put("$os", p % 2 == 0 ? "Mac OS X" : "Windows");
                if (p % 3 == 0) {
                    properties.put("$pathname", "/docs/" + d);
                    properties.put("$host", "example.com");
                }
                if (p % 4 == 1) {
                    properties.put("utm_source", "news");
                    properties.put("utm_medium", "");
                    properties.put("utm_campaign", "spring-" + (d % 2));
                    properties.put("$referring_domain", "google.com");
                    properties.put("$device_type", "Desktop");
                }
                properties.put("$ignore_sent_at", true);
                batch.add(Map.of("event", d % 2 == 0 ? "$pageview" : "signed up", "distinct_id", "user-" + p,
                        "timestamp", T0.plusSeconds(86_400L * d + 60L * p).toString(), "properties", properties));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(JSON.writeValueAsBytes(Map.of("api_key", project.apiToken(), "batch", batch)));
            }
            given().contentType("application/json").header("Content-Encoding", "gzip").body(out.toByteArray())
                    .post("/batch/").then().statusCode(200);
        }
    }

    private long scalar(SqlConnection conn, String sql, Object... args) {
        return conn.preparedQuery(sql).execute(Tuple.tuple(List.of(args))).await().indefinitely().iterator().next()
                .getLong(0);
    }

    private long scalar(String sql, Object... args) {
        return pool.preparedQuery(sql).execute(Tuple.tuple(List.of(args))).await().indefinitely().iterator().next()
                .getLong(0);
    }

    /**
     * Keys (event, local day in the given zone, property, value) where the view's summed count and the events' count
     * disagree, both ways; the view's keys summing to 0 are skipped, as readers skip them.
     */
    private long differences(long team, String zone) {
        return scalar("""
                WITH truth AS (
                         SELECT e.event, (e.timestamp AT TIME ZONE $2)::date AS day, p.property,
                                coalesce(p.value, '') AS value, count(*) AS events
                         FROM events e
                         CROSS JOIN LATERAL (VALUES ('$browser', e.properties->>'$browser'),
                             ('$os', e.properties->>'$os'), ('$device_type', e.properties->>'$device_type'),
                             ('$pathname', e.properties->>'$pathname'), ('$host', e.properties->>'$host'),
                             ('$referring_domain', e.properties->>'$referring_domain'),
                             ('utm_source', e.properties->>'utm_source'), ('utm_medium', e.properties->>'utm_medium'),
                             ('utm_campaign', e.properties->>'utm_campaign'),
                             ('utm_content', e.properties->>'utm_content'),
                             ('utm_term', e.properties->>'utm_term')) p(property, value)
                         WHERE e.team_id = $1 GROUP BY 1, 2, 3, 4),
                     rollup AS (
                         SELECT event, day, property, value, sum(events)::bigint AS events
                         FROM events_property_days WHERE team_id = $1 GROUP BY 1, 2, 3, 4 HAVING sum(events) <> 0)
                SELECT (SELECT count(*) FROM (SELECT * FROM truth EXCEPT SELECT * FROM rollup) a)
                     + (SELECT count(*) FROM (SELECT * FROM rollup EXCEPT SELECT * FROM truth) b)""", team, zone);
    }

    private static boolean lockTimedOut(Throwable failure) {
        return failure instanceof PgException pg && "55P03".equals(pg.getSqlState());
    }

    @Test
    void aBacklogOfOneProjectIsFoldedInChunksWithoutHoldingAnotherProjectsRebuild() throws Exception {
        Project a = TestProjects.create("property fold backlog A");
        Project b = TestProjects.create("property fold backlog B");
        send(a, 12, 6);
        send(b, 4, 3);
        long backlog = scalar("SELECT count(*) FROM events_property_days_delta WHERE team_id = $1", a.id());
        // one delta row per (event, day) of a batch (V120_1): 12 batches x 6 days
        assertEquals(72, backlog, "A's delta rows");
        assertEquals(0, differences(a.id(), "UTC"), "A's counts straight from capture's grouped trigger");
        assertEquals(0, differences(b.id(), "UTC"), "B's counts straight from capture's grouped trigger");

        SqlConnection folder = pool.getConnection().await().indefinitely();
        SqlConnection writer = pool.getConnection().await().indefinitely();
        try {
            Transaction fold = folder.begin().await().indefinitely();
            // one chunk of A, uncommitted: it moved exactly 10 rows and holds A's rollup lock until it ends
            assertEquals(10, scalar(folder, "SELECT quarry_property_days_fold($1, 10)", a.id()));
            assertEquals(backlog - 10, scalar(folder,
                    "SELECT count(*) FROM events_property_days_delta WHERE team_id = $1", a.id()));

            // B's timezone change rebuilds B's counts without waiting for A's fold (V55_1's one shared lock made it
            // wait for the whole fold)
            writer.query("SET lock_timeout = '5s'").execute().await().indefinitely();
            assertEquals(1, writer.preparedQuery("UPDATE teams SET timezone = 'Europe/Berlin' WHERE id = $1")
                    .execute(Tuple.of(b.id())).await().indefinitely().rowCount());
            // A's own rebuild waits for A's chunk (the lock is real), here until its short lock timeout
            writer.query("SET lock_timeout = '200ms'").execute().await().indefinitely();
            Throwable waited = assertThrows(Throwable.class, () -> writer
                    .preparedQuery("UPDATE teams SET timezone = 'Europe/Berlin' WHERE id = $1")
                    .execute(Tuple.of(a.id())).await().indefinitely());
            assertTrue(lockTimedOut(waited), "A's rebuild waited on A's fold: " + waited);
            fold.commit().await().indefinitely();
        } finally {
            writer.close().await().indefinitely();
            folder.close().await().indefinitely();
        }
        assertEquals(0, differences(b.id(), "Europe/Berlin"), "B's counts after its rebuild in Berlin");
        assertEquals(0, differences(a.id(), "UTC"), "A's counts with one chunk folded");

        // the events of one value go (persons 0, 3, 6, 9 on day 5): its keys' counts reach 0 and the fold drops them
        assertEquals(4, pool.preparedQuery("DELETE FROM events WHERE team_id = $1 "
                        + "AND properties->>'$pathname' = '/docs/5'")
                .execute(Tuple.of(a.id())).await().indefinitely().rowCount());

        // the rest, chunk by chunk (7 rows a transaction): everything folded, answers as the events give them
        long folded = new RollupFolding(pool, 7).fold().await().indefinitely();
        assertTrue(folded >= backlog - 10, "folded " + folded);
        assertEquals(0, scalar("SELECT count(*) FROM events_property_days_delta WHERE team_id = ANY($1)",
                (Object) new Long[] {a.id(), b.id()}));
        assertEquals(0, differences(a.id(), "UTC"), "A's counts after the chunked fold");
        assertEquals(0, differences(b.id(), "Europe/Berlin"), "B's counts after the chunked fold");
        assertEquals(0, scalar("SELECT count(*) FROM events_property_days_folded WHERE team_id = $1 AND events = 0",
                a.id()), "keys brought to 0 are dropped");
        assertEquals(0, scalar("SELECT count(*) FROM events_property_days_folded WHERE team_id = $1 "
                + "AND property = '$pathname' AND value = '/docs/5'", a.id()), "the deleted events' value");
        assertEquals(0, new RollupFolding(pool, 7).fold().await().indefinitely(), "nothing left to fold");
    }
}

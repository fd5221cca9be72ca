package dev.quarry.reliability;

import static dev.quarry.reliability.Hostile.map;
import static dev.quarry.reliability.Hostile.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Database faults with Quarry running: PostgreSQL restarted mid-run (calls during the outage are quick 503s with
 * Retry-After and PostHog's error body; calls after it succeed without restarting Quarry; capture batches in flight
 * are stored whole or refused, never half or twice — counted afterwards), and a pool exhausted (quick 503, then
 * recovery by itself).
 */
@QuarkusTest
@TestProfile(DatabaseFaultProfile.class)
class DatabaseFaultTest {
    private static final int BATCHES = 40;
    private static final int EVENTS_PER_BATCH = 50;
    private static Project team;

    @Inject
    Pool pool;

    @BeforeEach
    void data() {
        if (team == null) {
            team = TestProjects.create("Faults");
        }
    }

    private static Response project() {
        return request().header("Authorization", "Bearer " + team.key()).get("/api/projects/" + team.id() + "/");
    }

    private static String batch(int number) {
        StringBuilder s = new StringBuilder("{\"api_key\":\"" + team.apiToken() + "\",\"batch\":[");
        for (int i = 0; i < EVENTS_PER_BATCH; i++) {
            UUID uuid = UUID.nameUUIDFromBytes(("batch " + number + " event " + i).getBytes());
            s.append(i == 0 ? "" : ",").append("{\"event\":\"fault\",\"uuid\":\"").append(uuid)
                    .append("\",\"distinct_id\":\"user").append(i % 7).append("\",\"properties\":{\"batch\":")
                    .append(number).append("},\"timestamp\":\"2026-01-05T00:00:00Z\"}");
        }
        return s.append("]}").toString();
    }

    private static void assertUnavailable(Response response, String what) {
        assertEquals(503, response.statusCode(), what + ": " + response.asString());
        assertNotNull(response.header("Retry-After"), what + " has Retry-After");
        assertEquals("server_error", response.jsonPath().getString("type"), what);
        assertEquals("service_unavailable", response.jsonPath().getString("code"), what);
    }

    @Test
    void restartMidRunLosesAndDuplicatesNothing() throws Exception {
        assertEquals(RestartablePostgres.port, pool.query("SELECT inet_server_port()").execute()
                .await().atMost(java.time.Duration.ofSeconds(10)).iterator().next().getInteger(0),
                "Quarry uses the restartable server");
        ExecutorService senders = Executors.newFixedThreadPool(2);
        Map<Integer, List<Integer>> statuses = new ConcurrentHashMap<>();
        AtomicBoolean outage = new AtomicBoolean();
        List<Future<?>> sent = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            int number = b;
            sent.add(senders.submit(() -> {
                String body = batch(number);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (System.nanoTime() < deadline) { // the client retries until the batch is accepted
                    int status;
                    try {
                        status = request().contentType("application/json").body(body).post("/batch/").statusCode();
                    } catch (Exception e) {
                        status = -1; // a hang past the socket timeout or a broken connection
                    }
                    statuses.computeIfAbsent(number, k -> new ArrayList<>()).add(status);
                    if (status == 200) {
                        return;
                    }
                    sleep(200);
                }
            }));
            if (b == BATCHES / 3) {
                sleep(300);
                RestartablePostgres.stopServer();
                outage.set(true);
                long started = System.nanoTime();
                assertUnavailable(project(), "GET project during the outage");
                assertUnavailable(request().contentType("application/json").body(batch(999)).post("/batch/"),
                        "capture during the outage");
                assertUnavailable(request().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                        .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select 1")))
                        .post("/api/projects/" + team.id() + "/query/"), "query during the outage");
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                assertTrue(tookMs < 10_000, "three calls during the outage took " + tookMs + " ms");
                sleep(2_000);
                RestartablePostgres.startServer();
                outage.set(false);
            }
        }
        for (Future<?> f : sent) {
            f.get(150, TimeUnit.SECONDS);
        }
        senders.shutdown();
        // Recovered without restarting Quarry.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (project().statusCode() != 200 && System.nanoTime() < deadline) {
            sleep(200);
        }
        assertEquals(200, project().statusCode());
        for (Map.Entry<Integer, List<Integer>> s : statuses.entrySet()) {
            assertEquals(200, s.getValue().get(s.getValue().size() - 1), "batch " + s.getKey() + " " + s.getValue());
            for (int status : s.getValue()) {
                assertTrue(status == 200 || status == 503, "batch " + s.getKey() + " answered " + s.getValue());
            }
        }
        // Every batch stored exactly once and whole: 50 events each, no uuid twice, batch 999 (refused) absent.
        var rows = pool.preparedQuery("SELECT (properties->>'batch')::int AS b, count(*), count(DISTINCT uuid) FROM events "
                        + "WHERE team_id = $1 AND event = 'fault' AND (properties->>'batch')::int < 1000 GROUP BY 1 ORDER BY 1")
                .execute(Tuple.of(team.id())).await().atMost(java.time.Duration.ofSeconds(10));
        List<String> perBatch = new ArrayList<>();
        rows.forEach(r -> perBatch.add(r.getInteger(0) + ":" + r.getLong(1) + "/" + r.getLong(2)));
        List<String> expected = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            expected.add(b + ":" + EVENTS_PER_BATCH + "/" + EVENTS_PER_BATCH);
        }
        assertEquals(expected, perBatch);
        System.out.println("[reliability] restart: per-batch statuses " + statuses);
    }

    /**
     * Backends terminated under batches in flight (what a failover or an administrator's {@code pg_terminate_backend}
     * does to a connection mid-transaction, at whatever point of the pipelined BEGIN … COMMIT it is): every answer is
     * a 200 or a 503, never a 500, and every batch is stored whole exactly once after the client's retries.
     */
    @Test
    void backendsTerminatedMidBatchAnswer503AndLoseNothing() throws Exception {
        int batches = 40;
        int first = 1_000; // batch numbers apart from the restart test's
        ExecutorService senders = Executors.newFixedThreadPool(3);
        Map<Integer, List<Integer>> statuses = new ConcurrentHashMap<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        Future<Integer> killer = senders.submit(() -> {
            int killed = 0;
            java.util.Random random = new java.util.Random(7);
            while (sending.get()) {
                try {
                    var rows = pool.query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            + "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' "
                            + "AND datname = current_database() AND state <> 'idle'")
                            .execute().await().atMost(java.time.Duration.ofSeconds(10));
                    killed += rows.iterator().next().getLong(0).intValue();
                } catch (RuntimeException e) {
                    // its own connection may be the one another kill closed; the next round takes a fresh one
                }
                sleep(15 + random.nextInt(60));
            }
            return killed;
        });
        List<Future<?>> sent = new ArrayList<>();
        for (int b = first; b < first + batches; b++) {
            int number = b;
            sent.add(senders.submit(() -> {
                String body = batch(number);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (System.nanoTime() < deadline) {
                    int status;
                    try {
                        status = request().contentType("application/json").body(body).post("/batch/").statusCode();
                    } catch (Exception e) {
                        status = -1;
                    }
                    statuses.computeIfAbsent(number, k -> new ArrayList<>()).add(status);
                    if (status == 200) {
                        return;
                    }
                    sleep(50);
                }
            }));
        }
        for (Future<?> f : sent) {
            f.get(150, TimeUnit.SECONDS);
        }
        sending.set(false);
        int killed = killer.get(30, TimeUnit.SECONDS);
        senders.shutdown();
        System.out.println("[reliability] terminated backends " + killed + ", per-batch statuses " + statuses);
        assertTrue(killed > 0, "some backends were terminated mid-batch");
        for (Map.Entry<Integer, List<Integer>> s : statuses.entrySet()) {
            assertEquals(200, s.getValue().get(s.getValue().size() - 1), "batch " + s.getKey() + " " + s.getValue());
            for (int status : s.getValue()) {
                assertTrue(status == 200 || status == 503, "batch " + s.getKey() + " answered " + s.getValue());
            }
        }
        var rows = pool.preparedQuery("SELECT (properties->>'batch')::int AS b, count(*), count(DISTINCT uuid) FROM events "
                        + "WHERE team_id = $1 AND event = 'fault' AND (properties->>'batch')::int >= $2 GROUP BY 1 ORDER BY 1")
                .execute(Tuple.of(team.id(), first)).await().atMost(java.time.Duration.ofSeconds(10));
        List<String> perBatch = new ArrayList<>();
        rows.forEach(r -> perBatch.add(r.getInteger(0) + ":" + r.getLong(1) + "/" + r.getLong(2)));
        List<String> expected = new ArrayList<>();
        for (int b = first; b < first + batches; b++) {
            expected.add(b + ":" + EVENTS_PER_BATCH + "/" + EVENTS_PER_BATCH);
        }
        assertEquals(expected, perBatch);
    }

    @Test
    void exhaustedPoolIsAQuick503AndRecoversByItself() {
        assertEquals(200, project().statusCode());
        List<SqlConnection> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) { // the profile's pool holds 4
                held.add(pool.getConnection().await().atMost(java.time.Duration.ofSeconds(5)));
            }
            long started = System.nanoTime();
            assertUnavailable(project(), "GET project with the pool exhausted");
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(tookMs < 5_000, "answered in " + tookMs + " ms (acquisition timeout 1 s)");
        } finally {
            held.forEach(c -> c.close().await().indefinitely());
        }
        assertEquals(200, project().statusCode());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.quarry.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.Plans;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Project A floods the worst inputs of issue 15, bounded (exponential alias/CTE chains for HogQLQuery and
 * HogQLMetadata, async cross joins all sharing one client_query_id, a 70,000-value IN list, a cohort with 150
 * behavioural filters) from three clients, while project B reads its project, runs a HogQL query and captures.
 * Every call of B must succeed, and B's 95th percentile must stay under a second, the issue's own bound ("nothing of
 * another project slowed past a second"), taken at the 95th percentile of 45 calls (the third slowest) rather than at
 * the maximum, so that one scheduling hiccup of a shared CI machine does not decide it (on a machine so loaded that B
 * alone is slow, the bound is four times B's own unloaded 95th percentile). Before A's compiles moved off
 * the event loop into per-project lanes, HogQLMetadata floods alone held B's median at 0.6–1.7 s and its maximum past
 * 5 s on the packaged app.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class NoisyNeighbourTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    private static String base() {
        return RestAssured.baseURI + ":" + RestAssured.port;
    }

    private static HttpResponse<String> send(String method, String path, String key, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(60));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        if (json != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String query(String kind, String hogql, String extra) {
        return "{\"query\":{\"kind\":\"" + kind + "\",\"query\":" + quote(hogql) + "}" + extra + "}";
    }

    /** One round of B's calls; returns each call's latency in ms, failing on any non-success status. */
    private static List<Long> roundOfB(Project b, List<String> failures) throws Exception {
        List<Long> ms = new ArrayList<>();
        String batch = "{\"api_key\":\"" + b.apiToken() + "\",\"batch\":[{\"event\":\"$pageview\",\"distinct_id\":\"b-user\","
                + "\"uuid\":\"" + UUID.randomUUID() + "\",\"timestamp\":\"2026-01-05T10:00:00Z\",\"properties\":{}}]}";
        Object[][] calls = {
            {"GET", "/api/projects/" + b.id() + "/", b.key(), null},
            {"POST", "/api/projects/" + b.id() + "/query/", b.key(),
                query("HogQLQuery", "select event, count() from events group by event", ",\"refresh\":\"force_blocking\"")},
            {"POST", "/batch/", null, batch},
        };
        for (Object[] c : calls) {
            long t = System.nanoTime();
            HttpResponse<String> r = send((String) c[0], (String) c[1], (String) c[2], (String) c[3]);
            ms.add((System.nanoTime() - t) / 1_000_000);
            if (r.statusCode() != 200) {
                failures.add(c[0] + " " + c[1] + " -> " + r.statusCode() + " " + r.body());
            }
        }
        return ms;
    }

    private static long median(List<Long> values) {
        return percentile(values, 0.5);
    }

    /** Nearest-rank percentile. */
    private static long percentile(List<Long> values, double p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.max(0, (int) Math.ceil(p * sorted.size()) - 1));
    }

    /**
     * Cancels A's async cross joins still running (they would run to the statement timeout and slow the tests that
     * follow), polling until none of A's statements is left, within a bound.
     */
    private void stopAsyncFlood(Project a) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        int quiet = 0;
        while (quiet < 3 && System.currentTimeMillis() < deadline) {
            send("DELETE", "/api/projects/" + a.id() + "/query/flood/", a.key(), null);
            long running = pool.preparedQuery("SELECT count(*) FROM query_runs WHERE team_id = $1")
                    .execute(io.vertx.mutiny.sqlclient.Tuple.of(a.id())).await().indefinitely()
                    .iterator().next().getLong(0);
            quiet = running == 0 ? quiet + 1 : 0;
            Thread.onSpinWait();
        }
    }

    @Test
    void aFloodingProjectDoesNotHurtItsNeighbour() throws Exception {
        Project a = TestProjects.create("Noisy A");
        Project b = TestProjects.create("Quiet B");
        Plans.withoutRateLimits(pool, a.id());
        Plans.withoutRateLimits(pool, b.id());
        Capture ca = Capture.to(a);
        for (int i = 0; i < 1500; i++) {
            ca.event("$pageview", "a" + (i % 300), "2026-01-0" + (1 + i % 9) + "T12:00:00Z");
        }
        ca.send();
        Capture.to(b).event("$pageview", "b-user", "2026-01-02T12:00:00Z").send();

        String chain = "with 1 as a0, " + IntStream.rangeClosed(1, 25).mapToObj(i -> "a" + (i - 1) + "+a" + (i - 1)
                + " as a" + i).collect(Collectors.joining(", ")) + " select a25";
        String aliases = "select 1 as a0, " + IntStream.rangeClosed(1, 25).mapToObj(i -> "a" + (i - 1) + "+a" + (i - 1)
                + " as a" + i).collect(Collectors.joining(", ")) + " from events";
        String inList = "select count() from events where event in ("
                + IntStream.range(0, 70_000).mapToObj(i -> "'v" + i + "'").collect(Collectors.joining(",")) + ")";
        String cohort = "{\"name\":\"flood\",\"filters\":{\"properties\":{\"type\":\"OR\",\"values\":["
                + IntStream.range(0, 150).mapToObj(i -> "{\"type\":\"behavioral\",\"value\":\"performed_event\","
                        + "\"key\":\"$pageview\",\"event_type\":\"events\",\"time_value\":" + (1000 + i) + ",\"time_interval\":\"day\"}")
                .collect(Collectors.joining(",")) + "]}}}";
        List<String[]> worst = List.of(
                new String[] {"/api/projects/" + a.id() + "/query/", query("HogQLQuery", chain, ",\"refresh\":\"force_blocking\"")},
                new String[] {"/api/projects/" + a.id() + "/query/", query("HogQLMetadata", aliases, "")},
                new String[] {"/api/projects/" + a.id() + "/query/", query("HogQLQuery",
                        "select count() from events x, events y where x.distinct_id <> y.distinct_id",
                        ",\"refresh\":\"force_async\",\"client_query_id\":\"flood\"")},
                new String[] {"/api/projects/" + a.id() + "/query/", query("HogQLQuery", inList, ",\"refresh\":\"force_blocking\"")},
                new String[] {"/api/projects/" + a.id() + "/cohorts/", cohort});
        floodAndMeasure(a, b, worst, java.util.Set.of(200, 201, 202, 400, 429), true);
    }

    /**
     * Project A posts large query bodies from three clients: 6 MB ones (refused with 413 from their Content-Length,
     * before a byte is read) and ones just under the 2 MiB limit (a million numbers in {@code values}, parsed in A's
     * lane, never on the event loop). Before, the query endpoint took 6 MB bodies and read them into a JSON tree on
     * the event loop: on the packaged app B's median was 562 ms and its 99th percentile 1,940 ms under that flood.
     * B's median is held to a second; its tail is not asserted here, because in the test JVM A's clients build and
     * encode their multi-megabyte bodies in the same heap as the server, and on a loaded machine their garbage
     * collection alone reaches B's slowest calls (the packaged app's figures are in the README).
     */
    @Test
    void largeQueryBodiesDoNotHurtTheNeighbour() throws Exception {
        Project a = TestProjects.create("Noisy A, large bodies");
        Project b = TestProjects.create("Quiet B, large bodies");
        Plans.withoutRateLimits(pool, a.id());
        Plans.withoutRateLimits(pool, b.id());
        Capture.to(b).event("$pageview", "b-user", "2026-01-02T12:00:00Z").send();
        String path = "/api/environments/" + a.id() + "/query/";
        List<String[]> large = List.of(
                new String[] {path, QueryBodyLimitTest.bodyWithNumbers(3_000_000)},
                new String[] {path, QueryBodyLimitTest.bodyWithNumbers(1_000_000)});
        Map<Integer, AtomicInteger> statuses = floodAndMeasure(a, b, large, java.util.Set.of(200, 413, 429), false);
        assertTrue(statuses.containsKey(413), "the 6 MB bodies were refused: " + statuses);
        assertTrue(statuses.containsKey(200), "the bodies under the limit were answered: " + statuses);
    }

    /**
     * B's rounds alone, then under A's flood of {@code worst} (path, body) from three clients; asserts that every
     * call of B succeeded, that A got only {@code allowed} statuses, that B's median stayed under a second and, with
     * {@code tail}, its 95th percentile within the bound in the class comment. Returns A's statuses.
     */
    private Map<Integer, AtomicInteger> floodAndMeasure(Project a, Project b, List<String[]> worst,
                                                        java.util.Set<Integer> allowed, boolean tail) throws Exception {
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        List<Long> unloaded = new ArrayList<>();
        roundOfB(b, failures); // warm-up
        for (int i = 0; i < 15; i++) {
            unloaded.addAll(roundOfB(b, failures));
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger floodCalls = new AtomicInteger();
        Map<Integer, AtomicInteger> floodStatuses = new ConcurrentHashMap<>();
        List<Thread> flooders = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int offset = t;
            Thread th = new Thread(() -> {
                for (int i = offset; !stop.get(); i++) {
                    String[] w = worst.get(i % worst.size());
                    try {
                        int status = send("POST", w[0], a.key(), w[1]).statusCode();
                        floodStatuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                    } catch (Exception e) {
                        floodStatuses.computeIfAbsent(-1, s -> new AtomicInteger()).incrementAndGet();
                    }
                    floodCalls.incrementAndGet();
                }
            });
            th.start();
            flooders.add(th);
        }
        List<Long> loaded = new ArrayList<>();
        try {
            long deadline = System.currentTimeMillis() + 30_000;
            while (floodCalls.get() < 6 && System.currentTimeMillis() < deadline) {
                Thread.onSpinWait(); // let A's flood get going before B measures
            }
            for (int i = 0; i < 15; i++) {
                loaded.addAll(roundOfB(b, failures));
            }
        } finally {
            stop.set(true);
            for (Thread th : flooders) {
                th.join(120_000);
            }
            stopAsyncFlood(a);
        }
        long before = median(unloaded);
        long during = median(loaded);
        long p95 = percentile(loaded, 0.95);
        System.out.printf("noisy neighbour: B median unloaded %d ms (p95 %d), under A's flood %d ms (p95 %d, max %d); "
                + "A made %d calls %s%n", before, percentile(unloaded, 0.95), during, p95, Collections.max(loaded),
                floodCalls.get(), floodStatuses);
        assertEquals(List.of(), failures);
        assertTrue(floodCalls.get() >= 6, "A's flood ran: " + floodCalls.get());
        assertTrue(allowed.containsAll(floodStatuses.keySet()), "A got only " + allowed + ": " + floodStatuses);
        assertTrue(during <= 1_000, "B's median " + during + " ms vs " + before + " ms unloaded");
        // the bound, a second; on a CI machine so loaded that B alone is already slow, four times B's own
        // unloaded 95th percentile (A's flood may cost B some CPU, never seconds of waiting behind A's work)
        long bound = Math.max(1_000, 4 * percentile(unloaded, 0.95));
        assertTrue(!tail || p95 < bound, "B's 95th percentile under A's flood " + p95 + " ms, bound " + bound + " ms (median "
                + during + " ms, " + before + " ms unloaded)");
        return floodStatuses;
    }
}

package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Plans;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The breaker's float-heavy flood: gzip batches of 1,000 events, each with 40 properties of {@code 1.5e300}. Every
 * such number was formatted through its exact 997-bit expansion while the body was read (the serde_json text of each
 * number, twice), and the batch's resolution, definitions and JSON parameters ran on the event loop that answered the
 * batch's first read: an event loop was held 2.9 s and another project's capture took 1.1–1.3 s. A neighbour's small
 * capture, sent as posthog-js sends one ({@code /batch/}, gzip, {@code compression=gzip-js}), must answer within
 * four times its own unloaded worst while the flood is processed, and the flood's events are stored as PostHog
 * stores them ({@code 1.5e+300}, JavaScript's text, typed Numeric).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FloatHeavyCaptureTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Inject
    Pool pool;
    @Inject
    io.vertx.core.Vertx vertx;

    /**
     * Probes every event loop every 20 ms while it runs: a task put on a loop runs once the loop is free, so the
     * longest wait is the longest time any loop was held by one piece of work.
     */
    private final class LoopProbe implements AutoCloseable {
        private final java.util.concurrent.atomic.AtomicLong worstMs = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.ScheduledExecutorService timer =
                Executors.newSingleThreadScheduledExecutor();

        LoopProbe() {
            io.netty.channel.EventLoopGroup loops = ((io.vertx.core.impl.VertxInternal) vertx).getEventLoopGroup();
            timer.scheduleAtFixedRate(() -> loops.forEach(loop -> {
                long sent = System.nanoTime();
                loop.execute(() -> worstMs.accumulateAndGet((System.nanoTime() - sent) / 1_000_000, Math::max));
            }), 0, 20, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        long worstMs() {
            return worstMs.get();
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    private static byte[] gzip(String body) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(body.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /** 1,000 events of 50 persons, each with 40 properties of 1.5e300. */
    private static byte[] floods(Project p) throws Exception {
        StringBuilder b = new StringBuilder("{\"api_key\":\"").append(p.apiToken()).append("\",\"batch\":[");
        for (int i = 0; i < 1_000; i++) {
            b.append(i == 0 ? "" : ",").append("{\"event\":\"float\",\"distinct_id\":\"f").append(i % 50)
                    .append("\",\"uuid\":\"").append(UUID.randomUUID())
                    .append("\",\"timestamp\":\"2026-01-05T10:00:00.000Z\",\"properties\":{");
            for (int k = 0; k < 40; k++) {
                b.append(k == 0 ? "" : ",").append("\"v").append(k).append("\":1.5e300");
            }
            b.append("}}");
        }
        return gzip(b.append("]}").toString());
    }

    /** One $pageview as posthog-js batches it. */
    private static byte[] small(Project p) throws Exception {
        return gzip("[{\"event\":\"$pageview\",\"properties\":{\"token\":\"" + p.apiToken() + "\",\"distinct_id\":\"q1\","
                + "\"$current_url\":\"https://example.com/\",\"$lib\":\"web\"},\"uuid\":\"" + UUID.randomUUID()
                + "\",\"timestamp\":\"2026-01-05T10:00:00.000Z\"}]");
    }

    private static HttpResponse<String> post(String query, byte[] gzipped) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + "/batch/" + query))
                .timeout(Duration.ofSeconds(120)).header("Content-Type", "text/plain").header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzipped)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private long events(Project p) {
        return pool.preparedQuery("SELECT count(*) FROM events WHERE team_id = $1").execute(Tuple.of(p.id()))
                .await().indefinitely().iterator().next().getLong(0);
    }

    @Test
    void aNeighboursCaptureStaysFastWhileFloatHeavyBatchesAreProcessed() throws Exception {
        Project noisy = TestProjects.create("capture floats");
        Project quiet = TestProjects.create("capture beside floats");
        Plans.withoutRateLimits(pool, noisy.id());
        Plans.withoutRateLimits(pool, quiet.id());
        // warm both paths once, then the neighbour alone
        assertEquals(200, post("", floods(noisy)).statusCode());
        List<Long> alone = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long t = System.nanoTime();
            HttpResponse<String> r = post("?compression=gzip-js", small(quiet));
            alone.add((System.nanoTime() - t) / 1_000_000);
            assertEquals(200, r.statusCode(), r.body());
        }
        Collections.sort(alone);
        // on a machine so loaded that the neighbour alone is slow, four times its own worst (as CaptureBudgetTest)
        long bound = Math.max(1_000, 4 * alone.get(alone.size() - 1));
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            bodies.add(floods(noisy));
        }
        LoopProbe probe = new LoopProbe();
        ExecutorService flood = Executors.newFixedThreadPool(2);
        List<Future<Integer>> sent = new ArrayList<>();
        for (byte[] body : bodies) {
            sent.add(flood.submit(() -> post("", body).statusCode()));
        }
        List<Long> ms = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long t = System.nanoTime();
            HttpResponse<String> r = post("?compression=gzip-js", small(quiet));
            ms.add((System.nanoTime() - t) / 1_000_000);
            assertEquals(200, r.statusCode(), r.body());
        }
        for (Future<Integer> f : sent) {
            assertEquals(200, f.get());
        }
        flood.shutdown();
        probe.close();
        System.out.println("FLOATS loop worst " + probe.worstMs() + " ms, neighbour " + ms + ", alone " + alone);
        Collections.sort(ms);
        long p95 = ms.get((int) Math.ceil(0.95 * ms.size()) - 1);
        assertTrue(p95 < bound, "neighbour's capture p95 " + p95 + " ms (bound " + bound + ", alone " + alone + "): " + ms);
        // no event loop held as long as Vert.x's own blocked-thread limit (2 s; the breaker saw 2.9 s)
        assertTrue(probe.worstMs() < 2_000, "an event loop was held " + probe.worstMs() + " ms");
        assertEquals(9_000L, events(noisy));
        assertEquals(30L, events(quiet));
        // stored as PostHog's ingestion writes such a double (JSON.stringify: 1.5e+300), and typed from the number
        Row row = pool.preparedQuery("SELECT properties->>'v7' AS v, properties->'v7' AS raw FROM events "
                + "WHERE team_id = $1 LIMIT 1").execute(Tuple.of(noisy.id())).await().indefinitely().iterator().next();
        assertEquals("1.5e+300", row.getString("v"));
        String type = pool.preparedQuery("SELECT property_type FROM property_definitions WHERE team_id = $1 AND type = 1 "
                + "AND name = 'v7'").execute(Tuple.of(noisy.id())).await().indefinitely().iterator().next().getString(0);
        assertEquals("Numeric", type);
    }
}

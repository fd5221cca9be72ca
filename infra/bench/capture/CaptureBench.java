import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;

/**
 * Capture throughput: N events as gzip /batch/ requests of B events, C concurrent senders, against a running
 * Quarry (default http://localhost:8080). Usage:
 *   java infra/bench/capture/CaptureBench.java <project-token> [events=100000] [batch=1000] [concurrency=2] [url]
 * Also writes the same rows as CSV (events.csv) for the COPY baseline in copy-baseline.sh.
 */
public class CaptureBench {
    public static void main(String[] args) throws Exception {
        String token = args[0];
        int events = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int batchSize = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int concurrency = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        String url = args.length > 4 ? args[4] : "http://localhost:8080";
        Random random = new Random(7);
        List<byte[]> bodies = new ArrayList<>();
        StringBuilder csv = new StringBuilder();
        Instant start = Instant.now().minusSeconds(86_400);
        for (int sent = 0; sent < events; sent += batchSize) {
            StringBuilder json = new StringBuilder("{\"api_key\":\"").append(token).append("\",\"batch\":[");
            for (int i = 0; i < batchSize && sent + i < events; i++) {
                int n = sent + i;
                String uuid = new UUID(random.nextLong(), random.nextLong()).toString();
                String distinctId = "bench-user-" + random.nextInt(20_000);
                String event = random.nextInt(4) == 0 ? "signed up" : "$pageview";
                String ts = start.plusMillis(n * 500L).toString();
                String props = "{\"$browser\":\"" + (n % 3 == 0 ? "Chrome" : "Safari") + "\",\"$current_url\":\"https://example.com/p/" + (n % 50) + "\"}";
                if (i > 0) json.append(',');
                json.append("{\"uuid\":\"").append(uuid).append("\",\"event\":\"").append(event)
                        .append("\",\"distinct_id\":\"").append(distinctId).append("\",\"timestamp\":\"").append(ts)
                        .append("\",\"properties\":").append(props).append('}');
                csv.append(uuid).append(',').append(event).append(',').append(distinctId).append(",\"")
                        .append(props.replace("\"", "\"\"")).append("\",").append(ts).append('\n');
            }
            bodies.add(gzip(json.append("]}").toString().getBytes(StandardCharsets.UTF_8)));
        }
        java.nio.file.Files.writeString(java.nio.file.Path.of("events.csv"), csv);

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long t0 = System.nanoTime();
        List<Future<Integer>> results = new ArrayList<>();
        for (byte[] body : bodies) {
            results.add(pool.submit(() -> {
                HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/batch/"))
                        .header("Content-Type", "application/octet-stream").header("Content-Encoding", "gzip")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                return client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
            }));
        }
        int failures = 0;
        for (Future<Integer> result : results) {
            if (result.get() != 200) failures++;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        System.out.printf("%d events in %d requests of %d, concurrency %d: %.1f s, %.0f events/s, %d failed requests%n",
                events, bodies.size(), batchSize, concurrency, seconds, events / seconds, failures);
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(raw);
        }
        return out.toByteArray();
    }
}

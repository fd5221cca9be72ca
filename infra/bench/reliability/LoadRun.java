import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A bounded load run against a local Quarry (loopback only): capture at a sustained rate, and at the same time a mix
 * of insight queries and persons calls from a few clients. Reports per kind throughput, p50/p99/max latency and status
 * counts (a request past the 30 s timeout counts as "hung"), and samples the server JVM's RSS and heap every 10 s.
 *
 *   java infra/bench/reliability/LoadRun.java <url> <project-id> <personal-key> <project-token> <server-pid>
 *        [seconds=600] [capture-events-per-second=500] [query-clients=2]
 */
public class LoadRun {
    record Sample(String kind, int status, long micros) {
    }

    static final List<Sample> SAMPLES = Collections.synchronizedList(new ArrayList<>());
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws Exception {
        String url = args[0];
        long project = Long.parseLong(args[1]);
        String key = args[2];
        String token = args[3];
        long pid = Long.parseLong(args[4]);
        int seconds = args.length > 5 ? Integer.parseInt(args[5]) : 600;
        int eventsPerSecond = args.length > 6 ? Integer.parseInt(args[6]) : 500;
        int queryClients = args.length > 7 ? Integer.parseInt(args[7]) : 2;
        if (!URI.create(url).getHost().matches("localhost|127\\.0\\.0\\.1")) {
            throw new IllegalArgumentException("loopback only");
        }
        String base = url + "/api/projects/" + project;
        AtomicBoolean running = new AtomicBoolean(true);
        // A periodic task never overlaps itself, so one task is closed-loop (at most 1/latency batches a second):
        // SENDERS staggered tasks, each at SENDERS times the period, hold the offered rate while a batch is slow.
        int senders = 8;
        ScheduledExecutorService capture = Executors.newScheduledThreadPool(senders);
        int batch = 50;
        long periodMicros = 1_000_000L * batch / eventsPerSecond;
        Random seq = new Random(11);
        Runnable sendBatch = () -> {
            StringBuilder body = new StringBuilder("{\"api_key\":\"" + token + "\",\"batch\":[");
            Instant now = Instant.now();
            synchronized (seq) {
                for (int i = 0; i < batch; i++) {
                    String event = i % 5 == 0 ? "signed up" : "$pageview";
                    body.append(i == 0 ? "" : ",").append("{\"event\":\"").append(event).append("\",\"uuid\":\"")
                            .append(new UUID(seq.nextLong(), seq.nextLong())).append("\",\"distinct_id\":\"load-")
                            .append(seq.nextInt(5_000)).append("\",\"timestamp\":\"").append(now.minusSeconds(seq.nextInt(86_400 * 7)))
                            .append("\",\"properties\":{\"$browser\":\"").append(seq.nextBoolean() ? "Chrome" : "Firefox")
                            .append("\",\"$set\":{\"plan\":\"").append(seq.nextInt(3)).append("\"}}}");
                }
            }
            send("capture", HttpRequest.newBuilder(URI.create(url + "/batch/")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.append("]}").toString())));
        };
        for (int s = 0; s < senders; s++) {
            capture.scheduleAtFixedRate(sendBatch, s * periodMicros, senders * periodMicros, TimeUnit.MICROSECONDS);
        }

        List<Map.Entry<String, Supplier<HttpRequest.Builder>>> mix = new ArrayList<>();
        String series = "[{\"kind\":\"EventsNode\",\"event\":\"$pageview\",\"math\":\"dau\"}]";
        String range = "{\"date_from\":\"-7d\"}";
        mix.add(Map.entry("trends", () -> query(base, key, "{\"kind\":\"TrendsQuery\",\"series\":" + series
                + ",\"interval\":\"day\",\"dateRange\":" + range + ",\"breakdownFilter\":{\"breakdown\":\"$browser\"}}")));
        mix.add(Map.entry("lifecycle", () -> query(base, key, "{\"kind\":\"LifecycleQuery\",\"series\":[{\"kind\":\"EventsNode\","
                + "\"event\":\"$pageview\"}],\"interval\":\"day\",\"dateRange\":" + range + "}")));
        mix.add(Map.entry("stickiness", () -> query(base, key, "{\"kind\":\"StickinessQuery\",\"series\":[{\"kind\":\"EventsNode\","
                + "\"event\":\"$pageview\"}],\"interval\":\"day\",\"dateRange\":" + range + "}")));
        mix.add(Map.entry("retention", () -> query(base, key, "{\"kind\":\"RetentionQuery\",\"retentionFilter\":{\"period\":\"Day\","
                + "\"totalIntervals\":7,\"targetEntity\":{\"id\":\"signed up\",\"type\":\"events\"},\"returningEntity\":"
                + "{\"id\":\"$pageview\",\"type\":\"events\"}}}")));
        mix.add(Map.entry("hogql", () -> query(base, key, "{\"kind\":\"HogQLQuery\",\"query\":\"select properties.$browser, "
                + "count() from events where timestamp > now() - interval 1 day group by 1\"}")));
        mix.add(Map.entry("persons/values", () -> get(base + "/persons/values/?key=plan", key)));
        mix.add(Map.entry("persons/lifecycle", () -> get(base + "/persons/lifecycle/?events=%5B%7B%22id%22%3A%22%24pageview%22%7D%5D"
                + "&interval=day&date_from=-7d&target_date=" + java.time.LocalDate.now().minusDays(1) + "&lifecycle_type=returning", key)));
        mix.add(Map.entry("persons/stickiness", () -> get(base + "/persons/stickiness/?entityId=%24pageview&type=events"
                + "&interval=day&date_from=-7d&stickiness_days=2", key)));
        ScheduledExecutorService clients = Executors.newScheduledThreadPool(queryClients);
        for (int c = 0; c < queryClients; c++) {
            Random rnd = new Random(100 + c);
            clients.execute(() -> {
                while (running.get()) {
                    var pick = mix.get(rnd.nextInt(mix.size()));
                    send(pick.getKey(), pick.getValue().get());
                }
            });
        }

        Path memory = Path.of("load-memory.csv");
        List<String> memoryRows = new ArrayList<>(List.of("elapsed_s,rss_mb,heap_used_mb"));
        Instant start = Instant.now();
        while (Duration.between(start, Instant.now()).toSeconds() < seconds) {
            long elapsed = Duration.between(start, Instant.now()).toSeconds();
            String row = elapsed + "," + rssMb(pid) + "," + heapUsedMb(pid);
            memoryRows.add(row);
            System.out.println("[" + elapsed + " s] rss/heap " + row.substring(row.indexOf(',') + 1) + " MB, requests " + SAMPLES.size());
            Thread.sleep(10_000);
        }
        running.set(false);
        capture.shutdown();
        capture.awaitTermination(40, TimeUnit.SECONDS);
        clients.shutdown();
        clients.awaitTermination(40, TimeUnit.SECONDS);
        memoryRows.add(Duration.between(start, Instant.now()).toSeconds() + "," + rssMb(pid) + "," + heapUsedMb(pid));
        Files.write(memory, memoryRows);
        report(Duration.between(start, Instant.now()).toMillis() / 1000.0);
    }

    static HttpRequest.Builder query(String base, String key, String query) {
        return HttpRequest.newBuilder(URI.create(base + "/query/")).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"refresh\":\"force_blocking\",\"query\":" + query + "}"));
    }

    static HttpRequest.Builder get(String url, String key) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key).GET();
    }

    static void send(String kind, HttpRequest.Builder request) {
        long started = System.nanoTime();
        int status;
        try {
            status = HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (HttpTimeoutException e) {
            status = -1; // hung
        } catch (IOException e) {
            status = -2; // connection error
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        SAMPLES.add(new Sample(kind, status, (System.nanoTime() - started) / 1_000));
    }

    static String rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.toString(Long.parseLong(line.replaceAll("\\D", "")) / 1024);
                }
            }
        } catch (IOException e) {
            return "";
        }
        return "";
    }

    static String heapUsedMb(long pid) {
        try {
            Process p = new ProcessBuilder("jcmd", Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(10, TimeUnit.SECONDS);
            var m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(out);
            return m.find() ? Long.toString(Long.parseLong(m.group(1)) / 1024) : "";
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    static void report(double seconds) {
        Map<String, List<Sample>> byKind = new TreeMap<>();
        synchronized (SAMPLES) {
            SAMPLES.forEach(s -> byKind.computeIfAbsent(s.kind(), k -> new ArrayList<>()).add(s));
        }
        System.out.printf("%n%.0f s run%n| kind | requests | req/s | p50 ms | p99 ms | max ms | statuses |%n|---|---|---|---|---|---|---|%n", seconds);
        List<Sample> all = new ArrayList<>();
        byKind.forEach((kind, list) -> {
            all.addAll(list);
            line(kind, list, seconds);
        });
        line("all", all, seconds);
    }

    static void line(String kind, List<Sample> list, double seconds) {
        long[] micros = list.stream().mapToLong(Sample::micros).sorted().toArray();
        Map<Integer, Integer> statuses = new TreeMap<>();
        list.forEach(s -> statuses.merge(s.status(), 1, Integer::sum));
        System.out.printf("| %s | %d | %.1f | %.1f | %.1f | %.1f | %s |%n", kind, list.size(), list.size() / seconds,
                pct(micros, 0.50) / 1000.0, pct(micros, 0.99) / 1000.0, micros.length == 0 ? 0 : micros[micros.length - 1] / 1000.0,
                statuses);
    }

    static long pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
}

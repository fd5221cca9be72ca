import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Noisy neighbour against a local Quarry (loopback only). Project B runs rounds of three calls (GET its project, a
 * HogQL GROUP BY with force_blocking, a one-event capture batch), first alone, then while project A's clients loop
 * over issue 15's worst inputs, bounded: a 25-link expression-CTE chain (HogQLQuery), a 25-link select-alias chain
 * (HogQLMetadata), an async cross join with one shared client_query_id, a 70,000-value IN list, and a cohort with
 * 150 behavioural filters. Prints B's p50/p99/max and status counts for both phases and A's status counts.
 *
 *   java infra/bench/noisy-neighbour/NoisyNeighbour.java <url> <a-id> <a-key> <b-id> <b-key> <b-token> [rounds] [a-clients] [a-inputs]
 */
public class NoisyNeighbour {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static String url;

    static int send(String method, String path, String key, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        b.header("Content-Type", "application/json");
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.net.http.HttpTimeoutException e) {
            return -1;
        } catch (Exception e) {
            return -2;
        }
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String query(String kind, String hogql, String extra) {
        return "{\"query\":{\"kind\":\"" + kind + "\",\"query\":" + quote(hogql) + "}" + extra + "}";
    }

    record Phase(List<Long> ms, Map<Integer, Integer> statuses, Map<String, List<Long>> byCall) {}

    static final String[] CALL_NAMES = {"GET project", "HogQL GROUP BY", "capture"};

    static Phase roundsOfB(int rounds, String bId, String bKey, String bToken) {
        List<Long> ms = new ArrayList<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        Map<String, List<Long>> byCall = new java.util.LinkedHashMap<>();
        for (int i = 0; i < rounds; i++) {
            String batch = "{\"api_key\":\"" + bToken + "\",\"batch\":[{\"event\":\"$pageview\",\"distinct_id\":\"nn-b\","
                    + "\"uuid\":\"" + UUID.randomUUID() + "\",\"properties\":{}}]}";
            String[][] calls = {
                {"GET", "/api/projects/" + bId + "/", bKey, null},
                {"POST", "/api/projects/" + bId + "/query/", bKey,
                    query("HogQLQuery", "select event, count() from events group by event", ",\"refresh\":\"force_blocking\"")},
                {"POST", "/batch/", null, batch}};
            for (int k = 0; k < calls.length; k++) {
                String[] c = calls[k];
                long t = System.nanoTime();
                int status = send(c[0], c[1], c[2], c[3]);
                long took = (System.nanoTime() - t) / 1_000_000;
                ms.add(took);
                byCall.computeIfAbsent(CALL_NAMES[k], x -> new ArrayList<>()).add(took);
                statuses.merge(status, 1, Integer::sum);
            }
        }
        return new Phase(ms, statuses, byCall);
    }

    static long pct(List<Long> values, double p) {
        List<Long> s = new ArrayList<>(values);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p * s.size()) - 1));
    }

    public static void main(String[] args) throws Exception {
        url = args[0].replaceAll("/$", "");
        String host = URI.create(url).getHost();
        if (!host.equals("localhost") && !host.equals("127.0.0.1")) {
            throw new IllegalArgumentException("loopback only: " + host);
        }
        String aId = args[1], aKey = args[2], bId = args[3], bKey = args[4], bToken = args[5];
        String aToken = System.getenv().getOrDefault("A_TOKEN", "");
        int rounds = args.length > 6 ? Integer.parseInt(args[6]) : 30;
        int clients = args.length > 7 ? Integer.parseInt(args[7]) : 3;
        String chain = IntStream.rangeClosed(1, 25).mapToObj(i -> "a" + (i - 1) + "+a" + (i - 1) + " as a" + i)
                .collect(Collectors.joining(", "));
        List<String[]> all = List.of(
                new String[] {"/query/", query("HogQLQuery", "with 1 as a0, " + chain + " select a25", ",\"refresh\":\"force_blocking\"")},
                new String[] {"/query/", query("HogQLMetadata", "select 1 as a0, " + chain + " from events", "")},
                new String[] {"/query/", query("HogQLQuery", "select count() from events x, events y where x.distinct_id <> y.distinct_id",
                        ",\"refresh\":\"force_async\",\"client_query_id\":\"flood\"")},
                new String[] {"/query/", query("HogQLQuery", "select count() from events where event in ("
                        + IntStream.range(0, 70_000).mapToObj(i -> "'v" + i + "'").collect(Collectors.joining(",")) + ")",
                        ",\"refresh\":\"force_blocking\"")},
                new String[] {"/cohorts/", "{\"name\":\"flood\",\"filters\":{\"properties\":{\"type\":\"OR\",\"values\":["
                        + IntStream.range(0, 150).mapToObj(i -> "{\"type\":\"behavioral\",\"value\":\"performed_event\","
                                + "\"key\":\"$pageview\",\"time_value\":" + (1000 + i) + ",\"time_interval\":\"day\"}")
                        .collect(Collectors.joining(",")) + "]}}}"},
                // 5: a capture flood, 1,000 events a batch (A's token; the path is not under /api/projects)
                new String[] {"capture", "{\"api_key\":\"" + aToken + "\",\"batch\":[" + IntStream.range(0, 1000)
                        .mapToObj(i -> "{\"event\":\"flood\",\"distinct_id\":\"a" + (i % 50) + "\",\"properties\":{\"i\":" + i + "}}")
                        .collect(Collectors.joining(",")) + "]}"},
                // 6: a 6 MB JSON body (three million numbers in values) to the query endpoint
                new String[] {"/query/", "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 1\",\"values\":{\"x\":["
                        + IntStream.range(0, 3_000_000).mapToObj(i -> "1").collect(Collectors.joining(",")) + "]}},"
                        + "\"refresh\":\"force_blocking\"}"},
                // 7: a body just under the query endpoints' 2 MiB limit (a million numbers in values), parsed in A's lane
                new String[] {"/query/", "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 1\",\"values\":{\"x\":["
                        + IntStream.range(0, 1_000_000).mapToObj(i -> "1").collect(Collectors.joining(",")) + "]}},"
                        + "\"refresh\":\"force_blocking\"}"});
        // optional 9th argument: which of A's inputs to send (indices into the list above, e.g. "0,1"); by default
        // 0-4, issue 15's list; 5 (capture flood, A's token in the environment as A_TOKEN), 6 (6 MB bodies, refused
        // with 413 from their Content-Length) and 7 (bodies just under the 2 MiB limit) on request
        List<String[]> worst = args.length > 8 ? java.util.Arrays.stream(args[8].split(","))
                .map(i -> all.get(Integer.parseInt(i.trim()))).toList() : all.subList(0, 5);

        roundsOfB(3, bId, bKey, bToken); // warm-up
        Phase alone = roundsOfB(rounds, bId, bKey, bToken);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger aCalls = new AtomicInteger();
        Map<Integer, AtomicInteger> aStatuses = new ConcurrentHashMap<>();
        List<Thread> flood = new ArrayList<>();
        for (int t = 0; t < clients; t++) {
            int offset = t;
            Thread th = new Thread(() -> {
                for (int i = offset; !stop.get(); i++) {
                    String[] w = worst.get(i % worst.size());
                    int status = w[0].equals("capture") ? send("POST", "/batch/", null, w[1])
                            : send("POST", "/api/projects/" + aId + w[0], aKey, w[1]);
                    aStatuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                    aCalls.incrementAndGet();
                }
            });
            th.start();
            flood.add(th);
        }
        Thread.sleep(2_000);
        Phase loaded = roundsOfB(rounds, bId, bKey, bToken);
        stop.set(true);
        for (Thread th : flood) {
            th.join();
        }
        System.out.printf("| phase | B calls | B p50 ms | B p99 ms | B max ms | B statuses |%n|---|---|---|---|---|---|%n");
        for (Object[] row : new Object[][] {{"B alone", alone}, {"B under A's flood", loaded}}) {
            Phase p = (Phase) row[1];
            System.out.printf("| %s | %d | %d | %d | %d | %s |%n", row[0], p.ms().size(), pct(p.ms(), 0.5),
                    pct(p.ms(), 0.99), Collections.max(p.ms()), p.statuses());
        }
        System.out.printf("%n| phase | call | p50 ms | p99 ms | max ms |%n|---|---|---|---|---|%n");
        for (Object[] row : new Object[][] {{"alone", alone}, {"flood", loaded}}) {
            Phase p = (Phase) row[1];
            p.byCall().forEach((name, ms) -> System.out.printf("| %s | %s | %d | %d | %d |%n", row[0], name,
                    pct(ms, 0.5), pct(ms, 0.99), Collections.max(ms)));
        }
        System.out.printf("A: %d calls from %d clients, statuses %s%n", aCalls.get(), clients, new TreeMap<>(aStatuses));
    }
}

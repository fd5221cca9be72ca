import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Warm API overhead over the SQL itself: a forced HogQL {@code select 1} through POST /api/environments/:id/query/
 * (auth, rate limits, compile, admission, statement, log, cache, meter: everything a query call does) against the
 * same statement straight on a database connection, interleaved in the same run. Prints p50/p90/p99 of both, the
 * p50 overhead, and — because wall-clock figures move with the machine's load — the CPU time each request cost the
 * app's process and PostgreSQL's processes (from /proc/PID/stat, before and after the measured calls, divided by the
 * number of calls; PostgreSQL's figure leaves out the backend of the direct statement).
 *
 * <p>Several builds can be measured in one run: each target is {@code label|base URL|project id|key|app pid}; rounds
 * alternate between the targets (A B, then B A, …) so a change of load weighs on every build alike.
 *
 * <p>Usage (classpath: the packaged app's libraries, for the PostgreSQL JDBC driver; Linux only):
 * java -cp 'target/quarkus-app/lib/main/*' OverheadBench.java N ROUNDS JDBC_URL USER PG_POSTMASTER_PID TARGET...
 */
public class OverheadBench {
    /** Clock ticks per second of /proc's CPU figures (USER_HZ; 100 on every Linux this runs on). */
    private static final double TICKS = Double.parseDouble(System.getProperty("clk.tck", "100"));

    private record Target(String label, HttpClient http, HttpRequest request, long pid) {}

    /** What one target gathered over every round. */
    private static final class Tally {
        final List<Long> api = new ArrayList<>();
        final List<Long> sql = new ArrayList<>();
        long appTicks;
        long pgTicks;
        long calls;
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        String jdbc = args[2];
        String user = args[3];
        long postmaster = Long.parseLong(args[4]);
        List<Target> targets = new ArrayList<>();
        for (int i = 5; i < args.length; i++) {
            String[] t = args[i].split("\\|");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create(t[1] + "/api/environments/" + t[2] + "/query/"))
                    .header("Authorization", "Bearer " + t[3]).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"refresh\":\"force_blocking\",\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 1\"}}"))
                    .build();
            targets.add(new Target(t[0], http, request, Long.parseLong(t[4])));
        }
        try (Connection db = DriverManager.getConnection(jdbc, user, "")) {
            long ownBackend;
            try (ResultSet rows = db.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                rows.next();
                ownBackend = rows.getLong(1);
            }
            PreparedStatement direct = db.prepareStatement("SELECT 1");
            int warm = Math.max(200, n / 10);
            Tally[] tallies = new Tally[targets.size()];
            for (int i = 0; i < tallies.length; i++) {
                tallies[i] = new Tally();
                for (int w = 0; w < warm; w++) {
                    api(targets.get(i), i);
                    statement(direct);
                }
            }
            System.out.printf("requests: %d warm-up + %d measured per round, %d round(s), one client, keep-alive%n",
                    warm, n, rounds);
            System.out.printf("| round | build | load before → after | API p50 ms | overhead p50 ms "
                    + "| app CPU ms/request | PostgreSQL CPU ms/request |%n|---|---|---|---|---|---|---|%n");
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < targets.size(); k++) {
                    int i = r % 2 == 0 ? k : targets.size() - 1 - k;
                    Target target = targets.get(i);
                    for (int w = 0; w < 50; w++) {
                        api(target, i);
                    }
                    String loadBefore = load();
                    long appBefore = ticks(target.pid());
                    long pgBefore = postgresTicks(postmaster, ownBackend);
                    long[] apiNanos = new long[n];
                    long[] sqlNanos = new long[n];
                    for (int c = 0; c < n; c++) {
                        apiNanos[c] = api(target, i);
                        sqlNanos[c] = statement(direct);
                    }
                    long app = ticks(target.pid()) - appBefore;
                    long pg = postgresTicks(postmaster, ownBackend) - pgBefore;
                    Tally tally = tallies[i];
                    for (int c = 0; c < n; c++) {
                        tally.api.add(apiNanos[c]);
                        tally.sql.add(sqlNanos[c]);
                    }
                    tally.appTicks += app;
                    tally.pgTicks += pg;
                    tally.calls += n;
                    Arrays.sort(apiNanos);
                    Arrays.sort(sqlNanos);
                    System.out.printf("| %d | %s | %s → %s | %s | %.2f | %.2f | %.2f |%n", r + 1, target.label(),
                            loadBefore, load(), ms(apiNanos, 0.5), (at(apiNanos, 0.5) - at(sqlNanos, 0.5)) / 1e6,
                            perCall(app, n), perCall(pg, n));
                }
            }
            System.out.printf("%nall rounds together:%n");
            System.out.printf("| build | API p50 / p90 / p99 ms | statement alone p50 ms | overhead p50 ms "
                    + "| app CPU ms/request | PostgreSQL CPU ms/request |%n|---|---|---|---|---|---|%n");
            for (int i = 0; i < targets.size(); i++) {
                Tally tally = tallies[i];
                long[] apiNanos = tally.api.stream().mapToLong(Long::longValue).sorted().toArray();
                long[] sqlNanos = tally.sql.stream().mapToLong(Long::longValue).sorted().toArray();
                System.out.printf("| %s | %s / %s / %s | %s | **%.2f** | %.2f | %.2f |%n", targets.get(i).label(),
                        ms(apiNanos, 0.5), ms(apiNanos, 0.9), ms(apiNanos, 0.99), ms(sqlNanos, 0.5),
                        (at(apiNanos, 0.5) - at(sqlNanos, 0.5)) / 1e6, perCall(tally.appTicks, tally.calls),
                        perCall(tally.pgTicks, tally.calls));
            }
        }
    }

    private static long api(Target target, int index) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = target.http().send(target.request(), HttpResponse.BodyHandlers.ofString());
        long took = System.nanoTime() - start;
        if (response.statusCode() != 200 || !response.body().contains("\"results\":[[1]]")) {
            throw new IllegalStateException(target.label() + ": unexpected answer " + response.statusCode() + ": "
                    + response.body());
        }
        return took;
    }

    private static long statement(PreparedStatement direct) throws Exception {
        long start = System.nanoTime();
        try (ResultSet rows = direct.executeQuery()) {
            rows.next();
            if (rows.getInt(1) != 1) {
                throw new IllegalStateException("select 1 gave " + rows.getInt(1));
            }
        }
        return System.nanoTime() - start;
    }

    /** User + system CPU ticks of one process ({@code withChildren}: plus its reaped children's). */
    private static long ticks(long pid, boolean withChildren) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // Fields after the command name, which sits in parentheses and may hold spaces: state is field 3.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long own = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return withChildren ? own + Long.parseLong(f[13]) + Long.parseLong(f[14]) : own;
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    private static long ticks(long pid) {
        return ticks(pid, false);
    }

    private static long parent(Path proc) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
        } catch (IOException | RuntimeException gone) {
            return -1;
        }
    }

    /** PostgreSQL's CPU ticks: the postmaster with its reaped children, and every live child but {@code skip}. */
    private static long postgresTicks(long postmaster, long skip) throws IOException {
        long total = ticks(postmaster, true);
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == skip) {
                    continue;
                }
                if (parent(proc) == postmaster) {
                    total += ticks(Long.parseLong(name));
                }
            }
        }
        return total;
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static double perCall(long ticks, long calls) {
        return ticks * 1000.0 / TICKS / calls;
    }

    private static long at(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    private static String ms(long[] sorted, double q) {
        return String.format("%.2f", at(sorted, q) / 1e6);
    }
}

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Arrays;

/**
 * Warm API overhead over the SQL itself: a forced HogQL {@code select 1} through POST /api/environments/:id/query/
 * (auth, rate limits, compile, admission, statement, log, cache, meter: everything a query call does) against the
 * same statement straight on a database connection, interleaved in the same run. Prints p50/p90/p99 of both and
 * the p50 overhead. Usage (classpath: the packaged app's libraries, for the PostgreSQL JDBC driver):
 * java -cp 'target/quarkus-app/lib/main/*' OverheadBench.java BASE_URL PROJECT_ID KEY JDBC_URL USER [N=2000]
 */
public class OverheadBench {
    public static void main(String[] args) throws Exception {
        String base = args[0];
        String project = args[1];
        String key = args[2];
        String jdbc = args[3];
        String user = args[4];
        int n = args.length > 5 ? Integer.parseInt(args[5]) : 2000;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/environments/" + project + "/query/"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"refresh\":\"force_blocking\",\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 1\"}}"))
                .build();
        try (Connection db = DriverManager.getConnection(jdbc, user, "")) {
            PreparedStatement direct = db.prepareStatement("SELECT 1");
            int warm = Math.max(200, n / 10);
            for (int i = 0; i < warm; i++) {
                api(http, request);
                statement(direct);
            }
            long[] apiNanos = new long[n];
            long[] sqlNanos = new long[n];
            for (int i = 0; i < n; i++) {
                apiNanos[i] = api(http, request);
                sqlNanos[i] = statement(direct);
            }
            Arrays.sort(apiNanos);
            Arrays.sort(sqlNanos);
            System.out.printf("requests: %d warm-up + %d measured, one client, keep-alive%n", warm, n);
            System.out.printf("| path | p50 ms | p90 ms | p99 ms |%n|---|---|---|---|%n");
            System.out.printf("| API: POST query, HogQL `select 1`, force_blocking | %s | %s | %s |%n",
                    ms(apiNanos, 0.5), ms(apiNanos, 0.9), ms(apiNanos, 0.99));
            System.out.printf("| the statement straight on a connection | %s | %s | %s |%n",
                    ms(sqlNanos, 0.5), ms(sqlNanos, 0.9), ms(sqlNanos, 0.99));
            System.out.printf("overhead p50: %.2f ms%n", (at(apiNanos, 0.5) - at(sqlNanos, 0.5)) / 1e6);
        }
    }

    private static long api(HttpClient http, HttpRequest request) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        long took = System.nanoTime() - start;
        if (response.statusCode() != 200 || !response.body().contains("\"results\":[[1]]")) {
            throw new IllegalStateException("unexpected answer " + response.statusCode() + ": " + response.body());
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

    private static long at(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    private static String ms(long[] sorted, double q) {
        return String.format("%.2f", at(sorted, q) / 1e6);
    }
}

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * Quarry beside DuckDB on the same rows (issue 18). One run:
 * <ol>
 *   <li>starts a fresh embedded PostgreSQL and the packaged application ({@link #startApp}: the Lambda function
 *       package driven through a local Lambda runtime API, as on AWS; migrations at start);</li>
 *   <li>generates the insight data in the database with infra/bench/insights/generate.sql (persons, distinct ids,
 *       events with person_id and jsonb properties, 90 days ending 2025-12-31) and copies the same rows into DuckDB
 *       (2 threads; $browser as a column, as PostHog materialises it);</li>
 *   <li>times each insight through the API (POST query, refresh force_blocking) and the same question in DuckDB,
 *       the two alternating: one warm-up each, then the median of {@code runs}; prints both, the ratio, the load
 *       average and a check value from each answer;</li>
 *   <li>capture: {@code captureEvents} events as SDK-shaped gzip /batch/ requests of 1,000 (Content-Type
 *       application/json, Content-Encoding gzip, as posthog-node sends), then a raw COPY of the same rows into an
 *       events-shaped table (the ceiling).</li>
 * </ol>
 * Run through infra/bench/anchor/run.sh. Args: events persons runs captureEvents.
 */
public class AnchorBench {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SECRET = "anchor-bench-secret";
    static final String FROM = "2025-12-02";
    static final String TO = "2025-12-31";
    static final long WINDOW = 14 * 86_400L;

    /** The application under test: one HTTP-shaped call in, status and body out. */
    interface App extends AutoCloseable {
        Answer call(String method, String path, Map<String, String> headers, byte[] body) throws Exception;

        /** The application's process id, or -1 when it is not a process this bench started. */
        default long pid() {
            return -1;
        }

        /** The loopback port the application serves plain HTTP on, or -1 (the Lambda runtime path, a given URL). */
        default int httpPort() {
            return -1;
        }

        @Override
        void close();
    }

    record Answer(int status, String body) {
    }

    // ------------------------------------------------------------------ how the app is started (adapt here)

    /**
     * Starts the packaged application against the database. QUARRY_BENCH_URL set: an already running Quarry serving
     * plain HTTP (for a build that serves HTTP itself). Otherwise the Lambda package (target/*-runner.jar + lib)
     * runs in {@code instances} child JVMs polling a local Lambda runtime API, as Lambda's Java runtime does, and each
     * call is one API Gateway HTTP API (v2) event with a base64 body.
     */
    static App startApp(Map<String, String> env, int instances, Path logs) throws Exception {
        String url = System.getenv("QUARRY_BENCH_URL");
        if (url != null && !url.isBlank()) {
            return new HttpApp(url);
        }
        Path server = Path.of(System.getenv().getOrDefault("QUARRY_BENCH_APP_JAR", "target/quarkus-app/quarkus-run.jar"));
        if (Files.exists(server)) {
            return startHttpApp(server, env, logs);
        }
        Path runner = Files.list(Path.of("target")).filter(p -> p.toString().endsWith("-runner.jar")).findFirst()
                .orElseThrow(() -> new IllegalStateException("Build first: ./mvnw package -DskipTests"));
        Path driver = logs.resolve("driver");
        Files.createDirectories(driver);
        int compiled = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", driver.toString(),
                "-cp", runner.toString(), "infra/bench/startup/LambdaJavaRuntime.java");
        if (compiled != 0) {
            throw new IllegalStateException("could not compile LambdaJavaRuntime");
        }
        RuntimeApi api = new RuntimeApi();
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-cp", runner + File.pathSeparator + driver, "LambdaJavaRuntime",
                    "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(logs.resolve("app-" + i + ".log").toFile());
            builder.environment().putAll(env);
            builder.environment().put("QUARRY_MIGRATE_AT_START", i == 0 ? "true" : "false");
            builder.environment().put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + api.port());
            processes.add(builder.start());
            // the first instance migrates; wait for its answer before the others start
            if (i == 0) {
                Answer ping = api.call("GET", "/api/projects/0/", Map.of(), null);
                if (ping.status() != 401 && ping.status() != 404 && ping.status() != 403) {
                    throw new IllegalStateException("app did not start: " + ping + " (log " + logs + ")");
                }
            }
        }
        return new App() {
            @Override
            public Answer call(String method, String path, Map<String, String> headers, byte[] body) throws Exception {
                return api.call(method, path, headers, body);
            }

            @Override
            public void close() {
                processes.forEach(Process::destroy);
                api.server.stop(0);
            }
        };
    }

    /**
     * The packaged application as it is run outside AWS (java -jar target/quarkus-app/quarkus-run.jar, prod profile,
     * plain HTTP on a free loopback port), one JVM, migrations at start; waits until it answers.
     */
    static App startHttpApp(Path jar, Map<String, String> env, Path logs) throws Exception {
        // QUARRY_BENCH_APP_PORT: a fixed port (a machine shared by several people gives each a range); else a free one
        int port = Integer.parseInt(System.getenv().getOrDefault("QUARRY_BENCH_APP_PORT", "0"));
        if (port == 0) {
            try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            }
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m"));
        String javaOptions = System.getenv().getOrDefault("QUARRY_BENCH_APP_JAVA_OPTS", "");
        if (!javaOptions.isBlank()) {
            command.addAll(List.of(javaOptions.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logs.resolve("app.log").toFile());
        builder.environment().putAll(env);
        builder.environment().put("QUARRY_MIGRATE_AT_START", "true");
        builder.environment().put("QUARRY_HTTP_PORT", String.valueOf(port));
        Process process = builder.start();
        int appPort = port;
        HttpApp http = new HttpApp("http://127.0.0.1:" + port);
        // QUARRY_BENCH_START_MINUTES: a new migration's backfill over 10 M events can take longer than the default 3
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(
                Long.parseLong(System.getenv().getOrDefault("QUARRY_BENCH_START_MINUTES", "3")));
        while (true) {
            try {
                Answer answer = http.call("GET", "/api/projects/0/", Map.of(), null);
                int status = answer.status();
                // Vert.x answers 404 "No context found" while the application is still starting (a migration)
                if (status == 401 || status == 403 || status == 404 && !answer.body().contains("No context found")) {
                    break;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroy();
                throw new IllegalStateException("app did not start (log " + logs.resolve("app.log") + ")");
            }
            Thread.sleep(250);
        }
        return new App() {
            @Override
            public Answer call(String method, String path, Map<String, String> headers, byte[] body) throws Exception {
                return http.call(method, path, headers, body);
            }

            @Override
            public long pid() {
                return process.pid();
            }

            @Override
            public int httpPort() {
                return appPort;
            }

            @Override
            public void close() {
                process.destroy();
            }
        };
    }

    /**
     * One HTTP/1.1 keep-alive connection to the app on loopback that writes each request's bytes (the same request
     * line, headers and body an SDK sends) and reads the answer: a load generator's client, a few microseconds of CPU
     * a request, so that the senders take little of the cores the app and PostgreSQL share with them.
     */
    static final class KeepAliveSender implements AutoCloseable {
        private final java.net.Socket socket;
        private final java.io.OutputStream out;
        private final java.io.InputStream in;
        private final int port;

        KeepAliveSender(int port) throws IOException {
            this.port = port;
            socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
            out = new java.io.BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            in = new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16);
        }

        Answer post(String path, Map<String, String> headers, byte[] body) throws IOException {
            StringBuilder head = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1:")
                    .append(port).append("\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            String statusLine = line();
            int status = Integer.parseInt(statusLine.substring(9, 12));
            int length = 0;
            boolean chunked = false;
            for (String header; !(header = line()).isEmpty(); ) {
                String lower = header.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(header.substring("content-length:".length()).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            if (chunked) {
                for (int size; (size = Integer.parseInt(line().trim(), 16)) > 0; ) {
                    answer.write(in.readNBytes(size));
                    line();
                }
                line();
            } else {
                answer.write(in.readNBytes(length));
            }
            return new Answer(status, answer.toString(StandardCharsets.UTF_8));
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) {
                    throw new java.io.EOFException("the app closed the connection");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    record HttpApp(String url) implements App {
        static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        @Override
        public Answer call(String method, String path, Map<String, String> headers, byte[] body) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            headers.forEach(b::header);
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        }

        @Override
        public void close() {
        }
    }

    /** One invocation the fake runtime API hands out, and what came back. */
    record Invocation(String id, String event, CompletableFuture<JsonNode> response) {
    }

    /** Lambda's runtime API, enough of it for the Java runtime: next invocation, response, error. */
    static final class RuntimeApi {
        final HttpServer server;
        final BlockingQueue<Invocation> next = new LinkedBlockingQueue<>();
        final Map<String, Invocation> inFlight = new HashMap<>();

        RuntimeApi() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "runtime-api");
                t.setDaemon(true);
                return t;
            }));
            server.createContext("/2018-06-01/runtime/", this::handle);
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        Answer call(String method, String path, Map<String, String> headers, byte[] body) throws Exception {
            Invocation invocation = new Invocation(UUID.randomUUID().toString(), event(method, path, headers, body),
                    new CompletableFuture<>());
            next.add(invocation);
            JsonNode r = invocation.response().get(600, TimeUnit.SECONDS);
            String b = r.path("body").asText("");
            if (r.path("isBase64Encoded").asBoolean()) {
                b = new String(Base64.getDecoder().decode(b), StandardCharsets.UTF_8);
            }
            return new Answer(r.path("statusCode").asInt(), b);
        }

        private void handle(HttpExchange exchange) throws IOException {
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (path.endsWith("/invocation/next")) {
                Invocation invocation;
                try {
                    invocation = next.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                synchronized (inFlight) {
                    inFlight.put(invocation.id(), invocation);
                }
                byte[] event = invocation.event().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", invocation.id());
                exchange.getResponseHeaders().add("Lambda-Runtime-Deadline-Ms", String.valueOf(System.currentTimeMillis() + 900_000));
                exchange.getResponseHeaders().add("Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:eu-west-1:000000000000:function:quarry-bench");
                exchange.sendResponseHeaders(200, event.length);
                exchange.getResponseBody().write(event);
                exchange.close();
                return;
            }
            Matcher m = Pattern.compile(".*/invocation/([^/]+)/(response|error)$").matcher(path);
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
            if (m.matches()) {
                Invocation invocation;
                synchronized (inFlight) {
                    invocation = inFlight.remove(m.group(1));
                }
                if (invocation != null) {
                    invocation.response().complete(m.group(2).equals("error")
                            ? JSON.createObjectNode().put("statusCode", -1).put("body", new String(body, StandardCharsets.UTF_8))
                            : JSON.readTree(body));
                }
            }
        }

        static String event(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
            ObjectNode event = JSON.createObjectNode();
            event.put("version", "2.0").put("routeKey", "$default").put("rawPath", path).put("rawQueryString", "");
            ObjectNode h = event.putObject("headers");
            h.put("host", "bench.execute-api.eu-west-1.amazonaws.com");
            headers.forEach((k, v) -> h.put(k.toLowerCase(), v));
            ObjectNode context = event.putObject("requestContext");
            context.put("accountId", "000000000000").put("apiId", "bench").put("domainName", "bench.execute-api.eu-west-1.amazonaws.com")
                    .put("requestId", "bench").put("routeKey", "$default").put("stage", "$default")
                    .put("timeEpoch", System.currentTimeMillis());
            context.putObject("http").put("method", method).put("path", path).put("protocol", "HTTP/1.1")
                    .put("sourceIp", "127.0.0.1").put("userAgent", "anchor-bench");
            if (body != null) {
                event.put("body", Base64.getEncoder().encodeToString(body));
            }
            event.put("isBase64Encoded", body != null);
            return JSON.writeValueAsString(event);
        }
    }

    // ------------------------------------------------------------------ the questions

    /** One insight: the Quarry query, the DuckDB SQL, and how to read a check value out of each answer. */
    record Question(String name, String quarry, String duck, java.util.function.Function<JsonNode, String> quarryCheck) {
    }

    static final String RANGE = "\"dateRange\":{\"date_from\":\"" + FROM + "\",\"date_to\":\"" + TO + "\"}";
    static final String PV = "{\"kind\":\"EventsNode\",\"event\":\"$pageview\"}";
    static final String FUNNEL_SERIES = "\"series\":[" + PV + ",{\"kind\":\"EventsNode\",\"event\":\"signed up\"},"
            + "{\"kind\":\"EventsNode\",\"event\":\"purchase\"}]";
    static final String FUNNEL = "{\"kind\":\"FunnelsQuery\"," + RANGE + "," + FUNNEL_SERIES
            + ",\"funnelsFilter\":{\"funnelWindowInterval\":14,\"funnelWindowIntervalUnit\":\"day\"}";
    static final String IN_RANGE = "ts >= TIMESTAMPTZ '" + FROM + " 00:00:00+00' AND ts < TIMESTAMPTZ '2026-01-01 00:00:00+00'";

    /** Per person and step-1 event: how far the ordered funnel gets from it (greedy next step by ASOF join). */
    static final String DUCK_ATTEMPTS = """
            WITH e AS (SELECT person_id, event, ts FROM events WHERE %s AND event IN ('$pageview', 'signed up', 'purchase')),
            s1 AS (SELECT person_id, ts AS t1 FROM e WHERE event = '$pageview'),
            s2 AS (SELECT person_id, ts AS t2 FROM e WHERE event = 'signed up'),
            s3 AS (SELECT person_id, ts AS t3 FROM e WHERE event = 'purchase'),
            a2 AS (SELECT s1.person_id, t1, t2 FROM s1 ASOF LEFT JOIN s2 ON s1.person_id = s2.person_id AND s2.t2 >= s1.t1),
            a3 AS (SELECT a2.person_id, t1, t2, t3 FROM a2 ASOF LEFT JOIN s3 ON a2.person_id = s3.person_id AND s3.t3 >= a2.t2),
            attempts AS (SELECT person_id, t1,
                CASE WHEN t2 IS NULL OR t2 > t1 + INTERVAL %d SECOND THEN 1 WHEN t3 IS NULL OR t3 > t1 + INTERVAL %d SECOND THEN 2 ELSE 3 END AS k,
                CASE WHEN t2 IS NULL OR t2 > t1 + INTERVAL %d SECOND THEN t1 WHEN t3 IS NULL OR t3 > t1 + INTERVAL %d SECOND THEN t2 ELSE t3 END AS tk
                FROM a3),
            best AS (SELECT person_id, max(k) AS k, arg_min(t1, (-k, tk, -epoch(t1))) AS t1, arg_min(tk, (-k, tk, -epoch(t1))) AS tk
                     FROM attempts GROUP BY person_id)
            """.formatted(IN_RANGE, WINDOW, WINDOW, WINDOW, WINDOW);

    static List<Question> questions() {
        List<Question> q = new ArrayList<>();
        q.add(new Question("trends $pageview by $browser",
                "{\"kind\":\"TrendsQuery\",\"interval\":\"day\",\"series\":[" + PV + "],\"breakdownFilter\":{\"breakdown\":\"$browser\"}," + RANGE + "}",
                "SELECT sum(c) FROM (SELECT date_trunc('day', ts) AS d, coalesce(browser, '$$none') AS b, count(*) AS c FROM events "
                        + "WHERE event = '$pageview' AND " + IN_RANGE + " GROUP BY 1, 2)",
                r -> String.valueOf(sum(r.path("results"), "count"))));
        q.add(new Question("trends $pageview daily count",
                "{\"kind\":\"TrendsQuery\",\"interval\":\"day\",\"series\":[" + PV + "]," + RANGE + "}",
                "SELECT count(*) FROM events WHERE event = '$pageview' AND " + IN_RANGE,
                r -> String.valueOf(sum(r.path("results").path(0).path("data")))));
        q.add(new Question("trends $pageview unique users",
                "{\"kind\":\"TrendsQuery\",\"interval\":\"day\",\"series\":[{\"kind\":\"EventsNode\",\"event\":\"$pageview\",\"math\":\"dau\"}]," + RANGE + "}",
                "SELECT sum(c) FROM (SELECT date_trunc('day', ts) AS d, count(DISTINCT person_id) AS c FROM events "
                        + "WHERE event = '$pageview' AND " + IN_RANGE + " GROUP BY 1)",
                r -> String.valueOf(sum(r.path("results").path(0).path("data")))));
        // weekly/monthly active by day: persons active on the bucket's day or the 6 (29) days before it
        for (String[] active : new String[][] {{"weekly", "7"}, {"monthly", "30"}}) {
            q.add(new Question("trends $pageview " + active[0] + " active",
                    "{\"kind\":\"TrendsQuery\",\"interval\":\"day\",\"series\":[{\"kind\":\"EventsNode\",\"event\":\"$pageview\",\"math\":\""
                            + active[0] + "_active\"}]," + RANGE + "}",
                    ("WITH pd AS (SELECT DISTINCT person_id, CAST(ts AS DATE) AS d FROM events WHERE event = '$pageview' "
                            + "AND ts >= TIMESTAMPTZ '" + FROM + " 00:00:00+00' - INTERVAL %s DAY AND ts < TIMESTAMPTZ '2026-01-01 00:00:00+00') "
                            + "SELECT sum(c) FROM (SELECT b.d, count(DISTINCT pd.person_id) AS c "
                            + "FROM (SELECT CAST(x AS DATE) AS d FROM range(DATE '" + FROM + "', DATE '2026-01-01', INTERVAL 1 DAY) t(x)) b "
                            + "JOIN pd ON pd.d > b.d - %s AND pd.d <= b.d GROUP BY b.d)").formatted(Integer.parseInt(active[1]) - 1, active[1]),
                    r -> String.valueOf(sum(r.path("results").path(0).path("data")))));
        }
        q.add(new Question("lifecycle daily",
                "{\"kind\":\"LifecycleQuery\",\"interval\":\"day\",\"series\":[" + PV + "]," + RANGE + "}",
                """
                WITH active AS (SELECT DISTINCT person_id, CAST(ts AS DATE) AS d FROM events
                  WHERE event = '$pageview' AND ts >= TIMESTAMPTZ '2025-12-01 00:00:00+00' AND ts < TIMESTAMPTZ '2026-01-01 00:00:00+00'),
                seq AS (SELECT a.person_id, a.d, lag(a.d) OVER w AS prev, lead(a.d) OVER w AS next, CAST(p.created_at AS DATE) AS created
                  FROM active a JOIN persons p ON p.uuid = a.person_id WINDOW w AS (PARTITION BY a.person_id ORDER BY a.d)),
                statuses AS (
                  SELECT d, CASE WHEN prev = d - 1 THEN 'returning' WHEN prev IS NULL AND created = d THEN 'new' ELSE 'resurrecting' END AS status
                  FROM seq WHERE d >= DATE '2025-12-02'
                  UNION ALL SELECT d + 1, 'dormant' FROM seq WHERE (next IS NULL OR next <> d + 1) AND d + 1 <= DATE '2025-12-31')
                SELECT string_agg(status || '=' || c, ' ' ORDER BY status) FROM (SELECT status, count(*) AS c FROM statuses GROUP BY status)
                """,
                r -> {
                    Map<String, Long> by = new java.util.TreeMap<>();
                    r.path("results").forEach(s -> by.merge(s.path("status").asText(), Math.abs(sum(s.path("data"))), Long::sum));
                    by.values().removeIf(v -> v == 0);
                    StringBuilder b = new StringBuilder();
                    by.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
                    return b.toString();
                }));
        q.add(new Question("stickiness daily",
                "{\"kind\":\"StickinessQuery\",\"interval\":\"day\",\"series\":[" + PV + "]," + RANGE + "}",
                "SELECT count(*) || ' persons, ' || sum(n) || ' person-days' FROM (SELECT person_id, count(DISTINCT CAST(ts AS DATE)) AS n "
                        + "FROM events WHERE event = '$pageview' AND " + IN_RANGE + " GROUP BY person_id)",
                r -> {
                    JsonNode data = r.path("results").path(0).path("data");
                    long persons = 0, days = 0;
                    for (int i = 0; i < data.size(); i++) {
                        persons += data.get(i).asLong();
                        days += (i + 1) * data.get(i).asLong();
                    }
                    return persons + " persons, " + days + " person-days";
                }));
        q.add(new Question("funnel 3 steps, 14-day window", FUNNEL + "}",
                DUCK_ATTEMPTS + "SELECT count(*) FILTER (k >= 1) || '/' || count(*) FILTER (k >= 2) || '/' || count(*) FILTER (k >= 3) FROM best",
                AnchorBench::funnelCounts));
        q.add(new Question("funnel strict", FUNNEL.replace("\"funnelWindowInterval\"", "\"funnelOrderType\":\"strict\",\"funnelWindowInterval\"") + "}",
                """
                WITH raw AS (SELECT person_id, event, ts,
                                    CASE event WHEN '$pageview' THEN 1 WHEN 'signed up' THEN 2 WHEN 'purchase' THEN 3 ELSE 1000 END AS o
                             FROM events WHERE %s),
                -- PostHog's UDF drops the other events of a same-second group that has a step event
                grouped AS (SELECT *, min(o) OVER (PARTITION BY person_id, ts) AS group_min FROM raw),
                kept AS (SELECT * FROM grouped WHERE o < 1000 OR group_min = 1000),
                -- and a repeat of the step reached keeps the attempt: a 'signed up' right after a 'signed up' is no event
                marked AS (SELECT *, lag(o) OVER (PARTITION BY person_id ORDER BY ts, o) AS prev FROM kept),
                e AS (SELECT person_id, event, ts, lead(event, 1) OVER w AS e2, lead(ts, 1) OVER w AS t2,
                                  lead(event, 2) OVER w AS e3, lead(ts, 2) OVER w AS t3
                           FROM marked WHERE NOT (o = 2 AND prev IS NOT DISTINCT FROM 2)
                           WINDOW w AS (PARTITION BY person_id ORDER BY ts, o)),
                best AS (SELECT person_id, max(CASE WHEN e2 = 'signed up' AND t2 <= ts + INTERVAL %d SECOND
                                                    THEN CASE WHEN e3 = 'purchase' AND t3 <= ts + INTERVAL %d SECOND THEN 3 ELSE 2 END ELSE 1 END) AS k
                         FROM e WHERE event = '$pageview' GROUP BY person_id)
                SELECT count(*) FILTER (k >= 1) || '/' || count(*) FILTER (k >= 2) || '/' || count(*) FILTER (k >= 3) FROM best
                """.formatted(IN_RANGE, WINDOW, WINDOW),
                AnchorBench::funnelCounts));
        q.add(new Question("funnel by $browser", FUNNEL + ",\"breakdownFilter\":{\"breakdown\":\"$browser\"}}",
                DUCK_ATTEMPTS + """
                , bd AS (SELECT person_id, coalesce(arg_min(browser, ts) FILTER (browser IS NOT NULL), '') AS b FROM e2 GROUP BY person_id)
                SELECT string_agg(b || '=' || c, ' ' ORDER BY b) FROM (
                  SELECT b, count(*) FILTER (k >= 1) || '/' || count(*) FILTER (k >= 2) || '/' || count(*) FILTER (k >= 3) AS c
                  FROM best JOIN bd USING (person_id) GROUP BY b)
                """.replace("FROM e2", "FROM (SELECT person_id, ts, browser FROM events WHERE " + IN_RANGE
                        + " AND event IN ('$pageview', 'signed up', 'purchase'))"),
                r -> {
                    Map<String, String> by = new java.util.TreeMap<>();
                    r.path("results").forEach(steps -> {
                        String b = steps.path(0).path("breakdown_value").isArray()
                                ? steps.path(0).path("breakdown_value").path(0).asText() : steps.path(0).path("breakdown_value").asText();
                        by.put(b, funnelCounts(JSON.createObjectNode().set("results", steps)));
                    });
                    StringBuilder b = new StringBuilder();
                    by.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
                    return b.toString();
                }));
        q.add(new Question("correlation (events)",
                "{\"kind\":\"FunnelCorrelationQuery\",\"funnelCorrelationType\":\"events\",\"source\":{\"kind\":\"FunnelsActorsQuery\",\"source\":" + FUNNEL + "}}}",
                DUCK_ATTEMPTS + """
                , f AS (SELECT person_id, k >= 3 AS success, t1, CASE WHEN k >= 3 THEN tk ELSE t1 + INTERVAL %d SECOND END AS tend FROM best),
                d AS (SELECT DISTINCT f.person_id, f.success, ev.event AS name FROM events ev JOIN f ON f.person_id = ev.person_id
                      WHERE ev.ts > f.t1 AND ev.ts < f.tend AND ev.%s AND ev.event NOT IN ('$pageview', 'signed up', 'purchase'))
                SELECT string_agg(name || '=' || s || '/' || fl, ' ' ORDER BY name) FROM (
                  SELECT name, count(*) FILTER (success) AS s, count(*) FILTER (NOT success) AS fl FROM d GROUP BY name)
                """.formatted(WINDOW, IN_RANGE),
                r -> {
                    Map<String, String> by = new java.util.TreeMap<>();
                    r.path("results").path("events").forEach(e -> by.put(e.path("event").path("event").asText(),
                            e.path("success_count").asLong() + "/" + e.path("failure_count").asLong()));
                    StringBuilder b = new StringBuilder();
                    by.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
                    return b.toString();
                }));
        q.add(new Question("retention daily, 8 intervals",
                "{\"kind\":\"RetentionQuery\",\"dateRange\":{\"date_to\":\"" + TO + "\"},\"retentionFilter\":{\"period\":\"Day\",\"totalIntervals\":8,"
                        + "\"retentionType\":\"retention_recurring\",\"targetEntity\":{\"id\":\"$pageview\",\"type\":\"events\"},\"returningEntity\":{\"id\":\"$pageview\",\"type\":\"events\"}}}",
                """
                WITH a AS (SELECT DISTINCT person_id, CAST(ts AS DATE) AS d FROM events
                           WHERE event = '$pageview' AND ts >= TIMESTAMPTZ '2025-12-24 00:00:00+00' AND ts < TIMESTAMPTZ '2026-01-01 00:00:00+00')
                SELECT sum(c) FROM (SELECT c.d, r.d - c.d AS k, count(DISTINCT c.person_id) AS c FROM a c JOIN a r ON r.person_id = c.person_id AND r.d >= c.d GROUP BY 1, 2)
                """,
                r -> {
                    long total = 0;
                    for (JsonNode cohort : r.path("results")) {
                        for (JsonNode v : cohort.path("values")) {
                            total += v.path("count").asLong();
                        }
                    }
                    return String.valueOf(total);
                }));
        // paths over every event of the range, the item being the event name (the generated rows have no URLs):
        // sessions cut at 30 minutes, repeats dropped, 5 steps, the 50 heaviest edges (ties: equal values, so the
        // check, edge count and summed weight, does not depend on which tie is kept)
        q.add(new Question("paths (event names, 5 steps)",
                "{\"kind\":\"PathsQuery\",\"pathsFilter\":{\"includeEventTypes\":[\"hogql\"],\"pathsHogQLExpression\":\"event\","
                        + "\"stepLimit\":5,\"edgeLimit\":50}," + RANGE + "}",
                """
                WITH c AS (SELECT person_id, ts, uuid, event AS item,
                             CASE WHEN epoch_ms(ts) - lag(epoch_ms(ts)) OVER w < 1800000 THEN 0 ELSE 1 END AS ns
                           FROM events WHERE %s WINDOW w AS (PARTITION BY person_id ORDER BY ts, uuid)),
                s AS (SELECT *, sum(ns) OVER (w ROWS UNBOUNDED PRECEDING) AS session, lead(item) OVER w AS next_item,
                        lead(ns) OVER w AS next_new FROM c WINDOW w AS (PARTITION BY person_id ORDER BY ts, uuid)),
                k AS (SELECT *, row_number() OVER (PARTITION BY person_id, session ORDER BY ts, uuid) AS k FROM s
                      WHERE item <> CASE WHEN next_new = 0 THEN next_item ELSE '' END),
                st AS (SELECT k, item, lag(item) OVER (PARTITION BY person_id, session ORDER BY ts, uuid) AS prev FROM k WHERE k <= 5),
                edges AS (SELECT (k - 1) || '_' || prev AS source, k || '_' || item AS target, count(*) AS value FROM st
                          WHERE k > 1 GROUP BY 1, 2 ORDER BY value DESC, source, target LIMIT 50)
                SELECT count(*) || ' edges, ' || sum(value) || ' walks' FROM edges
                """.formatted(IN_RANGE),
                r -> r.path("results").size() + " edges, " + sum(r.path("results"), "value") + " walks"));
        // the HogQL sessions table (one session a person-day in the generated rows): a sessions read over the last 7 and
        // the 30 days, a session-property filter and breakdowns through events' session join; DuckDB computes every
        // session from all events (ids whose events are in range), as the unpruned view does
        String sessions = "SELECT properties->>'$.\"$session_id\"' AS sid, min(ts) AS st, "
                + "floor(epoch(max(ts))) - floor(epoch(min(ts))) AS dur FROM events GROUP BY 1";
        for (String[] days : new String[][] {{"7", "2025-12-25"}, {"30", FROM}}) {
            q.add(new Question("sessions " + days[0] + " days (count, avg duration)",
                    "{\"kind\":\"HogQLQuery\",\"query\":\"SELECT count(), round(avg($session_duration)) FROM sessions "
                            + "WHERE $start_timestamp >= '" + days[1] + "' AND $start_timestamp < '2026-01-01'\"}",
                    "SELECT count(*) || ' ' || CAST(round(avg(dur)) AS BIGINT) FROM (" + sessions + ") WHERE st >= TIMESTAMPTZ '" + days[1]
                            + " 00:00:00+00' AND st < TIMESTAMPTZ '2026-01-01 00:00:00+00'",
                    r -> r.path("results").path(0).path(0).asLong() + " " + r.path("results").path(0).path(1).asLong()));
        }
        q.add(new Question("trends $pageview, session duration > 60 s",
                "{\"kind\":\"TrendsQuery\",\"interval\":\"day\",\"series\":[" + PV + "],\"properties\":[{\"type\":\"session\","
                        + "\"key\":\"$session_duration\",\"operator\":\"gt\",\"value\":60}]," + RANGE + "}",
                "SELECT count(*) FROM events e JOIN (" + sessions + ") s ON s.sid = (e.properties->>'$.\"$session_id\"') "
                        + "WHERE e.event = '$pageview' AND s.dur > 60 AND e." + IN_RANGE,
                r -> String.valueOf(sum(r.path("results").path(0).path("data")))));
        for (String key : List.of("$entry_current_url", "$channel_type")) {
            q.add(new Question("trends $pageview by session " + key,
                    "{\"kind\":\"TrendsQuery\",\"interval\":\"day\",\"series\":[" + PV + "],\"breakdownFilter\":{\"breakdown\":\""
                            + key + "\",\"breakdown_type\":\"session\"}," + RANGE + "}",
                    "SELECT count(*) FROM events WHERE event = '$pageview' AND " + IN_RANGE,
                    r -> String.valueOf(sum(r.path("results"), "count"))));
        }
        return q;
    }

    static String funnelCounts(JsonNode r) {
        StringBuilder b = new StringBuilder();
        for (JsonNode step : r.path("results")) {
            b.append(b.length() == 0 ? "" : "/").append(step.path("count").asLong());
        }
        return b.toString();
    }

    static long sum(JsonNode array, String field) {
        long s = 0;
        for (JsonNode x : array) {
            s += x.path(field).asLong();
        }
        return s;
    }

    static long sum(JsonNode array) {
        long s = 0;
        for (JsonNode x : array) {
            s += x.asLong();
        }
        return s;
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int persons = args.length > 1 ? Integer.parseInt(args[1]) : 15_000;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int captureEvents = args.length > 3 ? Integer.parseInt(args[3]) : 100_000;
        String only = System.getenv().getOrDefault("QUARRY_BENCH_ONLY", "");
        int pgPort = Integer.parseInt(System.getenv().getOrDefault("QUARRY_BENCH_PG_PORT", "55181"));
        Path logs = Files.createTempDirectory("anchor-bench");
        Path pgDir = Path.of(System.getenv().getOrDefault("QUARRY_BENCH_DIR", "/tmp/anchor-bench"));
        Files.createDirectories(pgDir);
        // QUARRY_BENCH_REUSE set: keep the database a finished earlier run of the same size left in pgDir (its
        // insights project saved in insights.json), so builds can be timed on the same rows without regenerating
        Path saved = pgDir.resolve("insights-" + events + "-" + persons + ".json");
        boolean reuse = !System.getenv().getOrDefault("QUARRY_BENCH_REUSE", "").isEmpty() && Files.exists(saved)
                && Files.exists(pgDir.resolve("pgdata").resolve("postgresql.conf"));
        if (!reuse) {
            deleteTree(pgDir.resolve("pgdata")); // a fresh database (a stopped earlier run may have left one)
            Files.deleteIfExists(saved);
        }
        System.out.printf("anchor bench: %,d events, %,d persons, median of %d after a warm-up; JVM %s, %d cores, load %s; logs %s%n",
                events, persons, runs, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                Files.readString(Path.of("/proc/loadavg")).trim(), logs);
        boolean statementStats = !System.getenv().getOrDefault("QUARRY_BENCH_PG_STATS", "").isEmpty();
        EmbeddedPostgres.Builder pgBuilder = EmbeddedPostgres.builder().setPort(pgPort)
                .setDataDirectory(pgDir.resolve("pgdata")).setCleanDataDirectory(false)
                .setOverrideWorkingDirectory(pgDir.resolve("pg-binaries").toFile())
                .setServerConfig("shared_buffers", "256MB").setServerConfig("work_mem", "64MB");
        // QUARRY_BENCH_PG_CONFIG: further server settings, "name=value,name=value" (e.g. shared_buffers=4GB)
        for (String setting : System.getenv().getOrDefault("QUARRY_BENCH_PG_CONFIG", "").split(",")) {
            if (setting.isBlank()) {
                continue;
            }
            int equals = setting.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("QUARRY_BENCH_PG_CONFIG: not name=value: " + setting);
            }
            pgBuilder.setServerConfig(setting.substring(0, equals).trim(), setting.substring(equals + 1).trim());
        }
        if (statementStats) {
            pgBuilder.setServerConfig("shared_preload_libraries", "pg_stat_statements")
                    .setServerConfig("pg_stat_statements.track", "all");
        }
        String explainMs = System.getenv().getOrDefault("QUARRY_BENCH_PG_EXPLAIN_MS", "");
        if (!explainMs.isEmpty()) {
            // plans of statements slower than this many ms (auto_explain), in log files under the run's logs
            pgBuilder.setServerConfig("session_preload_libraries", "auto_explain")
                    .setServerConfig("auto_explain.log_min_duration", explainMs)
                    .setServerConfig("auto_explain.log_analyze", "on")
                    .setServerConfig("auto_explain.log_nested_statements", "on")
                    .setServerConfig("logging_collector", "on")
                    .setServerConfig("log_directory", logs.resolve("pglog").toString());
            System.out.printf("plans of statements over %s ms: %s%n", explainMs, logs.resolve("pglog"));
        }
        try (EmbeddedPostgres pg = pgBuilder.start()) {
            Map<String, String> env = new HashMap<>();
            env.put("QUARRY_DB_URL", "postgresql://localhost:" + pgPort + "/postgres");
            env.put("QUARRY_DB_USER", "postgres");
            env.put("QUARRY_DB_PASSWORD", "postgres");
            env.put("QUARRY_OPERATOR_SECRET", SECRET);
            env.put("DISABLE_SIGNAL_HANDLERS", "true");
            try (App app = startApp(env, 2, logs)) {
                JsonNode insights = reuse ? JSON.readTree(saved.toFile()) : createProject(app, "insights");
                JsonNode capture = createProject(app, "capture");
                long team = insights.path("id").asLong();
                String key = insights.path("personal_api_key").path("value").asText();
                if (reuse) {
                    System.out.printf("reusing the generated rows of %s%n", saved);
                } else {
                    long t0 = System.nanoTime();
                    psql(pgPort, "-v", "team=" + team, "-v", "events=" + events, "-v", "persons=" + persons,
                            "-f", "infra/bench/insights/generate.sql");
                    System.out.printf("generated in PostgreSQL: %.0f s%n", (System.nanoTime() - t0) / 1e9);
                    Files.writeString(saved, JSON.writeValueAsString(insights));
                }
                if (Integer.parseInt(System.getenv().getOrDefault("QUARRY_BENCH_WARMUPS", "1")) > 1) {
                    // hundreds of calls a question pass the default plan's 240 query calls a minute per key: the
                    // project goes on a plan without limits, as an operator would put it (a row of plans, NULL = none)
                    psql(pgPort, "-c", "INSERT INTO plans (id, description) VALUES ('bench-unlimited', 'anchor bench') "
                            + "ON CONFLICT DO NOTHING; INSERT INTO team_plans (team_id, plan_id) VALUES (" + team
                            + ", 'bench-unlimited') ON CONFLICT (team_id) DO UPDATE SET plan_id = 'bench-unlimited'");
                }
                try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
                    loadDuck(duck, pgPort, team, logs);
                    System.out.printf("%n%-32s %12s %12s %8s  %-10s %s%n", "insight (30 days)", "Quarry API", "DuckDB", "ratio", "load (1m)", "check (Quarry | DuckDB)");
                    for (Question q : questions()) {
                        if (!only.isEmpty() && java.util.Arrays.stream(only.split(",")).noneMatch(q.name()::contains)) {
                            continue;
                        }
                        timeOne(app, duck, team, key, q, runs, pgPort);
                    }
                }
                hold(logs, "after the insights");
                if (captureEvents > 0) {
                    int warmUp = Integer.parseInt(System.getenv().getOrDefault("QUARRY_BENCH_CAPTURE_WARMUP", "0"));
                    // QUARRY_BENCH_CAPTURE_WARMUP_PROJECTS: the warm-up split evenly over that many fresh projects, sent
                    // one after the other. With one, new persons stop arriving after its first ~100,000 events (20,000
                    // distinct ids), so the JIT's late profile has only returning users and the timed fresh project
                    // recompiles its new-person path while it is timed; with several, both paths stay in the profile
                    // until the end, as in a server whose projects keep gaining users
                    int warmUpProjects = Integer.parseInt(
                            System.getenv().getOrDefault("QUARRY_BENCH_CAPTURE_WARMUP_PROJECTS", "1"));
                    for (int p = 0; warmUp > 0 && p < warmUpProjects; p++) {
                        // untimed, into a project of its own: the JIT compiles the capture path before it is timed
                        captureBench(app, createProject(app, "capture-warmup-" + p).path("api_token").asText(),
                                warmUp / warmUpProjects, pgPort, logs, false);
                    }
                    if (statementStats) {
                        psql(pgPort, "-c", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()");
                    }
                    captureBench(app, capture.path("api_token").asText(), captureEvents, pgPort, logs, true);
                    if (statementStats) {
                        // where the database spent capture's time (QUARRY_BENCH_PG_STATS set)
                        printStatementStats(pgPort, logs.resolve("capture-statements.txt"));
                    }
                    if (!System.getenv().getOrDefault("QUARRY_BENCH_CAPTURE_RETURNING", "").isEmpty()) {
                        // the same project again, other events over the same 20,000 distinct ids: most have their
                        // person now (the first round created ~18,400), as in a project's steady state
                        if (statementStats) {
                            psql(pgPort, "-c", "SELECT pg_stat_statements_reset()");
                        }
                        captureBench(app, capture.path("api_token").asText(), captureEvents, pgPort, logs, true, 8,
                                captureEvents * 50L, "capture, returning users (same project)");
                        if (statementStats) {
                            printStatementStats(pgPort, logs.resolve("capture-returning-statements.txt"));
                        }
                    }
                    hold(logs, "after the capture");
                }
            }
        }
    }

    /** The 25 statements capture spent most time in since the last reset (pg_stat_statements), printed and kept. */
    static void printStatementStats(int pgPort, Path file) throws Exception {
        psql(pgPort, "-o", file.toString(), "-c",
                "SELECT calls, round(total_exec_time) AS ms, round((total_exec_time / calls)::numeric, 2) AS ms_per_call, "
                + "left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS statement FROM pg_stat_statements "
                + "ORDER BY total_exec_time DESC LIMIT 25");
        System.out.println(Files.readString(file));
    }

    /**
     * QUARRY_BENCH_HOLD set: waits (bounded, one hour) until the file logs/continue exists, so that the loaded
     * database and the app can be inspected (EXPLAIN ANALYZE, psql) before the run goes on.
     */
    static void hold(Path logs, String where) throws InterruptedException, IOException {
        if (System.getenv().getOrDefault("QUARRY_BENCH_HOLD", "").isEmpty()) {
            return;
        }
        Path go = logs.resolve("continue");
        System.out.printf("holding %s: touch %s to go on%n", where, go);
        long deadline = System.nanoTime() + TimeUnit.HOURS.toNanos(1);
        while (!Files.exists(go) && System.nanoTime() < deadline) {
            Thread.sleep(1000);
        }
        Files.deleteIfExists(go); // the next hold waits for a touch of its own
    }

    static JsonNode createProject(App app, String name) throws Exception {
        Answer a = app.call("POST", "/admin/projects", Map.of("content-type", "application/json", "x-quarry-operator-secret", SECRET),
                ("{\"name\":\"" + name + "\",\"timezone\":\"UTC\",\"scopes\":[\"*\"]}").getBytes(StandardCharsets.UTF_8));
        if (a.status() / 100 != 2) {
            throw new IllegalStateException("create project: " + a);
        }
        return JSON.readTree(a.body());
    }

    static void psql(int port, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("psql", "-X", "-q", "-h", "localhost", "-p", String.valueOf(port), "-U", "postgres", "-d", "postgres",
                "-v", "ON_ERROR_STOP=1"));
        command.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
        b.environment().put("PGPASSWORD", "postgres");
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("psql failed: " + out);
        }
    }

    /** The same rows in DuckDB: events with the person as queries count it (overrides applied) and $browser. */
    static void loadDuck(Connection duck, int pgPort, long team, Path logs) throws Exception {
        Path ev = logs.resolve("events.csv");
        Path ps = logs.resolve("persons.csv");
        psql(pgPort, "-c", "\\copy (SELECT e.uuid, e.event, e.timestamp, coalesce(o.override_person_id, e.person_id), "
                + "e.properties ->> '$browser', e.properties::text FROM events e LEFT JOIN person_overrides o "
                + "ON o.team_id = e.team_id AND o.old_person_id = e.person_id WHERE e.team_id = " + team + ") TO '" + ev + "' CSV");
        psql(pgPort, "-c", "\\copy (SELECT uuid, created_at FROM persons WHERE team_id = " + team + ") TO '" + ps + "' CSV");
        long t0 = System.nanoTime();
        try (Statement s = duck.createStatement()) {
            s.execute("SET threads = 2");
            s.execute("SET TimeZone = 'UTC'");
            s.execute("CREATE TABLE events AS SELECT * FROM read_csv('" + ev + "', header = false, columns = {'uuid': 'UUID', "
                    + "'event': 'VARCHAR', 'ts': 'TIMESTAMPTZ', 'person_id': 'UUID', 'browser': 'VARCHAR', 'properties': 'JSON'}) ORDER BY ts");
            s.execute("CREATE TABLE persons AS SELECT * FROM read_csv('" + ps + "', header = false, columns = {'uuid': 'UUID', 'created_at': 'TIMESTAMPTZ'})");
        }
        System.out.printf("loaded into DuckDB %s (2 threads): %.0f s%n", duckVersion(duck), (System.nanoTime() - t0) / 1e9);
    }

    static String duckVersion(Connection duck) throws Exception {
        try (Statement s = duck.createStatement(); ResultSet rs = s.executeQuery("SELECT version()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    static void timeOne(App app, Connection duck, long team, String key, Question q, int runs, int pgPort) throws Exception {
        byte[] body = ("{\"refresh\":\"force_blocking\",\"query\":" + q.quarry() + "}").getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = Map.of("content-type", "application/json", "authorization", "Bearer " + key);
        List<Double> quarry = new ArrayList<>();
        List<Double> duckTimes = new ArrayList<>();
        String quarryCheck = null;
        String duckCheck = null;
        // Quarry and DuckDB alternate (warm-ups first), so a change of the machine's load during the question
        // weighs on both sides of the ratio alike
        List<Double> appCpu = new ArrayList<>();
        List<Double> pgCpu = new ArrayList<>();
        long postmaster = Long.parseLong(Files.readAllLines(pgDataDir(pgPort).resolve("postmaster.pid")).get(0).trim());
        // QUARRY_BENCH_WARMUPS (default 1): untimed calls each side before the timed ones. The JIT compiles a
        // question's own code (its runner, the printer's paths for its statement) after thousands of calls, so with
        // one warm-up the app's time is partly the interpreter's and the compiler's; a few hundred show the warm
        // app's (README "1 M on a quiet machine")
        int warmUps = Math.max(1, Integer.parseInt(System.getenv().getOrDefault("QUARRY_BENCH_WARMUPS", "1")));
        for (int i = 1 - warmUps; i <= runs; i++) {
            double app0 = cpuSeconds(app.pid(), false);
            double pg0 = cpuSeconds(postmaster, true);
            long t = System.nanoTime();
            Answer a = app.call("POST", "/api/environments/" + team + "/query/", headers, body);
            double ms = (System.nanoTime() - t) / 1e6;
            if (i > 0) {
                // CPU the answer cost (app, and every PostgreSQL process), which the machine's load inflates less than time
                appCpu.add(cpuSeconds(app.pid(), false) - app0);
                pgCpu.add(cpuSeconds(postmaster, true) - pg0);
            }
            if (a.status() != 200) {
                System.out.printf("%-32s Quarry answered %d: %s%n", q.name(), a.status(), a.body().substring(0, Math.min(300, a.body().length())));
                return;
            }
            quarryCheck = q.quarryCheck().apply(JSON.readTree(a.body()));
            t = System.nanoTime();
            try (Statement s = duck.createStatement(); ResultSet rs = s.executeQuery(q.duck())) {
                rs.next();
                duckCheck = rs.getString(1);
            }
            double duckMs = (System.nanoTime() - t) / 1e6;
            if (i > 0) {
                quarry.add(ms);
                duckTimes.add(duckMs);
            }
        }
        double qm = median(quarry);
        double dm = median(duckTimes);
        System.out.printf("%-32s %9.0f ms %9.0f ms %7.1f×  %-10s %s%s%n", q.name(), qm, dm, qm / dm,
                Files.readString(Path.of("/proc/loadavg")).split(" ")[0],
                java.util.Objects.equals(quarryCheck, duckCheck) ? "same: " : "DIFFERENT: ",
                java.util.Objects.equals(quarryCheck, duckCheck) ? abbreviate(quarryCheck) : quarryCheck + " | " + duckCheck);
        System.out.printf("%-32s CPU per answer (median): app %.2f s, PostgreSQL %.2f s%n", "", median(appCpu), median(pgCpu));
    }

    static String abbreviate(String s) {
        return s == null || s.length() <= 90 ? s : s.substring(0, 90) + "…";
    }

    // ------------------------------------------------------------------ capture

    static void captureBench(App app, String token, int events, int pgPort, Path logs, boolean timed) throws Exception {
        captureBench(app, token, events, pgPort, logs, timed, 7, 0, "capture");
    }

    /**
     * Sends {@code events} generated events (seeded by {@code seed}, timestamps 50 ms apart from 2025-12-30 plus
     * {@code offsetMillis}) over 20,000 distinct ids through /batch/, gzip, QUARRY_BENCH_CAPTURE_SENDERS concurrent senders (default 2); timed: prints events/s, CPU per
     * 1,000 events by app thread kind and PostgreSQL process kind, and a raw COPY of the same rows, under {@code what}.
     */
    static void captureBench(App app, String token, int events, int pgPort, Path logs, boolean timed, long seed,
                             long offsetMillis, String what) throws Exception {
        Random random = new Random(seed);
        List<byte[]> bodies = new ArrayList<>();
        StringBuilder csv = new StringBuilder();
        Instant start = Instant.parse("2025-12-30T00:00:00Z");
        // QUARRY_BENCH_CAPTURE_BATCH: events per request (the default 1000 is larger than SDKs send; 100 is posthog-node's largest)
        int batchSize = Integer.parseInt(System.getenv().getOrDefault("QUARRY_BENCH_CAPTURE_BATCH", "1000"));
        String[] browsers = {"Chrome", "Safari", "Firefox", "Edge"};
        // posthog-node (like posthog-js) gives every event a UUIDv7 when it is captured (@posthog/core
        // posthog-core-stateless: getEventUuid(…, uuidv7)), so SDK batches arrive in time order of their uuids;
        // QUARRY_BENCH_CAPTURE_UUIDS=random sends random ones as the rounds before the seventeenth did
        boolean randomUuids = "random".equals(System.getenv().getOrDefault("QUARRY_BENCH_CAPTURE_UUIDS", "v7"));
        for (int sent = 0; sent < events; sent += batchSize) {
            StringBuilder json = new StringBuilder("{\"api_key\":\"").append(token).append("\",\"batch\":[");
            for (int i = 0; i < batchSize && sent + i < events; i++) {
                int n = sent + i;
                String uuid = eventUuid(random.nextLong(), random.nextLong(), randomUuids).toString();
                String distinctId = "bench-user-" + random.nextInt(20_000);
                String event = random.nextInt(4) == 0 ? "signed up" : "$pageview";
                String ts = start.plusMillis(offsetMillis + n * 50L).toString();
                String props = "{\"$browser\":\"" + browsers[n % 4] + "\",\"$os\":\"Mac OS X\",\"$current_url\":\"https://example.com/p/"
                        + (n % 50) + "\",\"$lib\":\"posthog-node\",\"$lib_version\":\"5.8.0\",\"$session_id\":\"s-" + (n / 40) + "\"}";
                if (i > 0) {
                    json.append(',');
                }
                json.append("{\"uuid\":\"").append(uuid).append("\",\"event\":\"").append(event)
                        .append("\",\"distinct_id\":\"").append(distinctId).append("\",\"timestamp\":\"").append(ts)
                        .append("\",\"type\":\"capture\",\"library\":\"posthog-node\",\"library_version\":\"5.8.0\",\"properties\":").append(props).append('}');
                if (timed) { // the rows COPY loads after a timed run (a warm-up of a million events would not fit)
                    csv.append(uuid).append(',').append(event).append(',').append(distinctId).append(",\"")
                            .append(props.replace("\"", "\"\"")).append("\",").append(ts).append('\n');
                }
            }
            json.append("],\"sent_at\":\"").append(Instant.now()).append("\"}");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(json.toString().getBytes(StandardCharsets.UTF_8));
            }
            bodies.add(out.toByteArray());
        }
        Map<String, String> headers = Map.of("content-type", "application/json", "content-encoding", "gzip",
                "user-agent", "posthog-node/5.8.0");
        int senderCount = Integer.parseInt(System.getenv().getOrDefault("QUARRY_BENCH_CAPTURE_SENDERS", "2"));
        java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newFixedThreadPool(senderCount);
        java.util.concurrent.atomic.AtomicInteger nextBody = new java.util.concurrent.atomic.AtomicInteger();
        long postmaster = Long.parseLong(Files.readAllLines(pgDataDir(pgPort).resolve("postmaster.pid")).get(0).trim());
        double appCpu0 = cpuSeconds(app.pid(), false);
        double pgCpu0 = cpuSeconds(postmaster, true);
        double driverCpu0 = cpuSeconds(ProcessHandle.current().pid(), false);
        Map<String, Long> appThreads0 = appThreadTicks(app.pid());
        Map<String, Long> pgProcesses0 = pgProcessTicks(postmaster);
        long t0 = System.nanoTime();
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        // the packaged app on loopback: each sender keeps one HTTP/1.1 connection and writes the requests' bytes itself
        // (QUARRY_BENCH_CAPTURE_CLIENT=jdk: java.net.http's client instead, which costs the shared cores more)
        boolean keepAlive = app.httpPort() > 0
                && !"jdk".equals(System.getenv().getOrDefault("QUARRY_BENCH_CAPTURE_CLIENT", "socket"));
        for (int s = 0; s < senderCount; s++) {
            done.add(senders.submit(() -> {
                if (keepAlive) {
                    try (KeepAliveSender sender = new KeepAliveSender(app.httpPort())) {
                        for (int i; (i = nextBody.getAndIncrement()) < bodies.size(); ) {
                            Answer a = sender.post("/batch/", headers, bodies.get(i));
                            if (a.status() != 200) {
                                throw new IllegalStateException("batch answered " + a);
                            }
                        }
                    }
                    return null;
                }
                for (int i; (i = nextBody.getAndIncrement()) < bodies.size(); ) {
                    Answer a = app.call("POST", "/batch/", headers, bodies.get(i));
                    if (a.status() != 200) {
                        throw new IllegalStateException("batch answered " + a);
                    }
                }
                return null;
            }));
        }
        for (var f : done) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!timed) {
            senders.shutdown();
            System.out.printf("%ncapture warm-up: %,d events in %.1f s%n", events, seconds);
            return;
        }
        double appCpu = cpuSeconds(app.pid(), false) - appCpu0;
        double pgCpu = cpuSeconds(postmaster, true) - pgCpu0;
        double driverCpu = cpuSeconds(ProcessHandle.current().pid(), false) - driverCpu0;
        senders.shutdown();
        System.out.printf("%n%s: %,d events in %d gzip /batch/ requests of %d, %d senders: %.1f s, %,.0f events/s%n",
                what, events, bodies.size(), batchSize, senderCount, seconds, events / seconds);
        // CPU spent, which the machine's load does not inflate the way it inflates wall time: what 2 idle cores allow
        System.out.printf("CPU per 1,000 events: app %.0f ms, PostgreSQL %.0f ms (every process of the server); "
                        + "2 idle cores would allow at most %,.0f events/s%n",
                1000 * appCpu / events * 1000, 1000 * pgCpu / events * 1000, 2 * events / (appCpu + pgCpu));
        // the senders share the machine's cores: what they spent is not there for the app and PostgreSQL
        System.out.printf("  this driver (senders, HTTP client) spent %.0f ms per 1,000 events of the same cores%n",
                1000 * driverCpu / events * 1000);
        // the same CPU by kind of thread and process: the JIT compiling and the garbage collector are not the request
        // path's own work, and autovacuum analysing a small, fast-growing table is the benchmark's shape, not capture's
        Map<String, Long> appThreads = appThreadTicks(app.pid());
        // threads that ended meanwhile (the worker pool shrinks) took their ticks with them: the process's total less
        // the live kinds is the workers' share with the ended threads'
        long appTicks = Math.round(appCpu * 100);
        for (String kind : List.copyOf(appThreads.keySet())) {
            if (!kind.equals("workers")) {
                appTicks -= appThreads.get(kind) - appThreads0.getOrDefault(kind, 0L);
            }
        }
        appThreads.put("workers and ended threads", appTicks + appThreads0.getOrDefault("workers", 0L));
        appThreads0.put("workers and ended threads", appThreads0.getOrDefault("workers", 0L));
        appThreads.remove("workers");
        System.out.printf("  app by thread (ms per 1,000 events): %s%n", perThousand(appThreads0, appThreads, events));
        System.out.printf("  PostgreSQL by process (ms per 1,000 events): %s%n", perThousand(pgProcesses0, pgProcessTicks(postmaster), events));
        Path file = logs.resolve("capture.csv");
        Files.writeString(file, csv);
        psql(pgPort, "-c", "DROP TABLE IF EXISTS bench_copy_events; CREATE TABLE bench_copy_events (LIKE events INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING INDEXES); "
                + "ALTER TABLE bench_copy_events ALTER COLUMN team_id SET DEFAULT 1, ALTER COLUMN person_id SET DEFAULT gen_random_uuid()");
        long c0 = System.nanoTime();
        psql(pgPort, "-c", "\\copy bench_copy_events (uuid, event, distinct_id, properties, timestamp) FROM '" + file + "' WITH (FORMAT csv)");
        double copySeconds = (System.nanoTime() - c0) / 1e9;
        psql(pgPort, "-c", "DROP TABLE bench_copy_events");
        System.out.printf("raw COPY of the same rows into an events-shaped table: %.1f s, %,.0f rows/s (capture at %.0f%% of it)%n",
                copySeconds, events / copySeconds, 100 * (events / seconds) / (events / copySeconds));
    }

    private static long lastUuidMillis;

    /**
     * An event uuid from two random longs: random (version bits as they come, as earlier rounds sent), or a UUIDv7
     * (RFC 9562: 48 bits of Unix milliseconds, never going back within a run, version 7, 12 random bits, the variant
     * and 62 random bits), as posthog-node and posthog-js generate.
     */
    static UUID eventUuid(long high, long low, boolean random) {
        if (random) {
            return new UUID(high, low);
        }
        long millis = Math.max(System.currentTimeMillis(), lastUuidMillis);
        lastUuidMillis = millis;
        return new UUID((millis << 16) | 0x7000L | (high & 0x0FFFL), (low & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L);
    }

    /** The embedded PostgreSQL's data directory (QUARRY_BENCH_DIR/pgdata). */
    static Path pgDataDir(int pgPort) {
        return Path.of(System.getenv().getOrDefault("QUARRY_BENCH_DIR", "/tmp/anchor-bench")).resolve("pgdata");
    }

    /**
     * CPU seconds (user + system) a process used so far, from /proc (clock ticks of 10 ms); with {@code tree}, its
     * live descendants' too and its exited children's (PostgreSQL's backends are children of the postmaster).
     */
    static double cpuSeconds(long pid, boolean tree) throws IOException {
        if (pid < 0) {
            return 0;
        }
        double ticks = cpuTicks(pid, tree);
        if (tree) {
            for (ProcessHandle child : ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(List.of())) {
                ticks += cpuTicks(child.pid(), false);
            }
        }
        return ticks / 100.0;
    }

    /** CPU clock ticks of the app's live threads so far, summed by kind: JIT compiler, GC, event loop, workers, other. */
    static Map<String, Long> appThreadTicks(long pid) {
        Map<String, Long> ticks = new java.util.TreeMap<>();
        if (pid < 0) {
            return ticks;
        }
        try (var tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String kind = name.contains("CompilerThre") ? "JIT compiler" : name.startsWith("GC ") || name.startsWith("G1 ")
                            ? "GC" : name.startsWith("vert.x-eventloo") ? "event loop" : name.startsWith("executor-thread")
                            ? "workers" : "other";
                    ticks.merge(kind, cpuTicks(task, false), Long::sum);
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException gone) {
            // the app ended
        }
        return ticks;
    }

    /**
     * CPU clock ticks of the PostgreSQL server so far by kind: client backends (live children named
     * "postgres: postgres …"), autovacuum (live workers plus the postmaster's exited children: during a capture run
     * only autovacuum workers come and go), and the rest (WAL writer, checkpointer, background writer, the postmaster).
     */
    static Map<String, Long> pgProcessTicks(long postmaster) {
        Map<String, Long> ticks = new java.util.TreeMap<>();
        ticks.put("autovacuum", cpuTicks(Path.of("/proc", String.valueOf(postmaster)), true)
                - cpuTicks(Path.of("/proc", String.valueOf(postmaster)), false));
        ticks.merge("other", cpuTicks(Path.of("/proc", String.valueOf(postmaster)), false), Long::sum);
        for (ProcessHandle child : ProcessHandle.of(postmaster).map(h -> h.descendants().toList()).orElse(List.of())) {
            String command;
            try {
                command = Files.readString(Path.of("/proc", String.valueOf(child.pid()), "cmdline")).replace('\0', ' ');
            } catch (IOException gone) {
                continue;
            }
            String kind = command.contains("autovacuum worker") ? "autovacuum"
                    : command.startsWith("postgres: postgres ") ? "backends" : "other";
            ticks.merge(kind, cpuTicks(child.pid(), false), Long::sum);
        }
        return ticks;
    }

    static String perThousand(Map<String, Long> before, Map<String, Long> after, int events) {
        StringBuilder out = new StringBuilder();
        after.forEach((kind, ticks) -> out.append(out.isEmpty() ? "" : ", ").append(kind).append(' ')
                .append(Math.round((ticks - before.getOrDefault(kind, 0L)) * 10.0 / events * 1000)));
        return out.toString();
    }

    static long cpuTicks(Path procEntry, boolean withExitedChildren) {
        try {
            String stat = Files.readString(procEntry.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return withExitedChildren ? ticks + Long.parseLong(f[13]) + Long.parseLong(f[14]) : ticks;
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    static long cpuTicks(long pid, boolean withExitedChildren) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields after the command: state(0) … utime(11) stime(12) cutime(13) cstime(14)
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return withExitedChildren ? ticks + Long.parseLong(f[13]) + Long.parseLong(f[14]) : ticks;
        } catch (IOException | RuntimeException gone) {
            return 0; // the process ended meanwhile
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}

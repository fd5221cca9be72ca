import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cold start of the packaged JVM application as Lambda runs it: this program plays the Lambda runtime API
 * (AWS_LAMBDA_RUNTIME_API) and starts a fresh JVM on the function's classpath (target/function/*-runner.jar and lib/, what
 * function.zip holds) running LambdaJavaRuntime, a miniature of Lambda's Java runtime, with the handler template.yaml
 * names (QuarkusStreamHandler). It hands over one API Gateway v2 event and times process start -> first poll for
 * work (init done) -> the answer posted back. The request (GET /api/projects/:id with a personal API key) needs
 * PostgreSQL: key lookup, project read.
 *
 * Run through infra/bench/startup/run.sh (it builds the classpath). Args: runs [extra JVM flags...]
 */
public class StartupBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPERATOR_SECRET = "bench-operator-secret";
    private static Path DRIVER;

    /** One invocation the fake runtime API hands out, and what came back. */
    record Invocation(String id, String event, CompletableFuture<JsonNode> response) {
    }

    static final class RuntimeApi implements AutoCloseable {
        final HttpServer server;
        final BlockingQueue<Invocation> next = new LinkedBlockingQueue<>();
        final Map<String, Invocation> inFlight = new HashMap<>();
        volatile long firstPollNanos;
        volatile long pid;
        volatile double firstPollCpuMs = Double.NaN;

        RuntimeApi() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "runtime-api");
                t.setDaemon(true); // a child's second poll for work waits here until the child is stopped
                return t;
            }));
            server.createContext("/2018-06-01/runtime/", this::handle);
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        private void handle(HttpExchange exchange) throws IOException {
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (path.endsWith("/invocation/next")) {
                if (firstPollNanos == 0) {
                    firstPollNanos = System.nanoTime();
                    firstPollCpuMs = cpuMillis(pid);
                }
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
                exchange.getResponseHeaders().add("Lambda-Runtime-Deadline-Ms", String.valueOf(System.currentTimeMillis() + 30_000));
                exchange.getResponseHeaders().add("Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:eu-west-1:000000000000:function:quarry-bootstrap");
                exchange.getResponseHeaders().add("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000");
                exchange.sendResponseHeaders(200, event.length);
                exchange.getResponseBody().write(event);
                exchange.close();
                return;
            }
            Matcher m = Pattern.compile(".*/invocation/([^/]+)/(response|error)$").matcher(path);
            if (m.matches()) {
                Invocation invocation;
                synchronized (inFlight) {
                    invocation = inFlight.remove(m.group(1));
                }
                exchange.sendResponseHeaders(202, -1);
                exchange.close();
                if (invocation != null) {
                    JsonNode answer = m.group(2).equals("error")
                            ? JSON.createObjectNode().put("statusCode", -1).put("body", new String(body, StandardCharsets.UTF_8))
                            : JSON.readTree(body);
                    invocation.response().complete(answer);
                }
                return;
            }
            // init/error and anything else
            System.err.println("runtime API: " + path + " " + new String(body, StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    static String event(String method, String path, Map<String, String> headers, String body) throws IOException {
        ObjectNode event = JSON.createObjectNode();
        event.put("version", "2.0").put("routeKey", "$default").put("rawPath", path).put("rawQueryString", "");
        ObjectNode h = event.putObject("headers");
        h.put("host", "bench.execute-api.eu-west-1.amazonaws.com");
        headers.forEach(h::put);
        ObjectNode context = event.putObject("requestContext");
        context.put("accountId", "000000000000").put("apiId", "bench").put("domainName", "bench.execute-api.eu-west-1.amazonaws.com")
                .put("requestId", "bench").put("routeKey", "$default").put("stage", "$default")
                .put("timeEpoch", System.currentTimeMillis());
        context.putObject("http").put("method", method).put("path", path).put("protocol", "HTTP/1.1")
                .put("sourceIp", "127.0.0.1").put("userAgent", "startup-bench");
        if (body != null) {
            event.put("body", body);
        }
        event.put("isBase64Encoded", false);
        return JSON.writeValueAsString(event);
    }

    static String bodyOf(JsonNode response) {
        String body = response.path("body").asText("");
        return response.path("isBase64Encoded").asBoolean() ? new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8) : body;
    }

    /** Starts the application as a fresh process, invokes it once, returns {init ms, first answer ms, answer}. */
    static Object[] coldStart(Path app, List<String> jvmFlags, Map<String, String> env, String event, Path log) throws Exception {
        return coldStart(app, jvmFlags, env, event, log, () -> null);
    }

    static Object[] coldStart(Path app, List<String> jvmFlags, Map<String, String> env, String event, Path log,
                              java.util.concurrent.Callable<Object> whileRunning) throws Exception {
        try (RuntimeApi api = new RuntimeApi()) {
            Invocation invocation = new Invocation("req-" + System.nanoTime(), event, new CompletableFuture<>());
            api.next.add(invocation);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmFlags);
            command.add("-cp");
            command.add(app + File.pathSeparator + DRIVER);
            command.add("LambdaJavaRuntime");
            command.add("io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            builder.environment().put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + api.port());
            long start = System.nanoTime();
            Process process = builder.start();
            api.pid = process.pid();
            try {
                JsonNode answer = invocation.response().get(120, TimeUnit.SECONDS);
                long answered = System.nanoTime();
                double cpuMs = cpuMillis(process.pid());
                long classes = classesLoaded(process.pid());
                return new Object[] {(api.firstPollNanos - start) / 1e6, (answered - start) / 1e6, answer, whileRunning.call(),
                        cpuMs, api.firstPollCpuMs, classes};
            } finally {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    /**
     * CPU time (user + system, all threads) the process has used so far, from /proc: on a shared machine the wall
     * clock depends on the load, this much less. NaN where /proc is missing.
     */
    static double cpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields[11] = utime, fields[12] = stime (fields 14 and 15 of proc(5)), in clock ticks (USER_HZ = 100)
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * Classes the process has loaded so far, read by jstat from the JVM's performance counters (no attach, so the
     * reading loads nothing into the process); -1 where jstat is missing or fails.
     */
    static long classesLoaded(long pid) {
        try {
            Process jstat = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstat").toString(), "-class",
                    String.valueOf(pid)).redirectErrorStream(true).start();
            String out = new String(jstat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!jstat.waitFor(20, TimeUnit.SECONDS) || jstat.exitValue() != 0) {
                return -1;
            }
            String[] lines = out.trim().split("\n");
            return Long.parseLong(lines[lines.length - 1].trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        List<String> jvmFlags = new ArrayList<>(List.of(args).subList(Math.min(1, args.length), args.length));
        // QUARRY_BENCH_FUNCTION_DIR: another build's function directory (e.g. a copy of main's), to compare side by side.
        Path functionDir = Path.of(System.getenv().getOrDefault("QUARRY_BENCH_FUNCTION_DIR", "target/function"));
        Path app = Files.list(functionDir).filter(p -> p.toString().endsWith("-runner.jar")).findFirst()
                .orElseThrow(() -> new IllegalStateException("Build first: ./mvnw package -DskipTests"));
        Path logs = Files.createTempDirectory("startup-bench");
        DRIVER = logs.resolve("driver");
        Files.createDirectories(DRIVER);
        int compiled = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", DRIVER.toString(),
                "-cp", app.toString(), "infra/bench/startup/LambdaJavaRuntime.java");
        if (compiled != 0) {
            throw new IllegalStateException("could not compile LambdaJavaRuntime");
        }
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            Map<String, String> env = new HashMap<>();
            env.put("QUARRY_DB_URL", "postgresql://localhost:" + pg.getPort() + "/postgres");
            env.put("QUARRY_DB_USER", "postgres");
            env.put("QUARRY_DB_PASSWORD", "postgres");
            env.put("QUARRY_DB_POOL_SIZE", "2");
            env.put("QUARRY_OPERATOR_SECRET", OPERATOR_SECRET);
            env.put("DISABLE_SIGNAL_HANDLERS", "true");

            // Setup (not timed): migrate, as the deploy step would, and create a project and key.
            Map<String, String> setupEnv = new HashMap<>(env);
            setupEnv.put("QUARRY_MIGRATE_AT_START", "true");
            Object[] setup = coldStart(app, jvmFlags, setupEnv, event("POST", "/admin/projects",
                    Map.of("content-type", "application/json", "x-quarry-operator-secret", OPERATOR_SECRET),
                    "{\"name\": \"Bench\", \"timezone\": \"UTC\", \"scopes\": [\"*\"]}"), logs.resolve("setup.log"));
            JsonNode created = JSON.readTree(bodyOf((JsonNode) setup[2]));
            long projectId = created.path("id").asLong();
            String key = created.path("personal_api_key").path("value").asText();
            if (projectId == 0 || key.isEmpty()) {
                throw new IllegalStateException("setup failed: " + setup[2] + " (log " + logs.resolve("setup.log") + ")");
            }

            // Measured: the bootstrap function's first request, migrations off, as on AWS.
            env.put("QUARRY_MIGRATE_AT_START", "false");
            env.put("QUARRY_FUNCTION_GROUP", "bootstrap");
            String request = event("GET", "/api/projects/" + projectId + "/", Map.of("authorization", "Bearer " + key), null);
            List<Double> init = new ArrayList<>();
            List<Double> first = new ArrayList<>();
            List<Double> quarkus = new ArrayList<>();
            List<Double> cpu = new ArrayList<>();
            List<Double> classes = new ArrayList<>();
            System.out.printf("JVM %s, flags %s, %d cores, load average %s%n", System.getProperty("java.version"), jvmFlags,
                    Runtime.getRuntime().availableProcessors(), Files.readString(Path.of("/proc/loadavg")).trim());
            for (int i = 1; i <= runs; i++) {
                Path log = logs.resolve("run-" + i + ".log");
                // Connections the application holds right after its first answer: no eager pool warm-up.
                Object[] result = coldStart(app, jvmFlags, env, request, log, () -> {
                    try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                            "jdbc:postgresql://localhost:" + pg.getPort() + "/postgres?ApplicationName=bench", "postgres", "postgres");
                         java.sql.ResultSet rs = c.createStatement().executeQuery("select count(*) || ' ' || string_agg(application_name || '/' || coalesce(state, '') || '/' || left(query, 50), ' | ') from pg_stat_activity "
                                 + "where backend_type = 'client backend' and application_name <> 'bench'")) {
                        rs.next();
                        return rs.getString(1);
                    }
                });
                JsonNode answer = (JsonNode) result[2];
                if (answer.path("statusCode").asInt() != 200) {
                    throw new IllegalStateException("run " + i + " answered " + answer + " (log " + log + ")");
                }
                Matcher started = Pattern.compile("started in ([0-9.]+)s").matcher(Files.readString(log));
                double quarkusMs = started.find() ? Double.parseDouble(started.group(1)) * 1000 : Double.NaN;
                init.add((Double) result[0]);
                first.add((Double) result[1]);
                quarkus.add(quarkusMs);
                cpu.add((Double) result[4]);
                classes.add((double) (Long) result[6]);
                System.out.printf("run %d: init (process start -> first poll) %.0f ms, Quarkus 'started in' %.0f ms, "
                        + "first answer (200, with PostgreSQL) %.0f ms, CPU time to init %.0f ms, to the answer %.0f ms, "
                        + "classes loaded by the answer %d, connections held %s%n", i, result[0], quarkusMs, result[1], result[5],
                        result[4], result[6], result[3]);
            }
            System.out.printf("median: init %.0f ms, first answer %.0f ms (min %.0f, max %.0f), CPU time %.0f ms, classes %.0f;"
                    + " logs in %s (function %s)%n", median(init), median(first), first.stream().mapToDouble(d -> d).min().orElse(0),
                    first.stream().mapToDouble(d -> d).max().orElse(0), median(cpu), median(classes), logs, functionDir);
            System.out.printf("load average after: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
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
 * Cold start of the packaged JVM function as Lambda's Java runtime runs it, plain and with the function's AppCDS
 * archive, in one command. This program plays the Lambda runtime API (AWS_LAMBDA_RUNTIME_API) and starts fresh JVMs
 * the way the java21 runtime does: function.zip unpacked into a task root ($LAMBDA_TASK_ROOT), the JVM's class path
 * holding only the runtime (here LambdaJavaRuntime, a miniature of it, in a jar), the function's classes in a class
 * loader of their own over the task root and lib/*.jar, Lambda's flags (-XX:+UseSerialGC -Xshare:on with the JDK's
 * base archive named by -XX:SharedArchiveFile), and the command run through the function's exec wrapper
 * (quarry-jvm-wrapper from function.zip, as AWS_LAMBDA_EXEC_WRAPPER on AWS). It hands over API Gateway v2 events and
 * times process start -> first poll for work (init done) -> the answer posted back. The measured request (GET
 * /api/projects/:id with a personal API key) needs PostgreSQL: key lookup, project read.
 *
 * Sets, one after the other: "as packaged" (no archive in the task root), then the package step's own training run
 * (infra/aws/cds/CdsTraining.java, through the wrapper with QUARRY_CDS_RECORD=true: -XX:ArchiveClassesAtExit, stopped
 * with SIGTERM after its answers, which writes quarry.jsa) with the same command as the measured runs: by default with
 * the build's embedded PostgreSQL, one real request per function group, as what is shipped; QUARRY_BENCH_TRAIN=nodb
 * trains without a database (training-*.json only), then "with the archive". QUARRY_BENCH_SETS=plain or =archive runs one set only; QUARRY_BENCH_MEASURE_FLAGS adds JVM flags to the
 * measured runs only (e.g. -XX:StartFlightRecording=filename=/tmp/run.jfr,settings=profile).
 *
 * Run through infra/bench/startup/run.sh (it builds the classpath). Args: runs [extra JVM flags...]
 */
public class StartupBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPERATOR_SECRET = "bench-operator-secret";
    /**
     * How long a run may take to answer, and to exit after SIGTERM (QUARRY_BENCH_TIMEOUT_S, default 300 s): at load 27-35 on
     * 2 cores the recording run took 122 s to answer and over 60 s to write its archive at exit
     * (the former limits: 120 s and 60 s).
     */
    private static final long ANSWER_TIMEOUT_SECONDS = Long.parseLong(System.getenv().getOrDefault("QUARRY_BENCH_TIMEOUT_S", "300"));

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

    /** How the child JVM is started: the command before the handler argument, and its environment. */
    record Launch(List<String> command, Map<String, String> env) {
        Launch with(Map<String, String> more) {
            Map<String, String> all = new HashMap<>(env);
            all.putAll(more);
            return new Launch(command, all);
        }
    }

    /** What one cold start measured: init and first answer (wall clock), its CPU time at each, classes loaded. */
    record Run(double initMs, double answerMs, List<JsonNode> answers, Object whileRunning, double cpuMs, double initCpuMs,
               long classes) {
        JsonNode answer() {
            return answers.get(answers.size() - 1);
        }
    }

    /**
     * Starts the function as a fresh process, hands it the events one after another, returns when the last one is
     * answered (the process is then stopped with SIGTERM, an orderly exit, and waited for).
     */
    static Run coldStart(Launch launch, List<String> events, Path log, java.util.concurrent.Callable<Object> whileRunning)
            throws Exception {
        try (RuntimeApi api = new RuntimeApi()) {
            List<Invocation> invocations = new ArrayList<>();
            for (String event : events) {
                Invocation invocation = new Invocation("req-" + System.nanoTime() + "-" + invocations.size(), event,
                        new CompletableFuture<>());
                invocations.add(invocation);
                api.next.add(invocation);
            }
            List<String> command = new ArrayList<>(launch.command());
            command.add("io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(launch.env());
            builder.environment().put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + api.port());
            long start = System.nanoTime();
            Process process = builder.start();
            api.pid = process.pid(); // the wrapper execs java: same process
            try {
                List<JsonNode> answers = new ArrayList<>();
                for (Invocation invocation : invocations) {
                    answers.add(invocation.response().get(ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS));
                }
                long answered = System.nanoTime();
                double cpuMs = cpuMillis(process.pid());
                long classes = classesLoaded(process.pid());
                return new Run((api.firstPollNanos - start) / 1e6, (answered - start) / 1e6, answers, whileRunning.call(),
                        cpuMs, api.firstPollCpuMs, classes);
            } finally {
                process.destroy();
                if (!process.waitFor(ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) { // a recording run writes its archive as it exits
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

    /** Unpacks function.zip as Lambda does into a task root (regular files and directories; modes are not needed). */
    static void unzip(Path zip, Path into) throws IOException {
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(Files.newInputStream(zip))) {
            for (java.util.zip.ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException("entry outside the task root: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target);
                }
            }
        }
    }

    /** The driver (LambdaJavaRuntime) compiled into a jar: the JVM cannot archive with a non-empty directory on its class path. */
    static Path driverJar(Path work) throws IOException {
        Path classes = work.resolve("driver-classes");
        Files.createDirectories(classes);
        int compiled = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                "infra/bench/startup/LambdaJavaRuntime.java");
        if (compiled != 0) {
            throw new IllegalStateException("could not compile LambdaJavaRuntime");
        }
        Path jar = work.resolve("driver.jar");
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
             var files = Files.list(classes)) {
            for (Path file : files.toList()) {
                out.putNextEntry(new java.util.jar.JarEntry(file.getFileName().toString()));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        return jar;
    }

    /** One set of cold starts of the measured request, printed run by run; its summary line for the table. */
    static String measure(String name, int runs, Launch launch, String request, Path logs, EmbeddedPostgres pg) throws Exception {
        return measure(List.of(Map.entry(name, launch)), runs, request, logs, pg).get(0);
    }

    /**
     * Sets of cold starts measured alternately (run 1 of every set, then run 2, ...), so that a change of the machine's
     * load weighs on all of them; one summary line per set, in order.
     */
    static List<String> measure(List<Map.Entry<String, Launch>> sets, int runs, String request, Path logs, EmbeddedPostgres pg)
            throws Exception {
        int n = sets.size();
        List<List<Double>> init = new ArrayList<>(), first = new ArrayList<>(), cpuInit = new ArrayList<>(), cpu = new ArrayList<>(),
                classes = new ArrayList<>(), started = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            init.add(new ArrayList<>());
            first.add(new ArrayList<>());
            cpuInit.add(new ArrayList<>());
            cpu.add(new ArrayList<>());
            classes.add(new ArrayList<>());
            started.add(new ArrayList<>());
        }
        String loadBefore = loadAverage();
        System.out.printf("%s: load average %s%n", sets.stream().map(Map.Entry::getKey).toList(), loadBefore);
        for (int i = 1; i <= runs; i++) {
            for (int k = 0; k < n; k++) {
                String name = sets.get(k).getKey();
                Path log = logs.resolve(name.replaceAll("[^a-zA-Z0-9]+", "-") + "-run-" + i + ".log");
                // Connections the application holds right after its first answer: no eager pool warm-up.
                Run result = coldStart(sets.get(k).getValue(), List.of(request), log, () -> {
                    try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                            "jdbc:postgresql://localhost:" + pg.getPort() + "/postgres?ApplicationName=bench", "postgres", "postgres");
                         java.sql.ResultSet rs = c.createStatement().executeQuery("select count(*) || ' ' || string_agg(application_name || '/' || coalesce(state, '') || '/' || left(query, 50), ' | ') from pg_stat_activity "
                                 + "where backend_type = 'client backend' and application_name <> 'bench'")) {
                        rs.next();
                        return rs.getString(1);
                    }
                });
                if (result.answer().path("statusCode").asInt() != 200) {
                    throw new IllegalStateException(name + " run " + i + " answered " + result.answer() + " (log " + log + ")");
                }
                String output = Files.readString(log);
                if (output.contains("Unable to use shared archive")) {
                    throw new IllegalStateException(name + " run " + i + ": the JVM did not use the archive (log " + log + ")");
                }
                Matcher startedIn = Pattern.compile("started in ([0-9.]+)s").matcher(output);
                double quarkusMs = startedIn.find() ? Double.parseDouble(startedIn.group(1)) * 1000 : Double.NaN;
                init.get(k).add(result.initMs());
                first.get(k).add(result.answerMs());
                cpuInit.get(k).add(result.initCpuMs());
                cpu.get(k).add(result.cpuMs());
                classes.get(k).add((double) result.classes());
                started.get(k).add(quarkusMs);
                System.out.printf("  %s run %d: init (process start -> first poll) %.0f ms, Quarkus 'started in' %.0f ms, "
                        + "first answer (200, with PostgreSQL) %.0f ms, CPU time to init %.0f ms, to the answer %.0f ms, "
                        + "classes loaded by the answer %d, connections held %s%n", name, i, result.initMs(), quarkusMs,
                        result.answerMs(), result.initCpuMs(), result.cpuMs(), result.classes(), result.whileRunning());
            }
        }
        String loadAfter = loadAverage();
        List<String> lines = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            lines.add(String.format("| %s | %s / %s | %.0f ms (%.0f-%.0f) | %.0f ms | **%.0f ms** (%.0f-%.0f) | %.0f / %.0f ms | %.0f |",
                    sets.get(k).getKey(), loadBefore.split(" ")[0], loadAfter.split(" ")[0], median(init.get(k)),
                    min(init.get(k)), max(init.get(k)), median(started.get(k)), median(first.get(k)), min(first.get(k)),
                    max(first.get(k)), median(cpuInit.get(k)), median(cpu.get(k)), median(classes.get(k))));
        }
        return lines;
    }

    static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    static double min(List<Double> values) {
        return values.stream().mapToDouble(d -> d).min().orElse(Double.NaN);
    }

    static double max(List<Double> values) {
        return values.stream().mapToDouble(d -> d).max().orElse(Double.NaN);
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        List<String> userFlags = new ArrayList<>(List.of(args).subList(Math.min(1, args.length), args.length));
        // QUARRY_BENCH_FUNCTION_DIR: another build's function directory (e.g. a copy of main's), to compare side by side.
        Path functionDir = Path.of(System.getenv().getOrDefault("QUARRY_BENCH_FUNCTION_DIR", "target/function"));
        Path zip = functionDir.resolve("function.zip");
        if (!Files.isRegularFile(zip)) {
            throw new IllegalStateException("Build first: ./mvnw -Pfunction -Dquarry.function-build=true package -DskipTests (no " + zip + ")");
        }
        String sets = System.getenv().getOrDefault("QUARRY_BENCH_SETS", "plain,archive");
        // What the package step does unless told otherwise: train with the database (CdsTraining's default).
        String trainMode = "nodb".equals(System.getenv("QUARRY_BENCH_TRAIN")) ? "nodb" : "db";
        Path work = Files.createTempDirectory("startup-bench");
        Path logs = work;
        Path task = work.resolve("task");
        unzip(zip, task);
        // A build from before the wrapper was packaged (e.g. main's, to compare): the wrapper from this checkout.
        Path wrapper = Files.exists(task.resolve("quarry-jvm-wrapper")) ? task.resolve("quarry-jvm-wrapper")
                : Path.of("src/main/zip.jvm/quarry-jvm-wrapper").toAbsolutePath();
        Path driver = driverJar(work);
        // What the package step adds beside the archive (infra/aws/cds-archive.sh): the runner jar, for the class path.
        // QUARRY_BENCH_RUNNER_JAR=false leaves it out: the archive then serves the classes of Lambda's own class loader.
        if (!Files.exists(task.resolve("quarry-runner.jar")) && !"false".equals(System.getenv("QUARRY_BENCH_RUNNER_JAR"))) {
            try (var files = Files.list(functionDir)) {
                Files.copy(files.filter(f -> f.toString().endsWith("-runner.jar")).findFirst().orElseThrow(),
                        task.resolve("quarry-runner.jar"));
            }
        }

        // Lambda's own JVM flags (its runtime's command line: serial GC, CDS required, the runtime's base archive) before
        // the ones given here; the JDK's default archive stands in for the runtime's.
        List<String> command = new ArrayList<>(List.of("/bin/sh", wrapper.toString(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC", "-Xshare:on"));
        Path baseArchive = Path.of(System.getProperty("java.home"), "lib", "server", "classes.jsa");
        if (Files.exists(baseArchive)) {
            command.add("-XX:SharedArchiveFile=" + baseArchive);
        }
        command.addAll(userFlags);
        command.addAll(List.of("-cp", driver.toString(), "LambdaJavaRuntime"));

        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            Map<String, String> env = new HashMap<>();
            env.put("LAMBDA_TASK_ROOT", task.toString());
            env.put("QUARRY_DB_URL", "postgresql://localhost:" + pg.getPort() + "/postgres");
            env.put("QUARRY_DB_USER", "postgres");
            env.put("QUARRY_DB_PASSWORD", "postgres");
            env.put("QUARRY_DB_POOL_SIZE", "2");
            env.put("QUARRY_OPERATOR_SECRET", OPERATOR_SECRET);
            env.put("DISABLE_SIGNAL_HANDLERS", "true");
            Launch launch = new Launch(command, env);

            // Setup (not timed, no archive): migrate, as the deploy step would, and create a project and key.
            Run setup = coldStart(launch.with(Map.of("QUARRY_MIGRATE_AT_START", "true", "QUARRY_CDS", "off")),
                    List.of(event("POST", "/admin/projects",
                            Map.of("content-type", "application/json", "x-quarry-operator-secret", OPERATOR_SECRET),
                            "{\"name\": \"Bench\", \"timezone\": \"UTC\", \"scopes\": [\"*\"]}")),
                    logs.resolve("setup.log"), () -> null);
            JsonNode created = JSON.readTree(bodyOf(setup.answer()));
            long projectId = created.path("id").asLong();
            String key = created.path("personal_api_key").path("value").asText();
            if (projectId == 0 || key.isEmpty()) {
                throw new IllegalStateException("setup failed: " + setup.answer() + " (log " + logs.resolve("setup.log") + ")");
            }

            // Measured: the bootstrap function's first request, migrations off, as on AWS.
            Launch measured = launch.with(Map.of("QUARRY_MIGRATE_AT_START", "false", "QUARRY_FUNCTION_GROUP", "bootstrap"));
            String measureFlags = System.getenv().getOrDefault("QUARRY_BENCH_MEASURE_FLAGS", "").trim();
            if (!measureFlags.isEmpty()) {
                // Flags for the measured runs only, not the recording run (e.g. a JFR recording of where the time goes).
                List<String> withFlags = new ArrayList<>(command.subList(0, command.size() - 3));
                withFlags.addAll(List.of(measureFlags.split("\\s+")));
                withFlags.addAll(command.subList(command.size() - 3, command.size()));
                measured = new Launch(withFlags, measured.env());
            }
            String request = event("GET", "/api/projects/" + projectId + "/", Map.of("authorization", "Bearer " + key), null);
            System.out.printf("JVM %s, flags %s, %d cores; function %s unpacked in %s%n", System.getProperty("java.version"),
                    command.subList(2, command.size()), Runtime.getRuntime().availableProcessors(), zip, task);
            List<String> table = new ArrayList<>();
            if (sets.contains("plain")) {
                table.add(measure("as packaged", runs, measured.with(Map.of("QUARRY_CDS", "off")), request, logs, pg));
            }
            if (sets.contains("archive")) {
                // The package step's own training (infra/aws/cds/CdsTraining.java, what infra/aws/cds-archive.sh runs in
                // Lambda's image): by default with the build's embedded PostgreSQL (its own throwaway one), one real
                // request per function group; QUARRY_BENCH_TRAIN=nodb trains as a build without a database does.
                Path archive = task.resolve("quarry.jsa");
                Files.deleteIfExists(archive);
                List<String> trainer = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m", "-cp", System.getProperty("java.class.path"), "infra/aws/cds/CdsTraining.java", task.toString()));
                trainer.addAll(command);
                trainer.add("io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest");
                ProcessBuilder training = new ProcessBuilder(trainer).inheritIO();
                training.environment().put("QUARRY_CDS_TRAIN", trainMode);
                long recordStart = System.nanoTime();
                Process trainingRun = training.start();
                if (!trainingRun.waitFor(3 * ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS) || trainingRun.exitValue() != 0 || !Files.exists(archive)) {
                    trainingRun.destroyForcibly();
                    throw new IllegalStateException("the training run (infra/aws/cds/CdsTraining.java) wrote no archive");
                }
                System.out.printf("recorded %s (%d MB, QUARRY_CDS_TRAIN=%s) in %.0f ms%n", archive, Files.size(archive) >> 20,
                        trainMode, (System.nanoTime() - recordStart) / 1e6);
                // QUARRY_BENCH_VARIANTS="name:flags|name:flags": more sets with the same archive, measured alternately with
                // the shipped form, each with its JVM flags added (e.g. heap or compiler settings to compare).
                List<Map.Entry<String, Launch>> sets2 = new ArrayList<>();
                sets2.add(Map.entry("with the AppCDS archive", measured));
                for (String variant : System.getenv().getOrDefault("QUARRY_BENCH_VARIANTS", "").split("\\|")) {
                    if (variant.isBlank()) {
                        continue;
                    }
                    int colon = variant.indexOf(':');
                    List<String> withFlags = new ArrayList<>(measured.command().subList(0, measured.command().size() - 3));
                    withFlags.addAll(List.of(variant.substring(colon + 1).trim().split("\\s+")));
                    withFlags.addAll(measured.command().subList(measured.command().size() - 3, measured.command().size()));
                    sets2.add(Map.entry("archive + " + variant.substring(0, colon).trim() + " (" + variant.substring(colon + 1).trim() + ")",
                            new Launch(withFlags, measured.env())));
                }
                table.addAll(measure(sets2, runs, request, logs, pg));
            }
            System.out.println();
            System.out.println("| set | load average before / after | ready for work (median, range) | Quarkus 'started in' (median) | first answer | CPU time to ready / to first answer | classes loaded by the first answer |");
            System.out.println("|---|---|---|---|---|---|---|");
            table.forEach(System.out::println);
            System.out.printf("%nJVM %s, %d runs per set, flags %s; logs in %s%n", System.getProperty("java.version"), runs,
                    userFlags, logs);
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AppCDS training run of the JVM functions (README "Start-up round seven"), shared by the package step
 * (infra/aws/cds-archive.sh, Lambda's own JVM in its runtime image) and the start-up bench (infra/bench/startup, this
 * machine's JVM): it plays the Lambda runtime API (AWS_LAMBDA_RUNTIME_API) on 127.0.0.1, starts the function with the
 * command it is given, hands it the training events, stops it with SIGTERM (an orderly exit, when
 * -XX:ArchiveClassesAtExit writes the archive) and checks that {@code <task root>/quarry.jsa} was written.
 *
 * <p>By default ({@code QUARRY_CDS_TRAIN=db}) it trains with a database, so the archive also holds the classes of a
 * first request that reaches PostgreSQL (the reactive pool's first connection, Hibernate Reactive's first session, a
 * query's run): it starts the build's embedded PostgreSQL (zonky, the one the tests and the local run use) in a
 * throwaway data directory, lets one setup run of the function (not recorded, archive off) migrate it and create a
 * project through {@code POST /admin/projects} (db/0-setup-project.json), then records while sending the events without
 * a database (training-*.json) and one real request per HTTP function group (db/[1-9]*.json, the project's id, key and
 * token filled in), all answered by one JVM with no function group set; each of those must answer 200. When the
 * embedded PostgreSQL cannot start (no binaries for this platform, e.g. macOS: the build ships Linux ones only), it says
 * so and trains without a database, as {@code QUARRY_CDS_TRAIN=nodb} does: the training events only, the bootstrap
 * group, connections refused.
 *
 * <p>The function is started with the environment below set in this process's children; a container engine must be
 * told to pass them on ({@code -e NAME} for each of {@link #FORWARDED}) and to share the host's network (everything is
 * on 127.0.0.1). {@code LAMBDA_TASK_ROOT} is set to the task root for a function started directly. A process that is
 * not the JVM itself (a container engine's client) is stopped by {@code QUARRY_CDS_STOP}, a shell command that sends the
 * JVM SIGTERM, instead of by a signal to the process.
 *
 * <p>Usage: {@code java -cp <function build's class path> infra/aws/cds/CdsTraining.java <task root> <command...>}
 * (the command starts the function's runtime, handler included); {@code --plan} instead of a command prints the
 * training requests (method and path, one a line, after a {@code mode} line) and starts nothing.
 */
public class CdsTraining {
    /** The variables this program sets for the function; a container must forward each. */
    static final List<String> FORWARDED = List.of("AWS_LAMBDA_RUNTIME_API", "QUARRY_DB_URL", "QUARRY_DB_USER",
            "QUARRY_DB_PASSWORD", "QUARRY_DB_POOL_SIZE", "QUARRY_MIGRATE_AT_START", "QUARRY_FUNCTION_GROUP",
            "QUARRY_OPERATOR_SECRET", "QUARRY_CDS", "QUARRY_CDS_RECORD", "DISABLE_SIGNAL_HANDLERS");
    static final Path EVENTS = Path.of("infra/aws/cds");
    static final ObjectMapper JSON = new ObjectMapper();
    static final long TIMEOUT_SECONDS = Long.parseLong(System.getenv().getOrDefault("QUARRY_CDS_TIMEOUT_S", "300"));

    /** One invocation handed out through the runtime API, and what came back. */
    record Invocation(String id, String event, CompletableFuture<JsonNode> response) {
    }

    /** The Lambda runtime API (next, response, error) for one process's invocations, in order. */
    static final class RuntimeApi implements AutoCloseable {
        final HttpServer server;
        final BlockingQueue<Invocation> next = new LinkedBlockingQueue<>();
        final Map<String, Invocation> inFlight = new HashMap<>();

        RuntimeApi() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "runtime-api");
                t.setDaemon(true); // the function's poll after its last event waits here until it is stopped
                return t;
            }));
            server.createContext("/2018-06-01/runtime/", this::handle);
            server.start();
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
                exchange.getResponseHeaders().add("Lambda-Runtime-Deadline-Ms", String.valueOf(System.currentTimeMillis() + 300_000));
                exchange.getResponseHeaders().add("Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:eu-west-1:000000000000:function:quarry-cds-training");
                exchange.getResponseHeaders().add("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000");
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
            } else {
                System.err.println("cds-training: runtime API " + path + " " + new String(body, StandardCharsets.UTF_8));
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /**
     * Starts the function, hands it the events in order, returns their answers once the last one is in; the process
     * is then stopped with SIGTERM and waited for (a recording run writes its archive as it exits).
     */
    static List<JsonNode> run(List<String> command, Map<String, String> env, List<String> events, Path log) throws Exception {
        try (RuntimeApi api = new RuntimeApi()) {
            List<Invocation> invocations = new ArrayList<>();
            for (String event : events) {
                Invocation invocation = new Invocation("training-" + invocations.size(), event, new CompletableFuture<>());
                invocations.add(invocation);
                api.next.add(invocation);
            }
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            builder.environment().put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + api.server.getAddress().getPort());
            Process process = builder.start();
            try {
                List<JsonNode> answers = new ArrayList<>();
                for (Invocation invocation : invocations) {
                    try {
                        answers.add(invocation.response().get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
                    } catch (java.util.concurrent.TimeoutException e) {
                        throw new IllegalStateException("no answer within " + TIMEOUT_SECONDS + " s (log " + log + ")");
                    }
                }
                return answers;
            } finally {
                String stop = System.getenv().getOrDefault("QUARRY_CDS_STOP", "");
                if (stop.isBlank() || !process.isAlive()) {
                    process.destroy();
                } else {
                    // A container's own way to deliver SIGTERM to the JVM inside it (the client's signal may not reach it).
                    new ProcessBuilder("/bin/sh", "-c", stop).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
                }
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    static List<String> read(String glob) throws IOException {
        List<String> events = new ArrayList<>();
        try (var files = Files.list(EVENTS.resolve(glob.contains("/") ? glob.substring(0, glob.indexOf('/')) : ""))) {
            String pattern = glob.substring(glob.indexOf('/') + 1);
            for (Path file : files.filter(f -> f.getFileName().toString().matches(pattern)).sorted().toList()) {
                events.add(Files.readString(file));
            }
        }
        return events;
    }

    /** The training events without a database: what every mode sends first. */
    static List<String> withoutDatabase() throws IOException {
        return read("training-.*\\.json");
    }

    /** One real request per HTTP function group, with the placeholders the setup run's project fills in. */
    static List<String> withDatabase() throws IOException {
        return read("db/[1-9].*\\.json");
    }

    static String bodyOf(JsonNode response) {
        String body = response.path("body").asText("");
        return response.path("isBase64Encoded").asBoolean() ? new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8) : body;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: CdsTraining <task root> <command...> | --plan");
            System.exit(2);
        }
        Path task = Path.of(args[0]).toAbsolutePath();
        boolean withDatabase = !"nodb".equals(System.getenv().getOrDefault("QUARRY_CDS_TRAIN", "db"));
        if ("--plan".equals(args[1])) {
            System.out.println("mode " + (withDatabase ? "db" : "nodb"));
            List<String> plan = new ArrayList<>(withoutDatabase());
            if (withDatabase) {
                plan.addAll(read("db/0-.*\\.json"));
                plan.addAll(withDatabase());
            }
            for (String event : plan) {
                JsonNode node = JSON.readTree(event);
                System.out.println(node.path("requestContext").path("http").path("method").asText() + " " + node.path("rawPath").asText());
            }
            return;
        }
        List<String> command = List.of(args).subList(1, args.length);
        Path archive = task.resolve("quarry.jsa");
        Files.deleteIfExists(archive);
        Path logs = Files.createTempDirectory("cds-training");
        Map<String, String> env = new HashMap<>();
        env.put("LAMBDA_TASK_ROOT", task.toString());
        env.put("QUARRY_DB_POOL_SIZE", "2");
        env.put("DISABLE_SIGNAL_HANDLERS", "true");
        env.put("QUARRY_MIGRATE_AT_START", "false");
        // Without a database: connections refused, the bootstrap group's routes.
        env.put("QUARRY_DB_URL", "postgresql://127.0.0.1:9/none");
        env.put("QUARRY_DB_USER", "none");
        env.put("QUARRY_DB_PASSWORD", "none");
        env.put("QUARRY_FUNCTION_GROUP", "bootstrap");
        env.put("QUARRY_OPERATOR_SECRET", "");
        List<String> events = new ArrayList<>(withoutDatabase());
        int checkedFrom = events.size();

        EmbeddedPostgres pg = null;
        if (withDatabase) {
            try {
                Path data = Files.createTempDirectory("cds-training-pg");
                pg = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(true).start();
            } catch (Exception | LinkageError e) {
                System.err.println("cds-training: the embedded PostgreSQL did not start (" + e + "); training WITHOUT a database:"
                        + " the archive then lacks the classes of a first request that reaches the database"
                        + " (README \"Start-up round seven\"). QUARRY_CDS_TRAIN=nodb chooses this without trying.");
                withDatabase = false;
            }
        }
        try {
            if (withDatabase) {
                String secret = "cds-training-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
                env.put("QUARRY_DB_URL", "postgresql://127.0.0.1:" + pg.getPort() + "/postgres");
                env.put("QUARRY_DB_USER", "postgres");
                env.put("QUARRY_DB_PASSWORD", "postgres");
                env.put("QUARRY_OPERATOR_SECRET", secret);
                env.put("QUARRY_FUNCTION_GROUP", "");
                // Setup, not recorded: migrate (the deploy step's work, kept out of the archive) and create a project.
                Map<String, String> setupEnv = new HashMap<>(env);
                setupEnv.put("QUARRY_MIGRATE_AT_START", "true");
                setupEnv.put("QUARRY_CDS", "off");
                setupEnv.put("QUARRY_CDS_RECORD", "false");
                String setup = read("db/0-.*\\.json").get(0).replace("@OPERATOR_SECRET@", secret);
                JsonNode answer = run(command, setupEnv, List.of(setup), logs.resolve("setup.log")).get(0);
                JsonNode created = JSON.readTree(bodyOf(answer).isEmpty() ? "{}" : bodyOf(answer));
                long projectId = created.path("id").asLong();
                String key = created.path("personal_api_key").path("value").asText();
                String token = created.path("api_token").asText();
                if (answer.path("statusCode").asInt() / 100 != 2 || projectId == 0
                        || key.isEmpty() || token.isEmpty()) {
                    throw new IllegalStateException("the training project was not created: " + answer + " (log "
                            + logs.resolve("setup.log") + ")");
                }
                for (String event : withDatabase()) {
                    events.add(event.replace("@PROJECT_ID@", String.valueOf(projectId)).replace("@API_KEY@", key)
                            .replace("@API_TOKEN@", token));
                }
                System.out.println("cds-training: embedded PostgreSQL on port " + pg.getPort() + " migrated, project " + projectId);
            } else {
                checkedFrom = events.size();
            }
            env.put("QUARRY_CDS", "on");
            env.put("QUARRY_CDS_RECORD", "true");
            long start = System.nanoTime();
            List<JsonNode> answers = run(command, env, events, logs.resolve("record.log"));
            List<String> statuses = answers.stream().map(a -> a.path("statusCode").asText()).toList();
            for (int i = checkedFrom; i < answers.size(); i++) {
                if (answers.get(i).path("statusCode").asInt() != 200) {
                    throw new IllegalStateException("training request " + (i + 1) + " with the database answered "
                            + answers.get(i) + " (log " + logs.resolve("record.log") + ")");
                }
            }
            if (!Files.isRegularFile(archive) || Files.size(archive) == 0) {
                throw new IllegalStateException("the training run wrote no archive (log " + logs.resolve("record.log") + ")");
            }
            System.out.printf("cds-training: recorded %s (%d MB) %s, %d events answered %s, in %.0f ms; logs in %s%n", archive,
                    Files.size(archive) >> 20, withDatabase ? "WITH the database" : "without a database", events.size(),
                    statuses, (System.nanoTime() - start) / 1e6, logs);
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
    }
}

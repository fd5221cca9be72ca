package dev.quarry.deploy;

import static dev.quarry.deploy.CloudFormation.at;
import static dev.quarry.deploy.CloudFormation.list;
import static dev.quarry.deploy.CloudFormation.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quarry.web.FunctionGroups;
import dev.quarry.web.FunctionGroups.Group;
import dev.quarry.web.FunctionGroups.Owned;
import dev.quarry.web.FunctionGroups.Route;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * template.yaml and the infra/aws stacks, checked without AWS: they parse with CloudFormation's tags, every
 * reference resolves, each function serves exactly its group's routes, every JAX-RS route reaches the function of
 * its group under both URL prefixes, and the async worker, migrations, logs and limits are wired.
 */
class TemplateTest {
    private static final Map<String, Object> TEMPLATE = CloudFormation.read(Path.of("template.yaml"));
    private static final Map<String, Object> NETWORK = CloudFormation.read(Path.of("infra/aws/network.yaml"));
    private static final Map<String, Object> DATABASE = CloudFormation.read(Path.of("infra/aws/database.yaml"));
    private static final String FUNCTION = "AWS::Serverless::Function";

    private static Map<String, Object> resources(Map<String, Object> template) {
        return map(template.get("Resources"));
    }

    private static Map<String, Map<String, Object>> functions() {
        Map<String, Map<String, Object>> functions = new LinkedHashMap<>();
        resources(TEMPLATE).forEach((name, resource) -> {
            if (FUNCTION.equals(at(resource, "Type"))) {
                functions.put(name, map(at(resource, "Properties")));
            }
        });
        return functions;
    }

    /** A function property, or the Globals one. */
    private static Object property(Map<String, Object> function, String key) {
        return function.containsKey(key) ? function.get(key) : at(TEMPLATE, "Globals", "Function", key);
    }

    private static Map<String, Object> environment(Map<String, Object> function) {
        Map<String, Object> env = new HashMap<>(map(at(TEMPLATE, "Globals", "Function", "Environment", "Variables")));
        env.putAll(map(at(function, "Environment", "Variables")));
        return env;
    }

    private static Group group(String functionName) {
        Object id = environment(functions().get(functionName)).get("QUARRY_FUNCTION_GROUP");
        assertNotNull(id, functionName + " has no QUARRY_FUNCTION_GROUP");
        return Group.byId(String.valueOf(id)).orElseThrow(() -> new AssertionError(functionName + ": unknown group " + id));
    }

    /** A function's routes on either API: the HTTP API ({@code Api}) or the capture REST API ({@code CaptureApi}). */
    private static List<Route> httpRoutes(Map<String, Object> function) {
        List<Route> routes = new ArrayList<>();
        map(function.get("Events")).values().forEach(event -> {
            if ("HttpApi".equals(at(event, "Type"))) {
                assertEquals(Map.of("Ref", "Api"), at(event, "Properties", "ApiId"));
            } else if ("Api".equals(at(event, "Type"))) {
                assertEquals(Map.of("Ref", "CaptureApi"), at(event, "Properties", "RestApiId"));
            } else {
                return;
            }
            routes.add(new Route(String.valueOf(at(event, "Properties", "Method")).toUpperCase(),
                    String.valueOf(at(event, "Properties", "Path"))));
        });
        return routes;
    }

    /**
     * The capture routes, and only they, are on the REST API whose binary media types are every type: there API
     * Gateway hands every body (gzip labelled JSON or text too) to the function base64-encoded, byte for byte. No
     * request decompression in front (MinimumCompressionSize), so the compressed batch is what counts against
     * Lambda's 6 MB.
     */
    @Test
    void captureRoutesAreOnARestApiThatPassesEveryBodyAsBinary() {
        Object api = resources(TEMPLATE).get("CaptureApi");
        assertEquals("AWS::Serverless::Api", at(api, "Type"));
        List<Object> binary = list(at(api, "Properties", "BinaryMediaTypes"));
        assertEquals(List.of("*/*"), binary.stream().map(t -> String.valueOf(t).replace("~1", "/")).toList());
        assertNull(at(api, "Properties", "MinimumCompressionSize"), "no request decompression in front");
        Set<String> onRestApi = new TreeSet<>();
        functions().forEach((name, function) -> map(function.get("Events")).values().forEach(event -> {
            if ("Api".equals(at(event, "Type"))) {
                assertEquals("CaptureFunction", name, "only capture is on the REST API");
                String method = String.valueOf(at(event, "Properties", "Method")).toUpperCase();
                onRestApi.add(method + " " + at(event, "Properties", "Path"));
                // capture and flag evaluation are POSTs; the SDKs' flag-definitions poll, posthog-js's remote
                // config and its scripts the GETs
                assertTrue(method.equals("POST") || "/flags/definitions".equals(at(event, "Properties", "Path"))
                                || String.valueOf(at(event, "Properties", "Path")).startsWith("/array/{token}/config")
                                || "/static/{proxy+}".equals(at(event, "Properties", "Path")),
                        method + " " + at(event, "Properties", "Path"));
            }
        }));
        assertEquals(new TreeSet<>(Group.CAPTURE.routes().stream().map(Route::toString).toList()), onRestApi);
        assertEquals(Map.of("Fn::Sub", "https://${CaptureApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
                + at(api, "Properties", "StageName")), at(TEMPLATE, "Outputs", "CaptureUrl", "Value"));
        List<Object> methodSettings = list(at(api, "Properties", "MethodSettings"));
        assertEquals(1000, at(methodSettings.get(0), "ThrottlingRateLimit"), "capture throttle as before");
    }

    private static List<Owned<String>> templateRoutes() {
        List<Owned<String>> owned = new ArrayList<>();
        functions().forEach((name, function) -> httpRoutes(function).forEach(r -> owned.add(new Owned<>(r, name))));
        return owned;
    }

    /** API Gateway refuses route settings for a route that does not exist: every throttled route key must be one. */
    @Test
    void everyThrottledRouteIsARouteOfTheApi() {
        Map<String, Object> settings = map(at(resources(TEMPLATE).get("Api"), "Properties", "RouteSettings"));
        assertTrue(settings.size() >= 5, "route groups are throttled: " + settings.keySet());
        Set<String> routes = new HashSet<>();
        templateRoutes().forEach(owned -> routes.add(owned.route().method() + " " + owned.route().path()));
        for (String key : settings.keySet()) {
            assertTrue(routes.contains(key), "RouteSettings names no route: " + key);
        }
    }

    @Test
    void everyFunctionServesExactlyItsGroupsRoutesAndNoRouteIsOwnedTwice() {
        Set<String> seen = new HashSet<>();
        Set<Group> groups = new HashSet<>();
        for (var entry : functions().entrySet()) {
            Group group = group(entry.getKey());
            assertTrue(groups.add(group), "two functions for group " + group.id());
            List<Route> routes = httpRoutes(entry.getValue());
            for (Route route : routes) {
                assertTrue(seen.add(route.method() + " " + route.path()), "route owned twice: " + route);
            }
            assertEquals(new TreeSet<>(group.routes().stream().map(Route::toString).toList()),
                    new TreeSet<>(routes.stream().map(Route::toString).toList()), entry.getKey() + " routes");
        }
        assertEquals(Set.of(Group.values()), groups, "one function per group");
    }

    @Test
    void everyJaxRsRouteReachesTheFunctionOfItsGroupUnderBothPrefixes() {
        List<JaxRsRoutes.Route> routes = JaxRsRoutes.all();
        assertTrue(routes.size() >= 15, "found only " + routes);
        List<Owned<String>> template = templateRoutes();
        List<String> problems = new ArrayList<>();
        for (JaxRsRoutes.Route route : routes) {
            List<String> paths = new ArrayList<>(List.of(route.sample()));
            if (route.sample().startsWith("/api/projects/")) {
                paths.add(route.sample().replaceFirst("^/api/projects/", "/api/environments/"));
            }
            for (String path : paths) {
                for (String sent : List.of(path, path + "/")) {
                    Optional<String> function = FunctionGroups.select(template, route.method(), sent);
                    Optional<Group> expected = FunctionGroups.groupOf(route.method(), sent);
                    if (function.isEmpty() || expected.isEmpty()) {
                        problems.add(route + " " + sent + ": no function in template.yaml / no group in FunctionGroups");
                    } else if (group(function.get()) != expected.get()) {
                        problems.add(route + " " + sent + ": routed to " + function.get() + ", group " + expected.get());
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void handlersRuntimesAndEnvironment() throws Exception {
        Map<String, Object> globals = map(at(TEMPLATE, "Globals", "Function"));
        assertEquals(Map.of("Fn::If", List.of("IsNative", "provided.al2023", "java21")), globals.get("Runtime"));
        assertEquals(Map.of("Fn::If", List.of("IsNative", "not.used.in.provided.runtime",
                "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest")), globals.get("Handler"));
        assertEquals("native", at(TEMPLATE, "Parameters", "Runtime", "Default"));
        for (var entry : functions().entrySet()) {
            Map<String, Object> function = entry.getValue();
            assertNotNull(property(function, "Handler"), entry.getKey());
            assertNotNull(property(function, "Runtime"), entry.getKey());
            assertNotNull(property(function, "CodeUri"), entry.getKey());
            Map<String, Object> env = environment(function);
            for (String key : List.of("QUARRY_DB_URL", "QUARRY_DB_USER", "QUARRY_DB_PASSWORD", "QUARRY_FUNCTION_GROUP")) {
                assertTrue(env.containsKey(key), entry.getKey() + " lacks " + key);
            }
            assertEquals("false", env.get("QUARRY_MIGRATE_AT_START"), "no migration at a cold start");
            Object logGroup = at(function, "LoggingConfig", "LogGroup");
            assertTrue(logGroup instanceof Map<?, ?>, entry.getKey() + " has no log group");
            Object target = resources(TEMPLATE).get(String.valueOf(map(logGroup).get("Ref")));
            assertEquals("AWS::Logs::LogGroup", at(target, "Type"));
            assertNotNull(at(target, "Properties", "RetentionInDays"), entry.getKey() + " log retention");
            Object timeout = property(function, "Timeout");
            assertTrue(timeout instanceof Integer, entry.getKey() + " timeout");
            if (!httpRoutes(function).isEmpty()) {
                assertTrue((Integer) timeout <= 29, entry.getKey() + ": API Gateway ends a call at 30 s");
                Object statement = env.get("QUARRY_QUERY_STATEMENT_TIMEOUT");
                if (statement != null) {
                    assertTrue(seconds(statement) < (Integer) timeout, entry.getKey() + " statement timeout");
                }
                assertNotNull(function.get("ReservedConcurrentExecutions"), entry.getKey() + " reserved concurrency");
                assertEquals(List.of("Migration"), dependsOn(entry.getKey()), "new code goes live after migrations");
            }
            assertFalse(at(TEMPLATE, "Resources", entry.getKey(), "Properties", "Policies") instanceof String,
                    "no broad managed policies");
        }
        // The JVM-only entry points exist with the signature Lambda's Java runtime calls.
        for (String handler : List.of(handler("QueryWorkerFunction"), handler("MigrationFunction"))) {
            String[] parts = handler.split("::");
            Class.forName(parts[0]).getMethod(parts[1], InputStream.class, OutputStream.class, Object.class);
        }
        assertEquals("java21", functions().get("QueryWorkerFunction").get("Runtime"));
        assertEquals("java21", functions().get("MigrationFunction").get("Runtime"));
    }

    @Test
    void jvmFunctionsRunC1OnlyAndStartThroughTheArchiveWrapper() {
        Map<String, Object> globals = map(at(TEMPLATE, "Globals", "Function", "Environment", "Variables"));
        assertTrue(String.valueOf(globals.get("JAVA_TOOL_OPTIONS")).contains("-XX:TieredStopAtLevel=1"));
        assertEquals(Map.of("Fn::If", List.of("IsNative", Map.of("Ref", "AWS::NoValue"), "/var/task/quarry-jvm-wrapper")),
                globals.get("AWS_LAMBDA_EXEC_WRAPPER"), "the native package has no wrapper");
        for (String jvmOnly : List.of("QueryWorkerFunction", "MigrationFunction")) {
            assertEquals("/var/task/quarry-jvm-wrapper", environment(functions().get(jvmOnly)).get("AWS_LAMBDA_EXEC_WRAPPER"),
                    jvmOnly + " runs java21 in either mode");
        }
        // Quarkus copies src/main/zip.jvm into the JVM function.zip, as mode 0755 only if the file is executable.
        Path wrapper = Path.of("src/main/zip.jvm/quarry-jvm-wrapper");
        assertTrue(Files.isRegularFile(wrapper) && Files.isExecutable(wrapper), "wrapper packaged executable");
    }

    /**
     * SnapStart (README "Start-up round seven"): in the JVM mode every HTTP function and the worker restore from a
     * snapshot of their initialised JVM, which SnapStart takes of published versions only, so each publishes one
     * (AutoPublishAlias) and its events invoke that alias; the native runtime has no SnapStart.
     */
    @Test
    void jvmFunctionsRestoreFromSnapStartSnapshotsOfTheirPublishedVersion() {
        Object jvmOnly = Map.of("ApplyOn", "PublishedVersions");
        assertEquals(Map.of("Fn::If", List.of("IsNative", Map.of("Ref", "AWS::NoValue"), jvmOnly)),
                at(TEMPLATE, "Globals", "Function", "SnapStart"));
        for (var entry : functions().entrySet()) {
            Map<String, Object> function = entry.getValue();
            if (httpRoutes(function).isEmpty() && !entry.getKey().equals("QueryWorkerFunction")) {
                continue;
            }
            Object snapStart = property(function, "SnapStart");
            assertTrue(snapStart.equals(jvmOnly) || snapStart.equals(at(TEMPLATE, "Globals", "Function", "SnapStart")),
                    entry.getKey() + " has SnapStart on published versions: " + snapStart);
            assertNotNull(property(function, "AutoPublishAlias"), entry.getKey() + " publishes a version for SnapStart");
        }
    }

    private static String handler(String function) {
        return String.valueOf(functions().get(function).get("Handler"));
    }

    private static List<Object> dependsOn(String resource) {
        Object value = at(resources(TEMPLATE).get(resource), "DependsOn");
        return value instanceof String s ? List.of(s) : list(value);
    }

    private static long seconds(Object duration) {
        String text = String.valueOf(duration).trim().toLowerCase();
        return Duration.parse("PT" + text.toUpperCase()).toSeconds();
    }

    @Test
    void queryFunctionEnqueuesAndTheWorkerReadsTheQueue() {
        Map<String, Object> query = functions().get("QueryFunction");
        Map<String, Object> env = environment(query);
        assertEquals("sqs", env.get("QUARRY_QUERY_DISPATCHER"));
        assertEquals(Map.of("Ref", "QueryQueue"), env.get("QUARRY_QUERY_QUEUE_URL"));
        assertEquals(List.of(Map.of("SQSSendMessagePolicy", Map.of("QueueName", Map.of("Fn::GetAtt", List.of("QueryQueue", "QueueName"))))),
                query.get("Policies"));

        Map<String, Object> worker = functions().get("QueryWorkerFunction");
        assertEquals("dev.quarry.query.QueryWorkerFunction::handleRequest", worker.get("Handler"));
        List<Object> sqsEvents = map(worker.get("Events")).values().stream().filter(e -> "SQS".equals(at(e, "Type"))).toList();
        assertEquals(1, sqsEvents.size());
        Object source = at(sqsEvents.get(0), "Properties");
        assertEquals(Map.of("Fn::GetAtt", List.of("QueryQueue", "Arn")), at(source, "Queue"));
        assertTrue(list(at(source, "FunctionResponseTypes")).contains("ReportBatchItemFailures"));
        assertTrue(httpRoutes(worker).isEmpty());
        int workerTimeout = (Integer) worker.get("Timeout");
        assertTrue(seconds(environment(worker).get("QUARRY_QUERY_STATEMENT_TIMEOUT")) < workerTimeout);

        Object queue = at(resources(TEMPLATE).get("QueryQueue"), "Properties");
        assertTrue((Integer) at(queue, "VisibilityTimeout") >= 6 * workerTimeout, "visibility timeout >= 6 x worker timeout");
        assertEquals(Map.of("Fn::GetAtt", List.of("QueryDeadLetterQueue", "Arn")), at(queue, "RedrivePolicy", "deadLetterTargetArn"));
        assertEquals("AWS::SQS::Queue", at(resources(TEMPLATE).get("QueryDeadLetterQueue"), "Type"));
    }

    @Test
    void migrationsRunAsACustomResourceOnEveryNewVersion() {
        Object migration = resources(TEMPLATE).get("Migration");
        assertTrue(String.valueOf(at(migration, "Type")).startsWith("Custom::"));
        assertEquals(Map.of("Ref", "MigrationFunction.Alias"), at(migration, "Properties", "ServiceToken"));
        assertEquals(Map.of("Ref", "MigrationFunction.Version"), at(migration, "Properties", "Version"));
        assertEquals("dev.quarry.deploy.MigrationFunction::handleRequest", handler("MigrationFunction"));
    }

    @Test
    void everyReferenceResolves() {
        for (Map<String, Object> template : List.of(TEMPLATE, NETWORK, DATABASE)) {
            Set<String> names = new HashSet<>(resources(template).keySet());
            names.addAll(map(template.get("Parameters")).keySet());
            functions().keySet().forEach(f -> {
                if (template == TEMPLATE) {
                    names.add(f + ".Alias");
                    names.add(f + ".Version");
                }
            });
            Set<String> conditions = map(template.get("Conditions")).keySet();
            List<String> problems = new ArrayList<>();
            CloudFormation.walk(template, node -> {
                if (node.get("Ref") instanceof String ref && !ref.startsWith("AWS::") && !names.contains(ref)) {
                    problems.add("Ref " + ref);
                }
                if (node.get("Fn::GetAtt") instanceof List<?> att && !names.contains(String.valueOf(att.get(0)))) {
                    problems.add("GetAtt " + att);
                }
                if (node.get("Fn::If") instanceof List<?> cond && !conditions.contains(String.valueOf(cond.get(0)))) {
                    problems.add("If " + cond.get(0));
                }
                if (node.get("Condition") instanceof String cond && !conditions.contains(cond)) {
                    problems.add("Condition " + cond);
                }
                Object sub = node.get("Fn::Sub");
                if (sub != null) {
                    String text = sub instanceof String s ? s : String.valueOf(list(sub).get(0));
                    Set<String> local = sub instanceof String ? Set.of() : map(list(sub).get(1)).keySet();
                    Matcher m = Pattern.compile("\\$\\{([^}!]+)}").matcher(text);
                    while (m.find()) {
                        String name = m.group(1).split("\\.")[0];
                        if (!name.startsWith("AWS::") && !local.contains(name) && !names.contains(name)
                                && !names.contains(m.group(1))) {
                            problems.add("Sub ${" + m.group(1) + "}");
                        }
                    }
                }
            });
            assertEquals(List.of(), problems);
        }
    }

    @Test
    void importsMatchTheInfraStacksExports() {
        Set<String> exports = new HashSet<>();
        for (Map<String, Object> stack : List.of(NETWORK, DATABASE)) {
            String prefix = stack == NETWORK ? "NetworkStack" : "DatabaseStack";
            map(stack.get("Outputs")).values().forEach(output -> {
                Object name = at(output, "Export", "Name", "Fn::Sub");
                if (name != null) {
                    exports.add(String.valueOf(name).replace("${AWS::StackName}", "${" + prefix + "}"));
                }
            });
        }
        List<String> imports = new ArrayList<>();
        for (Map<String, Object> template : List.of(TEMPLATE, DATABASE)) {
            CloudFormation.walk(template, node -> {
                if (node.get("Fn::ImportValue") != null) {
                    imports.add(String.valueOf(at(node, "Fn::ImportValue", "Fn::Sub")));
                }
            });
        }
        assertFalse(imports.isEmpty());
        for (String imported : imports) {
            assertTrue(exports.contains(imported), imported + " is not exported by infra/aws (" + exports + ")");
        }
    }

    @Test
    void databaseScalesToZeroBehindPrivateSubnets() {
        Object scaling = at(resources(DATABASE).get("Cluster"), "Properties", "ServerlessV2ScalingConfiguration");
        assertEquals(Map.of("Fn::If", List.of("HasProxy", 0.5, Map.of("Ref", "MinCapacity"))), at(scaling, "MinCapacity"));
        assertEquals(0, at(DATABASE, "Parameters", "MinCapacity", "Default"));
        assertEquals("false", at(DATABASE, "Parameters", "UseRdsProxy", "Default"));
        assertEquals("db.serverless", at(resources(DATABASE).get("Writer"), "Properties", "DBInstanceClass"));
        assertEquals(Boolean.FALSE, at(resources(DATABASE).get("Writer"), "Properties", "PubliclyAccessible"));
        assertEquals("AWS::RDS::DBProxy", at(resources(DATABASE).get("Proxy"), "Type"));
        assertEquals("AWS::SecretsManager::Secret", at(resources(DATABASE).get("DatabaseSecret"), "Type"));
        // No internet gateway and no NAT: nothing in the network costs money while idle except the endpoints.
        Set<String> types = new HashSet<>();
        resources(NETWORK).values().forEach(r -> types.add(String.valueOf(at(r, "Type"))));
        assertFalse(types.contains("AWS::EC2::InternetGateway"));
        assertFalse(types.contains("AWS::EC2::NatGateway"));
        List<String> endpoints = new ArrayList<>();
        resources(NETWORK).values().forEach(r -> {
            if ("AWS::EC2::VPCEndpoint".equals(at(r, "Type"))) {
                endpoints.add(String.valueOf(at(r, "Properties", "ServiceName", "Fn::Sub")));
            }
        });
        assertEquals(Set.of("com.amazonaws.${AWS::Region}.sqs", "com.amazonaws.${AWS::Region}.secretsmanager",
                "com.amazonaws.${AWS::Region}.s3"), new HashSet<>(endpoints));
    }

    @Test
    void environmentVariablesNameRealSettings() throws IOException {
        String properties = Files.readString(Path.of("src/main/resources/application.properties"));
        StringBuilder sources = new StringBuilder(properties);
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                sources.append(Files.readString(file));
            }
        }
        String known = sources.toString().toLowerCase().replace('-', '.').replace('_', '.');
        Set<String> names = new TreeSet<>();
        functions().values().forEach(f -> names.addAll(environment(f).keySet().stream().map(String::valueOf).toList()));
        for (String name : names) {
            if (name.equals("DISABLE_SIGNAL_HANDLERS") || name.startsWith("QUARKUS_")) {
                continue; // read by Quarkus itself
            }
            if (name.equals("JAVA_TOOL_OPTIONS") || name.equals("AWS_LAMBDA_EXEC_WRAPPER")) {
                continue; // read by the JVM and by Lambda's runtime
            }
            assertTrue(sources.toString().contains(name) || known.contains(name.toLowerCase().replace('_', '.')),
                    name + " is read by nothing");
        }
    }

    @Test
    void apiUrlIsAnOutput() {
        assertEquals(Map.of("Fn::Sub", "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}"),
                at(TEMPLATE, "Outputs", "ApiUrl", "Value"));
        if (!Files.exists(Path.of("template.yaml"))) {
            fail();
        }
    }
}

package dev.quarry.reliability;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The NUL character in REST requests (breaker finding: {@code persons/?distinct_id=a%00b}, {@code persons/values?key=a%00},
 * {@code POST insights/} with a name holding {@code \u0000} answered a 400 with PostgreSQL's encoding error). Every
 * route of every resource class (found by reflection, as the isolation sweep finds them) is called with a NUL in each
 * query parameter it declares (and {@code search}), in a JSON body field, and in an id in its path: each answer is
 * PostHog's serializer answer, 400 {@code null_characters_not_allowed} naming the field, and no answer carries
 * PostgreSQL's text. Capture is the exception (it stores U+FFFD, as PostHog's ingestion), and {@code POST query}'s body
 * (the runner's own 400, kept in the query log).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class NulCharacterSweepTest {
    private static final String NUL = "a\u0000b";
    private static Project project;

    @BeforeEach
    void project() {
        if (project == null) {
            project = TestProjects.create("nul-sweep");
        }
    }

    private static RequestSpecification asOwner() {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .urlEncodingEnabled(true);
    }

    private static boolean exempt(String route) {
        String path = route.substring(route.indexOf(' ') + 1);
        return path.startsWith("/admin") || path.startsWith("/internal") || path.equals("/batch")
                || path.equals("/capture") || path.equals("/e") || path.equals("/i/v0/e") || path.equals("/track")
                || path.startsWith("/api/schema");
    }

    /** A concrete URL for a route template: this project, "@current"/"@me" for the organization and user, 1 for ids. */
    private static String url(String path, String idValue) {
        String url = path.replace("{project_id}", String.valueOf(project.id()))
                .replace("{organization_id}", "@current");
        url = url.replaceAll("\\{action: ([a-z_]+)[^}]*}", "$1");
        return url.replaceAll("\\{[^}]+}", idValue) + "/";
    }

    private static void assertNulRefused(Response answer, String attr, String what) {
        String body = answer.asString();
        assertEquals(400, answer.statusCode(), what + ": " + body);
        assertEquals("validation_error", answer.path("type"), what + ": " + body);
        assertEquals("null_characters_not_allowed", answer.path("code"), what + ": " + body);
        assertEquals("Null characters are not allowed.", answer.path("detail"), what + ": " + body);
        assertEquals(attr, answer.path("attr"), what + ": " + body);
    }

    @Test
    void everyRouteRefusesANulInEachQueryParameterBodyFieldAndPathId() throws Exception {
        int calls = 0;
        for (Map.Entry<String, Set<String>> route : routesWithParams().entrySet()) {
            String verb = route.getKey().substring(0, route.getKey().indexOf(' '));
            String path = route.getKey().substring(verb.length() + 1);
            String url = url(path, "1");
            for (String param : route.getValue()) {
                Response answer = asOwner().queryParam(param, NUL).request(verb, url);
                if (param.equals("format")) {
                    // DRF negotiates the format before any serializer runs: a format holding NUL is no renderer's, 404
                    assertEquals(404, answer.statusCode(), route.getKey() + " ?format: " + answer.asString());
                    assertEquals("not_found", answer.path("code"), route.getKey() + " ?format: " + answer.asString());
                    calls++;
                    continue;
                }
                assertNulRefused(answer, param, route.getKey() + " ?" + param);
                calls++;
            }
            if (!verb.equals("GET") && !verb.equals("DELETE")) {
                Response answer = asOwner().body("{\"name\":\"a\\u0000b\",\"x\":1}").request(verb, url);
                if (path.equals("/api/projects/{project_id}/query") || path.startsWith("/api/projects/{project_id}/query/")) {
                    // the runner's own answer (check_auth_for_async reads no body: 200)
                    assertTrue(answer.statusCode() == 400 || answer.statusCode() == 200,
                            route.getKey() + ": " + answer.asString());
                    assertFalse(answer.asString().contains("0x00"), answer.asString());
                } else if (answer.statusCode() != 405) { // a route that takes no body (always 405) never reads it
                    assertNulRefused(answer, "name", route.getKey() + " body");
                }
                calls++;
            }
            if (path.matches(".*\\{(id|person_id|plugin_config_id|keyId)}.*")) {
                Response answer = asOwner().urlEncodingEnabled(false).request(verb, url(path, "a%00b"));
                assertNulRefused(answer, null, route.getKey() + " path");
                calls++;
            }
        }
        assertTrue(calls > 60, "calls made: " + calls);
    }

    /** The breaker's requests, exactly; and nothing of a refused write is stored. */
    @Test
    void theReportedRequestsAndNothingHalfWritten() {
        String p = "/api/projects/" + project.id();
        assertNulRefused(asOwner().urlEncodingEnabled(false).get(p + "/persons/?distinct_id=a%00b"), "distinct_id",
                "persons distinct_id");
        assertNulRefused(asOwner().urlEncodingEnabled(false).get(p + "/persons/values/?key=a%00"), "key",
                "persons/values key");
        assertNulRefused(asOwner().urlEncodingEnabled(false).get(p + "/plugin_configs/1/logs/?search=a%00"), "search",
                "plugin logs search");
        assertNulRefused(asOwner().body("{\"name\":\"x\\u0000\",\"query\":{\"kind\":\"InsightVizNode\",\"source\":"
                + "{\"kind\":\"TrendsQuery\",\"series\":[{\"kind\":\"EventsNode\",\"event\":\"$pageview\"}]}}}")
                .post(p + "/insights/"), "name", "insight name");
        assertNulRefused(asOwner().body("{\"name\":\"c\",\"filters\":{\"properties\":{\"type\":\"AND\",\"values\":[{\"key\":"
                + "\"plan\",\"value\":\"a\\u0000\",\"type\":\"person\",\"operator\":\"exact\"}]}}}").post(p + "/cohorts/"),
                "filters__properties__values__0__value", "cohort filter value");
        asOwner().get(p + "/insights/").then().statusCode(200).body("count", equalTo(0));
        asOwner().get(p + "/cohorts/").then().statusCode(200).body("count", equalTo(0));
        // a backslash before u0000 is text, not the character: accepted
        asOwner().body("{\"name\":\"back\\\\u0000slash\"}").post(p + "/cohorts/").then().statusCode(201)
                .body("name", equalTo("back\\u0000slash"));
    }

    /**
     * The breaker's bypasses, each ending in PostgreSQL's 400 before: a UTF-16/32 body (Jackson guessed the encoding,
     * the filter looked for the UTF-8 escape only), JSON inside a query parameter, and a body sent without any
     * Content-Type (not read ahead for the filter). PostHog's DRF reads a body in the charset its Content-Type names
     * (UTF-8 when none): labelled, it is read and the NUL refused by name; unlabelled, a UTF-16/32 body is not UTF-8
     * JSON (400 {@code parse_error}); a body without a Content-Type has no parser (415). Nothing is stored.
     */
    @Test
    void otherCharsetsJsonParametersAndUntypedBodies() throws Exception {
        Project own = TestProjects.create("nul-charsets");
        String p = "/api/projects/" + own.id();
        String json = "{\"name\":\"a\\u0000b\"}";
        for (String charset : List.of("UTF-16", "UTF-16LE", "UTF-16BE", "UTF-32", "UTF-32LE")) {
            // Java writes UTF-32 without a byte order mark, which Python's utf-32 reader refuses: the mark is sent
            byte[] body = ((charset.equals("UTF-32") ? "\uFEFF" : "") + json)
                    .getBytes(java.nio.charset.Charset.forName(charset));
            assertNulRefused(given().header("Authorization", "Bearer " + own.key())
                    .contentType("application/json; charset=" + charset.toLowerCase()).body(body).post(p + "/cohorts/"),
                    "name", charset + " labelled");
            Response unlabelled = given().header("Authorization", "Bearer " + own.key())
                    .contentType("application/json").body(body).post(p + "/cohorts/");
            assertEquals(400, unlabelled.statusCode(), charset + ": " + unlabelled.asString());
            assertEquals("parse_error", unlabelled.path("code"), charset + ": " + unlabelled.asString());
        }
        // a labelled body without the character is read as sent
        given().header("Authorization", "Bearer " + own.key()).contentType("application/json; charset=utf-16")
                .body("{\"name\":\"sixteen \u00e9\"}".getBytes(java.nio.charset.StandardCharsets.UTF_16)).post(p + "/cohorts/")
                .then().statusCode(201).body("name", equalTo("sixteen \u00e9"));
        // UTF-8 with a byte order mark: Python's json refuses it, and so does PostHog
        byte[] bom = ("\uFEFF{\"name\":\"bom\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        given().header("Authorization", "Bearer " + own.key()).contentType("application/json").body(bom)
                .post(p + "/cohorts/").then().statusCode(400).body("code", equalTo("parse_error"));

        // JSON in a query parameter: the parameter and the path inside it
        assertNulRefused(given().header("Authorization", "Bearer " + own.key()).contentType("application/json").urlEncodingEnabled(true).queryParam("properties", "[{\"key\":\"plan\",\"value\":\"x\\u0000\",\"type\":\"person\"}]")
                .get(p + "/persons/"), "properties__0__value", "persons properties");
        assertNulRefused(given().header("Authorization", "Bearer " + own.key()).contentType("application/json").urlEncodingEnabled(true).queryParam("properties", "{\"type\":\"AND\",\"values\":[{\"key\":\"a\\u0000\",\"value\":\"x\"}]}")
                .get(p + "/persons/"), "properties__values__0__key", "persons property group");
        assertNulRefused(given().header("Authorization", "Bearer " + own.key()).contentType("application/json").urlEncodingEnabled(true).queryParam("events", "[{\"id\":\"$pageview\\u0000\"}]")
                .get(p + "/persons/stickiness/"), "events__0__id", "stickiness events");
        // an escaped backslash before u0000 is text: the endpoint answers
        given().header("Authorization", "Bearer " + own.key()).contentType("application/json").urlEncodingEnabled(true).queryParam("properties", "[{\"key\":\"plan\",\"value\":\"x\\\\u0000\",\"type\":\"person\"}]")
                .get(p + "/persons/").then().statusCode(200);

        // no Content-Type at all (what a bare HTTP client sends): 415 before anything reads or stores it
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (String path : List.of("/plugin_configs/", "/plugin_configs/1/logs/", "/cohorts/", "/insights/")) {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + p + path))
                    .header("Authorization", "Bearer " + own.key())
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"plugin\":1,\"name\":\"a\\u0000\",\"config\":{\"a\":\"\\u0000\"},\"entries\":[]}"))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(415, r.statusCode(), path + ": " + r.body());
            assertTrue(r.body().contains("\"unsupported_media_type\""), r.body());
        }
        given().header("Authorization", "Bearer " + own.key()).contentType("application/json").urlEncodingEnabled(true).get(p + "/plugin_configs/").then().statusCode(200).body("count", equalTo(0));
        given().header("Authorization", "Bearer " + own.key()).contentType("application/json").urlEncodingEnabled(true).get(p + "/cohorts/?limit=100").then().statusCode(200)
                .body("count", equalTo(1)).body("results[0].name", equalTo("sixteen \u00e9"));
    }

    /** Every route (as IsolationSweepTest enumerates them) with the query parameters its method declares, plus search. */
    private static Map<String, Set<String>> routesWithParams() throws Exception {
        Map<String, Set<String>> out = new java.util.TreeMap<>();
        for (String route : IsolationSweepTest.routes()) {
            if (!exempt(route)) {
                out.put(route, new LinkedHashSet<>(List.of("search")));
            }
        }
        for (Class<?> type : resourceClasses()) {
            Path classPath = type.getAnnotation(Path.class);
            for (Method method : type.getDeclaredMethods()) {
                String verb = method.isAnnotationPresent(GET.class) ? "GET" : method.isAnnotationPresent(POST.class) ? "POST"
                        : method.isAnnotationPresent(PATCH.class) ? "PATCH" : method.isAnnotationPresent(DELETE.class) ? "DELETE"
                        : method.isAnnotationPresent(PUT.class) ? "PUT" : null;
                if (verb == null) {
                    continue;
                }
                Path methodPath = method.getAnnotation(Path.class);
                String path = ("/" + classPath.value() + (methodPath == null ? "" : "/" + methodPath.value()))
                        .replaceAll("/+", "/").replaceAll("(.)/$", "$1");
                Set<String> params = out.get(verb + " " + path);
                if (params == null) {
                    continue;
                }
                for (Parameter parameter : method.getParameters()) {
                    QueryParam q = parameter.getAnnotation(QueryParam.class);
                    if (q != null) {
                        params.add(q.value());
                    }
                }
            }
        }
        return out;
    }

    private static List<Class<?>> resourceClasses() throws Exception {
        List<Class<?>> out = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (String route : IsolationSweepTest.routes()) {
            seen.add(route);
        }
        var roots = Thread.currentThread().getContextClassLoader().getResources("dev/quarry");
        List<String> names = new ArrayList<>();
        while (roots.hasMoreElements()) {
            var root = roots.nextElement();
            if (root.getProtocol().equals("file")) {
                collect(new java.io.File(root.toURI()), "dev.quarry", names);
            }
        }
        for (String name : names) {
            Class<?> type = Class.forName(name, false, Thread.currentThread().getContextClassLoader());
            if (type.getAnnotation(Path.class) != null) {
                out.add(type);
            }
        }
        return out;
    }

    private static void collect(java.io.File dir, String pkg, List<String> out) {
        java.io.File[] files = dir.listFiles();
        if (files == null) {
            return;
        }
        for (java.io.File f : files) {
            if (f.isDirectory()) {
                collect(f, pkg + "." + f.getName(), out);
            } else if (f.getName().endsWith(".class") && !f.getName().contains("$")) {
                out.add(pkg + "." + f.getName().substring(0, f.getName().length() - 6));
            }
        }
    }
}

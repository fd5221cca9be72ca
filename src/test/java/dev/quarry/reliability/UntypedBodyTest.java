package dev.quarry.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.RawHttp;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A request body sent without a Content-Type header (what {@code curl --data-binary @q.json} without {@code -H}, or a
 * bare HTTP client, sends). PostHog's API views are Django REST framework's: DRF's {@code Request._parse} finds no
 * parser for the media type {@code ""} and raises {@code UnsupportedMediaType}, which PostHog renders as 415
 * {@code {"type":"invalid_request","code":"unsupported_media_type","detail":"Unsupported media type \"\" in request.",
 * "attr":null}}. {@code POST query} answered 200 before. A request with no body (Content-Length 0) needs no
 * Content-Type (DRF: no stream, empty data), and capture takes a body without one (PostHog's capture is not DRF).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class UntypedBodyTest {
    private static final String UNTYPED = "Unsupported media type \"\" in request.";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static HttpResponse<String> send(String method, String path, String key, String contentType, String body)
            throws Exception {
        return RawHttp.send(method, path, key, contentType, body);
    }

    private static void assertUnsupported(HttpResponse<String> r, String detail, String what) throws Exception {
        assertEquals(415, r.statusCode(), what + ": " + r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("invalid_request", body.path("type").asText(), what);
        assertEquals("unsupported_media_type", body.path("code").asText(), what);
        assertEquals(detail, body.path("detail").asText(), what);
        assertTrue(body.has("attr") && body.get("attr").isNull(), what + ": " + r.body());
    }

    /** The query endpoint group: POST query, query/:kind, check_auth_for_async, upgrade, as PostHog's query views. */
    @Test
    void queryWithoutContentTypeIs415() throws Exception {
        Project p = TestProjects.create("untyped-query");
        String base = "/api/projects/" + p.id() + "/query";
        String query = "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 42\"}}";
        for (String path : List.of(base + "/", base, base + "/HogQLQuery/", base + "/check_auth_for_async/",
                base + "/upgrade/", "/api/environments/" + p.id() + "/query/")) {
            assertUnsupported(send("POST", path, p.key(), null, query), UNTYPED, path);
        }
        // the same body labelled JSON runs; labelled text/plain, DRF names the type it has no parser for
        HttpResponse<String> ok = send("POST", base + "/", p.key(), "application/json", query);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(42, JSON.readTree(ok.body()).path("results").get(0).get(0).asInt());
        assertUnsupported(send("POST", base + "/", p.key(), "text/plain", query),
                "Unsupported media type \"text/plain\" in request.", "text/plain");
        assertUnsupported(send("POST", base + "/", p.key(), "text/plain; charset=utf-8", query),
                "Unsupported media type \"text/plain; charset=utf-8\" in request.", "text/plain with charset");
        // no Authorization header: PostHog's PersonalAPIKeyAuthentication.find_key_with_source (posthog/auth.py) then
        // looks for personal_api_key in request.data, which parses the body: the 415 comes before any 401
        assertUnsupported(send("POST", base + "/", null, null, query), UNTYPED, "no key");
    }

    /**
     * Every other POST, PUT and PATCH route under /api (found by reflection, as the isolation sweep finds them), one
     * request per endpoint group: 415 with DRF's detail, before the resource runs (ids that do not exist are not
     * looked up: the media type is checked first, as DRF parses before the view's lookup reads the body).
     */
    @Test
    void everyWritingRouteWithoutContentTypeIs415() throws Exception {
        Project p = TestProjects.create("untyped-sweep");
        Set<String> groups = new TreeSet<>();
        List<String> checked = new ArrayList<>();
        for (String route : IsolationSweepTest.routes()) {
            String method = route.substring(0, route.indexOf(' '));
            String path = route.substring(route.indexOf(' ') + 1);
            if (!Set.of("POST", "PUT", "PATCH").contains(method) || !path.startsWith("/api/")) {
                continue;
            }
            // a template with a pattern ({action: lifecycle|stickiness|…}) takes its first alternative, others an id
            String concrete = path.replace("{project_id}", String.valueOf(p.id()))
                    .replaceAll("\\{[^}:]+:\\s*([^|}]+)[^}]*}", "$1").replaceAll("\\{[^}]+}", "1") + "/";
            HttpResponse<String> r = send(method, concrete, p.key(), null, "{\"name\":\"x\"}");
            assertUnsupported(r, UNTYPED, route);
            checked.add(route);
            String[] parts = path.split("/");
            groups.add(parts.length > 4 ? parts[4] : parts[2]);
        }
        // the groups PostHog's users write to: each one must have been swept
        for (String group : List.of("query", "cohorts", "insights", "persons", "event_definitions",
                "property_definitions", "actions", "plugin_configs")) {
            assertTrue(groups.contains(group), group + " not swept: " + checked);
        }
        assertTrue(checked.size() >= 20, "routes checked: " + checked);
    }

    /** No body, no Content-Type: DRF reads empty data and the view answers (here its own 400 for missing fields). */
    @Test
    void bodylessWritesAndCaptureNeedNoContentType() throws Exception {
        Project p = TestProjects.create("untyped-empty");
        HttpResponse<String> empty = send("POST", "/api/projects/" + p.id() + "/cohorts/", p.key(), null, null);
        assertNotEquals(415, empty.statusCode(), empty.body());
        assertFalse(empty.body().contains("unsupported_media_type"), empty.body());
        HttpResponse<String> emptyQuery = send("POST", "/api/projects/" + p.id() + "/query/check_auth_for_async/",
                p.key(), null, null);
        assertEquals(200, emptyQuery.statusCode(), emptyQuery.body());
        // capture (PostHog's capture service, not DRF) takes an untyped JSON body
        HttpResponse<String> capture = send("POST", "/batch/", null, null, "{\"api_key\":\"" + p.apiToken()
                + "\",\"batch\":[{\"event\":\"untyped\",\"distinct_id\":\"u1\",\"properties\":{}}]}");
        assertEquals(200, capture.statusCode(), capture.body());
    }
}

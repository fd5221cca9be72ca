package dev.quarry.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which error comes first when a request has more than one fault, as PostHog's DRF views order them. DRF authenticates
 * in {@code APIView.initial} (PostHog's {@code PersonalAPIKeyAuthentication.find_key_with_source}, posthog/auth.py,
 * reads the Authorization header first and parses no body when it finds a key there), then checks permissions (the
 * project lookup, 404; the key's scopes, 403); the body is parsed only when the view reads {@code request.data}, so a
 * body DRF has no parser for (no Content-Type: 415) answers only after all of those.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RequestEdgesOrderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static HttpResponse<String> send(String method, String path, String key, String contentType, String body)
            throws Exception {
        return RawHttp.send(method, path, key, contentType, body);
    }

    private static JsonNode error(HttpResponse<String> r, int status, String code, String what) throws Exception {
        assertEquals(status, r.statusCode(), what + ": " + r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(code, body.path("code").asText(), what + ": " + r.body());
        return body;
    }

    /** An invalid key in the Authorization header with an untyped body: DRF's 401, on every writing method. */
    @Test
    void invalidKeyBeforeUntypedBody() throws Exception {
        Project p = TestProjects.create("edges7-order-401");
        String base = "/api/projects/" + p.id();
        for (String[] route : List.of(new String[] {"POST", base + "/cohorts/"}, new String[] {"PATCH", base + "/cohorts/1/"},
                new String[] {"POST", base + "/query/"}, new String[] {"POST", base + "/insights/"},
                new String[] {"PUT", base + "/actions/1/"}, new String[] {"POST", base + "/persons/reset_person_distinct_id/"})) {
            HttpResponse<String> r = send(route[0], route[1], "phx_not_a_key_at_all_0000000000", null, "{\"name\":\"x\"}");
            JsonNode body = error(r, 401, "authentication_failed", route[0] + " " + route[1]);
            assertEquals("authentication_error", body.path("type").asText());
            assertEquals("Personal API key found in request Authorization header is invalid.", body.path("detail").asText());
            assertTrue(body.get("attr").isNull());
        }
    }

    /** A valid key naming a project that does not exist, untyped body: the 404 of the project lookup. */
    @Test
    void unknownProjectBeforeUntypedBody() throws Exception {
        Project p = TestProjects.create("edges7-order-404");
        for (String path : List.of("/api/projects/987654321/cohorts/", "/api/projects/987654321/query/",
                "/api/environments/987654321/insights/")) {
            HttpResponse<String> r = send("POST", path, p.key(), null, "{\"name\":\"x\"}");
            JsonNode body = error(r, 404, "not_found", path);
            assertEquals("Project not found.", body.path("detail").asText(), path);
        }
        // the same project, existing: now the body is read, and DRF has no parser for it
        error(send("POST", "/api/projects/" + p.id() + "/cohorts/", p.key(), null, "{\"name\":\"x\"}"), 415,
                "unsupported_media_type", "known project");
    }

    /**
     * An empty body labelled JSON: DRF has no stream and reads the data as {@code {}} ({@code Request._parse}), so each
     * view answers exactly what it answers for {@code {}}: its own validation error (PostHog's query view: pydantic's
     * "Field required" for {@code query}), not a JSON parse error. The same with no Content-Type and with text/plain
     * (no stream: the media type is never looked at).
     */
    @Test
    void emptyBodyReadsAsEmptyObject() throws Exception {
        Project p = TestProjects.create("edges7-empty-body");
        String base = "/api/projects/" + p.id();
        for (String[] route : List.of(new String[] {"POST", base + "/query/"}, new String[] {"POST", base + "/cohorts/"},
                new String[] {"POST", base + "/persons/reset_person_distinct_id/"},
                new String[] {"POST", base + "/persons/00000000-0000-0000-0000-000000000001/update_property/"},
                new String[] {"POST", base + "/query/HogQLQuery/"})) {
            String what = route[0] + " " + route[1];
            HttpResponse<String> object = send(route[0], route[1], p.key(), "application/json", "{}");
            assertTrue(object.statusCode() >= 400 && object.statusCode() < 500, what + ": " + object.body());
            for (String type : new String[] {"application/json", null, "text/plain"}) {
                HttpResponse<String> empty = send(route[0], route[1], p.key(), type, null);
                assertEquals(object.statusCode(), empty.statusCode(), what + " " + type + ": " + empty.body());
                assertEquals(JSON.readTree(object.body()), JSON.readTree(empty.body()), what + " " + type);
            }
        }
        // the query view's own words for it: pydantic's missing field, which PostHog's get_model raises as a ParseError
        JsonNode query = error(send("POST", base + "/query/", p.key(), "application/json", null), 400,
                "parse_error", "query");
        assertTrue(query.path("detail").asText().contains("query\n  Field required"), query.toString());
        // an insight or an action created from {} is one (PostHog's serializers require no field): 201 both ways
        assertEquals(201, send("POST", base + "/insights/", p.key(), "application/json", null).statusCode());
        assertEquals(201, send("POST", base + "/actions/", p.key(), null, null).statusCode());
    }

    /**
     * {@code charset=bogus}: Django sets the request's encoding only from a charset Python's {@code codecs.lookup}
     * knows ({@code HttpRequest._set_content_type_params}), so DRF's JSONParser reads the body as UTF-8 (its
     * DEFAULT_CHARSET) and the request is served.
     */
    @Test
    void unknownCharsetReadsAsUtf8() throws Exception {
        Project p = TestProjects.create("edges7-charset");
        String query = "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 'é'\"}}";
        HttpResponse<String> bogus = send("POST", "/api/projects/" + p.id() + "/query/", p.key(),
                "application/json; charset=bogus", query);
        assertEquals(200, bogus.statusCode(), bogus.body());
        assertEquals("é", JSON.readTree(bogus.body()).path("results").get(0).get(0).asText());
    }

    /** A body of a type DRF has no parser for, with an invalid key: still the 401 first; with a valid key, the 415. */
    @Test
    void textPlainAfterAuthentication() throws Exception {
        Project p = TestProjects.create("edges7-text-plain");
        String path = "/api/projects/" + p.id() + "/cohorts/";
        error(send("POST", path, "phx_not_a_key_at_all_0000000000", "text/plain", "{\"name\":\"x\"}"), 401,
                "authentication_failed", "text/plain, bad key");
        JsonNode body = error(send("POST", path, p.key(), "text/plain", "{\"name\":\"x\"}"), 415,
                "unsupported_media_type", "text/plain");
        assertEquals("Unsupported media type \"text/plain\" in request.", body.path("detail").asText());
        // no key in the header: PostHog reads request.data for one, and that read is the 415
        error(send("POST", path + "?personal_api_key=" + p.key(), null, null, "{\"name\":\"x\"}"), 415,
                "unsupported_media_type", "key in query string");
    }
}

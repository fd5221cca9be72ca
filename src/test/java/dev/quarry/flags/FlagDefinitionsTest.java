package dev.quarry.flags;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.RawHttp;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The definitions server SDKs poll for local evaluation, as posthog-node 5.x sends the request
 * ({@code GET /flags/definitions?token=<token>&send_cohorts}, {@code Content-Type: application/json},
 * {@code Authorization: Bearer <personal key>}) and as posthog-python does ({@code /api/feature_flag/local_evaluation/}):
 * no flags, the project's group types, no cohorts; the key's scope and reach checked.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FlagDefinitionsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static Project project;
    private static Project other;

    @BeforeEach
    void projects() {
        if (project != null) {
            return;
        }
        project = TestProjects.create("Flag definitions");
        other = TestProjects.create("Flag definitions, another organization");
        Capture.to(project).event("$pageview", "u1", "2026-01-10T10:00:00Z",
                Map.of("$groups", Map.of("company", "acme"))).send();
        Capture.to(project).event("$pageview", "u1", "2026-01-10T10:01:00Z",
                Map.of("$groups", Map.of("company", "acme", "project", "p1"))).send();
    }

    private static HttpResponse<String> poll(String path, String key) throws Exception {
        return RawHttp.send("GET", path, key, "application/json", null);
    }

    @Test
    void posthogNodesPollGetsNoFlagsAndTheGroupTypes() throws Exception {
        for (String path : List.of("/flags/definitions?token=" + project.apiToken() + "&send_cohorts",
                "/api/feature_flag/local_evaluation/?token=" + project.apiToken() + "&send_cohorts")) {
            HttpResponse<String> r = poll(path, project.key());
            assertEquals(200, r.statusCode(), path + " " + r.body());
            assertEquals(MAPPER.readTree("{\"flags\":[],\"group_type_mapping\":{\"0\":\"company\",\"1\":\"project\"},"
                    + "\"cohorts\":{}}"), MAPPER.readTree(r.body()), path);
        }
    }

    @Test
    void theKeyMustReachTheProjectAndReadFlags() throws Exception {
        String path = "/flags/definitions?token=" + project.apiToken() + "&send_cohorts";
        // posthog-node's Content-Type on a GET without a key: no body to look for a key in (was a 500 on every
        // non-blocking GET: the body read blocked the event loop)
        assertEquals(401, poll(path, null).statusCode());
        assertEquals(401, poll("/api/projects/" + project.id() + "/groups_types", null).statusCode());
        // a GET with a body and no Authorization header: the route reads no body, so no key is found in it (was a
        // 500: the key lookup read the body on the event loop)
        HttpResponse<String> keyInBody = RawHttp.send("GET", path, null, "application/json",
                "{\"personal_api_key\": \"" + project.key() + "\"}");
        assertEquals(401, keyInBody.statusCode(), keyInBody.body());
        assertEquals(401, RawHttp.send("GET", "/api/projects/" + project.id() + "/query/0123/", null,
                "application/json", "{\"personal_api_key\": \"" + project.key() + "\"}").statusCode());
        HttpResponse<String> noScope = poll(path, project.keyWith("person:read"));
        assertEquals(403, noScope.statusCode());
        assertEquals("API key missing required scope 'feature_flag:read'", MAPPER.readTree(noScope.body()).get("detail").asText());
        HttpResponse<String> otherOrganization = poll(path, other.key());
        assertEquals(403, otherOrganization.statusCode(), otherOrganization.body());
        JsonNode unknown = MAPPER.readTree(poll("/flags/definitions?token=phc_nope&send_cohorts", project.key()).body());
        assertEquals("authentication_error", unknown.get("type").asText());
        HttpResponse<String> none = poll("/flags/definitions?send_cohorts", project.key());
        assertEquals(400, none.statusCode());
        assertEquals("token", MAPPER.readTree(none.body()).get("attr").asText());
    }
}

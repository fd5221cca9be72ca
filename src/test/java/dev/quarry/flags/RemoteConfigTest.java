package dev.quarry.flags;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * posthog-js's remote config as it loads it at start: the script {@code GET /array/<token>/config.js} (a script
 * element: no Origin, {@code Accept: *}{@code /*}), then the JSON {@code GET /array/<token>/config} (fetch from the
 * page's origin: {@code Origin} set, CORS needed).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RemoteConfigTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String ORIGIN = "https://shop.example";
    private static Project project;

    @BeforeEach
    void projects() {
        if (project == null) {
            project = TestProjects.create("Remote config");
        }
    }

    @Test
    void theJsonFormIsPostHogsConfigOfAProjectWithoutFlagsOrRecordings() throws Exception {
        Response r = given().header("Origin", ORIGIN).header("Accept", "*/*")
                .get("/array/" + project.apiToken() + "/config");
        assertEquals(200, r.statusCode(), r.asString());
        assertEquals(ORIGIN, r.header("Access-Control-Allow-Origin"));
        JsonNode config = MAPPER.readTree(r.asString());
        assertEquals(project.apiToken(), config.path("token").asText());
        assertEquals("/i/v0/e/", config.path("analytics").path("endpoint").asText());
        assertEquals(false, config.path("hasFeatureFlags").asBoolean(true));
        assertEquals(false, config.path("sessionRecording").asBoolean(true));
        assertEquals(false, config.path("autocapture_opt_out").asBoolean(true));
        assertEquals(true, config.path("defaultIdentifiedOnly").asBoolean(false));
        assertEquals(MAPPER.readTree("[\"gzip\",\"gzip-js\"]"), config.path("supportedCompression"));
        assertEquals(MAPPER.readTree("[]"), config.path("siteApps"));
    }

    @Test
    void theScriptSetsTheSameConfigUnderTheToken() throws Exception {
        Response r = given().header("Accept", "*/*").get("/array/" + project.apiToken() + "/config.js");
        assertEquals(200, r.statusCode(), r.asString());
        assertTrue(r.contentType().startsWith("application/javascript"), r.contentType());
        String script = r.asString();
        Matcher set = Pattern.compile("window\\._POSTHOG_REMOTE_CONFIG\\[\"([^\"]+)\"\\] = \\{\\s*config: (\\{.*\\}),\\s*"
                + "siteApps: \\[\\]\\s*\\}", Pattern.DOTALL).matcher(script);
        assertTrue(script.startsWith("(function() {\n  window._POSTHOG_REMOTE_CONFIG = window._POSTHOG_REMOTE_CONFIG || {};"),
                script);
        assertTrue(set.find(), script);
        assertEquals(project.apiToken(), set.group(1));
        ObjectNode json = (ObjectNode) MAPPER.readTree(given().get("/array/" + project.apiToken() + "/config").asString());
        json.remove("siteApps");
        assertEquals(json, MAPPER.readTree(set.group(2)));
    }

    @Test
    void anUnknownTokenIsA404AndAPreflightIsAnswered() {
        for (String form : new String[] {"config", "config.js"}) {
            given().header("Origin", ORIGIN).get("/array/phc_nope/" + form).then().statusCode(404)
                    .header("Access-Control-Allow-Origin", ORIGIN).body("type", equalTo("invalid_request"));
        }
        given().header("Origin", ORIGIN).header("Access-Control-Request-Method", "GET")
                .options("/array/" + project.apiToken() + "/config").then().statusCode(200)
                .header("Access-Control-Allow-Origin", ORIGIN).header("Access-Control-Allow-Methods", startsWith("GET"));
    }
}

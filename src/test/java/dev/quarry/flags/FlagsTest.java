package dev.quarry.flags;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.aMapWithSize;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SDKs' feature-flag requests on the capture host: a project has no flags in Quarry, and the answer says so in
 * the shape the caller's version reads. The bodies are the SDKs' own bytes (capture-fixtures/record-flags.mjs):
 * posthog-js 1.x's POST /flags/?v=2 (text/plain, gzip) and posthog-node 5.x's POST /flags/?v=4 (application/json).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FlagsTest {
    /** The project API token the fixtures were recorded with. */
    private static final String FIXTURE_TOKEN = "phc_flagsFixture000000000000000000000000000";
    private static final String ORIGIN = "https://shop.example.com";
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private static Project project;

    @Inject
    Pool pool;

    @BeforeEach
    void project() {
        if (project == null) {
            project = TestProjects.create("Flags");
            pool.preparedQuery("UPDATE teams SET api_token = $1 WHERE id = $2")
                    .execute(Tuple.of(FIXTURE_TOKEN, project.id())).await().atMost(Duration.ofSeconds(10));
        }
    }

    private static byte[] fixture(String name) throws IOException {
        return dev.quarry.testing.Fixtures.capture(name);
    }

    private static ValidatableResponse noFlags(ValidatableResponse response) {
        return response.statusCode(200).body("flags", aMapWithSize(0)).body("errorsWhileComputingFlags", equalTo(false))
                .body("requestId", matchesPattern(UUID)).body("featureFlags", nullValue());
    }

    @Test
    void posthogJsInABrowser() throws IOException {
        noFlags(given().header("Origin", ORIGIN).contentType("text/plain").body(fixture("posthog-js-flags-v2.bin"))
                .post("/flags/?v=2").then())
                .header("Access-Control-Allow-Origin", ORIGIN).header("Access-Control-Allow-Credentials", "true");
        // a preflight, should a browser send one (posthog-js's own requests are simple ones, as to capture)
        given().header("Origin", ORIGIN).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type").options("/flags/")
                .then().statusCode(200).header("Access-Control-Allow-Origin", ORIGIN);
    }

    @Test
    void posthogNodeGetFeatureFlag() throws IOException {
        noFlags(given().header("User-Agent", "posthog-node/5.74.0").contentType("application/json")
                .body(fixture("posthog-node-flags-v4.json")).post("/flags/?v=4").then());
    }

    @Test
    void olderVersionsGetTheLegacyShape() {
        String body = "{\"token\":\"" + FIXTURE_TOKEN + "\",\"distinct_id\":42}";
        for (String path : List.of("/flags/", "/flags/?v=1", "/decide/?v=3", "/decide/")) {
            given().contentType("application/json").body(body).post(path).then().statusCode(200)
                    .body("featureFlags", aMapWithSize(0)).body("featureFlagPayloads", aMapWithSize(0))
                    .body("errorsWhileComputingFlags", equalTo(false)).body("flags", nullValue());
        }
        noFlags(given().contentType("application/json").body(body).post("/decide/?v=4").then());
        // posthog-js's base64 mode: a form body, api_key as the token's name
        String json = "{\"api_key\":\"" + FIXTURE_TOKEN + "\",\"distinct_id\":\"u\"}";
        noFlags(given().contentType("application/x-www-form-urlencoded; charset=UTF-8")
                .body("data=" + java.net.URLEncoder.encode(java.util.Base64.getEncoder().encodeToString(
                        json.getBytes(java.nio.charset.StandardCharsets.UTF_8)), java.nio.charset.StandardCharsets.UTF_8))
                .post("/flags/?v=2&compression=base64").then());
    }

    /** A flag request is a capture call of its project: metered, billable when answered. */
    @Test
    void meteredAsCaptureCalls() {
        Project own = TestProjects.create("Flags metered");
        for (String distinctId : List.of("\"a\"", "\"b\"", "\"\"")) {
            given().contentType("application/json")
                    .body("{\"token\":\"" + own.apiToken() + "\",\"distinct_id\":" + distinctId + "}")
                    .post("/flags/?v=2").then().statusCode(distinctId.equals("\"\"") ? 400 : 200);
        }
        given().header("Authorization", "Bearer " + own.key()).get("/api/projects/" + own.id() + "/usage/?date_from=-1d")
                .then().statusCode(200).body("totals.by_endpoint_group.capture.calls", equalTo(3))
                .body("totals.by_endpoint_group.capture.billable_calls", equalTo(2));
    }

    @Test
    void badRequestsAreNamedNeverAnAnswer() {
        given().contentType("application/json").body("{\"distinct_id\":\"u\"}").post("/flags/?v=2").then()
                .statusCode(401).body("type", equalTo("authentication_error"))
                .body("detail", equalTo(FlagsResource.NO_TOKEN));
        given().contentType("application/json").body("{\"token\":\"phc_nope\",\"distinct_id\":\"u\"}")
                .post("/flags/?v=2").then().statusCode(401).body("detail", equalTo(FlagsResource.BAD_TOKEN));
        given().contentType("application/json").body("{\"token\":\"" + FIXTURE_TOKEN + "\"}").post("/flags/?v=2")
                .then().statusCode(400).body("type", equalTo("validation_error"))
                .body("detail", equalTo(FlagsResource.NO_DISTINCT_ID));
        given().contentType("application/json").body("{\"token\":\"" + FIXTURE_TOKEN + "\",\"distinct_id\":\"\"}")
                .post("/flags/?v=2").then().statusCode(400).body("detail", equalTo(FlagsResource.EMPTY_DISTINCT_ID));
        given().contentType("application/json").body("{\"token\":\"" + FIXTURE_TOKEN + "\",\"distinct_id\":{}}")
                .post("/flags/?v=2").then().statusCode(400).body("detail", equalTo(FlagsResource.NO_DISTINCT_ID));
        for (String body : List.of("[]", "\"x\"", "{not json", "")) {
            given().contentType("application/json").body(body).post("/flags/?v=2").then().statusCode(400)
                    .body("type", equalTo("validation_error"));
        }
        given().contentType("text/plain").body(new byte[] {0x1f, (byte) 0x8b, 1, 2, 3}).post("/flags/?v=2").then()
                .statusCode(400);
    }
}

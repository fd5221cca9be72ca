package dev.quarry.capture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** posthog-js in a browser: the capture paths answer CORS for any origin, mirrored, preflight included. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CaptureCorsTest {
    private static final String ORIGIN = "https://shop.example.com";
    private static Project project;

    @BeforeEach
    void project() {
        if (project == null) {
            project = TestProjects.create("Capture CORS");
        }
    }

    @Test
    void preflightOnEveryCapturePath() {
        for (String path : new String[] {"/e/", "/e", "/i/v0/e/", "/batch/", "/capture/", "/track/"}) {
            given().header("Origin", ORIGIN).header("Access-Control-Request-Method", "POST")
                    .header("Access-Control-Request-Headers", "content-type")
                    .options(path)
                    .then().statusCode(200)
                    .header("Access-Control-Allow-Origin", ORIGIN)
                    .header("Access-Control-Allow-Credentials", "true")
                    .header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
                    .header("Access-Control-Allow-Headers", "content-type");
        }
    }

    @Test
    void aPostWithAnOriginCarriesTheHeaders() {
        String body = "{\"api_key\":\"" + project.apiToken() + "\",\"batch\":[{\"event\":\"$pageview\","
                + "\"distinct_id\":\"cors-1\",\"properties\":{}}]}";
        given().header("Origin", ORIGIN).contentType("text/plain").body(body)
                .post("/batch/")
                .then().statusCode(200)
                .header("Access-Control-Allow-Origin", ORIGIN)
                .header("Access-Control-Allow-Credentials", "true");
        // an error answer too, so the browser can read it
        given().header("Origin", ORIGIN).contentType("text/plain").body("{\"api_key\":\"nope\",\"batch\":[]}")
                .post("/e/")
                .then().header("Access-Control-Allow-Origin", ORIGIN);
    }

    @Test
    void noOriginNoHeadersAndTheApiIsUntouched() {
        given().options("/e/").then().statusCode(200).header("Access-Control-Allow-Origin", nullValue());
        given().header("Origin", ORIGIN).get("/api/projects/" + project.id() + "/")
                .then().header("Access-Control-Allow-Origin", nullValue());
    }

    /** Paths that reach capture through the router's reading of them are capture's for CORS too (a breaker finding). */
    @Test
    void pathsRoutingResolvesToCaptureAreCapturePaths() {
        for (String path : new String[] {"/batch/", "/batch", "//batch/", "/batch////", "/b%61tch/", "/./batch/",
                "/x/../batch/", "/i/v0//e/", "/e%2F", "/e/;x=1", "/batch;a=b/"}) {
            org.junit.jupiter.api.Assertions.assertTrue(CaptureCors.isCapture(path), path);
        }
        for (String path : new String[] {"/api/batch/", "/batchx/", "/%zz/batch", "/", "/b%61tchx"}) {
            org.junit.jupiter.api.Assertions.assertFalse(CaptureCors.isCapture(path), path);
        }
        given().urlEncodingEnabled(false).header("Origin", ORIGIN).header("Access-Control-Request-Method", "POST")
                .options("/b%61tch/").then().statusCode(200).header("Access-Control-Allow-Origin", ORIGIN);
    }
}

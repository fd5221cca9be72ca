package dev.quarry.flags;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.quarry.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/**
 * posthog-js's scripts, loaded from the {@code api_host} as a script element with {@code crossorigin="anonymous"}
 * (an {@code Origin} header, CORS needed through the redirect): the snippet's {@code /static/array.js}, the lazy
 * extensions' {@code /static/surveys.js?v=<version>} and the strict-versioned {@code /static/<version>/<name>.js}.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class StaticAssetsTest {
    private static final String ORIGIN = "https://shop.example";
    private static final String ASSETS = "https://us-assets.i.posthog.com";

    private static RequestSpecification script() {
        return given().redirects().follow(false).header("Origin", ORIGIN).header("Accept", "*/*")
                .header("Sec-Fetch-Dest", "script");
    }

    @Test
    void posthogJsScriptsRedirectToPostHogsAssetsHostWithCors() {
        script().get("/static/surveys.js?v=1.449.2").then().statusCode(302)
                .header("Location", equalTo(ASSETS + "/static/surveys.js?v=1.449.2"))
                .header("Access-Control-Allow-Origin", equalTo(ORIGIN));
        script().get("/static/array.js").then().statusCode(302)
                .header("Location", equalTo(ASSETS + "/static/array.js"));
        script().get("/static/1.449.2/recorder.js").then().statusCode(302)
                .header("Location", equalTo(ASSETS + "/static/1.449.2/recorder.js"));
        script().get("/static/toolbar.js?v=1.449.2&t=1764936000000").then().statusCode(302)
                .header("Location", equalTo(ASSETS + "/static/toolbar.js?v=1.449.2&t=1764936000000"));
        // a query string of anything but plain characters is left off, never passed on
        script().get("/static/array.js?v=%0D%0ASet-Cookie:x").then().statusCode(302)
                .header("Location", equalTo(ASSETS + "/static/array.js"));
    }

    @Test
    void nothingButAnAssetsPathIsRedirected() {
        for (String path : new String[]{"/static/", "/static/x", "/static/%2e%2e/x.js",
                "/static/a/%2e%2e/x.js", "/static/..%2fx.js", "/static/x.js%00.png", "/static/.hidden.js",
                "/static/a/b/c/d/e.js"}) {
            script().get(path).then().statusCode(404).header("Location", nullValue());
        }
        given().redirects().follow(false).post("/static/array.js").then().statusCode(405);
    }

    /** {@code quarry.static-assets-origin=none}: a site that serves posthog-js's files itself gets 404s, no redirect. */
    @Test
    void noAssetsHostAnswersNotFound() {
        org.junit.jupiter.api.Assertions.assertThrows(dev.quarry.web.NotFoundException.class,
                () -> new StaticAssetsResource("none").asset("array.js", null));
        org.junit.jupiter.api.Assertions.assertThrows(dev.quarry.web.NotFoundException.class,
                () -> new StaticAssetsResource(" ").asset("surveys.js", null));
    }
}

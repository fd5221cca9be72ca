package dev.quarry.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * A method a route does not take is DRF's 405 naming the method, with {@code Allow}, wherever the route is served (it
 * was a 404 on 139 route/method pairs: RESTEasy tried the project's own resource after the route's refused the
 * method); a path that is no route stays a 404.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class WrongMethodTest {
    private static void assertNotAllowed(Project p, String method, String path, String allow) {
        given().header("Authorization", "Bearer " + p.key()).contentType("application/json").body("{}")
                .request(method, path)
                .then().statusCode(405).header("Allow", allow)
                .body("type", equalTo("invalid_request")).body("code", equalTo("method_not_allowed"))
                .body("detail", equalTo("Method \"" + method + "\" not allowed.")).body("attr", equalTo(null));
    }

    @Test
    void aMethodTheRouteDoesNotTakeIs405() {
        Project p = TestProjects.create("Wrong methods");
        assertNotAllowed(p, "POST", "/api/projects/" + p.id() + "/persons/", "GET, HEAD, OPTIONS");
        assertNotAllowed(p, "POST", "/api/environments/" + p.id() + "/persons/", "GET, HEAD, OPTIONS");
        assertNotAllowed(p, "POST", "/api/projects/" + p.id() + "/insights/1/", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS");
        assertNotAllowed(p, "GET", "/api/environments/" + p.id() + "/persons/0194/delete_property/", "POST, OPTIONS");
        assertNotAllowed(p, "PATCH", "/api/environments/" + p.id() + "/query/", "POST, OPTIONS");
        assertNotAllowed(p, "POST", "/api/environments/" + p.id() + "/persons/lifecycle", "GET, HEAD, OPTIONS");
    }

    @Test
    void aPathThatIsNoRouteIs404() {
        Project p = TestProjects.create("Wrong paths");
        given().header("Authorization", "Bearer " + p.key()).post("/api/projects/" + p.id() + "/nothing_here/")
                .then().statusCode(404).body("type", equalTo("invalid_request")).body("code", equalTo("not_found"));
        given().header("Authorization", "Bearer " + p.key()).get("/api/projects/" + p.id() + "/persons/a/b/c/d/")
                .then().statusCode(404);
    }
}

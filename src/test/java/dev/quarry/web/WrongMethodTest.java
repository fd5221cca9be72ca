package dev.quarry.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A method a route does not take is DRF's 405 naming the method, with {@code Allow}, wherever the route is served (it
 * was a 404 on 139 route/method pairs: RESTEasy tried the project's own resource after the route's refused the
 * method); a path that is no route stays a 404. As in DRF, whose {@code APIView.dispatch} runs {@code initial()}
 * (authentication, the project and permission checks) before it picks the handler, only a key let in for the project
 * gets the 405: no key is a 401, a project the key cannot see answers what the route's own methods answer there.
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

    private static Response send(String key, String method, String path) {
        var request = given().contentType("application/json").body("{}");
        if (key != null) {
            request = request.header("Authorization", "Bearer " + key);
        }
        return request.request(method, path);
    }

    /** The status and error body (type, code, detail, attr) of an answer, to compare two answers by. */
    private static Map<String, Object> answer(Response response) {
        return Map.of("status", response.statusCode(), "body", response.jsonPath().getMap(""));
    }

    @Test
    void withoutAKeyAWrongMethodIs401NotA405() {
        Project p = TestProjects.create("Wrong method, no key");
        String persons = "/api/projects/" + p.id() + "/persons/";
        send(null, "POST", persons).then().statusCode(401)
                .body("type", equalTo("authentication_error")).body("code", equalTo("not_authenticated"))
                .body("detail", equalTo("Authentication credentials were not provided."));
        send("phx_not_a_key_of_anyone", "POST", persons).then().statusCode(401)
                .body("code", equalTo("authentication_failed"));
        send(null, "DELETE", "/api/environments/" + p.id() + "/persons/funnel/").then().statusCode(401);
        send(null, "PATCH", "/api/projects/" + p.id() + "/query/").then().statusCode(401);
    }

    @Test
    void aProjectTheKeyCannotSeeAnswersAWrongMethodAsItAnswersAGet() {
        Project mine = TestProjects.create("Wrong method, mine");
        Project theirs = TestProjects.create("Wrong method, theirs");
        for (String project : new String[] {String.valueOf(theirs.id()), "999999999", "abc"}) {
            for (String[] route : new String[][] {{"persons/", "POST"}, {"persons/funnel/", "DELETE"},
                    {"insights/", "PUT"}, {"query/", "PATCH"}, {"event_definitions/", "DELETE"}}) {
                String path = "/api/environments/" + project + "/" + route[0];
                Response get = send(mine.key(), route[1].equals("PATCH") ? "POST" : "GET", path);
                Response wrong = send(mine.key(), route[1], path);
                assertEquals(answer(get), answer(wrong), route[1] + " " + path);
                assertEquals(true, get.statusCode() == 403 || get.statusCode() == 404, path);
            }
        }
        // a project scoped away from the key: the scoped-projects 403, as for the route's own methods
        String scoped = mine.keyWith(java.util.List.of("*"), java.util.List.of(mine.id()));
        Response get = send(scoped, "GET", "/api/projects/" + theirs.id() + "/persons/");
        assertEquals(answer(get), answer(send(scoped, "POST", "/api/projects/" + theirs.id() + "/persons/")));
    }

    @Test
    void aKeyWithoutTheRoutesScopesGetsThe403ItsMethodsGive() {
        Project p = TestProjects.create("Wrong method, scopes");
        String key = p.keyWith("insight:read");
        String funnel = "/api/projects/" + p.id() + "/persons/funnel/";
        Response get = send(key, "GET", funnel);
        get.then().statusCode(403).body("detail", equalTo("API key missing required scope 'person:read'"));
        assertEquals(answer(get), answer(send(key, "DELETE", funnel)));
        // where the route's methods ask different scopes (list: read, create: write), a wrong method asks none
        assertNotAllowed(new Project(p.id(), p.apiToken(), p.keyWith("person:read"), p.ownerUserId()), "PUT",
                "/api/projects/" + p.id() + "/insights/", "GET, POST, HEAD, OPTIONS");
    }

    @Test
    void aLiteralActionRouteWinsOverATemplatedOne() {
        Project p = TestProjects.create("Wrong method, literal actions");
        String persons = "/api/environments/" + p.id() + "/persons/";
        assertNotAllowed(p, "DELETE", persons + "funnel/", "GET, POST, HEAD, OPTIONS");
        assertNotAllowed(p, "PATCH", persons + "funnel/", "GET, POST, HEAD, OPTIONS");
        assertNotAllowed(p, "PUT", persons + "funnel/correlation/", "GET, POST, HEAD, OPTIONS");
        assertNotAllowed(p, "PATCH", persons + "values/", "GET, HEAD, OPTIONS");
        assertNotAllowed(p, "DELETE", persons + "lifecycle", "GET, HEAD, OPTIONS");
        assertNotAllowed(p, "DELETE", persons + "bulk_delete/", "POST, OPTIONS");
        assertNotAllowed(p, "PUT", "/api/projects/" + p.id() + "/insights/trending/", "GET, HEAD, OPTIONS");
        assertNotAllowed(p, "DELETE", "/api/projects/" + p.id() + "/event_definitions/by_name/",
                "GET, HEAD, OPTIONS");
    }

    /** The Allow of a read-only viewset (events) and of a POST-only action names only their methods. */
    @Test
    void allowNamesOnlyTheRoutesMethods() {
        Project p = TestProjects.create("Wrong method, read-only views");
        String base = "/api/environments/" + p.id();
        assertNotAllowed(p, "POST", base + "/events/", "GET, HEAD, OPTIONS");
        assertNotAllowed(p, "DELETE", base + "/events/0190a1b2-0000-7000-8000-000000000000/", "GET, HEAD, OPTIONS");
        assertNotAllowed(p, "PATCH", base + "/events/values/", "GET, HEAD, OPTIONS");
        assertNotAllowed(p, "GET", base + "/persons/reset_person_distinct_id/", "POST, OPTIONS");
        assertNotAllowed(p, "DELETE", base + "/persons/reset_person_distinct_id/", "POST, OPTIONS");
    }

    /** PostHog looks for the key in the body when the Authorization header has none; so does the wrong method. */
    @Test
    void aKeyInTheBodyIsFoundForAWrongMethodToo() {
        Project p = TestProjects.create("Wrong method, key in body");
        String values = "/api/projects/" + p.id() + "/persons/values/";
        given().contentType("application/json").body(Map.of("personal_api_key", p.key())).patch(values)
                .then().statusCode(405).header("Allow", "GET, HEAD, OPTIONS");
        given().contentType("application/json").body(Map.of("other", "x")).patch(values)
                .then().statusCode(401).body("code", equalTo("not_authenticated"));
        given().contentType("text/plain").body("personal_api_key").patch(values).then().statusCode(415);
        given().queryParam("personal_api_key", p.key()).delete(values).then().statusCode(405);
    }
}

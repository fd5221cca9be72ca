package dev.quarry.actions;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The actions API as PostHog's MCP tools call it (actions-get-all, action-get, action-create, action-update,
 * action-delete: the requests of @posthog/cli's catalog), its errors and its team wall.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ActionsEndpointTest {
    private static Project team;
    private static Project other;

    @BeforeEach
    void projects() {
        if (team == null) {
            team = TestProjects.create("Actions API");
            other = TestProjects.create("Actions API other");
        }
    }

    private static RequestSpecification as(Project project) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json");
    }

    private static String base(Project project) {
        return "/api/projects/" + project.id() + "/actions/";
    }

    private static int create(Project project, Map<String, Object> body) {
        return as(project).body(body).post(base(project)).then().statusCode(201).extract().path("id");
    }

    @Test
    void createRetrieveUpdateAndSoftDeleteAsTheMcpToolsDo() {
        // action-create: name, description, tags, steps with a URL and a property filter
        int id = create(team, Map.of("name", "Pricing visit", "description", "Saw pricing", "tags", List.of("web"),
                "steps", List.of(Map.of("event", "$pageview", "url", "/pricing", "url_matching", "contains",
                        "properties", List.of(Map.of("key", "plan", "value", "pro", "operator", "exact",
                                "type", "event"))))));
        // action-get: every ActionStepJSON field answered, unset ones null
        as(team).get(base(team) + id + "/").then().statusCode(200)
                .body("id", equalTo(id)).body("name", equalTo("Pricing visit"))
                .body("description", equalTo("Saw pricing")).body("tags", equalTo(List.of("web")))
                .body("deleted", equalTo(false)).body("is_action", equalTo(true))
                .body("team_id", equalTo((int) team.id())).body("created_at", notNullValue())
                .body("created_by.id", equalTo((int) team.ownerUserId()))
                .body("post_to_slack", equalTo(false)).body("pinned_at", nullValue())
                .body("steps[0].event", equalTo("$pageview")).body("steps[0].url", equalTo("/pricing"))
                .body("steps[0].url_matching", equalTo("contains")).body("steps[0].text", nullValue())
                .body("steps[0].selector", nullValue()).body("steps[0].href", nullValue())
                .body("steps[0].properties[0].key", equalTo("plan"));
        // action-update: PATCH with only the fields given; the rest kept
        as(team).body(Map.of("name", "Pricing visit (renamed)")).patch(base(team) + id + "/").then().statusCode(200)
                .body("name", equalTo("Pricing visit (renamed)")).body("description", equalTo("Saw pricing"))
                .body("steps[0].url", equalTo("/pricing"));
        // PUT (the ModelViewSet's update) as PATCH: no field of PostHog's ActionSerializer is required
        as(team).body(Map.of("name", "Pricing visit (renamed)", "description", "Saw pricing twice"))
                .put(base(team) + id + "/").then().statusCode(200)
                .body("name", equalTo("Pricing visit (renamed)")).body("description", equalTo("Saw pricing twice"))
                .body("steps[0].url", equalTo("/pricing"));
        // the environments prefix reads the same action
        as(team).get("/api/environments/" + team.id() + "/actions/" + id + "/").then().statusCode(200)
                .body("name", equalTo("Pricing visit (renamed)"));
        // action-delete: PATCH {"deleted": true}; the list no longer shows it, a retrieve still does
        as(team).body(Map.of("deleted", true)).patch(base(team) + id + "/").then().statusCode(200)
                .body("deleted", equalTo(true));
        as(team).get(base(team) + "?search=renamed").then().statusCode(200).body("count", equalTo(0));
        as(team).get(base(team) + id + "/").then().statusCode(200).body("deleted", equalTo(true));
        // a hard DELETE is not allowed, as PostHog's ForbidDestroyModel
        as(team).delete(base(team) + id + "/").then().statusCode(405).body(equalTo(""))
                .header("Allow", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS");
        as(team).get(base(team) + id + "/").then().statusCode(200);
    }

    @Test
    void listIsPagedAndSearchedByName() {
        int a = create(team, Map.of("name", "Listed alpha", "steps", List.of(Map.of("event", "a"))));
        int b = create(team, Map.of("name", "Listed beta", "steps", List.of(Map.of("event", "b"))));
        create(other, Map.of("name", "Listed gamma", "steps", List.of(Map.of("event", "c"))));
        // two of this team's actions match "listed" (case-insensitive); the other team's never shows
        as(team).get(base(team) + "?search=LISTED&ordering=name").then().statusCode(200)
                .body("count", equalTo(2)).body("results.id", equalTo(List.of(a, b)));
        // a page of one, and the link to the next
        as(team).get(base(team) + "?search=listed&ordering=name&limit=1").then().statusCode(200)
                .body("count", equalTo(2)).body("results.id", equalTo(List.of(a)))
                .body("next", containsString("offset=1"));
        // "_" and "%" in a search are plain characters
        as(team).get(base(team) + "?search=listed_").then().statusCode(200).body("count", equalTo(0));
    }

    /** A step that does not say how to match its url gets ActionStepJSON's default, contains; an explicit null stays. */
    @Test
    void aStepsUrlMatchingDefaultsToContains() {
        as(team).body(Map.of("name", "Default matching", "steps", List.of(Map.of("event", "signed up"))))
                .post(base(team)).then().statusCode(201).body("steps[0].url_matching", equalTo("contains"));
        java.util.Map<String, Object> explicit = new java.util.HashMap<>();
        explicit.put("event", "signed up");
        explicit.put("url_matching", null);
        as(team).body(Map.of("name", "Explicit null matching", "steps", List.of(explicit)))
                .post(base(team)).then().statusCode(201).body("steps[0].url_matching", nullValue());
    }

    @Test
    void badInputIsAPostHogErrorAndNothingIsStored() {
        as(team).body(Map.of("name", "Bad steps", "steps", "pageview")).post(base(team)).then().statusCode(400)
                .body("type", equalTo("validation_error")).body("attr", equalTo("steps"));
        as(team).body(Map.of("name", "Bad matching", "steps", List.of(Map.of("url", "x", "url_matching", "glob"))))
                .post(base(team)).then().statusCode(400).body("attr", equalTo("steps"))
                .body("detail", containsString("url_matching"));
        as(team).body(Map.of("name", "Bad property", "steps", List.of(Map.of("event", "x",
                        "properties", List.of(Map.of("key", "plan", "value", "pro", "operator", "nonsense"))))))
                .post(base(team)).then().statusCode(400).body("attr", equalTo("steps"));
        as(team).body(Map.of("name", List.of("x"))).post(base(team)).then().statusCode(400)
                .body("attr", equalTo("name"));
        as(team).body(Map.of("name", "Long description", "description", "d".repeat(4097))).post(base(team)).then()
                .statusCode(400).body("attr", equalTo("description"));
        as(team).body(Map.of("name", "x".repeat(401))).post(base(team)).then().statusCode(400)
                .body("attr", equalTo("name"));
        as(team).body(Map.of("name", "Bad tags", "tags", "web")).post(base(team)).then().statusCode(400)
                .body("attr", equalTo("tags"));
        as(team).get(base(team) + "?search=Bad").then().statusCode(200).body("count", equalTo(0));
        // a live action's name is unique in the project (PostHog's message, code "unique")
        int first = create(team, Map.of("name", "Unique name", "steps", List.of(Map.of("event", "u"))));
        as(team).body(Map.of("name", "Unique name")).post(base(team)).then().statusCode(400)
                .body("code", equalTo("unique")).body("attr", equalTo("name"))
                .body("detail", equalTo("This project already has an action with this name, ID " + first));
        // another project may use the same name
        create(other, Map.of("name", "Unique name"));
        // Quarry's budget for one action, checked before any step's HogQL is parsed: 101 steps, or 64 KB of steps
        List<Map<String, Object>> many = java.util.Collections.nCopies(101, Map.of("event", "e"));
        as(team).body(Map.of("name", "Too many", "steps", many)).post(base(team)).then().statusCode(400)
                .body("attr", equalTo("steps")).body("detail", containsString("100 elements"));
        String longHogQL = "1" + " + 1".repeat(20_000) + " > 0";
        as(team).body(Map.of("name", "Too long", "steps", List.of(Map.of("event", "e", "properties",
                        List.of(Map.of("type", "hogql", "key", longHogQL)))))).post(base(team)).then().statusCode(400)
                .body("attr", equalTo("steps")).body("detail", containsString("characters of JSON"));
        as(team).get(base(team) + "?search=Too").then().statusCode(200).body("count", equalTo(0));
        // unknown ids and non-numeric ids are 404
        as(team).get(base(team) + "999999999/").then().statusCode(404).body("type", equalTo("invalid_request"));
        as(team).get(base(team) + "abc/").then().statusCode(404);
    }

    @Test
    void concurrentCreatesOfOneNameLeaveOneLiveAction() throws Exception {
        // eight clients create "Raced" at once: one 201, seven of PostHog's 400 naming the one stored, never a 500
        int clients = 8;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<io.restassured.response.Response>> answers = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return as(team).body(Map.of("name", "Raced", "steps", List.of(Map.of("event", "r"))))
                            .post(base(team));
                }));
            }
            start.countDown();
            List<Integer> created = new java.util.ArrayList<>();
            List<io.restassured.response.Response> refused = new java.util.ArrayList<>();
            for (var answer : answers) {
                io.restassured.response.Response r = answer.get(60, java.util.concurrent.TimeUnit.SECONDS);
                if (r.statusCode() == 201) {
                    created.add(r.path("id"));
                } else {
                    refused.add(r);
                }
            }
            org.junit.jupiter.api.Assertions.assertEquals(1, created.size(), "creates that succeeded: " + created);
            for (io.restassured.response.Response r : refused) {
                r.then().statusCode(400).body("type", equalTo("validation_error")).body("code", equalTo("unique"))
                        .body("attr", equalTo("name")).body("detail",
                                equalTo("This project already has an action with this name, ID " + created.get(0)));
            }
        } finally {
            pool.shutdownNow();
        }
        as(team).get(base(team) + "?search=Raced").then().statusCode(200).body("count", equalTo(1));
        // two concurrent renames to one free name: one of them takes it
        int x = create(team, Map.of("name", "Retitle x"));
        int y = create(team, Map.of("name", "Retitle y"));
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var fx = two.submit(() -> as(team).body(Map.of("name", "Retitled")).patch(base(team) + x + "/").statusCode());
            var fy = two.submit(() -> as(team).body(Map.of("name", "Retitled")).patch(base(team) + y + "/").statusCode());
            List<Integer> codes = new java.util.ArrayList<>(List.of(fx.get(60, java.util.concurrent.TimeUnit.SECONDS),
                    fy.get(60, java.util.concurrent.TimeUnit.SECONDS)));
            java.util.Collections.sort(codes);
            org.junit.jupiter.api.Assertions.assertEquals(List.of(200, 400), codes);
        } finally {
            two.shutdownNow();
        }
        as(team).get(base(team) + "?search=Retitled").then().statusCode(200).body("count", equalTo(1));
        // a deleted action frees its name, and restoring it while another holds the name is the same 400
        int live = as(team).get(base(team) + "?search=Raced").then().extract().path("results[0].id");
        as(team).body(Map.of("deleted", true)).patch(base(team) + live + "/").then().statusCode(200);
        int again = create(team, Map.of("name", "Raced"));
        as(team).body(Map.of("deleted", false)).patch(base(team) + live + "/").then().statusCode(400)
                .body("code", equalTo("unique")).body("attr", equalTo("name"))
                .body("detail", equalTo("This project already has an action with this name, ID " + again));
    }

    @Test
    void anotherProjectCannotReadOrEditTheAction() {
        int id = create(team, Map.of("name", "Walled", "steps", List.of(Map.of("event", "w"))));
        as(other).get(base(other) + id + "/").then().statusCode(404);
        as(other).body(Map.of("deleted", true)).patch(base(other) + id + "/").then().statusCode(404);
        as(other).body(Map.of("name", "Taken")).put(base(other) + id + "/").then().statusCode(404);
        // and through its own key on the first project's URL: 403, the key does not reach that project
        as(other).get(base(team) + id + "/").then().statusCode(403);
        as(team).get(base(team) + id + "/").then().statusCode(200).body("deleted", equalTo(false));
    }

    @Test
    void scopesAreActionReadAndActionWrite() {
        String reader = team.keyWith("action:read");
        given().header("Authorization", "Bearer " + reader).get(base(team)).then().statusCode(200);
        given().header("Authorization", "Bearer " + reader).contentType("application/json")
                .body(Map.of("name", "Read only")).post(base(team)).then().statusCode(403)
                .body("detail", containsString("action:write"));
        String unrelated = team.keyWith("insight:read");
        given().header("Authorization", "Bearer " + unrelated).get(base(team)).then().statusCode(403)
                .body("detail", containsString("action:read"));
    }
}

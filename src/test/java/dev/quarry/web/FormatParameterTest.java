package dev.quarry.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ?format=} as DRF's content negotiation answers it for PostHog's views: a format the view has no renderer
 * for is a 404 "Not found." — before authentication, as {@code APIView.initial} negotiates first — and the views with
 * a CSV renderer (insights: {@code CSVRenderer}; actions: {@code PaginatedCSVRenderer}) answer CSV.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FormatParameterTest {
    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    private static void assertNotFound(RequestSpecification request, String path) {
        request.get(path).then().statusCode(404).contentType("application/json")
                .body("type", equalTo("invalid_request")).body("code", equalTo("not_found"))
                .body("detail", equalTo("Not found.")).body("attr", equalTo(null));
    }

    @Test
    void csvOnAJsonOnlyViewIsA404() {
        Project p = TestProjects.create("Format on JSON views");
        String definitions = "/api/projects/" + p.id() + "/event_definitions/";
        assertNotFound(as(p.key()).queryParam("format", "csv"), definitions);
        assertNotFound(as(p.key()).queryParam("format", "csv"), "/api/organizations/");
        assertNotFound(as(p.key()).queryParam("format", "csv"), "/api/environments/" + p.id() + "/property_definitions/");
        assertNotFound(as(p.key()).queryParam("format", "csv"), "/api/users/@me/");
        assertNotFound(as(p.key()).queryParam("format", "xml"), "/api/projects/" + p.id() + "/insights/");
        // negotiation comes before authentication
        assertNotFound(given().queryParam("format", "csv"), definitions);
        // JSON as before
        as(p.key()).queryParam("format", "json").get(definitions).then().statusCode(200).contentType("application/json");
        as(p.key()).queryParam("format", "").get("/api/organizations/").then().statusCode(200);
        // a view that renders CSV still asks for the key first
        given().queryParam("format", "csv").get("/api/projects/" + p.id() + "/insights/").then().statusCode(401);
    }

    @Test
    void acceptTextCsvPicksTheCsvRendererWhereAViewHasOne() {
        Project p = TestProjects.create("Accept text/csv");
        String insights = "/api/projects/" + p.id() + "/insights/";
        as(p.key()).contentType("application/json").body(Map.of("name", "Weekly signups"))
                .post(insights).then().statusCode(201);
        String byFormat = as(p.key()).queryParam("format", "csv").get(insights).then().statusCode(200)
                .extract().asString();
        String byAccept = as(p.key()).header("Accept", "text/csv").get(insights).then().statusCode(200)
                .header("Content-Type", Csv.MEDIA_TYPE).extract().asString();
        assertEquals(byFormat.split("\r\n")[0], byAccept.split("\r\n")[0]);
        assertTrue(byAccept.contains("Weekly signups"), byAccept);
        // ?format=csv with Accept: text/csv (RESTEasy's own negotiation answered a bare 406 here before)
        as(p.key()).header("Accept", "text/csv").queryParam("format", "csv").get(insights).then().statusCode(200)
                .header("Content-Type", Csv.MEDIA_TYPE);
        // negotiation by Accept still leaves authentication to the view
        given().header("Accept", "text/csv").get(insights).then().statusCode(401).contentType("application/json");
    }

    @Test
    void anAcceptNoRendererOfTheViewWritesIsDrfsNotAcceptable() {
        Project p = TestProjects.create("Accept nothing we write");
        String definitions = "/api/projects/" + p.id() + "/event_definitions/";
        String persons = "/api/projects/" + p.id() + "/persons/";
        for (RequestSpecification request : List.of(
                as(p.key()).header("Accept", "text/csv").request().basePath(definitions),
                as(p.key()).header("Accept", "text/html").request().basePath(persons),
                as(p.key()).header("Accept", "text/event-stream").request().basePath("/api/environments/" + p.id() + "/query/x/"),
                as(p.key()).header("Accept", "text/csv").queryParam("format", "json").basePath(persons),
                as(p.key()).header("Accept", "application/json").queryParam("format", "csv").basePath(persons),
                // before authentication, as APIView.initial negotiates first
                given().header("Accept", "image/png").basePath(definitions))) {
            request.get().then().statusCode(406).contentType("application/json")
                    .body("type", equalTo("invalid_request")).body("code", equalTo("not_acceptable"))
                    .body("detail", equalTo("Could not satisfy the request Accept header.")).body("attr", equalTo(null));
        }
        // what clients send: no header, */*, axios's default, a browser's
        for (String accept : List.of("*/*", "application/json", "application/json, text/plain, */*",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")) {
            as(p.key()).header("Accept", accept).get(definitions).then().statusCode(200).contentType("application/json");
        }
        // capture is not a DRF view: its Accept is not negotiated
        given().header("Accept", "text/html").contentType("application/json")
                .body(Map.of("api_key", p.apiToken(), "event", "e", "distinct_id", "d")).post("/e/")
                .then().statusCode(200);
    }

    @Test
    void insightsRenderTheWholeAnswerAsOneCsvRow() {
        Project p = TestProjects.create("Insights as CSV");
        String base = "/api/projects/" + p.id() + "/insights/";
        int id = as(p.key()).contentType("application/json").body(Map.of("name", "Signups by week"))
                .post(base).then().statusCode(201).extract().path("id");
        // Django's "text/csv; charset=utf-8", as the persons' CSV answers
        String list = as(p.key()).queryParam("format", "csv").get(base)
                .then().statusCode(200).header("Content-Type", Csv.MEDIA_TYPE).extract().asString();
        String[] lines = list.split("\r\n");
        assertEquals(2, lines.length, list);
        List<String> header = List.of(lines[0].split(","));
        assertTrue(header.containsAll(List.of("count", "next", "previous", "results.0.id", "results.0.name")), list);
        assertEquals(header.stream().sorted().toList(), header, "djangorestframework-csv sorts the header");
        assertTrue(lines[1].contains("Signups by week"), list);
        String one = as(p.key()).queryParam("format", "csv").get(base + id + "/")
                .then().statusCode(200).contentType(startsWith("text/csv")).extract().asString();
        assertTrue(one.startsWith("created_at,created_by.") || one.contains(",id,"), one);
        assertTrue(one.split("\r\n")[1].contains("Signups by week"), one);
        as(p.key()).queryParam("format", "json").get(base + id + "/").then().statusCode(200)
                .body("name", equalTo("Signups by week"));
    }

    @Test
    void actionsRenderTheirResultsOneRowEach() {
        Project p = TestProjects.create("Actions as CSV");
        String base = "/api/projects/" + p.id() + "/actions/";
        for (String name : List.of("Pricing visit", "Signup")) {
            as(p.key()).contentType("application/json")
                    .body(Map.of("name", name, "steps", List.of(Map.of("event", "$pageview"))))
                    .post(base).then().statusCode(201);
        }
        String csv = as(p.key()).queryParam("format", "csv").get(base)
                .then().statusCode(200).contentType(startsWith("text/csv")).extract().asString();
        String[] lines = csv.split("\r\n");
        assertEquals(3, lines.length, csv);
        List<String> header = List.of(lines[0].split(","));
        assertTrue(header.containsAll(List.of("id", "name", "steps.0.event")), csv);
        assertTrue(csv.contains("Pricing visit") && csv.contains("Signup"), csv);
        int id = as(p.key()).get(base).then().extract().path("results[0].id");
        // PaginatedCSVRenderer renders an answer's "results": one action has none, so nothing is written
        as(p.key()).queryParam("format", "csv").get(base + id + "/").then().statusCode(200)
                .contentType(startsWith("text/csv")).body(equalTo(""));
    }
}

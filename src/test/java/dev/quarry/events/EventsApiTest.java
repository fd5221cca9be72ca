package dev.quarry.events;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PostHog's events API ({@code GET events/}, {@code GET events/:id/}) over HTTP as scripts call it: the event shape,
 * newest-first pages with PostHog's {@code before} cursor, the filters, the default 24-hour window, persons on request,
 * CSV, errors, scopes and the project wall.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class EventsApiTest {
    private static final String AFTER = "2026-01-31T00:00:00Z";
    private static final String BEFORE = "2026-02-05T00:00:00Z";
    private static Project team;
    private static Project other;

    /**
     * ann browses as anon-1 (02-01 00:00, Chrome), identifies (01:00, email and name set), views again (02-02, Safari);
     * bob views on 02-03 and signs up on 02-04. Another project has its own "ann" with a pageview on 02-02. One of
     * ann's events happened an hour ago (Firefox, tags x and y) and one three days ago (Opera): the default window
     * and the values' week.
     */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Events API");
        other = TestProjects.create("Events API other");
        Capture.to(team)
                .event("$pageview", "anon-1", "2026-02-01T00:00:00Z", Map.of("$browser", "Chrome"))
                .event("$identify", "ann", "2026-02-01T01:00:00.250Z", Map.of("$anon_distinct_id", "anon-1",
                        "$set", Map.of("email", "ann@x.test", "name", "Ann", "plan", "free")))
                .event("$pageview", "ann", "2026-02-02T00:00:00Z", Map.of("$browser", "Safari"))
                .event("$pageview", "bob", "2026-02-03T00:00:00Z", Map.of("$browser", "Chrome"))
                .event("signed up", "bob", "2026-02-04T00:00:00Z", Map.of("plan", "pro"))
                .event("recent", "ann", Instant.now().minus(1, ChronoUnit.HOURS).toString(),
                        Map.of("$browser", "Firefox", "tags", List.of("x", "y"), "n", 3))
                .event("older", "ann", Instant.now().minus(3, ChronoUnit.DAYS).toString(), Map.of("$browser", "Opera"))
                .send();
        Capture.to(other).event("$pageview", "ann", "2026-02-02T00:00:00Z", Map.of("$browser", "Edge")).send();
    }

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    private static String events(Project project) {
        return "/api/environments/" + project.id() + "/events/";
    }

    private static JsonPath list(String query) {
        return as(team.key()).get(events(team) + "?after=" + AFTER + "&before=" + BEFORE + query)
                .then().statusCode(200).extract().jsonPath();
    }

    @Test
    void newestFirstInPostHogsEventShape() {
        Response response = as(team.key()).get(events(team) + "?after=" + AFTER + "&before=" + BEFORE);
        response.then().statusCode(200).header("X-PostHog-Warn", equalTo("https://posthog.com/docs/api/events"))
                .body("next", nullValue())
                .body("results.event", equalTo(List.of("signed up", "$pageview", "$pageview", "$identify", "$pageview")))
                .body("results.distinct_id", equalTo(List.of("bob", "bob", "ann", "ann", "anon-1")));
        JsonPath json = response.jsonPath();
        Map<String, Object> identify = json.getMap("results[3]");
        assertEquals(List.of("id", "distinct_id", "properties", "event", "timestamp", "person", "elements",
                "elements_chain"), List.copyOf(identify.keySet()));
        // Python's isoformat in UTC: six fraction digits when there is a fraction, none otherwise
        assertEquals("2026-02-01T01:00:00.250000+00:00", identify.get("timestamp"));
        assertEquals("2026-02-02T00:00:00+00:00", json.getString("results[2].timestamp"));
        assertEquals("ann@x.test", json.getString("results[3].properties.$set.email"));
        assertEquals("Safari", json.getString("results[2].properties.$browser"));
        assertNull(identify.get("person"));
        assertEquals(List.of(), identify.get("elements"));
        assertEquals("", identify.get("elements_chain"));
        // the projects prefix answers the same
        as(team.key()).get("/api/projects/" + team.id() + "/events/?after=" + AFTER + "&before=" + BEFORE)
                .then().statusCode(200).body("results.size()", equalTo(5));
    }

    @Test
    void pagesFollowPostHogsBeforeCursor() {
        Response first = as(team.key()).get(events(team) + "?after=" + AFTER + "&before=" + BEFORE + "&limit=2");
        first.then().statusCode(200).body("results.event", equalTo(List.of("signed up", "$pageview")));
        String next = first.jsonPath().getString("next");
        // the request's parameters with before set to the second event's time (urlencoded as Python does)
        URI link = URI.create(next);
        assertTrue(link.getRawPath().endsWith("/api/environments/" + team.id() + "/events/"), next);
        assertEquals("after=2026-01-31T00%3A00%3A00Z&before=2026-02-03T00%3A00%3A00%2B00%3A00&limit=2",
                link.getRawQuery());
        // followed as clients follow it: the link as written
        Response second = as(team.key()).urlEncodingEnabled(false).get(link.getRawPath() + "?" + link.getRawQuery());
        second.then().statusCode(200).body("results.distinct_id", equalTo(List.of("ann", "ann")));
        URI third = URI.create(second.jsonPath().getString("next"));
        as(team.key()).urlEncodingEnabled(false).get(third.getRawPath() + "?" + third.getRawQuery()).then().statusCode(200)
                .body("results.distinct_id", equalTo(List.of("anon-1"))).body("next", nullValue());
        // oldest first: any other orderBy, and the cursor is after
        Response ascending = as(team.key()).queryParam("orderBy", "[\"timestamp\"]")
                .get(events(team) + "?after=" + AFTER + "&before=" + BEFORE + "&limit=1");
        ascending.then().statusCode(200).body("results.distinct_id", equalTo(List.of("anon-1")));
        String ascendingNext = URLDecoder.decode(URI.create(ascending.jsonPath().getString("next")).getRawQuery(),
                StandardCharsets.UTF_8);
        assertTrue(ascendingNext.contains("after=2026-02-01T00:00:00+00:00"), ascendingNext);
        // a key sent in the query string is never repeated in a link
        String keyed = given().get(events(team) + "?personal_api_key=" + team.key() + "&after=" + AFTER + "&before="
                + BEFORE + "&limit=1").then().statusCode(200).extract().path("next");
        assertTrue(!keyed.contains("personal_api_key") && !keyed.contains(team.key()), keyed);
    }

    @Test
    void filtersByEventDistinctIdPersonPropertiesAndAction() {
        assertEquals(List.of("bob", "ann", "anon-1"), list("&event=$pageview").getList("results.distinct_id"));
        assertEquals(List.of("signed up", "$pageview"), list("&distinct_id=bob").getList("results.event"));
        // ann's person has both her ids (merged by $identify)
        String ann = as(team.key()).get("/api/environments/" + team.id() + "/persons/?distinct_id=ann")
                .then().statusCode(200).extract().path("results[0].id");
        assertEquals(List.of("ann", "ann", "anon-1"), list("&person_id=" + ann).getList("results.distinct_id"));
        assertEquals(List.of(), list("&person_id=12345").getList("results"));
        JsonPath chrome = as(team.key()).queryParam("properties",
                        "[{\"key\": \"$browser\", \"value\": \"Chrome\", \"operator\": \"exact\", \"type\": \"event\"}]")
                .get(events(team) + "?after=" + AFTER + "&before=" + BEFORE).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("bob", "anon-1"), chrome.getList("results.distinct_id"));
        // the project's action: its events; an unknown one (or one of another project) none
        int action = as(team.key()).contentType("application/json")
                .body(Map.of("name", "Signed up", "steps", List.of(Map.of("event", "signed up"))))
                .post("/api/projects/" + team.id() + "/actions/").then().statusCode(201).extract().path("id");
        assertEquals(List.of("signed up"), list("&action_id=" + action).getList("results.event"));
        assertEquals(List.of(), list("&action_id=999999").getList("results"));
        as(other.key()).get(events(other) + "?after=" + AFTER + "&before=" + BEFORE + "&action_id=" + action)
                .then().statusCode(200).body("results", empty());
    }

    @Test
    void theDefaultWindowIsTheLast24Hours() {
        as(team.key()).get(events(team)).then().statusCode(200).body("results.event", equalTo(List.of("recent")));
        as(team.key()).get(events(team) + "?after=-7d").then().statusCode(200)
                .body("results.event", equalTo(List.of("recent", "older")));
    }

    @Test
    void personsOnRequestInPostHogsShortForm() {
        JsonPath json = list("&include_person=true&distinct_id=ann");
        assertEquals(Map.of("is_identified", true, "distinct_ids", List.of("ann"),
                "properties", Map.of("email", "ann@x.test", "name", "Ann")), json.getMap("results[0].person"));
        // the person of a merged-away id is the surviving person
        assertEquals("ann@x.test", list("&include_person=1&distinct_id=anon-1").getString("results[0].person.properties.email"));
    }

    @Test
    void retrieveByUuid() {
        JsonPath page = list("&distinct_id=bob&event=signed up");
        String id = page.getString("results[0].id");
        as(team.key()).get(events(team) + id + "/").then().statusCode(200)
                .body("id", equalTo(id)).body("event", equalTo("signed up")).body("properties.plan", equalTo("pro"))
                .body("timestamp", equalTo("2026-02-04T00:00:00+00:00")).body("person", nullValue());
        as(team.key()).get(events(team) + id.replace("-", "") + "/?include_person=true").then().statusCode(200)
                .body("id", equalTo(id)).body("person.distinct_ids", equalTo(List.of("bob")));
        as(team.key()).get(events(team) + "not-a-uuid/").then().statusCode(400)
                .body("type", equalTo("validation_error")).body("code", equalTo("invalid"))
                .body("detail", equalTo("Invalid UUID"));
        String unknown = "00000000-0000-4000-8000-000000000000";
        as(team.key()).get(events(team) + unknown + "/").then().statusCode(404)
                .body("detail", equalTo("No events exist for event UUID " + unknown));
        // another project's event is not found in this one, and this project is closed to the other's key
        as(other.key()).get(events(other) + id + "/").then().statusCode(404);
        as(other.key()).get(events(team) + id + "/").then().statusCode(403);
    }

    @Test
    void csvIsPostHogsFlattenedRows() {
        String csv = as(team.key()).get(events(team) + "?format=csv&after=" + AFTER + "&before=" + BEFORE + "&event=$pageview")
                .then().statusCode(200).header("Content-Type", startsWith("text/csv")).extract().asString();
        String[] lines = csv.split("\r\n");
        assertEquals(4, lines.length, csv);
        assertTrue(lines[0].contains("properties.$browser") && lines[0].contains("distinct_id"), lines[0]);
        assertTrue(lines[1].contains("Chrome") && lines[1].contains("bob"), lines[1]);
    }

    @Test
    void badParametersArePostHogErrors() {
        as(team.key()).get(events(team) + "?limit=ten").then().statusCode(400).body("attr", equalTo("limit"));
        as(team.key()).get(events(team) + "?offset=60000").then().statusCode(400)
                .body("detail", equalTo("Offset is deprecated. Max supported offset value is 50000"));
        as(team.key()).get(events(team) + "?after=2020-01-01&before=2026-01-01").then().statusCode(400)
                .body("detail", equalTo("Date range cannot exceed 1 year"));
        as(team.key()).get(events(team) + "?properties=nope").then().statusCode(400)
                .body("detail", equalTo("Properties are unparsable!")).body("attr", equalTo("properties"));
        as(team.key()).get(events(team) + "?orderBy=5").then().statusCode(400).body("attr", equalTo("orderBy"));
        as(team.key()).get(events(team) + "?after=someday").then().statusCode(400).body("attr", equalTo("after"));
        as(team.key()).get(events(team) + "?after=-99999999999d").then().statusCode(400).body("attr", equalTo("after"));
        as(team.key()).urlEncodingEnabled(false).get(events(team) + "?before=%2B99999-01-01T00:00:00Z&after=%2B99998-06-01T00:00:00Z")
                .then().statusCode(400).body("attr", equalTo("before"));
        // an empty range is an empty page
        as(team.key()).get(events(team) + "?after=" + BEFORE + "&before=" + AFTER).then().statusCode(200)
                .body("results", empty()).body("next", nullValue());
        // limit is capped at 1,000 and offsets that are not integers read as 0
        as(team.key()).get(events(team) + "?after=" + AFTER + "&before=" + BEFORE + "&limit=5000&offset=x")
                .then().statusCode(200).body("results.size()", equalTo(5));
    }

    @Test
    void scopesAndTheProjectWall() {
        as(team.keyWith("person:read")).get(events(team)).then().statusCode(403)
                .body("detail", containsString("query:read"));
        as(team.keyWith("query:read")).get(events(team) + "?after=" + AFTER + "&before=" + BEFORE)
                .then().statusCode(200).body("results.size()", equalTo(5));
        as(other.key()).get(events(team)).then().statusCode(403);
        given().get(events(team)).then().statusCode(401);
        // the other project sees its own ann only
        as(other.key()).get(events(other) + "?after=" + AFTER + "&before=" + BEFORE).then().statusCode(200)
                .body("results.properties.$browser", equalTo(List.of("Edge")));
    }

    @Test
    void writesAreMethodsNotAllowed() {
        // PostHog's events viewset is read-only: DRF answers 405 naming the method, whatever the body
        for (String method : List.of("POST", "PUT", "PATCH", "DELETE")) {
            as(team.key()).contentType("application/json").body("{}").request(method, events(team))
                    .then().statusCode(405).body("code", equalTo("method_not_allowed"))
                    .body("detail", equalTo("Method \"" + method + "\" not allowed."));
        }
        as(team.key()).contentType("application/json").body("{}")
                .delete(events(team) + "01890c49-9b0c-7000-8000-000000000000/").then().statusCode(405);
        as(team.key()).post(events(team) + "values/").then().statusCode(405);
        String withoutSlash = events(team).substring(0, events(team).length() - 1);
        as(team.key()).contentType("application/json").body("{}").post(withoutSlash).then().statusCode(405);
        // still behind the key and the project wall, as DRF checks them before the method
        given().contentType("application/json").body("{}").post(events(team)).then().statusCode(401);
        as(other.key()).contentType("application/json").body("{}").post(events(team)).then().statusCode(403);
    }

    @Test
    void valuesOfAPropertyAmongNamedEvents() {
        String values = events(team) + "values/";
        as(team.key()).get(values + "?key=$browser&event_name=recent&event_name=older").then().statusCode(200)
                .header("Cache-Control", equalTo("max-age=10")).body("refreshing", equalTo(false))
                .body("results.name", equalTo(List.of("Firefox", "Opera")));
        as(team.key()).get(values + "?key=$browser&event_name=recent&event_name=older&value=FIRE").then().statusCode(200)
                .body("results.name", equalTo(List.of("Firefox")));
        // a list's items; a Numeric property read as a float, as PostHog's HogQL reads it; events outside the last
        // week are not read
        as(team.key()).get(values + "?key=tags&event_name=recent").then().body("results.name", equalTo(List.of("x", "y")));
        as(team.key()).get(values + "?key=n&event_name=recent").then().body("results.name", equalTo(List.of("3.0")));
        as(team.key()).get(values + "?key=$browser&event_name=$pageview").then().body("results", empty());
        as(team.key()).get(values + "?key=distinct_id&is_column=true&event_name=older").then().statusCode(200)
                .body("results.name", equalTo(List.of("ann")));
        as(team.key()).get(values + "?key=custom_event&event_name=x").then().statusCode(200)
                .body("results.name", equalTo(List.of("older", "recent", "signed up")));
        as(team.key()).get(values + "?key=$browser").then().statusCode(400)
                .body("detail", startsWith("The event_name parameter is required when using a personal API key."));
        as(team.key()).get(values + "?event_name=recent").then().statusCode(400)
                .body("detail", equalTo("You must provide a key"));
        as(team.key()).get(values + "?key=no_such_column&is_column=true&event_name=recent").then().statusCode(400);
        // Quarry's internal columns are not PostHog's (the breaker read #stored_person_id and #session_key this way)
        for (String internal : List.of("%23stored_person_id", "%23session_key")) {
            as(team.key()).urlEncodingEnabled(false).get(values + "?key=" + internal + "&is_column=true&event_name=recent")
                    .then().statusCode(400).body("attr", org.hamcrest.Matchers.equalTo("key"));
        }
        as(other.key()).get(events(other) + "values/?key=$browser&event_name=recent").then().statusCode(200)
                .body("results", empty());
    }
}

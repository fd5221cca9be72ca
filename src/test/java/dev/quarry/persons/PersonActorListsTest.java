package dev.quarry.persons;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PersonActorListsTest {
    private static final String PAGEVIEW = "[{\"id\":\"$pageview\",\"type\":\"events\",\"order\":0}]";
    private static Project team;
    private static Project other;

    /**
     * The contract's worked examples. Lifecycle: p1 active 01-11, 12, 13, 15, 17, 19; p2 01-09, 12; p3 01-12;
     * p4 01-15. Stickiness (2020-01-11 … 01-20, event "sticky"): s1 every day 01-11 … 01-19 (9 days), s2 on 01-11,
     * 13, 15, 17, 19 (5 days). And 250 persons first seen on 2020-03-01 (event "crowd"), for paging.
     */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Person lists");
        other = TestProjects.create("Person lists other");
        Capture c = Capture.to(team);
        Map<String, List<Integer>> lifecycle = Map.of("p1", List.of(11, 12, 13, 15, 17, 19), "p2", List.of(9, 12),
                "p3", List.of(12), "p4", List.of(15));
        lifecycle.forEach((person, days) -> days.forEach(day ->
                c.event("$pageview", person, String.format("2020-01-%02dT12:00:00Z", day), Map.of("$set", Map.of("email", person + "@x.test")))));
        for (int day = 11; day <= 19; day++) {
            c.event("sticky", "s1", String.format("2020-01-%02dT12:00:00Z", day));
        }
        for (int day : List.of(11, 13, 15, 17, 19)) {
            c.event("sticky", "s2", String.format("2020-01-%02dT12:00:00Z", day));
        }
        c.send();
        Capture crowd = Capture.to(team);
        for (int i = 0; i < 250; i++) {
            crowd.event("crowd", "crowd-" + i, "2020-03-01T10:00:00Z");
        }
        crowd.send();
        Capture.to(other).event("$pageview", "p3", "2020-01-12T12:00:00Z").send();
    }

    private JsonPath lifecycle(String targetDate, String type) {
        return given().header("Authorization", "Bearer " + team.key())
                .queryParam("events", PAGEVIEW).queryParam("date_from", "2020-01-09").queryParam("date_to", "2020-01-19")
                .queryParam("interval", "day").queryParam("target_date", targetDate).queryParam("lifecycle_type", type)
                .get("/api/environments/" + team.id() + "/persons/lifecycle/")
                .then().log().ifValidationFails().statusCode(200).extract().jsonPath();
    }

    @Test
    void lifecycleListsArePeopleOfTheCell() {
        // 01-12: new p3 (created that day), returning p1 (active 01-11), resurrecting p2 (last active 01-09).
        assertEquals(List.of("p3@x.test"), lifecycle("2020-01-12", "new").getList("results[0].people.properties.email"));
        assertEquals(List.of("p1@x.test"), lifecycle("2020-01-12", "returning").getList("results[0].people.properties.email"));
        assertEquals(List.of("p2@x.test"), lifecycle("2020-01-12", "resurrecting").getList("results[0].people.properties.email"));
        // dormant on 01-10 is p2 (-1 in the worked example); on 01-13: nobody from 01-12 is missing except p2, p3 (-2).
        assertEquals(List.of("p2@x.test"), lifecycle("2020-01-10", "dormant").getList("results[0].people.properties.email"));
        JsonPath dormant = lifecycle("2020-01-13", "dormant");
        assertEquals(Set.of("p2@x.test", "p3@x.test"), new HashSet<>(dormant.getList("results[0].people.properties.email")));
        assertEquals(2, dormant.getInt("results[0].count"));
        assertEquals("person", dormant.getString("results[0].people[0].type"));
        assertEquals(null, dormant.getString("next"));
    }

    /** An action of the project, created through the API; its id. */
    private static int action(String name, String event) {
        return given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("name", name, "steps", List.of(Map.of("event", event))))
                .post("/api/projects/" + team.id() + "/actions/").then().statusCode(201).extract().path("id");
    }

    /**
     * PostHog's legacy filters take actions beside events (its Filter.entities): the lists answer for an action as for
     * its events. The same stickiness and lifecycle cells as by event; a funnel of an action then an event.
     */
    @Test
    void actionsAreEntitiesOfTheLegacyLists() {
        int sticky = action("sticky action", "sticky");
        int pageview = action("pageview action", "$pageview");
        given().header("Authorization", "Bearer " + team.key())
                .queryParam("entityId", sticky).queryParam("type", "actions").queryParam("interval", "day")
                .queryParam("date_from", "2020-01-11").queryParam("date_to", "2020-01-20").queryParam("stickiness_days", 5)
                .get("/api/projects/" + team.id() + "/persons/stickiness/")
                .then().log().ifValidationFails().statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", equalTo(List.of("s2")));
        assertEquals(List.of("p3@x.test"), given().header("Authorization", "Bearer " + team.key())
                .queryParam("actions", "[{\"id\":" + pageview + ",\"type\":\"actions\",\"order\":0}]")
                .queryParam("date_from", "2020-01-09").queryParam("date_to", "2020-01-19").queryParam("interval", "day")
                .queryParam("target_date", "2020-01-12").queryParam("lifecycle_type", "new")
                .get("/api/environments/" + team.id() + "/persons/lifecycle/")
                .then().log().ifValidationFails().statusCode(200).extract().jsonPath()
                .getList("results[0].people.properties.email"));
        // pageview (action, order 0) then sticky (event, order 1) within 14 days: nobody did both in order
        // but p1..p4 reached step 1; s1, s2 never viewed a page
        given().header("Authorization", "Bearer " + team.key())
                .queryParam("actions", "[{\"id\":\"" + pageview + "\",\"type\":\"actions\",\"order\":0}]")
                .queryParam("events", "[{\"id\":\"sticky\",\"type\":\"events\",\"order\":1}]")
                .queryParam("date_from", "2020-01-01").queryParam("date_to", "2020-01-31").queryParam("funnel_step", 1)
                .get("/api/projects/" + team.id() + "/persons/funnel/")
                .then().log().ifValidationFails().statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", containsInAnyOrder("p1", "p2", "p3", "p4"));
        // an action id that is no integer, another project's action
        given().header("Authorization", "Bearer " + team.key())
                .queryParam("actions", "[{\"id\":\"x\",\"order\":0}]").queryParam("date_from", "2020-01-01")
                .get("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(400)
                .body("attr", equalTo("actions"));
        given().header("Authorization", "Bearer " + other.key())
                .queryParam("entityId", sticky).queryParam("type", "actions").queryParam("interval", "day")
                .queryParam("date_from", "2020-01-11").queryParam("date_to", "2020-01-20").queryParam("stickiness_days", 5)
                .get("/api/projects/" + other.id() + "/persons/stickiness/").then().statusCode(400)
                .body("detail", equalTo("Action " + sticky + " does not exist."));
    }

    @Test
    void stickinessListsThePersonsWithExactlyThatManyDays() {
        for (Object[] expected : new Object[][]{{5, List.of("s2")}, {9, List.of("s1")}, {1, List.of()}}) {
            given().header("Authorization", "Bearer " + team.key())
                    .queryParam("entityId", "sticky").queryParam("type", "events").queryParam("interval", "day")
                    .queryParam("date_from", "2020-01-11").queryParam("date_to", "2020-01-20")
                    .queryParam("stickiness_days", expected[0])
                    .get("/api/projects/" + team.id() + "/persons/stickiness/")
                    .then().log().ifValidationFails().statusCode(200)
                    .body("results[0].people.distinct_ids.flatten()", equalTo(expected[1]))
                    .body("results[0].count", equalTo(((List<?>) expected[1]).size()));
        }
    }

    /**
     * With {@code aggregation_group_type_index} PostHog's lifecycle and stickiness lists answer groups; Quarry lists
     * persons only, so both are a 400 naming the field rather than a list of persons (an index outside 0 … 4 is
     * PostHog's own 400).
     */
    @Test
    void groupAggregatedListsAreOfGroups() {
        // no event here names a company: a lifecycle of companies lists none (GroupActorsTest lists some)
        given().header("Authorization", "Bearer " + team.key())
                .queryParam("events", PAGEVIEW).queryParam("date_from", "2020-01-09").queryParam("date_to", "2020-01-19")
                .queryParam("interval", "day").queryParam("target_date", "2020-01-12").queryParam("lifecycle_type", "new")
                .queryParam("aggregation_group_type_index", 0)
                .get("/api/environments/" + team.id() + "/persons/lifecycle/")
                .then().statusCode(200).body("results[0].people", equalTo(List.of()));
        given().header("Authorization", "Bearer " + team.key())
                .queryParam("entityId", "sticky").queryParam("type", "events").queryParam("interval", "day")
                .queryParam("date_from", "2020-01-11").queryParam("date_to", "2020-01-20")
                .queryParam("stickiness_days", 5).queryParam("aggregation_group_type_index", 1)
                .get("/api/projects/" + team.id() + "/persons/stickiness/")
                .then().statusCode(400).body("attr", equalTo("aggregation_group_type_index"));
        given().header("Authorization", "Bearer " + team.key())
                .queryParam("entityId", "sticky").queryParam("type", "events")
                .queryParam("stickiness_days", 5).queryParam("aggregation_group_type_index", 9)
                .get("/api/projects/" + team.id() + "/persons/stickiness/")
                .then().statusCode(400)
                .body("detail", equalTo("aggregation_group_type_index is required to be at least 0 and less than 5"));
    }

    @Test
    void missingParametersAre400() {
        String url = "/api/projects/" + team.id() + "/persons/lifecycle/";
        given().header("Authorization", "Bearer " + team.key()).queryParam("events", PAGEVIEW)
                .queryParam("lifecycle_type", "new").get(url)
                .then().statusCode(400).body("message", equalTo("Missing parameter"))
                .body("detail", equalTo("Must include specified date")).body("attr", nullValue());
        given().header("Authorization", "Bearer " + team.key()).queryParam("events", PAGEVIEW)
                .queryParam("target_date", "2020-01-12").get(url)
                .then().statusCode(400).body("message", equalTo("Missing parameter"))
                .body("detail", equalTo("Must include lifecycle type"));
        // PostHog compares the status column with an unknown type: nobody, 200
        given().header("Authorization", "Bearer " + team.key()).queryParam("events", PAGEVIEW)
                .queryParam("target_date", "2020-01-12").queryParam("lifecycle_type", "sideways").get(url)
                .then().statusCode(200).body("results[0].people", equalTo(List.of()))
                .body("results[0].count", equalTo(0)).body("next", nullValue());
        given().header("Authorization", "Bearer " + team.key()).queryParam("events", "{not json")
                .queryParam("target_date", "2020-01-12").queryParam("lifecycle_type", "new").get(url)
                .then().statusCode(400);
        // no target entity: PostHog's get_target_entity 400, also with a series to pick from
        given().header("Authorization", "Bearer " + team.key()).queryParam("stickiness_days", 2)
                .get("/api/projects/" + team.id() + "/persons/stickiness/")
                .then().statusCode(400).body("type", equalTo("validation_error")).body("attr", nullValue())
                .body("detail", equalTo("An entity id and the entity type must be provided to determine an entity"));
        given().header("Authorization", "Bearer " + team.key()).queryParam("stickiness_days", 1)
                .queryParam("events", "[{\"id\":\"sticky\",\"type\":\"events\",\"order\":0}]")
                .queryParam("date_from", "2020-01-11").queryParam("date_to", "2020-01-20")
                .get("/api/projects/" + team.id() + "/persons/stickiness/")
                .then().statusCode(400)
                .body("detail", equalTo("An entity id and the entity type must be provided to determine an entity"));
        given().header("Authorization", "Bearer " + team.key()).queryParam("entityId", "sticky")
                .get("/api/projects/" + team.id() + "/persons/stickiness/")
                .then().statusCode(400).body("attr", equalTo("stickiness_days"));
    }

    /**
     * {@code interval} as PostHog's legacy IntervalMixin reads it: any case ({@code HoUR} is hour), the legacy
     * {@code minute} read as {@code hour}; another value is a 400 naming {@code interval} (PostHog raises a ValueError,
     * a 500). A {@code target_date} that is no date is a 400 naming {@code target_date}.
     */
    @Test
    void legacyIntervalsAndTargetDateAreReadAsPostHogReadsThem() {
        String url = "/api/projects/" + team.id() + "/persons/lifecycle/";
        // p3's first pageview is 2020-01-12T12:00Z: new in the hour starting 12:00
        for (String interval : List.of("hour", "HoUR", "minute", "Minute")) {
            given().header("Authorization", "Bearer " + team.key()).queryParam("events", PAGEVIEW)
                    .queryParam("date_from", "2020-01-12").queryParam("date_to", "2020-01-12T23:00:00")
                    .queryParam("interval", interval).queryParam("target_date", "2020-01-12T12:00:00")
                    .queryParam("lifecycle_type", "new").get(url)
                    .then().log().ifValidationFails().statusCode(200)
                    .body("results[0].people.distinct_ids.flatten()", equalTo(List.of("p3")));
        }
        assertEquals(List.of("p3@x.test"), lifecycle("2020-01-12", "new").getList("results[0].people.properties.email"));
        given().header("Authorization", "Bearer " + team.key()).queryParam("events", PAGEVIEW)
                .queryParam("interval", "fortnight").queryParam("target_date", "2020-01-12")
                .queryParam("lifecycle_type", "new").get(url)
                .then().statusCode(400).body("attr", equalTo("interval"));
        given().header("Authorization", "Bearer " + team.key()).queryParam("entityId", "sticky")
                .queryParam("interval", "fortnight").queryParam("stickiness_days", 2)
                .get("/api/projects/" + team.id() + "/persons/stickiness/")
                .then().statusCode(400).body("attr", equalTo("interval"));
        given().header("Authorization", "Bearer " + team.key()).queryParam("events", PAGEVIEW)
                .queryParam("target_date", "the day after").queryParam("lifecycle_type", "new").get(url)
                .then().statusCode(400).body("attr", equalTo("target_date"));
    }

    /** 250 new persons on 2020-03-01, 100 a page: the next links walk 100 + 100 + 50 with no repeats or gaps. */
    @Test
    void pagingThroughTwoHundredFiftyPersons() {
        String next = "/api/projects/" + team.id() + "/persons/lifecycle/?events=" + java.net.URLEncoder.encode(
                "[{\"id\":\"crowd\",\"type\":\"events\"}]", java.nio.charset.StandardCharsets.UTF_8)
                + "&date_from=2020-02-25&date_to=2020-03-05&interval=day&target_date=2020-03-01&lifecycle_type=new";
        Set<String> seen = new HashSet<>();
        List<Integer> pageSizes = new java.util.ArrayList<>();
        while (next != null) {
            URI uri = URI.create(next);
            String pathAndQuery = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            JsonPath page = given().urlEncodingEnabled(false).header("Authorization", "Bearer " + team.key())
                    .get(pathAndQuery).then().statusCode(200).extract().jsonPath();
            List<String> ids = page.getList("results[0].people.id");
            pageSizes.add(ids.size());
            for (String id : ids) {
                assertTrue(seen.add(id), "person " + id + " appeared twice");
            }
            next = page.getString("next");
            if (next != null && pageSizes.size() == 1) {
                // PostHog's format_paginated_url: absolute with offset appended on the first page …
                assertTrue(next.startsWith("http") && next.endsWith("&offset=100"), next);
            } else if (next != null) {
                // … and, once the URL has an offset, the path without its leading slash with the offset replaced
                assertTrue(next.startsWith("api/projects/") && next.endsWith("&offset=200"), next);
                next = "/" + next;
            }
        }
        assertEquals(List.of(100, 100, 50), pageSizes);
        assertEquals(250, seen.size());
    }

    @Test
    void csvListsThePeopleWithFlattenedProperties() {
        String csv = given().header("Authorization", "Bearer " + team.key())
                .queryParam("events", PAGEVIEW).queryParam("date_from", "2020-01-09").queryParam("date_to", "2020-01-19")
                .queryParam("target_date", "2020-01-12").queryParam("lifecycle_type", "new").queryParam("format", "csv")
                .get("/api/projects/" + team.id() + "/persons/lifecycle/")
                .then().statusCode(200).header("Content-Type", containsString("text/csv")).extract().asString();
        // PostHog's CSV renderer writes the envelope's one {people, count} row, columns sorted
        List<String> lines = csv.lines().toList();
        assertEquals(2, lines.size(), csv);
        assertTrue(lines.get(0).startsWith("count,people.0.created_at,people.0.distinct_ids.0,people.0.id,"
                + "people.0.is_identified,people.0.name,"), lines.get(0));
        assertTrue(lines.get(0).contains(",people.0.properties.email,"), lines.get(0));
        // p3, created at its first event; booleans as Python writes them, datetimes as DRF renders them
        assertTrue(lines.get(1).startsWith("1,2020-01-12T12:00:00Z,p3,"), lines.get(1));
        assertTrue(lines.get(1).contains(",False,p3@x.test,"), lines.get(1));
    }

    @Test
    void stickinessCsvIsOneRowToo() {
        String csv = given().header("Authorization", "Bearer " + team.key())
                .queryParam("entityId", "sticky").queryParam("type", "events").queryParam("interval", "day")
                .queryParam("stickiness_days", 9)
                .queryParam("date_from", "2020-01-11").queryParam("date_to", "2020-01-20").queryParam("format", "csv")
                .get("/api/projects/" + team.id() + "/persons/stickiness/")
                .then().statusCode(200).extract().asString();
        List<String> lines = csv.lines().toList();
        assertEquals(2, lines.size(), csv);
        assertTrue(lines.get(0).startsWith("count,people.0.created_at,people.0.distinct_ids.0,"), lines.get(0));
        assertTrue(lines.get(1).startsWith("1,2020-01-11T12:00:00Z,s1,"), lines.get(1));
    }

    @Test
    void anotherTeamsKeySeesOnlyItsOwnPersons() {
        given().header("Authorization", "Bearer " + other.key())
                .queryParam("events", PAGEVIEW).queryParam("date_from", "2020-01-09").queryParam("date_to", "2020-01-19")
                .queryParam("target_date", "2020-01-12").queryParam("lifecycle_type", "new")
                .get("/api/projects/" + other.id() + "/persons/lifecycle/")
                .then().statusCode(200).body("results[0].people.distinct_ids.flatten()", containsInAnyOrder("p3"))
                .body("results[0].people[0].properties.email", nullValue());
        given().header("Authorization", "Bearer " + other.key()).queryParam("events", PAGEVIEW)
                .queryParam("target_date", "2020-01-12").queryParam("lifecycle_type", "new")
                .get("/api/projects/" + team.id() + "/persons/lifecycle/").then().statusCode(403);
    }
}

package dev.quarry.persons;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The persons list's {@code ?cohort=} (PostHog's PersonFilter: "ID of a cohort the user belongs to"), unknown and
 * foreign cohorts on every persons endpoint and in cohort breakdowns (PostHog's 400 "Could not find cohort with ID
 * N"), links that never repeat a {@code personal_api_key} given in the query string, and the person's datetimes as
 * PostHog renders them (DRF: {@code …T10:00:00Z}) with {@code last_seen_at}, the time of the latest event.
 *
 * <p>Data: ann views on 2026-01-05 10:00 and leaves at 11:00 (last seen 11:00); bob views at 10:30; cid views at
 * 10:45:00.5. Static cohort "Ann only" holds ann; the other project has its own cohort.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PersonsCohortAndLinksTest {
    private static Project team;
    private static Project other;
    private static int annOnly;
    private static int foreign;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Persons cohort and links");
        other = TestProjects.create("Persons cohort and links, other");
        Capture.to(team)
                .event("$pageview", "ann", "2026-01-05T10:00:00Z", Map.of("$set", Map.of("email", "ann@x.test")))
                .event("$pageview", "bob", "2026-01-05T10:30:00Z")
                .event("$pageview", "cid", "2026-01-05T10:45:00.500Z")
                .event("$pageleave", "ann", "2026-01-05T11:00:00Z")
                .send();
        Capture.to(other).event("$pageview", "zed", "2026-01-05T10:00:00Z").send();
        annOnly = cohort(team, "Ann only");
        String ann = as(team.key()).queryParam("distinct_id", "ann").get(persons(team)).then().statusCode(200)
                .extract().path("results[0].uuid");
        as(team.key()).contentType("application/json").body(Map.of("person_ids", List.of(ann)))
                .patch("/api/projects/" + team.id() + "/cohorts/" + annOnly + "/add_persons_to_static_cohort/")
                .then().statusCode(200);
        foreign = cohort(other, "Elsewhere");
    }

    private static int cohort(Project project, String name) {
        return as(project.key()).contentType("application/json").body(Map.of("name", name, "is_static", true))
                .post("/api/projects/" + project.id() + "/cohorts/").then().statusCode(201).extract().path("id");
    }

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    private static String persons(Project project) {
        return "/api/projects/" + project.id() + "/persons/";
    }

    @Test
    void personsListFilteredByCohort() {
        as(team.key()).queryParam("cohort", annOnly).get(persons(team)).then().statusCode(200)
                .body("results.distinct_ids.flatten()", equalTo(List.of("ann")));
        as(team.key()).get(persons(team)).then().statusCode(200).body("results.size()", equalTo(3));
        as(team.key()).queryParam("cohort", "abc").get(persons(team)).then().statusCode(400)
                .body("type", equalTo("validation_error")).body("attr", equalTo("cohort"));
        for (int unknown : List.of(999_999, foreign)) {
            as(team.key()).queryParam("cohort", unknown).get(persons(team)).then().statusCode(400)
                    .body("detail", equalTo("Could not find cohort with ID " + unknown)).body("attr", equalTo("cohort"));
        }
    }

    private static final String EVENTS = "[{\"id\": \"$pageview\", \"type\": \"events\", \"order\": 0}]";
    private static final String STEPS = "[{\"id\": \"$pageview\", \"type\": \"events\", \"order\": 0}, "
            + "{\"id\": \"$pageleave\", \"type\": \"events\", \"order\": 1}]";

    private static String cohortFilter(int id) {
        return "[{\"type\": \"cohort\", \"key\": \"id\", \"value\": " + id + "}]";
    }

    @Test
    void unknownAndForeignCohortsOnThePersonsEndpointsAre400s() {
        String base = "/api/environments/" + team.id() + "/persons/";
        for (int unknown : List.of(999_999, foreign)) {
            String properties = cohortFilter(unknown);
            List<Response> answers = List.of(
                    as(team.key()).queryParam("properties", properties).get(base),
                    as(team.key()).queryParam("events", STEPS).queryParam("date_from", "2026-01-01")
                            .queryParam("date_to", "2026-01-07").queryParam("funnel_step", 1)
                            .queryParam("properties", properties).get(base + "funnel/"),
                    as(team.key()).queryParam("events", EVENTS).queryParam("date_from", "2026-01-01")
                            .queryParam("date_to", "2026-01-07").queryParam("interval", "day")
                            .queryParam("target_date", "2026-01-05").queryParam("lifecycle_type", "new")
                            .queryParam("properties", properties).get(base + "lifecycle/"),
                    as(team.key()).queryParam("events", EVENTS).queryParam("date_from", "2026-01-01")
                            .queryParam("date_to", "2026-01-07").queryParam("interval", "day")
                            .queryParam("entityId", "$pageview").queryParam("type", "events")
                            .queryParam("stickiness_days", 1).queryParam("properties", properties).get(base + "stickiness/"));
            for (Response r : answers) {
                r.then().statusCode(400).body("type", equalTo("validation_error"))
                        .body("detail", equalTo("Could not find cohort with ID " + unknown));
            }
        }
        // the same endpoints with the project's own cohort answer, with ann only
        as(team.key()).queryParam("events", STEPS).queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-07")
                .queryParam("funnel_step", 1).queryParam("properties", cohortFilter(annOnly)).get(base + "funnel/")
                .then().statusCode(200).body("results[0].people.distinct_ids.flatten()", equalTo(List.of("ann")));
    }

    private static Response query(Map<String, Object> query) {
        return as(team.key()).contentType("application/json").body(Map.of("query", query, "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/");
    }

    @Test
    void cohortBreakdownsNamingAnUnknownOrForeignCohortAre400s() {
        Map<String, Object> range = Map.of("date_from", "2026-01-01", "date_to", "2026-01-07");
        List<Map<String, Object>> pageview = List.of(Map.of("kind", "EventsNode", "event", "$pageview"));
        List<Map<String, Object>> steps = List.of(Map.of("kind", "EventsNode", "event", "$pageview"),
                Map.of("kind", "EventsNode", "event", "$pageleave"));
        for (int unknown : List.of(999_999, foreign)) {
            String detail = "Could not find cohort with ID " + unknown;
            query(Map.of("kind", "TrendsQuery", "series", pageview, "dateRange", range,
                    "breakdownFilter", Map.of("breakdown_type", "cohort", "breakdown", List.of(annOnly, unknown))))
                    .then().statusCode(400).body("detail", equalTo(detail)).body("attr", equalTo("breakdown"));
            query(Map.of("kind", "TrendsQuery", "series", pageview, "dateRange", range,
                    "breakdownFilter", Map.of("breakdowns", List.of(Map.of("type", "cohort", "property", unknown)))))
                    .then().statusCode(400).body("detail", equalTo(detail));
            query(Map.of("kind", "FunnelsQuery", "series", steps, "dateRange", range,
                    "breakdownFilter", Map.of("breakdown_type", "cohort", "breakdown", List.of(unknown))))
                    .then().statusCode(400).body("detail", equalTo(detail));
        }
        // the project's own cohort is a breakdown value: 1 pageview by ann, 3 for all users (0)
        JsonPath ok = query(Map.of("kind", "TrendsQuery", "series", pageview, "dateRange", range,
                "trendsFilter", Map.of("display", "ActionsTable"),
                "breakdownFilter", Map.of("breakdown_type", "cohort", "breakdown", List.of(annOnly, 0))))
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(1, 3), ok.getList("results.aggregated_value"));
    }

    @Test
    void linksNeverRepeatAQueryStringKey() {
        // no Authorization header: the key travels in the query string only
        String key = team.key();
        JsonPath first = given().queryParam("personal_api_key", key).queryParam("limit", 1)
                .get(persons(team)).then().statusCode(200).extract().jsonPath();
        String next = first.getString("next");
        assertTrue(next.contains("offset=1"), next);
        assertFalse(next.contains(key) || next.contains("personal_api_key"), next);
        JsonPath second = given().queryParam("personal_api_key", key).queryParam("limit", 1).queryParam("offset", 1)
                .get(persons(team)).then().statusCode(200).extract().jsonPath();
        assertFalse(second.getString("previous").contains("personal_api_key"), second.getString("previous"));
        assertFalse(second.getString("next").contains("personal_api_key"), second.getString("next"));
        // the definitions' paginator (DRF's LimitOffsetPagination)
        given().queryParam("personal_api_key", key).queryParam("limit", 1)
                .get("/api/projects/" + team.id() + "/event_definitions/").then().statusCode(200)
                .body("next", containsString("offset=1")).body("next", not(containsString("personal_api_key")));
        // the legacy persons endpoints' next and initial links
        given().queryParam("personal_api_key", key).queryParam("events", STEPS).queryParam("date_from", "2026-01-01")
                .queryParam("date_to", "2026-01-07").queryParam("funnel_step", 1).queryParam("limit", 1)
                .get("/api/environments/" + team.id() + "/persons/funnel/").then().statusCode(200)
                .body("next", containsString("offset=1")).body("next", not(containsString("personal_api_key")))
                .body("initial", startsWith("http")).body("initial", not(containsString("personal_api_key")));
    }

    @Test
    void personDatetimesRenderAsPostHogAndLastSeenIsTheLatestEvent() {
        JsonPath list = as(team.key()).queryParam("distinct_id", "ann").get(persons(team)).then().statusCode(200)
                .extract().jsonPath();
        assertEquals("2026-01-05T10:00:00Z", list.getString("results[0].created_at"));
        assertEquals("2026-01-05T11:00:00Z", list.getString("results[0].last_seen_at"));
        String uuid = list.getString("results[0].uuid");
        as(team.key()).get(persons(team) + uuid + "/").then().statusCode(200)
                .body("created_at", equalTo("2026-01-05T10:00:00Z")).body("last_seen_at", equalTo("2026-01-05T11:00:00Z"));
        // a fraction of a second keeps six digits, as Python's isoformat
        as(team.key()).queryParam("distinct_id", "cid").get(persons(team)).then().statusCode(200)
                .body("results[0].created_at", equalTo("2026-01-05T10:45:00.500000Z"))
                .body("results[0].last_seen_at", equalTo("2026-01-05T10:45:00.500000Z"));
        // ActorsQuery and the legacy lifecycle list render the same person alike
        JsonPath actors = query(Map.of("kind", "ActorsQuery", "select", List.of("person", "created_at"),
                "properties", List.of(Map.of("key", "email", "type", "person", "operator", "exact", "value", "ann@x.test"))))
                .then().statusCode(200).extract().jsonPath();
        assertEquals("2026-01-05T10:00:00Z", actors.getString("results[0][0].created_at"));
        assertEquals("2026-01-05T10:00:00Z", actors.getString("results[0][1]"));
        as(team.key()).queryParam("events", EVENTS).queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-07")
                .queryParam("interval", "day").queryParam("target_date", "2026-01-05").queryParam("lifecycle_type", "new")
                .get("/api/environments/" + team.id() + "/persons/lifecycle/").then().statusCode(200)
                .body("results[0].people.find { it.distinct_ids.contains('ann') }.created_at", equalTo("2026-01-05T10:00:00Z"));
    }
}

package dev.quarry.persons;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.quarry.testing.Capture;
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

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PersonFunnelListsTest {
    private static final String STEPS = "[{\"id\":\"signed up\",\"type\":\"events\",\"order\":0},"
            + "{\"id\":\"purchase\",\"type\":\"events\",\"order\":1}]";
    private static Project team;

    /**
     * 2026-01-10: ann signs up at 10:00 and buys at 11:00 (after viewing pricing); bob signs up and leaves; cat
     * signs up, views pricing, and buys 20 days later (outside the 14-day window). eve only views pricing.
     * Funnel signed up → purchase: step 1 = ann, bob, cat; step 2 = ann; dropped before 2 = bob, cat.
     */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Funnel lists");
        Capture.to(team)
                .event("signed up", "ann", "2026-01-10T10:00:00Z").event("pricing", "ann", "2026-01-10T10:30:00Z")
                .event("purchase", "ann", "2026-01-10T11:00:00Z")
                .event("signed up", "bob", "2026-01-10T10:00:00Z")
                .event("signed up", "cat", "2026-01-10T10:00:00Z").event("pricing", "cat", "2026-01-10T10:05:00Z")
                .event("purchase", "cat", "2026-01-30T10:00:00Z")
                .event("pricing", "eve", "2026-01-10T10:00:00Z")
                .send();
    }

    private static RequestSpecification as() {
        return given().header("Authorization", "Bearer " + team.key());
    }

    private static RequestSpecification funnel(Object step) {
        return as().queryParam("events", STEPS).queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-31")
                .queryParam("funnel_window_days", 14).queryParam("funnel_step", step);
    }

    @Test
    void reachedAndDroppedOffLists() {
        funnel(1).get("/api/environments/" + team.id() + "/persons/funnel/").then().log().ifValidationFails()
                .statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", containsInAnyOrder("ann", "bob", "cat"))
                .body("results[0].count", equalTo(3))
                // initial: PostHog's format_query_params_absolute_url(request, 0) leaves the request URL as it is
                .body("next", nullValue()).body("initial", endsWith("&funnel_step=1"))
                .body("missing_persons", equalTo(0)).body("is_cached", equalTo(false)).body("last_refresh", notNullValue());
        funnel(2).get("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", equalTo(List.of("ann")));
        funnel(-2).get("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", containsInAnyOrder("bob", "cat"));
    }

    /**
     * PostHog's Filter parses a JSON-valued field given as text in a POST body as in a query string: a form
     * ({@code events=[…]}), or a JSON body whose {@code events} is the JSON text; and a repeated query parameter is
     * its last value, as Django's QueryDict answers.
     */
    @Test
    void postBodiesTakeJsonTextAndRepeatedParametersTheirLast() {
        as().contentType("application/x-www-form-urlencoded").formParam("events", STEPS)
                .formParam("date_from", "2026-01-01").formParam("date_to", "2026-01-31").formParam("funnel_step", "2")
                .post("/api/projects/" + team.id() + "/persons/funnel/").then().log().ifValidationFails().statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", equalTo(List.of("ann")));
        as().contentType("application/json").body(java.util.Map.of("events", STEPS, "date_from", "2026-01-01",
                        "date_to", "2026-01-31", "funnel_step", 2))
                .post("/api/projects/" + team.id() + "/persons/funnel/").then().log().ifValidationFails().statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", equalTo(List.of("ann")));
        // a step's properties as PostHog's old-style dict ({key: value}): nobody bought on a Chrome
        as().queryParam("events", "[{\"id\":\"signed up\",\"order\":0},{\"id\":\"purchase\",\"order\":1,"
                        + "\"properties\":{\"$browser\":\"Chrome\"}}]")
                .queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-31").queryParam("funnel_step", 2)
                .get("/api/projects/" + team.id() + "/persons/funnel/").then().log().ifValidationFails().statusCode(200)
                .body("results[0].people", equalTo(List.of()));
        // a legacy filter's negation (PostHog's Property.negation) flips its operator: everyone but ann
        as().queryParam("events", STEPS).queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-31")
                .queryParam("properties", "[{\"key\":\"$browser\",\"value\":\"Chrome\",\"type\":\"event\","
                        + "\"negation\":true}]")
                .queryParam("funnel_step", 1).get("/api/projects/" + team.id() + "/persons/funnel/").then()
                .log().ifValidationFails().statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", containsInAnyOrder("ann", "bob", "cat"));
        as().queryParam("events", STEPS).queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-31")
                .queryParam("properties", "[{\"key\":\"$browser\",\"value\":\"Chrome\",\"type\":\"event\","
                        + "\"negation\":false}]")
                .queryParam("funnel_step", 1).get("/api/projects/" + team.id() + "/persons/funnel/").then()
                .statusCode(200).body("results[0].people", equalTo(List.of()));
        as().queryParam("events", STEPS).queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-31")
                .queryParam("funnel_step", 1).queryParam("funnel_step", 2)
                .get("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", equalTo(List.of("ann")));
    }

    /**
     * funnel_custom_steps: the actors whose furthest step is listed (PostHog's steps IN custom_steps), before
     * funnel_step: ann got to 2, bob and cat to 1 (cat's purchase is outside the window).
     */
    @Test
    void customStepsListTheActorsStoppedAtThoseSteps() {
        for (Object[] expected : new Object[][]{{"[1]", List.of("bob", "cat")}, {"[2]", List.of("ann")},
                {"[1,2]", List.of("ann", "bob", "cat")}}) {
            funnel(2).queryParam("funnel_custom_steps", expected[0])
                    .get("/api/projects/" + team.id() + "/persons/funnel/").then().log().ifValidationFails()
                    .statusCode(200).body("results[0].people.distinct_ids.flatten()",
                            containsInAnyOrder(((List<?>) expected[1]).toArray()));
        }
        Map<String, Object> funnelsQuery = Map.of("kind", "FunnelsQuery", "series", List.of(
                        Map.of("kind", "EventsNode", "event", "signed up"), Map.of("kind", "EventsNode", "event", "purchase")),
                "dateRange", Map.of("date_from", "2026-01-01", "date_to", "2026-01-31"));
        as().contentType("application/json").body(Map.of("query", Map.of("kind", "ActorsQuery", "select", List.of("actor"),
                        "source", Map.of("kind", "FunnelsActorsQuery", "funnelCustomSteps", List.of(1),
                                "source", funnelsQuery))))
                .post("/api/projects/" + team.id() + "/query/").then().log().ifValidationFails().statusCode(200)
                .body("results.collect { it[0].distinct_ids[0] }", containsInAnyOrder("bob", "cat"));
        funnel(1).queryParam("funnel_custom_steps", "[3]").get("/api/projects/" + team.id() + "/persons/funnel/")
                .then().statusCode(400).body("attr", equalTo("funnelCustomSteps"));
    }

    /** A zero window is no window (PostHog's "or 14"): cat's purchase 20 days on stays outside the 14 days. */
    @Test
    void aZeroWindowIsTheDefaultFourteenDays() {
        for (String param : List.of("funnel_window_days", "funnel_window_interval")) {
            as().queryParam("events", STEPS).queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-31")
                    .queryParam(param, 0).queryParam("funnel_step", 2)
                    .get("/api/projects/" + team.id() + "/persons/funnel/").then().log().ifValidationFails()
                    .statusCode(200).body("results[0].people.distinct_ids.flatten()", equalTo(List.of("ann")));
        }
        as().queryParam("events", STEPS).queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-31")
                .queryParam("funnel_window_days", -1).queryParam("funnel_step", 2)
                .get("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(400);
    }

    @Test
    void postTakesTheFilterInTheBody() {
        as().contentType("application/json").body(Map.of("events", List.of(
                        Map.of("id", "signed up", "type", "events", "order", 0), Map.of("id", "purchase", "type", "events", "order", 1)),
                        "date_from", "2026-01-01", "date_to", "2026-01-31", "funnel_step", 2, "limit", 1))
                .post("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", equalTo(List.of("ann")));
        funnel(1).queryParam("limit", 2).get("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(200)
                .body("results[0].count", equalTo(2)).body("next", containsString("offset=2"));
    }

    /** Pages of a step's persons go in person-id order, as PostHog's ORDER BY aggregation_target pages them. */
    @Test
    void pagesGoInPersonIdOrder() {
        // six persons created an hour apart: their creation order is not their id order (but by 1 chance in 720)
        Project project = TestProjects.create("Funnel pages");
        Capture capture = Capture.to(project);
        for (int i = 0; i < 6; i++) {
            capture.event("signed up", "p" + i, "2026-01-10T1" + i + ":00:00Z");
        }
        capture.send();
        List<String> ids = new java.util.ArrayList<>();
        for (int offset = 0; offset < 6; offset += 2) {
            ids.addAll(given().header("Authorization", "Bearer " + project.key()).queryParam("events", STEPS)
                    .queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-31")
                    .queryParam("funnel_step", 1).queryParam("limit", 2).queryParam("offset", offset)
                    .get("/api/projects/" + project.id() + "/persons/funnel/").then().statusCode(200)
                    .body("results[0].count", equalTo(2)).extract().<List<String>>path("results[0].people.id"));
        }
        List<String> sorted = new java.util.ArrayList<>(ids);
        java.util.Collections.sort(sorted);
        org.junit.jupiter.api.Assertions.assertEquals(sorted, ids);
        org.junit.jupiter.api.Assertions.assertEquals(6, new java.util.HashSet<>(ids).size());
    }

    /** Of the funnel's entrants, who viewed pricing: converted ann, not converted cat. */
    @Test
    void correlationListsByConversion() {
        for (Object[] expected : new Object[][]{{"true", List.of("ann")}, {"false", List.of("cat")}}) {
            as().queryParam("events", STEPS).queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-31")
                    .queryParam("funnel_correlation_person_entity", "{\"id\":\"pricing\",\"type\":\"events\"}")
                    .queryParam("funnel_correlation_person_converted", expected[0])
                    .get("/api/projects/" + team.id() + "/persons/funnel/correlation/")
                    .then().log().ifValidationFails().statusCode(200)
                    .body("results[0].people.distinct_ids.flatten()", equalTo(expected[1]));
        }
    }

    /**
     * PostHog's next: only when the page is full (raw_count >= funnel_correlation_person_limit), so a page that holds
     * exactly the last persons still links on.
     */
    @Test
    void correlationNextWhenThePageIsFull() {
        java.util.function.BiFunction<Integer, Integer, io.restassured.response.ValidatableResponse> page =
                (limit, offset) -> as().queryParam("events", STEPS).queryParam("date_from", "2026-01-01")
                        .queryParam("date_to", "2026-01-31")
                        .queryParam("funnel_correlation_person_entity", "{\"id\":\"pricing\",\"type\":\"events\"}")
                        .queryParam("funnel_correlation_person_limit", limit)
                        .queryParam("funnel_correlation_person_offset", offset)
                        .get("/api/projects/" + team.id() + "/persons/funnel/correlation/").then().statusCode(200);
        // ann and cat viewed pricing
        page.apply(2, 0).body("results[0].count", equalTo(2))
                .body("next", containsString("funnel_correlation_person_offset=2"))
                .body("next", containsString("funnel_correlation_person_limit=2"));
        page.apply(1, 1).body("results[0].count", equalTo(1))
                .body("next", containsString("funnel_correlation_person_offset=2"));
        page.apply(3, 0).body("results[0].count", equalTo(2)).body("next", nullValue());
    }

    /** A property correlation's persons are picked by funnel_correlation_property_values alone. */
    @Test
    void propertyCorrelationPersonsNeedNoEntity() {
        as().queryParam("events", STEPS).queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-31")
                .queryParam("funnel_correlation_type", "properties")
                .queryParam("funnel_correlation_property_values",
                        "[{\"key\":\"plan\",\"operator\":\"is_not_set\",\"type\":\"person\"}]")
                .queryParam("funnel_correlation_person_converted", "true")
                .get("/api/projects/" + team.id() + "/persons/funnel/correlation/").then().log().ifValidationFails()
                .statusCode(200).body("results[0].people.distinct_ids.flatten()", equalTo(List.of("ann")));
        as().queryParam("events", STEPS).queryParam("funnel_correlation_type", "properties")
                .get("/api/projects/" + team.id() + "/persons/funnel/correlation/").then().statusCode(400)
                .body("attr", equalTo("funnel_correlation_property_values"));
    }

    @Test
    void badFunnelInputIs400() {
        as().queryParam("events", "[{\"id\":\"signed up\",\"type\":\"events\"}]")
                .get("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(400).body("attr", equalTo("events"));
        funnel("two").get("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(400);
        funnel(7).get("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(400);
        as().queryParam("events", STEPS).get("/api/projects/" + team.id() + "/persons/funnel/correlation/")
                .then().statusCode(400).body("attr", equalTo("funnel_correlation_person_entity"));
    }
}

package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code IN COHORT} in a HogQLQuery names a cohort of the project that is not deleted, as in PostHog
 * (posthog/hogql/functions/cohort.py): an unknown id or name, another project's cohort, a deleted one or a name two
 * cohorts share is a 400 naming it, not an answer that matches nobody.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class HogQLInCohortTest {
    private static Project team;
    private static Project other;
    private static int buyers;
    private static int othersCohort;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("HogQL in cohort");
        other = TestProjects.create("HogQL in cohort, other team");
        Capture.to(team).event("purchase", "ann", "2026-01-02T10:00:00Z").event("view", "bob", "2026-01-02T11:00:00Z")
                .send();
        buyers = cohort(team, "Buyers");
        cohort(team, "Twins");
        cohort(team, "Twins");
        othersCohort = cohort(other, "Elsewhere");
    }

    private static int cohort(Project project, String name) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("name", name, "is_static", true))
                .post("/api/projects/" + project.id() + "/cohorts/").then().statusCode(201).extract().path("id");
    }

    private static Response hogql(String query) {
        return given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", query)))
                .post("/api/environments/" + team.id() + "/query/");
    }

    @Test
    void knownCohortsByIdAndName() {
        // the static cohort has no members yet: nobody is in it, everybody is not
        hogql("select count() from events where person_id in cohort " + buyers).then().statusCode(200)
                .body("results[0][0]", equalTo(0));
        hogql("select count() from events where person_id not in cohort 'Buyers'").then().statusCode(200)
                .body("results[0][0]", equalTo(2));
    }

    @Test
    void unknownCohortIsA400() {
        hogql("select count() from events where person_id in cohort 987654321").then().statusCode(400)
                .body("type", equalTo("validation_error")).body("code", equalTo("hogql_query_error"))
                .body("detail", equalTo("Could not find cohort with ID 987654321"));
        hogql("select count() from events where person_id in cohort 'Nobody here'").then().statusCode(400)
                .body("detail", equalTo("Could not find a cohort with the name 'Nobody here'"));
        hogql("select count() from events where person_id in cohort 'Twins'").then().statusCode(400)
                .body("detail", equalTo("Found multiple cohorts with name 'Twins'"));
    }

    private static Response query(Map<String, Object> query) {
        return given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", query)).post("/api/environments/" + team.id() + "/query/");
    }

    /**
     * A cohort property filter naming an unknown cohort is the same 400 in every query kind (the compiled statement
     * looks the cohort up and fails with SQLSTATE QC404), and a known one still answers.
     */
    @Test
    void unknownCohortFilterIsA400InEveryKind() {
        Map<String, Object> unknown = Map.of("type", "cohort", "key", "id", "value", 987654321);
        Map<String, Object> known = Map.of("type", "cohort", "key", "id", "value", buyers);
        Map<String, Object> series = Map.of("kind", "EventsNode", "event", "purchase");
        Map<String, Object> range = Map.of("date_from", "2026-01-01", "date_to", "2026-01-03");
        java.util.List<Map<String, Object>> queries = java.util.List.of(
                Map.of("kind", "TrendsQuery", "series", java.util.List.of(series), "dateRange", range,
                        "properties", java.util.List.of(unknown)),
                Map.of("kind", "TrendsQuery", "series", java.util.List.of(series), "dateRange", range,
                        "trendsFilter", Map.of("display", "BoldNumber"), "properties", java.util.List.of(unknown)),
                Map.of("kind", "EventsQuery", "select", java.util.List.of("event"),
                        "properties", java.util.List.of(unknown)),
                Map.of("kind", "ActorsQuery", "properties", java.util.List.of(unknown)),
                Map.of("kind", "FunnelsQuery", "series", java.util.List.of(series, Map.of("kind", "EventsNode",
                        "event", "view")), "dateRange", range, "properties", java.util.List.of(unknown)));
        for (Map<String, Object> q : queries) {
            query(q).then().statusCode(400).body("code", equalTo("hogql_query_error"))
                    .body("detail", equalTo("Could not find cohort with ID 987654321"));
        }
        // the trends series filter too, and the known cohort answers (it has no members: 0)
        query(Map.of("kind", "TrendsQuery", "dateRange", range, "series", java.util.List.of(Map.of("kind",
                "EventsNode", "event", "purchase", "properties", java.util.List.of(unknown))))).then().statusCode(400)
                .body("detail", equalTo("Could not find cohort with ID 987654321"));
        query(Map.of("kind", "TrendsQuery", "series", java.util.List.of(series), "dateRange", range,
                "trendsFilter", Map.of("display", "BoldNumber"), "properties", java.util.List.of(known)))
                .then().statusCode(200).body("results[0].aggregated_value", equalTo(0));
        // another team's cohort is unknown here
        query(Map.of("kind", "EventsQuery", "select", java.util.List.of("event"), "properties",
                java.util.List.of(Map.of("type", "cohort", "key", "id", "value", othersCohort)))).then().statusCode(400)
                .body("detail", equalTo("Could not find cohort with ID " + othersCohort));
    }

    @Test
    void metadataReportsAnUnknownCohort() {
        query(Map.of("kind", "HogQLMetadata", "language", "hogQL",
                "query", "select count() from events where person_id in cohort 987654321")).then().statusCode(200)
                .body("isValid", equalTo(false))
                .body("errors[0].message", equalTo("Could not find cohort with ID 987654321"));
        query(Map.of("kind", "HogQLMetadata", "language", "hogQL",
                "query", "select count() from events where person_id in cohort 'Buyers'")).then().statusCode(200)
                .body("isValid", equalTo(true));
    }

    @Test
    void anotherTeamsCohortIsUnknown() {
        hogql("select count() from events where person_id in cohort " + othersCohort).then().statusCode(400)
                .body("detail", equalTo("Could not find cohort with ID " + othersCohort));
        hogql("select count() from events where person_id in cohort 'Elsewhere'").then().statusCode(400)
                .body("detail", equalTo("Could not find a cohort with the name 'Elsewhere'"));
    }
}

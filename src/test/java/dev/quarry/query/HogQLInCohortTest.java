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

    @Test
    void anotherTeamsCohortIsUnknown() {
        hogql("select count() from events where person_id in cohort " + othersCohort).then().statusCode(400)
                .body("detail", equalTo("Could not find cohort with ID " + othersCohort));
        hogql("select count() from events where person_id in cohort 'Elsewhere'").then().statusCode(400)
                .body("detail", equalTo("Could not find a cohort with the name 'Elsewhere'"));
    }
}

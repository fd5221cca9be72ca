package dev.quarry.cohorts;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** PATCH cohorts/:id/remove_person_from_static_cohort/ {"person_id"}: success, errors, scope, isolation. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CohortStaticRemovalTest {
    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json");
    }

    private static String person(Project p, String distinctId) {
        return as(p.key()).get("/api/projects/" + p.id() + "/persons/?distinct_id=" + distinctId).then().statusCode(200)
                .extract().path("results[0].uuid");
    }

    @Test
    void removesOnePersonAndUpdatesTheCount() {
        Project p = TestProjects.create("Static removal");
        Project other = TestProjects.create("Static removal other");
        Capture.to(p).event("x", "a", "2026-01-01T00:00:00Z").event("x", "b", "2026-01-01T00:00:00Z").send();
        String base = "/api/projects/" + p.id() + "/cohorts/";
        long cohort = as(p.key()).body(Map.of("name", "Static", "is_static", true)).post(base).then().statusCode(201)
                .extract().jsonPath().getLong("id");
        String a = person(p, "a");
        String b = person(p, "b");
        as(p.key()).body(Map.of("person_ids", List.of(a, b))).patch(base + cohort + "/add_persons_to_static_cohort/")
                .then().statusCode(200).body("count", equalTo(2));
        as(p.key()).body(Map.of("person_id", a)).patch(base + cohort + "/remove_person_from_static_cohort/")
                .then().statusCode(200).body("success", equalTo(true));
        as(p.key()).get(base + cohort + "/").then().statusCode(200).body("count", equalTo(1));
        as(p.key()).get("/api/projects/" + p.id() + "/persons/cohorts/?person_id=" + a).then().statusCode(200)
                .body("results.size()", equalTo(0));
        // errors
        as(p.key()).body(Map.of("person_id", a)).patch(base + cohort + "/remove_person_from_static_cohort/")
                .then().statusCode(404);
        as(p.key()).body(Map.of()).patch(base + cohort + "/remove_person_from_static_cohort/").then().statusCode(400)
                .body("attr", equalTo("person_id"));
        as(p.key()).body(Map.of("person_id", "nope")).patch(base + cohort + "/remove_person_from_static_cohort/")
                .then().statusCode(400);
        as(p.key()).body(Map.of("person_id", b)).patch(base + "999999/remove_person_from_static_cohort/").then().statusCode(404);
        long dynamic = as(p.key()).body(Map.of("name", "Dyn", "filters", Map.of("properties", Map.of("type", "OR", "values",
                        List.of(Map.of("type", "AND", "values", List.of(Map.of("key", "plan", "operator", "is_set",
                                "type", "person")))))))).post(base).then().statusCode(201).extract().jsonPath().getLong("id");
        as(p.key()).body(Map.of("person_id", b)).patch(base + dynamic + "/remove_person_from_static_cohort/")
                .then().statusCode(400).body("attr", equalTo("is_static"));
        as(p.keyWith("cohort:read")).body(Map.of("person_id", b)).patch(base + cohort + "/remove_person_from_static_cohort/")
                .then().statusCode(403);
        // another project's key cannot reach it
        as(other.key()).body(Map.of("person_id", b)).patch(base + cohort + "/remove_person_from_static_cohort/")
                .then().statusCode(403);
        as(other.key()).body(Map.of("person_id", b)).patch("/api/projects/" + other.id() + "/cohorts/" + cohort
                + "/remove_person_from_static_cohort/").then().statusCode(404);
        as(p.key()).get(base + cohort + "/").then().statusCode(200).body("count", equalTo(1));
        as(p.key()).body(Map.of("person_id", UUID.randomUUID().toString()))
                .patch(base + cohort + "/remove_person_from_static_cohort/").then().statusCode(404);
    }
}

package dev.quarry.cohorts;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/**
 * A cohort names the user whose personal API key created it, as PostHog's CohortSerializer does
 * ({@code created_by = UserBasicSerializer(read_only=True)}, set from {@code request.user} on create): the same object
 * an action or an insight created with that key carries ({@code id}, {@code uuid}, {@code distinct_id},
 * {@code first_name}, {@code last_name}, {@code email}, {@code is_email_verified}), on create, get, list and edit.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CohortCreatedByTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RequestSpecification as(Project p) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json");
    }

    @Test
    void cohortCarriesItsCreator() throws Exception {
        Project p = TestProjects.create("edges7-cohort-creator");
        String base = "/api/projects/" + p.id();
        JsonNode action = JSON.readTree(as(p).body("{\"name\":\"signed up\",\"steps\":[{\"event\":\"signup\"}]}")
                .post(base + "/actions/").then().statusCode(201).extract().asString());
        JsonNode creator = action.get("created_by");
        assertTrue(creator.isObject(), action.toString());
        assertEquals(p.ownerUserId(), creator.path("id").asLong());

        JsonNode created = JSON.readTree(as(p).body("{\"name\":\"static ones\",\"is_static\":true}")
                .post(base + "/cohorts/").then().statusCode(201).extract().asString());
        assertEquals(creator, created.get("created_by"), created.toString());
        long id = created.path("id").asLong();
        JsonNode got = JSON.readTree(as(p).get(base + "/cohorts/" + id + "/").then().statusCode(200).extract().asString());
        assertEquals(creator, got.get("created_by"));
        JsonNode listed = JSON.readTree(as(p).get(base + "/cohorts/").then().statusCode(200).extract().asString());
        assertEquals(creator, listed.path("results").get(0).get("created_by"), listed.toString());
        JsonNode edited = JSON.readTree(as(p).body("{\"name\":\"renamed\"}").patch(base + "/cohorts/" + id + "/")
                .then().statusCode(200).extract().asString());
        assertEquals("renamed", edited.path("name").asText());
        assertEquals(creator, edited.get("created_by"), edited.toString());
        // the person's cohorts (persons/cohorts) carry it too
        dev.quarry.testing.Capture.to(p).event("x", "member", "2026-01-01T00:00:00Z").send();
        String person = as(p).get(base + "/persons/?distinct_id=member").then().statusCode(200)
                .extract().path("results[0].uuid");
        as(p).body("{\"person_ids\":[\"" + person + "\"]}").patch(base + "/cohorts/" + id + "/add_persons_to_static_cohort/")
                .then().statusCode(200);
        JsonNode ofPerson = JSON.readTree(as(p).get(base + "/persons/cohorts/?person_id=" + person).then().statusCode(200)
                .extract().asString());
        assertEquals(creator, ofPerson.path("results").get(0).get("created_by"), ofPerson.toString());
    }
}

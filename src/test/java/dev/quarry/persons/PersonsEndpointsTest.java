package dev.quarry.persons;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PersonsEndpointsTest {
    private static Project team;
    private static Project other;

    @Inject
    Pool pool;

    /** Persons a, b, c on plan free, d on pro, e without a plan; f has a plan with a comma and a quote. */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Persons");
        other = TestProjects.create("Persons other");
        Capture capture = Capture.to(team);
        for (String id : List.of("a", "b", "c")) {
            capture.event("$set", id, "2026-01-01T00:00:00Z", Map.of("$set", Map.of("plan", "free", "email", id + "@x.test")));
        }
        capture.event("$set", "d", "2026-01-01T00:00:00Z", Map.of("$set", Map.of("plan", "pro", "vip", true)));
        capture.event("$pageview", "e", "2026-01-01T00:00:00Z");
        capture.event("$set", "f", "2026-01-01T00:00:00Z", Map.of("$set", Map.of("plan", "team, \"big\"")));
        // trial: g and h JSON null, i the string "null", j "", k "x"
        for (String id : List.of("g", "h")) {
            Map<String, Object> nullTrial = new java.util.HashMap<>();
            nullTrial.put("trial", null);
            capture.event("$set", id, "2026-01-01T00:00:00Z", Map.of("$set", nullTrial));
        }
        capture.event("$set", "i", "2026-01-01T00:00:00Z", Map.of("$set", Map.of("trial", "null")));
        capture.event("$set", "j", "2026-01-01T00:00:00Z", Map.of("$set", Map.of("trial", "")));
        capture.event("$set", "k", "2026-01-01T00:00:00Z", Map.of("$set", Map.of("trial", "x")));
        capture.send();
        Capture.to(other).event("$set", "z", "2026-01-01T00:00:00Z", Map.of("$set", Map.of("plan", "free"))).send();
    }

    private static RequestSpecification as(Project project) {
        return given().header("Authorization", "Bearer " + project.key());
    }

    private UUID personOf(Project project, String distinctId) {
        var rows = pool.preparedQuery("SELECT person_id FROM person_distinct_ids WHERE team_id = $1 AND distinct_id = $2")
                .execute(Tuple.of(project.id(), distinctId)).await().indefinitely();
        return rows.size() == 0 ? null : rows.iterator().next().getUUID(0);
    }

    @Test
    void valuesCountsTheMostCommonValuesOfTheTeamOnly() {
        // free: a, b, c (team B's z not counted); pro: d; the comma one: f; e has no plan.
        as(team).get("/api/environments/" + team.id() + "/persons/values/?key=plan")
                .then().statusCode(200)
                .body("size()", equalTo(3))
                .body("[0].name", equalTo("free")).body("[0].count", equalTo(3))
                .body("name", hasItem("pro"));
        as(team).get("/api/projects/" + team.id() + "/persons/values?key=plan&value=PR")
                .then().statusCode(200).body("size()", equalTo(1)).body("[0].name", equalTo("pro"));
        as(team).get("/api/projects/" + team.id() + "/persons/values?key=vip")
                .then().statusCode(200).body("[0].name", equalTo("true"));
        as(team).get("/api/projects/" + team.id() + "/persons/values?key=plan&value=%25")
                .then().statusCode(200).body("size()", equalTo(0)); // % is matched literally
        as(team).get("/api/projects/" + team.id() + "/persons/values?key=distinct_id&value=a")
                .then().statusCode(200).body("[0].name", equalTo("a")).body("[0].count", equalTo(1));
        as(team).get("/api/projects/" + team.id() + "/persons/values").then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void aJsonNullIsPythonsNone() {
        // PostHog keeps the raw text null (only SQL NULL and '' are no value) and prints json.loads("null") as "None";
        // the string "null" reads the same; '' and a missing key are left out
        as(team).get("/api/environments/" + team.id() + "/persons/values/?key=trial")
                .then().statusCode(200)
                .body("size()", equalTo(2))
                .body("[0].name", equalTo("None")).body("[0].count", equalTo(3))
                .body("[1].name", equalTo("x")).body("[1].count", equalTo(1));
        as(team).get("/api/environments/" + team.id() + "/persons/values/?key=trial&value=nul")
                .then().statusCode(200).body("name", equalTo(List.of("None")));
    }

    @Test
    void valuesAsCsv() {
        String csv = as(team).get("/api/projects/" + team.id() + "/persons/values?key=plan&format=csv")
                .then().statusCode(200).header("Content-Type", containsString("text/csv")).extract().asString();
        // PostHog's CSV renderer sorts the header
        assertEquals("count,name", csv.lines().findFirst().orElseThrow());
        org.junit.jupiter.api.Assertions.assertTrue(csv.contains("1,\"team, \"\"big\"\"\""), csv);
        // a format no renderer has: DRF's content negotiation 404
        as(team).get("/api/projects/" + team.id() + "/persons/values?key=plan&format=xml")
                .then().statusCode(404).body("code", equalTo("not_found")).body("detail", equalTo("Not found."));
    }

    @Test
    void scopesAreChecked() {
        String cohortOnly = team.keyWith("cohort:read");
        given().header("Authorization", "Bearer " + cohortOnly).get("/api/projects/" + team.id() + "/persons/values?key=plan")
                .then().statusCode(403).body("detail", equalTo("API key missing required scope 'person:read'"));
        String reader = team.keyWith("person:read");
        given().header("Authorization", "Bearer " + reader).contentType("application/json")
                .body(Map.of("distinct_id", "a")).post("/api/projects/" + team.id() + "/persons/reset_person_distinct_id/")
                .then().statusCode(403).body("detail", equalTo("API key missing required scope 'person:write'"));
        given().header("Authorization", "Bearer " + reader)
                .get("/api/projects/" + team.id() + "/persons/cohorts/?person_id=" + personOf(team, "a"))
                .then().statusCode(403).body("detail", equalTo("API key missing required scope 'cohort:read'"));
    }

    /** PostHog's {@code ?delete_events=true}: the person's events go with it; without it they stay. */
    @Test
    void deleteWithDeleteEventsDeletesTheEventsToo() {
        Capture.to(team).event("$pageview", "de-1", "2026-01-02T00:00:00Z").event("$pageview", "de-1",
                "2026-01-02T01:00:00Z").event("$pageview", "de-2", "2026-01-02T02:00:00Z").send();
        UUID withEvents = personOf(team, "de-1");
        UUID keptEvents = personOf(team, "de-2");
        as(other).delete("/api/projects/" + other.id() + "/persons/" + withEvents + "/?delete_events=true")
                .then().statusCode(404);
        assertEquals(2, eventsOf(withEvents));
        as(team).delete("/api/projects/" + team.id() + "/persons/" + withEvents + "/?delete_events=true")
                .then().statusCode(202);
        as(team).delete("/api/projects/" + team.id() + "/persons/" + keptEvents + "/").then().statusCode(202);
        assertEquals(0, eventsOf(withEvents));
        assertEquals(1, eventsOf(keptEvents));
    }

    private long eventsOf(UUID person) {
        return pool.preparedQuery("SELECT count(*) FROM events WHERE team_id = $1 AND person_id = $2")
                .execute(Tuple.of(team.id(), person)).await().indefinitely().iterator().next().getLong(0);
    }

    /**
     * A deleted person's distinct id stays with it: an event sent afterwards creates no new person. After the reset
     * the distinct id is free, and the next event creates a new person for it.
     */
    @Test
    void deleteThenResetFreesTheDistinctId() {
        Capture.to(team).event("$pageview", "gone", "2026-01-02T00:00:00Z").send();
        UUID before = personOf(team, "gone");
        as(other).delete("/api/projects/" + other.id() + "/persons/" + before + "/").then().statusCode(404);
        as(team).delete("/api/projects/" + team.id() + "/persons/" + before + "/").then().statusCode(202);
        as(team).delete("/api/projects/" + team.id() + "/persons/" + before + "/").then().statusCode(404);

        Capture.to(team).event("$pageview", "gone", "2026-01-03T00:00:00Z", Map.of("$set", Map.of("x", 1))).send();
        assertEquals(before, personOf(team, "gone"));
        long persons = pool.preparedQuery("SELECT count(*) FROM persons WHERE team_id = $1 AND uuid = $2")
                .execute(Tuple.of(team.id(), before)).await().indefinitely().iterator().next().getLong(0);
        assertEquals(0, persons);

        // another project's reset of the same id touches only its own ids (it has none by that name)
        as(other).contentType("application/json").body(Map.of("distinct_id", "gone"))
                .post("/api/projects/" + other.id() + "/persons/reset_person_distinct_id/").then().statusCode(202);
        assertEquals(before, personOf(team, "gone"));
        as(team).contentType("application/json").body(Map.of("distinct_id", "gone"))
                .post("/api/environments/" + team.id() + "/persons/reset_person_distinct_id/").then().statusCode(202);
        assertEquals(null, personOf(team, "gone"));
        Capture.to(team).event("$pageview", "gone", "2026-01-04T00:00:00Z").send();
        UUID after = personOf(team, "gone");
        assertNotEquals(before, after);
        org.junit.jupiter.api.Assertions.assertNotNull(after);
    }

    @Test
    void resetErrors() {
        as(team).contentType("application/json").body(Map.of())
                .post("/api/projects/" + team.id() + "/persons/reset_person_distinct_id/")
                .then().statusCode(400).body("type", equalTo("validation_error"))
                .body("detail", equalTo("distinct_id is required")).body("attr", org.hamcrest.Matchers.nullValue());
        as(team).contentType("application/json").body(Map.of("distinct_id", 5))
                .post("/api/projects/" + team.id() + "/persons/reset_person_distinct_id/").then().statusCode(400);
        // PostHog's "not found" branch never fires (ClickHouse's max() over no rows gives a row): 202, nothing written
        as(team).contentType("application/json").body(Map.of("distinct_id", "never-seen"))
                .post("/api/projects/" + team.id() + "/persons/reset_person_distinct_id/").then().statusCode(202)
                .body(org.hamcrest.Matchers.emptyString());
        assertEquals(null, personOf(team, "never-seen"));
        // A live person's distinct id is not taken away from it.
        as(team).contentType("application/json").body(Map.of("distinct_id", "a"))
                .post("/api/projects/" + team.id() + "/persons/reset_person_distinct_id/").then().statusCode(202);
        org.junit.jupiter.api.Assertions.assertNotNull(personOf(team, "a"));
        as(team).delete("/api/projects/" + team.id() + "/persons/not-a-uuid/").then().statusCode(404);
    }

    @Test
    void cohortsOfAPersonNeedAValidPerson() {
        as(team).get("/api/projects/" + team.id() + "/persons/cohorts/").then().statusCode(400)
                .body("attr", equalTo("person_id"));
        as(team).get("/api/projects/" + team.id() + "/persons/cohorts/?person_id=" + UUID.randomUUID())
                .then().statusCode(404);
        as(team).get("/api/projects/" + team.id() + "/persons/cohorts/?person_id=" + personOf(other, "z"))
                .then().statusCode(404);
        as(team).get("/api/projects/" + team.id() + "/persons/cohorts/?person_id=" + personOf(team, "e"))
                .then().statusCode(200).body("results.size()", equalTo(0));
        as(team).get("/api/projects/" + team.id() + "/persons/values?key=plan")
                .then().statusCode(200).body("name", not(hasItem("z")));
    }
}

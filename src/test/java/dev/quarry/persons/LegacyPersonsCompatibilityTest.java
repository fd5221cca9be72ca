package dev.quarry.persons;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsInAnyOrder;
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
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The legacy persons endpoints as PostHog's person view answers them (posthog/api/person.py, api/utils.py,
 * djangorestframework-csv's renderer), value by value.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class LegacyPersonsCompatibilityTest {
    private static final String STEPS = "[{\"id\":\"signed up\",\"type\":\"events\",\"order\":0},"
            + "{\"id\":\"purchase\",\"type\":\"events\",\"order\":1}]";
    private static Project team;

    /**
     * 2026-01-10: ann signs up on plan "pro" at 10:00:00 and buys at 10:30; bob signs up on plan "free" at
     * 10:00:00.5 and leaves. Step 1 = ann, bob; step 2 = ann. Each person is created at their first event.
     */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Legacy persons compatibility");
        Capture.to(team)
                .event("signed up", "ann", "2026-01-10T10:00:00Z", Map.of("plan", "pro", "$set", Map.of("email", "ann@x.test")))
                .event("purchase", "ann", "2026-01-10T10:30:00Z")
                .event("signed up", "bob", "2026-01-10T10:00:00.500Z", Map.of("plan", "free"))
                .send();
    }

    private static RequestSpecification as() {
        return given().header("Authorization", "Bearer " + team.key());
    }

    private static RequestSpecification funnel(Object step) {
        return as().queryParam("events", STEPS).queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-31")
                .queryParam("funnel_step", step);
    }

    private String funnelUrl() {
        return "/api/environments/" + team.id() + "/persons/funnel/";
    }

    @Test
    void oldStyleDictPropertiesAreEventPropertyFilters() {
        funnel(1).get(funnelUrl()).then().statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", containsInAnyOrder("ann", "bob"));
        funnel(1).queryParam("properties", "{\"plan\": \"pro\"}").get(funnelUrl()).then().statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", equalTo(List.of("ann")));
        // key__operator picks the operator
        funnel(1).queryParam("properties", "{\"plan__icontains\": \"FRE\"}").get(funnelUrl()).then().statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", equalTo(List.of("bob")));
        // an event property, not a person property: the person property email matches no event
        funnel(1).queryParam("properties", "{\"email\": \"ann@x.test\"}").get(funnelUrl()).then().statusCode(200)
                .body("results[0].count", equalTo(0));
    }

    @Test
    void personsCarryPostHogsSerializedPersonFieldsAndDrfDatetimes() {
        // PostHog's legacy SerializedPerson (posthog/queries/actor_base_query.py): no last_seen_at key at all
        funnel(1).get(funnelUrl()).then().statusCode(200)
                .body("results[0].people.created_at", containsInAnyOrder("2026-01-10T10:00:00Z",
                        "2026-01-10T10:00:00.500000Z"))
                .body("results[0].people.findAll { it.containsKey('last_seen_at') }.size()", equalTo(0))
                .body("results[0].people[0].keySet()", containsInAnyOrder("type", "id", "uuid", "created_at",
                        "properties", "is_identified", "name", "distinct_ids", "matched_recordings",
                        "value_at_data_point"));
    }

    @Test
    void funnelCsvIsPostHogsFlattenedEnvelope() {
        String csv = funnel(1).queryParam("format", "csv").get(funnelUrl()).then().statusCode(200).extract().asString();
        List<String> lines = csv.lines().toList();
        assertEquals(2, lines.size(), csv); // the header and ONE row: {people, count} flattened
        List<String> header = List.of(lines.get(0).split(","));
        List<String> sorted = new ArrayList<>(header);
        java.util.Collections.sort(sorted);
        assertEquals(sorted, header);
        assertEquals("count", header.get(0));
        assertTrue(header.containsAll(List.of("people.0.created_at", "people.0.distinct_ids.0", "people.0.is_identified",
                "people.0.name", "people.1.uuid")), csv);
        // PostHog's legacy person has no last_seen_at, so its CSV has no such column
        assertTrue(header.stream().noneMatch(h -> h.contains("last_seen_at")), csv);
        assertTrue(header.stream().anyMatch(h -> h.matches("people\\.[01]\\.properties\\.email")), csv);
        // empty lists add no column
        assertTrue(header.stream().noneMatch(h -> h.contains("matched_recordings")), csv);
        String row = lines.get(1);
        assertTrue(row.startsWith("2,"), row);
        assertTrue(row.contains(",False,"), row);
        assertTrue(!row.contains("false"), row);
    }

    @Test
    void nextAndInitialLinksAreBuiltAsPostHogBuildsThem() {
        String base = io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + funnelUrl();
        String first = funnel(1).queryParam("limit", 1).get(funnelUrl()).then().statusCode(200).extract().path("next");
        assertTrue(first.startsWith(base + "?") && first.endsWith("&limit=1&offset=1"), first);
        String initial = funnel(1).queryParam("limit", 1).get(funnelUrl()).then().statusCode(200).extract().path("initial");
        assertTrue(initial.startsWith(base + "?") && initial.endsWith("&funnel_step=1&limit=1"), initial);
        // with an offset in the URL: relative, leading slash dropped, the offset replaced
        String second = funnel(1).queryParam("limit", 1).queryParam("offset", 1).get(funnelUrl()).then().statusCode(200)
                .extract().path("next");
        assertTrue(second.startsWith("api/environments/" + team.id() + "/persons/funnel/?")
                && second.endsWith("&limit=1&offset=2"), second);
        // a page that is not full has no next
        funnel(1).queryParam("limit", 5).get(funnelUrl()).then().statusCode(200).body("next", nullValue());
    }

    @Test
    void aWrongMethodIs405() {
        as().get("/api/environments/" + team.id() + "/persons/reset_person_distinct_id/").then().statusCode(405)
                .body("type", equalTo("invalid_request")).body("code", equalTo("method_not_allowed"))
                .body("detail", equalTo("Method \"GET\" not allowed."));
        as().delete("/api/environments/" + team.id() + "/persons/reset_person_distinct_id/").then().statusCode(405);
        // the project check comes first, as DRF checks permissions before the method
        Project other = TestProjects.create("Legacy persons other");
        as().get("/api/environments/" + other.id() + "/persons/reset_person_distinct_id/").then().statusCode(403);
        as().contentType("application/json").body("{}").post("/api/environments/" + team.id() + "/persons/lifecycle/")
                .then().statusCode(405).body("detail", equalTo("Method \"POST\" not allowed."));
        // a method no route of an existing path takes (routing's own 405) names the method sent, not the allowed ones
        as().contentType("application/json").body("{\"name\":\"x\"}").put("/api/projects/" + team.id() + "/").then().statusCode(405).body("code", equalTo("method_not_allowed"))
                .body("detail", equalTo("Method \"PUT\" not allowed."));
    }

    @Test
    void valuesCsvHeaderIsSorted() {
        String csv = as().queryParam("key", "email").queryParam("format", "csv")
                .get("/api/environments/" + team.id() + "/persons/values/").then().statusCode(200).extract().asString();
        assertEquals(List.of("count,name", "1,ann@x.test"), csv.lines().toList());
    }
}

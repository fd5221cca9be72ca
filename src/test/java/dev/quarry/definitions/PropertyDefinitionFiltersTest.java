package dev.quarry.definitions;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET property_definitions/}'s {@code exclude_core_properties}, {@code is_numerical} and order as PostHog's
 * PropertyDefinitionViewSet has them. One event carries {@code $browser}, {@code plan}, {@code price} (9.5),
 * {@code currency}, {@code utm_source}, {@code distinct_id} and {@code $session_entry_url}, and sets the person's
 * {@code email} and {@code utm_source}; the other project has {@code secret_prop}.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PropertyDefinitionFiltersTest {
    private static Project team;
    private static final String WHEN = LocalDate.now(ZoneOffset.UTC).minusDays(1) + "T10:00:00Z";

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Property definition filters");
        Project other = TestProjects.create("Property definition filters other");
        Map<String, Object> properties = new java.util.HashMap<>(Map.of("$browser", "Firefox", "plan", "pro",
                "price", 9.5, "currency", "EUR", "utm_source", "news", "distinct_id", "u1",
                "$session_entry_url", "https://x.test/"));
        properties.put("$set", Map.of("email", "a@x.test", "utm_source", "news"));
        Capture.to(team).event("purchase", "u1", WHEN, properties).send();
        Capture.to(other).event("purchase", "z", WHEN, Map.of("secret_prop", 1, "plan", "x")).send();
    }

    private static RequestSpecification as(String key) {
        return given().urlEncodingEnabled(false).header("Authorization", "Bearer " + key).contentType("application/json");
    }

    private static void lists(String query, List<String> expected) {
        as(team.key()).get("/api/projects/" + team.id() + "/property_definitions/" + query).then().statusCode(200)
                .body("results.name", equalTo(expected)).body("count", equalTo(expected.size()));
    }

    @Test
    void coreIngestionAndNumericalFilters() {
        // ingestion's own names and the $session_entry_ copies are never listed
        lists("", List.of("$browser", "currency", "plan", "price", "utm_source"));
        // exclude_core_properties: no $ name, nor the taxonomy's unprefixed event properties (currency, utm_source)
        lists("?exclude_core_properties=true", List.of("plan", "price"));
        lists("?exclude_core_properties=1&search=p", List.of("plan", "price"));
        lists("?exclude_core_properties=false", List.of("$browser", "currency", "plan", "price", "utm_source"));
        as(team.key()).get("/api/projects/" + team.id() + "/property_definitions/?exclude_core_properties=maybe")
                .then().statusCode(400).body("attr", equalTo("exclude_core_properties"));
        // person properties keep theirs
        List<String> person = as(team.key()).get("/api/projects/" + team.id() + "/property_definitions/?type=person")
                .then().statusCode(200).extract().path("results.name");
        org.junit.jupiter.api.Assertions.assertTrue(person.containsAll(List.of("$browser", "email", "utm_source")));
        lists("?type=person&exclude_core_properties=true", person);
        // is_numerical=true keeps the numerical ones; false filters nothing (PostHog's with_is_numerical_flag)
        lists("?is_numerical=true", List.of("price"));
        lists("?is_numerical=false", List.of("$browser", "currency", "plan", "price", "utm_source"));
    }

    /**
     * Events carrying more distinct properties than a list narrows by are a 400 naming event_names (was a 500 past
     * 65,535, after seconds of the event loop); events with fewer still narrow the list.
     */
    @Test
    void eventsOfTooManyPropertiesAreRefusedByName() {
        Project wide = TestProjects.create("Property definitions of a wide event");
        Capture c = Capture.to(wide);
        for (int e = 0; e < 6; e++) {
            Map<String, Object> properties = new java.util.HashMap<>();
            for (int i = 0; i < 1_700; i++) {
                properties.put("p" + e + "_" + i, i);
            }
            c.event("wide", "w" + e, WHEN, properties);
        }
        c.event("narrow", "n", WHEN, Map.of("only_here", 1)).send();
        String base = "/api/projects/" + wide.id() + "/property_definitions/";
        // the JSON list as clients encode it in the query string
        as(wide.key()).get(base + "?event_names=%5B%22wide%22%5D&filter_by_event_names=true&limit=1").then()
                .statusCode(400).body("attr", equalTo("event_names"));
        as(wide.key()).get(base + "?event_names=%5B%22narrow%22%5D&filter_by_event_names=true").then()
                .statusCode(200).body("results.name", equalTo(List.of("only_here")));
    }

    @Test
    void verifiedDefinitionsComeFirst() {
        String base = "/api/projects/" + team.id() + "/property_definitions/";
        String id = as(team.key()).get(base + "?properties=currency").then().statusCode(200).extract().path("results[0].id");
        as(team.key()).body(Map.of("verified", true)).patch(base + id + "/").then().statusCode(200);
        try {
            lists("?search=r", List.of("currency", "$browser", "price", "utm_source"));
            lists("?event_names=" + java.net.URLEncoder.encode("[\"purchase\"]", java.nio.charset.StandardCharsets.UTF_8)
                    + "&search=r", List.of("currency", "$browser", "price", "utm_source"));
        } finally {
            as(team.key()).body(Map.of("verified", false)).patch(base + id + "/").then().statusCode(200);
        }
    }
}

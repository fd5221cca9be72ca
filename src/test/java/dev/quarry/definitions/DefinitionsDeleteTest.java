package dev.quarry.definitions;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code DELETE event_definitions/:id/} and {@code DELETE property_definitions/:id/} as PostHog's viewsets' destroy
 * answers them: 204 and no body, 404 for an id the project does not have (another project's included), the write
 * scope required; a deleted name comes back with the next event that carries it (capture's cache of known names is
 * forgotten for the project).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class DefinitionsDeleteTest {
    private static final String RECENT = LocalDate.now(ZoneOffset.UTC).minusDays(1) + "T10:00:00Z";

    @Test
    void deletedDefinitionsAreGoneUntilAnEventNamesThemAgain() {
        Project team = TestProjects.create("Definitions delete");
        Project other = TestProjects.create("Definitions delete, other");
        Capture.to(team).event("purchase", "u1", RECENT, Map.of("price", 9.5)).send();
        Capture.to(other).event("purchase", "o1", RECENT, Map.of("price", 1)).send();
        String events = "/api/projects/" + team.id() + "/event_definitions/";
        String properties = "/api/projects/" + team.id() + "/property_definitions/";
        String event = as(team.key()).get(events + "by_name/?name=purchase").then().statusCode(200).extract().path("id");
        String property = as(team.key()).get(properties + "?search=price").then().statusCode(200)
                .body("count", equalTo(1)).extract().path("results[0].id");
        String othersEvent = as(other.key()).get("/api/projects/" + other.id() + "/event_definitions/by_name/?name=purchase")
                .then().statusCode(200).extract().path("id");

        // the read scope is not enough; another project's id is not found; nothing is deleted by either
        as(team.keyWith("event_definition:read")).delete(events + event + "/").then().statusCode(403)
                .body("detail", containsString("event_definition:write"));
        as(team.keyWith("property_definition:read")).delete(properties + property + "/").then().statusCode(403)
                .body("detail", containsString("property_definition:write"));
        as(team.key()).delete(events + othersEvent + "/").then().statusCode(404).body("detail", equalTo("Not found."));
        as(other.key()).get("/api/projects/" + other.id() + "/event_definitions/" + othersEvent + "/").then()
                .statusCode(200);

        as(team.key()).delete(events + event + "/").then().statusCode(204).body(emptyString());
        as(team.key()).get(events + event + "/").then().statusCode(404);
        as(team.key()).delete(events + event + "/").then().statusCode(404);
        as(team.key()).delete(properties + property + "/").then().statusCode(204).body(emptyString());
        as(team.key()).get(properties + "?search=price").then().statusCode(200).body("count", equalTo(0));
        // the other project's definitions of the same names stay
        as(other.key()).get("/api/projects/" + other.id() + "/property_definitions/?search=price").then()
                .statusCode(200).body("count", equalTo(1));

        // the next event naming them records them again, as new rows
        Capture.to(team).event("purchase", "u2", RECENT, Map.of("price", 3)).send();
        as(team.key()).get(events + "by_name/?name=purchase").then().statusCode(200).body("id", not(equalTo(event)));
        as(team.key()).get(properties + "?search=price").then().statusCode(200).body("count", equalTo(1))
                .body("results[0].id", not(equalTo(property))).body("results[0].property_type", equalTo("Numeric"));
    }

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json");
    }
}

package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Adding a query kind touches one place (issue 17): {@link QuarryTestDoubledRunner}, one test-only file with its
 * record and runner bean, is accepted by POST query (not a kind of PostHog's schema), parsed into its record (an
 * unknown field is a 400 naming it), run through the compiler behind the team wall, cached, and listed among the
 * kinds answered ({@link QueryRunners#kinds()}).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class QueryKindInOnePlaceTest {
    @Inject
    QueryRunners runners;

    private static ValidatableResponse post(Project project, String query, String refresh) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body("{\"refresh\":\"" + refresh + "\",\"query\":" + query + "}")
                .post("/api/environments/" + project.id() + "/query/").then();
    }

    @Test
    void aKindAddedAsOneRunnerFileIsAcceptedRunCachedAndListed() {
        Project project = TestProjects.create("One place kind");
        Project other = TestProjects.create("One place kind other");
        // 3 signups in the project, 1 elsewhere (the team wall keeps it out)
        Capture.to(project).event("signup", "a", "2026-02-01T10:00:00Z").event("signup", "b", "2026-02-01T11:00:00Z")
                .event("signup", "c", "2026-02-02T09:00:00Z").event("pageview", "a", "2026-02-02T09:00:00Z").send();
        Capture.to(other).event("signup", "z", "2026-02-01T10:00:00Z").send();
        String query = "{\"kind\":\"QuarryTestDoubledQuery\",\"value\":21,\"event\":\"signup\"}";

        post(project, query, "blocking").statusCode(200)
                .body("results", equalTo(List.of(List.of(42, 3))))
                .body("columns", equalTo(List.of("doubled", "events")))
                .body("is_cached", equalTo(false));
        post(project, query, "blocking").statusCode(200)
                .body("results", equalTo(List.of(List.of(42, 3)))).body("is_cached", equalTo(true));
        post(other, query, "blocking").statusCode(200).body("results", equalTo(List.of(List.of(42, 1))));
        // the path form names the kind too
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body("{\"query\":" + query + "}")
                .post("/api/environments/" + project.id() + "/query/QuarryTestDoubledQuery/")
                .then().statusCode(200).body("results", equalTo(List.of(List.of(42, 3))));

        post(project, "{\"kind\":\"QuarryTestDoubledQuery\",\"value\":21,\"nosuch\":1}", "blocking").statusCode(400)
                .body("attr", equalTo("nosuch"));
        post(project, "{\"kind\":\"QuarryTestDoubledQuery\",\"value\":\"many\"}", "blocking").statusCode(400)
                .body("attr", equalTo("value"));
        // a kind nobody answers is still refused as PostHog refuses it
        post(project, "{\"kind\":\"QuarryTestNoSuchQuery\"}", "blocking").statusCode(400).body("attr", equalTo("kind"));

        assertTrue(runners.kinds().contains("QuarryTestDoubledQuery"), runners.kinds().toString());
        assertTrue(runners.kinds().containsAll(List.of("HogQLQuery", "TrendsQuery", "FunnelsQuery")),
                runners.kinds().toString());
    }
}

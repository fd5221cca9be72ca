package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.insights.InsightKinds;
import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Adding a query kind touches one place (issue 17): {@link QuarryTestDoubledRunner}, one test-only file with its
 * record and runner bean, is accepted by POST query (not a kind of PostHog's schema), parsed into its record (an
 * unknown field is a 400 naming it), run through the compiler behind the team wall, cached, and listed among the
 * kinds answered ({@link QueryRunners#kinds()}). An insight kind with actors is one file too:
 * {@link QuarryTestEventersRunner} (record implementing {@code InsightQuery}, runner implementing
 * {@code ActorsSource}) answers POST query, gives its cells' persons to an {@code ActorsQuery} naming it as the
 * {@code InsightActorsQuery}'s source, its cached answers go stale by its interval, all behind the team wall.
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

    @Test
    void anInsightKindWithActorsAddedAsOneFileAnswersItsCellsActorsBehindTheTeamWall() {
        Project project = TestProjects.create("One place insight");
        Project other = TestProjects.create("One place insight other");
        // signups by a, b (twice) and c; d only viewed; z signed up in another project
        Capture.to(project).event("signup", "a", "2026-02-01T10:00:00Z").event("signup", "b", "2026-02-01T11:00:00Z")
                .event("signup", "b", "2026-02-01T12:00:00Z").event("signup", "c", "2026-02-02T09:00:00Z")
                .event("pageview", "d", "2026-02-02T09:00:00Z").send();
        Capture.to(other).event("signup", "z", "2026-02-01T10:00:00Z").send();
        String insight = "{\"kind\":\"QuarryTestEventersQuery\",\"event\":\"signup\",\"interval\":\"hour\"}";

        ValidatableResponse answer = post(project, insight, "blocking").statusCode(200)
                .body("results", equalTo(List.of(List.of(3)))).body("columns", equalTo(List.of("persons")));
        // its record's cacheInterval ("hour") sets how long the answer stays fresh: PostHog's hour window, 1 h
        OffsetDateTime refreshed = OffsetDateTime.parse(answer.extract().path("last_refresh"));
        OffsetDateTime target = OffsetDateTime.parse(answer.extract().path("cache_target_age"));
        assertEquals(Duration.ofHours(1), Duration.between(refreshed, target));
        post(other, insight, "blocking").statusCode(200).body("results", equalTo(List.of(List.of(1))));

        String actors = "{\"kind\":\"ActorsQuery\",\"select\":[\"person\"],\"source\":"
                + "{\"kind\":\"InsightActorsQuery\",\"source\":" + insight + "}}";
        List<List<String>> ids = post(project, actors, "blocking").statusCode(200)
                .body("results", hasSize(3)).extract().path("results.collect { it[0].distinct_ids }");
        assertEquals(List.of("a", "b", "c"), ids.stream().map(l -> l.get(0)).sorted().toList());
        List<List<String>> otherIds = post(other, actors, "blocking").statusCode(200)
                .extract().path("results.collect { it[0].distinct_ids }");
        assertEquals(List.of(List.of("z")), otherIds);
        // the source is parsed into the kind's record: an unknown field in it is a 400 naming it
        post(project, actors.replace("\"interval\":\"hour\"", "\"interval\":\"hour\",\"nosuch\":1"), "blocking")
                .statusCode(400).body("attr", equalTo("nosuch"));

        // looked up as the application does (InsightQuery.parse), never injected here: an injection point in a test
        // would keep the bean alive in the test build only (the packaged app once removed it as unused, a 500 on
        // persons/lifecycle)
        InsightKinds insightKinds = io.quarkus.arc.Arc.container().instance(InsightKinds.class).get();
        assertTrue(insightKinds != null, "InsightKinds was removed from the build as unused");
        assertTrue(insightKinds.kinds().contains("QuarryTestEventersQuery"), insightKinds.kinds().toString());
        assertTrue(insightKinds.kinds().containsAll(List.of("TrendsQuery", "FunnelsQuery", "RetentionQuery",
                "LifecycleQuery", "StickinessQuery", "PathsQuery")), insightKinds.kinds().toString());
        assertTrue(!insightKinds.kinds().contains("HogQLQuery"), insightKinds.kinds().toString());
    }
}

package dev.quarry.budgets;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.cohorts.Cohorts;
import dev.quarry.insights.saved.InsightListFilter;
import dev.quarry.insights.saved.Insights;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The breaker's F8 of 2026-12-06: a list page of saved insights or cohorts whose JSON is large (each legal, up to
 * 2 MiB) reads only the rows an answer can carry — the cut happens before the rows are read, not after they were all
 * read and parsed (a page of 100 such insights took 2.2 GB of heap a request and held connections until another
 * project's requests were 503s). The HTTP pages' links are checked in {@code InsightsEndpointTest} and
 * {@code CohortsEndpointTest}.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ListPagesReadWithinLimitTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    Insights insights;
    @Inject
    Cohorts cohorts;
    @Inject
    ObjectMapper mapper;

    @Test
    void insightsBeyondWhatAnAnswerCarriesAreNotRead() {
        Project p = TestProjects.create("Insight page reads");
        for (String fill : new String[] {"a", "b", "c", "d", "e"}) {
            given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                    .body(Map.of("name", "Big " + fill, "query", Map.of("kind", "WebOverviewQuery", "extra",
                            fill.repeat(2_000_000))))
                    .post("/api/projects/" + p.id() + "/insights/").then().statusCode(201);
        }
        InsightListFilter all = InsightListFilter.parse(Map.of(), ZonedDateTime.now(), null, mapper);
        Insights.Page page = insights.list(p.id(), all, 100, 0).await().atMost(WAIT);
        assertEquals(5, page.count());
        assertEquals(3, page.results().size(), "three 2 MB queries fit in an answer, the rest are not read");
        assertEquals(2, insights.list(p.id(), all, 100, 3).await().atMost(WAIT).results().size());
    }

    @Test
    void cohortsBeyondWhatAnAnswerCarriesAreNotRead() {
        Project p = TestProjects.create("Cohort page reads");
        for (int i = 0; i < 5; i++) {
            given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                    .body(Map.of("name", "big " + i, "is_static", true, "filters", Map.of("junk", "q".repeat(2_000_000))))
                    .post("/api/projects/" + p.id() + "/cohorts/").then().statusCode(201);
        }
        Cohorts.Page page = cohorts.list(p.id(), 100, 0).await().atMost(WAIT);
        assertEquals(5, page.count());
        assertTrue(page.rows().size() == 3, "read " + page.rows().size());
        assertEquals(java.util.List.of("big 4", "big 3", "big 2"),
                page.rows().stream().map(dev.quarry.cohorts.Cohort::name).toList());
        assertEquals(1, cohorts.list(p.id(), 100, 0, "big 1", null).await().atMost(WAIT).rows().size());
        assertEquals(0, cohorts.list(p.id(), 100, 0, null, false).await().atMost(WAIT).count());
    }
}

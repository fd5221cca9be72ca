package dev.quarry.insights.funnels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An exclusion event in the same second as another step's event is ignored, as PostHog's funnel UDF ignores
 * exclusions in a group of same-timestamp events that do not all match the same steps; an exclusion event on its own
 * second still drops the attempt.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FunnelSameTimeExclusionTest {

    private static Map<String, Object> funnel(int exclusionTo) {
        Map<String, Object> exclusion = new HashMap<>(FunnelsEndpointTest.step("X"));
        exclusion.put("funnelFromStep", 0);
        exclusion.put("funnelToStep", exclusionTo);
        Map<String, Object> q = new HashMap<>();
        q.put("kind", "FunnelsQuery");
        q.put("series", List.of(FunnelsEndpointTest.step("A"), FunnelsEndpointTest.step("B"),
                FunnelsEndpointTest.step("C")));
        q.put("dateRange", Map.of("date_from", "2021-01-01", "date_to", "2021-01-31"));
        q.put("funnelsFilter", Map.of("exclusions", List.of(exclusion)));
        return q;
    }

    @Test
    void anExclusionBesideAStepInOneSecondIsIgnored() {
        Project project = TestProjects.create("Same-second exclusions");
        // p1: A, then X and B in the same second, then C; p2: A, X on its own second, B, C; p3: A, B, C
        Capture.to(project)
                .event("A", "p1", "2021-01-02T10:00:00Z").event("X", "p1", "2021-01-02T10:01:00Z")
                .event("B", "p1", "2021-01-02T10:01:00Z").event("C", "p1", "2021-01-02T10:02:00Z")
                .event("A", "p2", "2021-01-02T10:00:00Z").event("X", "p2", "2021-01-02T10:01:00Z")
                .event("B", "p2", "2021-01-02T10:02:00Z").event("C", "p2", "2021-01-02T10:03:00Z")
                .event("A", "p3", "2021-01-02T10:00:00Z").event("B", "p3", "2021-01-02T10:01:00Z")
                .event("C", "p3", "2021-01-02T10:02:00Z")
                .send();
        for (int to : List.of(1, 2)) {
            assertEquals(List.of(2, 2, 2), FunnelsEndpointTest.counts(FunnelsEndpointTest.post(project, funnel(to)),
                    "results"), "exclusion 0 → " + to);
        }
    }
}

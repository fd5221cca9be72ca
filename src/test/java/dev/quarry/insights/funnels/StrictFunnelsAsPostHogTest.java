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
 * Strict funnels as PostHog's funnel UDF runs them (funnel-udf/src/steps.rs, V123_3): an event clears the attempts at
 * the steps it does not match, so a repeat of the step reached keeps the attempt; a group of same-timestamp events
 * that do not all match the same steps clears nothing and its other events do not count. Both plans answer alike: the
 * compact one (distinct step events, no exclusions) and the per-event one (taken here with an exclusion no event
 * matches).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class StrictFunnelsAsPostHogTest {
    @Test
    void repeatsKeepTheAttemptAndMixedGroupsDoNotReset() {
        Project project = TestProjects.create("Strict as PostHog");
        Capture.to(project)
                // repeats of B between B and C: complete
                .event("A", "repeat", "2021-01-02T10:00:00Z").event("B", "repeat", "2021-01-02T10:01:00Z")
                .event("B", "repeat", "2021-01-02T10:02:00Z").event("B", "repeat", "2021-01-02T10:03:00Z")
                .event("C", "repeat", "2021-01-02T10:04:00Z")
                // another event in A's second, then B: the mixed group clears nothing
                .event("A", "mixed", "2021-01-02T10:00:00Z").event("other", "mixed", "2021-01-02T10:00:00Z")
                .event("B", "mixed", "2021-01-02T10:05:00Z")
                // another event between A and B: reset
                .event("A", "broken", "2021-01-02T10:00:00Z").event("other", "broken", "2021-01-02T10:01:00Z")
                .event("B", "broken", "2021-01-02T10:02:00Z")
                // a repeat of an earlier step: a new attempt, which C does not complete
                .event("A", "restart", "2021-01-02T10:00:00Z").event("B", "restart", "2021-01-02T10:01:00Z")
                .event("A", "restart", "2021-01-02T10:02:00Z").event("C", "restart", "2021-01-02T10:03:00Z")
                .send();
        Map<String, Object> q = new HashMap<>();
        q.put("kind", "FunnelsQuery");
        q.put("series", List.of(FunnelsEndpointTest.step("A"), FunnelsEndpointTest.step("B"), FunnelsEndpointTest.step("C")));
        q.put("dateRange", Map.of("date_from", "2021-01-01", "date_to", "2021-01-31"));
        Map<String, Object> filter = new HashMap<>(Map.of("funnelOrderType", "strict"));
        q.put("funnelsFilter", filter);
        List<Integer> compact = FunnelsEndpointTest.post(project, q).getList("results.count");
        assertEquals(List.of(4, 3, 1), compact);
        Map<String, Object> never = new HashMap<>(FunnelsEndpointTest.step("never"));
        never.put("funnelFromStep", 0);
        never.put("funnelToStep", 2);
        filter.put("exclusions", List.of(never));
        assertEquals(compact, FunnelsEndpointTest.post(project, q).getList("results.count"));
        // the actors who reached B
        Map<String, Object> actors = Map.of("kind", "ActorsQuery", "select", List.of("person"),
                "source", Map.of("kind", "FunnelsActorsQuery", "source", q, "funnelStep", 2));
        List<String> reachedB = FunnelsEndpointTest.post(project, actors).getList("results.collect { it[0].distinct_ids[0] }");
        assertEquals(List.of("mixed", "repeat", "restart"), reachedB.stream().sorted().toList());
    }
}

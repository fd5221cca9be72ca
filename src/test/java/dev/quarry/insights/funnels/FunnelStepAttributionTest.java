package dev.quarry.insights.funnels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Step breakdown attribution as PostHog's funnel UDF computes it: the candidate values of a person are those of its
 * events at the attribution step; the funnel runs once per value, with only an event of that value taking the
 * attribution step, so a person counts under each of its values; a person without an attribution-step event has no
 * value at all.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FunnelStepAttributionTest {
    private static Project project;

    /**
     * A → B, event property {@code br}:
     * b1: A{x} 01-02, A{y} 01-03, B{z} 01-04; b2: B{q} 01-02, A{r} 01-03, B{s} 01-04; b3: A{} 01-02, B{w} 01-03;
     * b4: A{x} 01-02, B{y} 01-03; b5: A{v} 01-02 only. All at 10:00.
     */
    @BeforeEach
    void data() {
        if (project != null) {
            return;
        }
        project = TestProjects.create("Step attribution");
        Capture.to(project)
                .event("A", "b1", "2021-01-02T10:00:00Z", Map.of("br", "x"))
                .event("A", "b1", "2021-01-03T10:00:00Z", Map.of("br", "y"))
                .event("B", "b1", "2021-01-04T10:00:00Z", Map.of("br", "z"))
                .event("B", "b2", "2021-01-02T10:00:00Z", Map.of("br", "q"))
                .event("A", "b2", "2021-01-03T10:00:00Z", Map.of("br", "r"))
                .event("B", "b2", "2021-01-04T10:00:00Z", Map.of("br", "s"))
                .event("A", "b3", "2021-01-02T10:00:00Z")
                .event("B", "b3", "2021-01-03T10:00:00Z", Map.of("br", "w"))
                .event("A", "b4", "2021-01-02T10:00:00Z", Map.of("br", "x"))
                .event("B", "b4", "2021-01-03T10:00:00Z", Map.of("br", "y"))
                .event("A", "b5", "2021-01-02T10:00:00Z", Map.of("br", "v"))
                .send();
    }

    private static Map<String, Object> funnel(String order, int attributionStep) {
        Map<String, Object> q = new HashMap<>();
        q.put("kind", "FunnelsQuery");
        q.put("series", List.of(FunnelsEndpointTest.step("A"), FunnelsEndpointTest.step("B")));
        q.put("dateRange", Map.of("date_from", "2021-01-01", "date_to", "2021-01-31"));
        q.put("breakdownFilter", Map.of("breakdown", "br", "breakdown_type", "event"));
        q.put("funnelsFilter", Map.of("funnelOrderType", order, "breakdownAttributionType", "step",
                "breakdownAttributionValue", attributionStep));
        return q;
    }

    /** Value → [step 1 count, step 2 count, step 2 average conversion time]. */
    private static Map<String, List<Object>> byValue(JsonPath body) {
        Map<String, List<Object>> out = new TreeMap<>();
        for (int i = 0; i < body.getList("results").size(); i++) {
            String p = "results[" + i + "]";
            out.put(body.getList(p + "[0].breakdown_value").get(0).toString(), List.of(body.getInt(p + "[0].count"),
                    body.getInt(p + "[1].count"), String.valueOf((Object) body.get(p + "[1].average_conversion_time"))));
        }
        return out;
    }

    @Test
    void eachValueOfTheFirstStepIsItsOwnFunnel() {
        for (String order : List.of("ordered", "strict")) {
            // b1 under x (A{x} → B, 2 days) and y (A{y} → B, 1 day); b4 under x; b3 under ""; b2 under r; b5 under v
            Map<String, List<Object>> expected = new TreeMap<>();
            expected.put("", List.of(1, 1, "86400.0"));
            expected.put("r", List.of(1, 1, "86400.0"));
            expected.put("v", List.of(1, 0, "null"));
            expected.put("x", List.of(2, 2, "129600.0"));
            expected.put("y", List.of(1, 1, "86400.0"));
            if (order.equals("strict")) {
                // strict: b1's A{x} is followed by A{y}, not B, so under x only b4 converts
                expected.put("x", List.of(2, 1, "86400.0"));
            }
            assertEquals(expected, byValue(FunnelsEndpointTest.post(project, funnel(order, 0))), order);
        }
    }

    @Test
    void aLaterStepsValuesAndPersonsWithoutOne() {
        // b2's B{q} precedes its A, and its B{s} is not q: entered under q, converted under s; b5 never did B: no value
        Map<String, List<Object>> expected = new TreeMap<>();
        expected.put("q", List.of(1, 0, "null"));
        expected.put("s", List.of(1, 1, "86400.0"));
        expected.put("w", List.of(1, 1, "86400.0"));
        expected.put("y", List.of(1, 1, "86400.0"));
        expected.put("z", List.of(1, 1, "86400.0")); // b1 enters at its latest A (A{y}, 01-03), as the UDF does
        assertEquals(expected, byValue(FunnelsEndpointTest.post(project, funnel("ordered", 1))));
    }

    @Test
    void theActorsOfAValueAreThoseCountedUnderIt() {
        Map<String, Object> actors = Map.of("kind", "ActorsQuery", "select", List.of("person"),
                "source", Map.of("kind", "FunnelsActorsQuery", "source", funnel("ordered", 0), "funnelStep", 2,
                        "funnelStepBreakdown", List.of("y")));
        JsonPath body = FunnelsEndpointTest.post(project, actors);
        assertEquals(List.of(List.of("b1")), body.getList("results.collect { it[0].distinct_ids }"));
        Map<String, Object> xActors = Map.of("kind", "ActorsQuery", "select", List.of("person"),
                "source", Map.of("kind", "FunnelsActorsQuery", "source", funnel("ordered", 0), "funnelStep", 2,
                        "funnelStepBreakdown", List.of("x")));
        List<String> x = FunnelsEndpointTest.post(project, xActors).getList("results.collect { it[0].distinct_ids[0] }");
        assertEquals(List.of("b1", "b4"), x.stream().sorted().toList());
    }

    /**
     * The ordered scan of disjoint steps gathers the other steps' times once per person and the attribution step's per
     * value; it answers as the general per-event scan, which the same funnel takes with an exclusion no event matches
     * (generated data, fixed seed: 40 persons, 3 steps, up to 5 values, ties on an hourly grid, a 3-day window).
     */
    @Test
    void theOrderedScanPerValueAnswersAsTheGeneralScan() {
        Project generated = TestProjects.create("Step attribution, generated");
        java.util.Random random = new java.util.Random(123);
        Capture capture = Capture.to(generated);
        String[] names = {"A", "B", "C", "other"};
        for (int person = 0; person < 40; person++) {
            int events = 1 + random.nextInt(14);
            for (int e = 0; e < events; e++) {
                String ts = java.time.Instant.parse("2021-01-01T00:00:00Z").plusSeconds(3600L * random.nextInt(24 * 12))
                        .toString();
                int v = random.nextInt(6);
                capture.event(names[random.nextInt(4)], "g" + person, ts, v == 5 ? Map.of() : Map.of("br", "v" + v));
            }
        }
        capture.send();
        for (int attribution = 0; attribution < 3; attribution++) {
            Map<String, Object> q = new HashMap<>();
            q.put("kind", "FunnelsQuery");
            q.put("series", List.of(FunnelsEndpointTest.step("A"), FunnelsEndpointTest.step("B"),
                    FunnelsEndpointTest.step("C")));
            q.put("dateRange", Map.of("date_from", "2021-01-01", "date_to", "2021-01-31"));
            q.put("breakdownFilter", Map.of("breakdown", "br", "breakdown_type", "event"));
            Map<String, Object> filter = new HashMap<>(Map.of("funnelOrderType", "ordered", "funnelWindowInterval", 3,
                    "funnelWindowIntervalUnit", "day", "breakdownAttributionType", "step",
                    "breakdownAttributionValue", attribution));
            q.put("funnelsFilter", filter);
            Map<String, List<Object>> compact = steps(FunnelsEndpointTest.post(generated, q));
            Map<String, Object> never = new HashMap<>(FunnelsEndpointTest.step("never"));
            never.put("funnelFromStep", 0);
            never.put("funnelToStep", 2);
            filter.put("exclusions", List.of(never));
            Map<String, List<Object>> general = steps(FunnelsEndpointTest.post(generated, q));
            assertEquals(general, compact, "attribution step " + attribution);
            assertEquals(true, compact.size() >= 3, compact.toString());
        }
    }

    /** Value → each step's count, average and median conversion time. */
    private static Map<String, List<Object>> steps(JsonPath body) {
        Map<String, List<Object>> out = new TreeMap<>();
        for (int i = 0; i < body.getList("results").size(); i++) {
            String p = "results[" + i + "]";
            List<Object> row = new java.util.ArrayList<>();
            for (int k = 0; k < body.getList(p).size(); k++) {
                row.add(body.getInt(p + "[" + k + "].count"));
                row.add(String.valueOf((Object) body.get(p + "[" + k + "].average_conversion_time")));
                row.add(String.valueOf((Object) body.get(p + "[" + k + "].median_conversion_time")));
            }
            out.put(body.getList(p + "[0].breakdown_value").get(0).toString(), row);
        }
        return out;
    }

    /**
     * First- and last-touch attribution pick the same value in both plans when a person's first or last events share a
     * second under different values (the least value at the first second, the greatest at the last): before, the
     * per-event plan and the compact one broke such a tie differently.
     */
    @Test
    void touchAttributionBreaksTiesAlikeInBothPlans() {
        Project ties = TestProjects.create("Touch attribution ties");
        Capture capture = Capture.to(ties);
        for (int person = 0; person < 12; person++) {
            String id = "t" + person;
            capture.event("A", id, "2021-01-02T10:00:00Z", Map.of("br", "v" + (person % 3)))
                    .event("A", id, "2021-01-02T10:00:00Z", Map.of("br", "v" + (person % 4)))
                    .event("B", id, "2021-01-02T11:00:00Z", Map.of("br", "w" + (person % 2)))
                    .event("B", id, "2021-01-02T11:00:00Z", Map.of("br", "w" + (person % 5)));
        }
        capture.send();
        for (String touch : List.of("first_touch", "last_touch")) {
            Map<String, Object> q = new HashMap<>();
            q.put("kind", "FunnelsQuery");
            q.put("series", List.of(FunnelsEndpointTest.step("A"), FunnelsEndpointTest.step("B")));
            q.put("dateRange", Map.of("date_from", "2021-01-01", "date_to", "2021-01-31"));
            q.put("breakdownFilter", Map.of("breakdown", "br", "breakdown_type", "event"));
            Map<String, Object> filter = new HashMap<>(Map.of("funnelOrderType", "ordered", "breakdownAttributionType", touch));
            q.put("funnelsFilter", filter);
            Map<String, List<Object>> compact = steps(FunnelsEndpointTest.post(ties, q));
            Map<String, Object> never = new HashMap<>(FunnelsEndpointTest.step("never"));
            never.put("funnelFromStep", 0);
            never.put("funnelToStep", 1);
            filter.put("exclusions", List.of(never));
            assertEquals(compact, steps(FunnelsEndpointTest.post(ties, q)), touch);
            // the least value of each person's first second, the greatest of its last
            java.util.Set<String> expected = new java.util.TreeSet<>();
            for (int person = 0; person < 12; person++) {
                expected.add(touch.equals("first_touch")
                        ? "v" + Math.min(person % 3, person % 4)
                        : "w" + Math.max(person % 2, person % 5));
            }
            assertEquals(expected, compact.keySet(), touch);
        }
    }
}

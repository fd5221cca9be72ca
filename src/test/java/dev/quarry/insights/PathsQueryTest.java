package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.query;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PathsQuery on hand-made paths (2020-01-02, UTC):
 * <pre>
 * p1  $pageview /home/ 10:00, /pricing 10:01, /pricing 10:02, /signup 10:05; /home 11:00 (55 min later: new session)
 * p2  $pageview /home 10:00, /signup 10:10
 * p3  $pageview /home 10:00, /pricing 10:04; custom event "clicked cta" 10:05
 * p4  $pageview /blog/a 10:00, /blog/b 10:01
 * </pre>
 * Pageview items are the URL without one trailing slash; a repeat keeps its last time (p1's /pricing at 10:02).
 * Sessions of $pageviews: p1 [/home, /pricing, /signup] and [/home]; p2 [/home, /signup]; p3 [/home, /pricing];
 * p4 [/blog/a, /blog/b]. Edges (value, average ms): 1_/home→2_/pricing (p1 120 s, p3 240 s: 2, 180000),
 * 1_/blog/a→2_/blog/b (1, 60000), 1_/home→2_/signup (1, 600000), 2_/pricing→3_/signup (1, 180000); ordered by
 * value desc, then source, then target.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PathsQueryTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Paths");
        Capture c = Capture.to(team);
        view(c, "p1", "10:00", "https://x.io/home/");
        view(c, "p1", "10:01", "https://x.io/pricing");
        view(c, "p1", "10:02", "https://x.io/pricing");
        view(c, "p1", "10:05", "https://x.io/signup");
        view(c, "p1", "11:00", "https://x.io/home");
        view(c, "p2", "10:00", "https://x.io/home");
        view(c, "p2", "10:10", "https://x.io/signup");
        view(c, "p3", "10:00", "https://x.io/home");
        view(c, "p3", "10:04", "https://x.io/pricing");
        c.event("clicked cta", "p3", "2020-01-02T10:05:00Z");
        view(c, "p4", "10:00", "https://x.io/blog/a");
        view(c, "p4", "10:01", "https://x.io/blog/b");
        c.send();
    }

    private static void view(Capture c, String who, String time, String url) {
        c.event("$pageview", who, "2020-01-02T" + time + ":00Z", Map.of("$current_url", url));
    }

    /** Paths with the URL prefix cleaned away so the items read as in PostHog's examples. */
    static Map<String, Object> paths(Map<String, Object> filter) {
        Map<String, Object> f = new HashMap<>(Map.of("includeEventTypes", List.of("$pageview"),
                "localPathCleaningFilters", List.of(Map.of("regex", "^https://x\\.io", "alias", ""))));
        f.putAll(filter);
        return Map.of("kind", "PathsQuery", "pathsFilter", f,
                "dateRange", Map.of("date_from", "2020-01-01", "date_to", "2020-01-03"), "properties", List.of());
    }

    static List<String> edges(JsonPath body) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < body.getList("results").size(); i++) {
            out.add(body.getString("results[" + i + "].source") + " > " + body.getString("results[" + i + "].target")
                    + " " + body.getInt("results[" + i + "].value") + " "
                    + Math.round(body.getDouble("results[" + i + "].average_conversion_time")));
        }
        return out;
    }

    @Test
    void pageviewPaths() {
        assertEquals(List.of("1_/home > 2_/pricing 2 180000", "1_/blog/a > 2_/blog/b 1 60000",
                "1_/home > 2_/signup 1 600000", "2_/pricing > 3_/signup 1 180000"), edges(query(team, paths(Map.of()))));
    }

    /**
     * stepLimit 2 cuts p1's walk after /pricing; edgeLimit 1 keeps the heaviest edge; minEdgeWeight 2 likewise;
     * maxEdgeWeight 1 keeps the edges of value 1 that a first step still reaches.
     */
    @Test
    void stepAndEdgeLimits() {
        assertEquals(List.of("1_/home > 2_/pricing 2 180000", "1_/blog/a > 2_/blog/b 1 60000",
                "1_/home > 2_/signup 1 600000"), edges(query(team, paths(Map.of("stepLimit", 2)))));
        assertEquals(List.of("1_/home > 2_/pricing 2 180000"), edges(query(team, paths(Map.of("edgeLimit", 1)))));
        assertEquals(List.of("1_/home > 2_/pricing 2 180000"), edges(query(team, paths(Map.of("minEdgeWeight", 2)))));
        // maxEdgeWeight 1 drops 1_/home → 2_/pricing; 2_/pricing → 3_/signup is then unreachable from a first step
        // and PostHog drops it too
        assertEquals(List.of("1_/blog/a > 2_/blog/b 1 60000", "1_/home > 2_/signup 1 600000"),
                edges(query(team, paths(Map.of("maxEdgeWeight", 1)))));
    }

    /**
     * startPoint /pricing: p1 [/pricing, /signup] (180 s), p3 [/pricing] (no edge). endPoint /signup: p1 [/home,
     * /pricing, /signup], p2 [/home, /signup].
     */
    @Test
    void startAndEndPoints() {
        assertEquals(List.of("1_/pricing > 2_/signup 1 180000"), edges(query(team, paths(Map.of("startPoint",
                "/pricing")))));
        assertEquals(List.of("1_/home > 2_/pricing 1 120000", "1_/home > 2_/signup 1 600000",
                "2_/pricing > 3_/signup 1 180000"), edges(query(team, paths(Map.of("endPoint", "/signup")))));
    }

    /**
     * PostHog's paths_query_runner, read field by field (issue 19 §5): a lone start or end point loses one trailing
     * slash as a pageview's URL does ("/pricing/" is /pricing, "/signup/" /signup: the answers above); with both points
     * each is looked up as written, so startPoint "/home/" finds no item (p1's /home/ is read as /home) and there is
     * no path. stepLimit 0 and edgeLimit 0 are the defaults (PostHog's {@code stepLimit or 5}, {@code edgeLimit or 50}).
     * excludeEvents drops items only with includeEventTypes (its _get_event_query returns no condition without them):
     * with every event read, excluding /signup changes nothing — p3's "clicked cta" is read too.
     */
    @Test
    void pointsLimitsAndExclusionsAsPostHogReadsThem() {
        assertEquals(List.of("1_/pricing > 2_/signup 1 180000"), edges(query(team, paths(Map.of("startPoint",
                "/pricing/")))));
        assertEquals(List.of("1_/home > 2_/pricing 1 120000", "1_/home > 2_/signup 1 600000",
                "2_/pricing > 3_/signup 1 180000"), edges(query(team, paths(Map.of("endPoint", "/signup/")))));
        assertEquals(List.of(), edges(query(team, paths(Map.of("startPoint", "/home/", "endPoint", "/signup")))));
        assertEquals(List.of("1_/home > 2_/pricing 2 180000", "1_/blog/a > 2_/blog/b 1 60000",
                "1_/home > 2_/signup 1 600000", "2_/pricing > 3_/signup 1 180000"),
                edges(query(team, paths(Map.of("stepLimit", 0, "edgeLimit", 0)))));
        Map<String, Object> everyEvent = new java.util.HashMap<>(Map.of("localPathCleaningFilters",
                List.of(Map.of("regex", "^https://x\\.io", "alias", "")), "excludeEvents", List.of("/signup")));
        assertEquals(List.of("1_/home > 2_/pricing 2 180000", "1_/blog/a > 2_/blog/b 1 60000",
                "1_/home > 2_/signup 1 600000", "2_/pricing > 3_/signup 1 180000", "2_/pricing > 3_clicked cta 1 60000"),
                edges(query(team, Map.of("kind", "PathsQuery", "pathsFilter", everyEvent, "dateRange",
                        Map.of("date_from", "2020-01-01", "date_to", "2020-01-03"), "properties", List.of()))));
    }

    /**
     * Custom events join the walk: p3 adds 2_/pricing → 3_clicked cta (60 s). Grouping /blog/* makes p4's two
     * pages one item (no edge). Excluding /signup leaves p1 [/home, /pricing] and p2 [/home].
     */
    @Test
    void eventTypesGroupingsAndExclusions() {
        assertEquals(List.of("1_/home > 2_/pricing 2 180000", "1_/blog/a > 2_/blog/b 1 60000",
                "1_/home > 2_/signup 1 600000", "2_/pricing > 3_/signup 1 180000", "2_/pricing > 3_clicked cta 1 60000"),
                edges(query(team, paths(Map.of("includeEventTypes", List.of("$pageview", "custom_event"))))));
        assertEquals(List.of("1_/home > 2_/pricing 2 180000", "1_/home > 2_/signup 1 600000",
                "2_/pricing > 3_/signup 1 180000"), edges(query(team, paths(Map.of("pathGroupings", List.of("/blog/*"))))));
        assertEquals(List.of("1_/home > 2_/pricing 2 180000", "1_/blog/a > 2_/blog/b 1 60000"),
                edges(query(team, paths(Map.of("excludeEvents", List.of("/signup"))))));
    }

    private static Set<String> actorIds(Map<String, Object> filter) {
        JsonPath body = query(team, Map.of("kind", "ActorsQuery",
                "select", List.of("actor", "event_count", "matched_recordings"),
                "orderBy", List.of("event_count DESC", "actor_id DESC"),
                "source", Map.of("kind", "InsightActorsQuery", "source", paths(filter))));
        assertEquals(List.of("actor", "event_count", "matched_recordings"), body.getList("columns"));
        return new HashSet<>(body.getList("results.collect { it[0].distinct_ids[0] }"));
    }

    /** The CLI's paths actors: those on 1_/home → 2_/pricing are p1 and p3; the walk ending at 2_/signup is p2's. */
    @Test
    void pathsActors() {
        assertEquals(Set.of("p1", "p3"), actorIds(Map.of("pathStartKey", "1_/home", "pathEndKey", "2_/pricing")));
        assertEquals(Set.of("p2"), actorIds(Map.of("pathDropoffKey", "2_/signup")));
        assertEquals(Set.of("p1", "p2", "p3", "p4"), actorIds(Map.of()));
    }

    @Test
    void unsupportedPathsInputsAre400() {
        for (Map<String, Object> f : List.of(Map.<String, Object>of("includeEventTypes", List.of("$autocapture")),
                Map.<String, Object>of("stepLimit", -1), Map.<String, Object>of("whatever", 1))) {
            given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                    .body(Map.of("query", paths(f), "refresh", "force_blocking"))
                    .post("/api/environments/" + team.id() + "/query/").then().statusCode(400);
        }
        // a null item of a list is a 400 naming the field (it was a NullPointerException, a 500: breaker finding)
        for (Map.Entry<String, List<String>> f : List.of(
                Map.entry("includeEventTypes", java.util.Arrays.asList((String) null)),
                Map.entry("includeEventTypes", java.util.Arrays.asList("$pageview", null)),
                Map.entry("excludeEvents", java.util.Arrays.asList((String) null)))) {
            Map<String, Object> filter = new HashMap<>();
            filter.put(f.getKey(), f.getValue());
            if (f.getKey().equals("excludeEvents")) {
                filter.put("includeEventTypes", List.of("$pageview"));
            }
            given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                    .body(Map.of("query", paths(filter), "refresh", "force_blocking"))
                    .post("/api/environments/" + team.id() + "/query/").then().statusCode(400)
                    .body("attr", org.hamcrest.Matchers.equalTo(f.getKey()));
        }
        Map<String, Object> funnelPaths = new HashMap<>(paths(Map.of()));
        funnelPaths.put("funnelPathsFilter", Map.of("funnelPathType", "funnel_path_after_step", "funnelStep", 1,
                "funnelSource", Map.of("kind", "FunnelsQuery", "series", List.of())));
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", funnelPaths, "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(400)
                .body("attr", org.hamcrest.Matchers.equalTo("funnelPathsFilter"));
    }
}

package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.pageviews;
import static dev.quarry.insights.InsightTestSupport.query;
import static dev.quarry.insights.InsightTestSupport.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RetentionActorsEndpointTest {
    private static Project team;

    /**
     * Pageviews (12:00Z): r1 on 01-01, 01-02, 01-04; r2 on 01-01, 01-03; r3 on 01-02, 01-03; r4 on 2019-12-30 and
     * 01-03. r1 sets email r1@example.com. a1 (anonymous) views on 01-02 and is merged into r2 by $identify on 01-03
     * 13:00 — r2's person then has distinct ids r2 and a1 (in the order they were stored); r2 also views on 01-02 15:00 (same person, same day as a1).
     */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Retention");
        Capture c = Capture.to(team);
        c.event("$pageview", "r1", "2020-01-01T12:00:00Z", Map.of("$set", Map.of("email", "r1@example.com")));
        for (String d : List.of("2020-01-02", "2020-01-04")) {
            c.event("$pageview", "r1", d + "T12:00:00Z");
        }
        for (String d : List.of("2020-01-01", "2020-01-03")) {
            c.event("$pageview", "r2", d + "T12:00:00Z");
        }
        for (String d : List.of("2020-01-02", "2020-01-03")) {
            c.event("$pageview", "r3", d + "T12:00:00Z");
        }
        for (String d : List.of("2019-12-30", "2020-01-03")) {
            c.event("$pageview", "r4", d + "T12:00:00Z");
        }
        c.event("$pageview", "a1", "2020-01-02T12:00:00Z");
        // r2 is also active on 01-02 under its own id: after the merge one person with two ids active that day,
        // counted once in every cell (the counts below are the same with or without this event)
        c.event("$pageview", "r2", "2020-01-02T15:00:00Z");
        c.send();
        Capture.to(team).event("$identify", "r2", "2020-01-03T13:00:00Z", Map.of("$anon_distinct_id", "a1")).send();
    }

    private static Map<String, Object> retention(Map<String, Object> filter) {
        Map<String, Object> f = new HashMap<>(Map.of("period", "Day", "totalIntervals", 4,
                "targetEntity", Map.of("id", "$pageview", "type", "events"),
                "returningEntity", Map.of("id", "$pageview", "type", "events")));
        f.putAll(filter);
        return Map.of("kind", "RetentionQuery", "dateRange", Map.of("date_to", "2020-01-04"), "retentionFilter", f);
    }

    private static List<List<Integer>> counts(JsonPath body) {
        List<List<Integer>> out = new java.util.ArrayList<>();
        for (int i = 0; i < body.getList("results").size(); i++) {
            out.add(body.getList("results[" + i + "].values.count"));
        }
        return out;
    }

    /**
     * Recurring, buckets 01-01..01-04; r2 now includes a1 (active 01-02).
     * 01-01: r1, r2 → returns 01-02 r1 and r2(a1) = 2; 01-03 r2 = 1; 01-04 r1 = 1 → [2,2,1,1].
     * 01-02: r1, r3, r2(a1) → 01-03: r3, r2 = 2; 01-04: r1 = 1 → [3,2,1].
     * 01-03: r2, r3, r4 → 01-04: none → [3,0]. 01-04: r1 → [1]. As PostHog, every row has totalIntervals values,
     * those past date_to being 0.
     */
    @Test
    void recurringRetention() {
        JsonPath body = query(team, retention(Map.of()));
        assertEquals(List.of(List.of(2, 2, 1, 1), List.of(3, 2, 1, 0), List.of(3, 0, 0, 0), List.of(1, 0, 0, 0)), counts(body));
        assertEquals("Day 0", body.getString("results[0].label"));
        assertEquals("Day 3", body.getString("results[0].values[3].label"));
        assertEquals("2020-01-01T00:00:00.000000Z", body.getString("results[0].date"));
    }

    /** First time: r4 first seen 2019-12-30 → out. 01-01: r1, r2 → [2,2,1,1]; 01-02: r3 → [1,1,0]; rest empty. */
    @Test
    void firstTimeRetention() {
        JsonPath body = query(team, retention(Map.of("retentionType", "retention_first_time")));
        assertEquals(List.of(List.of(2, 2, 1, 1), List.of(1, 1, 0, 0), List.of(0, 0, 0, 0), List.of(0, 0, 0, 0)), counts(body));
    }

    /** Cumulative recurring, 01-01 cohort: last returns r1 day 3, r2 day 2 → [2, 2, 2, 1]. */
    @Test
    void cumulativeRetention() {
        JsonPath body = query(team, retention(Map.of("cumulative", true)));
        assertEquals(List.of(2, 2, 2, 1), body.getList("results[0].values.count"));
    }

    private static JsonPath actors(Map<String, Object> source, Map<String, Object> extra) {
        Map<String, Object> q = new HashMap<>(Map.of("kind", "ActorsQuery", "select", List.of("person", "id"),
                "source", source));
        q.putAll(extra);
        return query(team, q);
    }

    private static Set<String> names(JsonPath body) {
        return new TreeSet<>(body.getList("results.collect { it[0].name }"));
    }

    /** Retention cohort 01-02: r1 (shown by email), r3, and r2 (merged with a1: the first of its ids as stored, "r2"). */
    @Test
    void retentionCohortActors() {
        JsonPath body = actors(Map.of("kind", "InsightActorsQuery", "source", retention(Map.of()), "interval", 1),
                Map.of());
        assertEquals(Set.of("r1@example.com", "r3", "r2"), names(body));
        assertEquals(0, body.getInt("missing_actors_count"));
        assertEquals(false, body.getBoolean("hasMore"));
        assertEquals(List.of("person", "id"), body.getList("columns"));
    }

    /** Trends dau on 01-03: r2, r3, r4 → 3 persons; limit 2 pages them with hasMore; search narrows to r4. */
    @Test
    void trendsCellActorsWithPagingAndSearch() {
        Map<String, Object> trends = Map.of("kind", "TrendsQuery", "series",
                List.of(Map.of("kind", "EventsNode", "event", "$pageview", "math", "dau")),
                "dateRange", range("2020-01-01", "2020-01-04"));
        Map<String, Object> source = Map.of("kind", "InsightActorsQuery", "source", trends, "day", "2020-01-03");
        assertEquals(3, actors(source, Map.of()).getList("results").size());
        JsonPath page = actors(source, Map.of("limit", 2));
        assertEquals(2, page.getList("results").size());
        assertTrue(page.getBoolean("hasMore"));
        assertEquals(1, actors(source, Map.of("limit", 2, "offset", 2)).getList("results").size());
        assertEquals(Set.of("r4"), names(actors(source, Map.of("search", "R4"))));
        // the whole person object
        JsonPath one = actors(source, Map.of("search", "r4"));
        assertEquals("person", one.getString("results[0][0].type"));
        assertEquals(List.of("r4"), one.getList("results[0][0].distinct_ids"));
        assertEquals(one.getString("results[0][1]"), one.getString("results[0][0].uuid"));
    }

    /**
     * Lifecycle on this data, daily 01-02..01-04: dormant on 01-04 are those active 01-03 but not 01-04: r2, r3, r4.
     * Stickiness 01-01..01-04, 3 days: r1 (01-01, 02, 04) and r2 with a1 (01-01, 02, 03); r3 has 2, r4 1.
     */
    @Test
    void lifecycleAndStickinessActors() {
        Map<String, Object> lifecycle = Map.of("kind", "LifecycleQuery", "series", List.of(pageviews()),
                "dateRange", range("2020-01-02", "2020-01-04"));
        JsonPath dormant = actors(Map.of("kind", "InsightActorsQuery", "source", lifecycle, "day", "2020-01-04",
                "status", "dormant"), Map.of());
        assertEquals(Set.of("r2", "r3", "r4"), names(dormant));
        Map<String, Object> stickiness = Map.of("kind", "StickinessQuery", "series", List.of(pageviews()),
                "dateRange", range("2020-01-01", "2020-01-04"));
        assertEquals(Set.of("r2", "r1@example.com"), names(actors(Map.of("kind", "InsightActorsQuery",
                "source", stickiness, "day", 3), Map.of())));
    }

    /**
     * What PostHog's CLI sends for trends actors: select actor, event_count, matched_recordings, ordered by
     * event_count DESC, actor_id DESC. Total pageviews 01-01..01-04 (BoldNumber, one cell): r2 4 (three of its own
     * and a1's), r1 3, r3 2, r4 1 (its 2019 view is outside).
     */
    @Test
    void trendsActorsAsTheCliAsks() {
        Map<String, Object> trends = Map.of("kind", "TrendsQuery", "series", List.of(pageviews()),
                "trendsFilter", Map.of("display", "BoldNumber"), "dateRange", range("2020-01-01", "2020-01-04"));
        JsonPath body = actors(Map.of("kind", "InsightActorsQuery", "source", trends), Map.of(
                "select", List.of("actor", "event_count", "matched_recordings"),
                "orderBy", List.of("event_count DESC", "actor_id DESC")));
        assertEquals(List.of(4, 3, 2, 1), body.getList("results.collect { it[1] }"));
        assertEquals("r4", body.getString("results[3][0].distinct_ids[0]"));
        assertEquals(List.of(), body.getList("results[0][2]"));
        assertEquals(List.of("actor", "event_count", "matched_recordings"), body.getList("columns"));
        // lifecycle actors as the CLI asks them: select ["actor"] only
        Map<String, Object> lifecycle = Map.of("kind", "LifecycleQuery", "series", List.of(pageviews()),
                "dateRange", range("2020-01-02", "2020-01-04"));
        JsonPath dormant = query(team, Map.of("kind", "ActorsQuery", "select", List.of("actor"), "source",
                Map.of("kind", "InsightActorsQuery", "source", lifecycle, "day", "2020-01-04", "status", "dormant")));
        assertEquals(Set.of("r2", "r3", "r4"), names(dormant));
    }

    /** Without source: the persons list, filtered by person properties and search. */
    @Test
    void personsListWithoutSource() {
        JsonPath all = query(team, Map.of("kind", "ActorsQuery", "select", List.of("actor")));
        assertEquals(Set.of("r1@example.com", "r2", "r3", "r4"), names(all));
        JsonPath byEmail = query(team, Map.of("kind", "ActorsQuery", "select", List.of("actor", "properties.email"),
                "properties", List.of(Map.of("key", "email", "value", "r1@example.com", "operator", "exact",
                        "type", "person"))));
        assertEquals(List.of("r1@example.com"), body(byEmail));
        assertEquals(Set.of("r3"), names(query(team, Map.of("kind", "ActorsQuery", "select", List.of("actor"),
                "search", "r3"))));
    }

    private static List<Object> body(JsonPath p) {
        return p.getList("results.collect { it[1] }");
    }

    @Test
    void badActorsInputIs400() {
        assertEquals(400, InsightTestSupport.status(team, Map.of("kind", "ActorsQuery", "source", "persons")));
        assertEquals(400, InsightTestSupport.status(team, Map.of("kind", "ActorsQuery", "select", List.of("event_count"))));
        assertEquals(400, InsightTestSupport.status(team, Map.of("kind", "ActorsQuery", "select", List.of("1; drop"),
                "source", Map.of("kind", "InsightActorsQuery", "source", retention(Map.of())))));
        assertEquals(400, InsightTestSupport.status(team, Map.of("kind", "ActorsQuery", "source",
                Map.of("kind", "InsightActorsQuery", "source", Map.of("kind", "LifecycleQuery",
                        "series", List.of(pageviews())), "status", "zombie", "day", "2020-01-01"))));
    }
}

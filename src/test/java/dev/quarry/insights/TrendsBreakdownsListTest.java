package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.query;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Trends with {@code breakdownFilter.breakdowns}, the list form PostHog's CLI sends even for one property. PostHog's
 * trends runner is then in multiple-breakdown mode: {@code breakdown_value} is the list of the entries' values
 * ({@code ["Chrome"]}, the null and other buckets too) and the label joins them with "::" (one entry: the value), with
 * the series label in front when there are several series. The single form keeps a text value.
 * Data, all on 2020-01-02: a views 3 times on Chrome and signs up; b views twice on Firefox; c views once with no
 * browser.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class TrendsBreakdownsListTest {
    private static final String NULL = "$$_posthog_breakdown_null_$$";
    private static final String OTHER = "$$_posthog_breakdown_other_$$";
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("TrendsBreakdownsList");
        Capture c = Capture.to(team);
        for (int i = 0; i < 3; i++) {
            c.event("$pageview", "a", "2020-01-02T1" + i + ":00:00Z", Map.of("$browser", "Chrome"));
        }
        c.event("signup", "a", "2020-01-02T14:00:00Z", Map.of("$browser", "Chrome"));
        c.event("$pageview", "b", "2020-01-02T10:00:00Z", Map.of("$browser", "Firefox"));
        c.event("$pageview", "b", "2020-01-02T11:00:00Z", Map.of("$browser", "Firefox"));
        c.event("$pageview", "c", "2020-01-02T10:00:00Z", Map.of());
        // "screen" by browser and OS: [Safari, none] 5, [none, none] 4, [Chrome, Mac] 3, [Firefox, Windows] 2,
        // [Chrome, Windows] 1 (u2 has both of the last two)
        screens(c, "u4", 5, Map.of("$browser", "Safari"));
        screens(c, "u3", 4, Map.of());
        screens(c, "u1", 3, Map.of("$browser", "Chrome", "$os", "Mac"));
        screens(c, "u2", 2, Map.of("$browser", "Firefox", "$os", "Windows"));
        screens(c, "u2", 1, Map.of("$browser", "Chrome", "$os", "Windows"));
        c.send();
    }

    private static void screens(Capture c, String person, int times, Map<String, Object> properties) {
        for (int i = 0; i < times; i++) {
            c.event("screen", person, "2020-01-02T0" + i + ":00:00Z", properties);
        }
    }

    private static Map<String, Object> trends(List<String> events, Map<String, Object> breakdownFilter) {
        Map<String, Object> q = new HashMap<>();
        q.put("kind", "TrendsQuery");
        q.put("series", events.stream().map(e -> Map.of("kind", "EventsNode", "event", e)).toList());
        q.put("dateRange", Map.of("date_from", "2020-01-01", "date_to", "2020-01-03"));
        q.put("interval", "day");
        q.put("breakdownFilter", breakdownFilter);
        return q;
    }

    private static Map<String, Object> browsers(Map<String, Object> extra) {
        Map<String, Object> f = new HashMap<>(extra);
        f.put("breakdowns", List.of(Map.of("property", "$browser", "type", "event")));
        return f;
    }

    /** Chrome 3, Firefox 2, no browser 1: each value a one-item list, labelled by the value. */
    @Test
    void oneEntryGivesListValuesAndPlainLabels() {
        JsonPath body = query(team, trends(List.of("$pageview"), browsers(Map.of())));
        assertEquals(List.of(List.of("Chrome"), List.of("Firefox"), List.of(NULL)), body.getList("results.breakdown_value"));
        assertEquals(List.of("Chrome", "Firefox", NULL), body.getList("results.label"));
        assertEquals(List.of(3, 2, 1), body.getList("results.count", Integer.class));
        assertEquals(List.of(0, 3, 0), body.getList("results[0].data", Integer.class));
        // the single form of the same breakdown answers text values
        JsonPath single = query(team, trends(List.of("$pageview"), Map.of("breakdown", "$browser")));
        assertEquals(List.of("Chrome", "Firefox", NULL), single.getList("results.breakdown_value"));
        assertEquals(body.getList("results.count"), single.getList("results.count"));
    }

    /** breakdown_limit 1: Chrome kept, Firefox and the null bucket folded into ["$$_posthog_breakdown_other_$$"]. */
    @Test
    void otherBucketIsAListToo() {
        JsonPath body = query(team, trends(List.of("$pageview"), browsers(Map.of("breakdown_limit", 1))));
        assertEquals(List.of(List.of("Chrome"), List.of(OTHER)), body.getList("results.breakdown_value"));
        assertEquals(List.of(3, 3), body.getList("results.count", Integer.class));
        assertEquals(true, body.getBoolean("hasMore"));
    }

    /** Two series: "<event> - <value>" labels, values still lists (signup: a's one event, on Chrome). */
    @Test
    void severalSeriesPrefixTheLabel() {
        JsonPath body = query(team, trends(List.of("$pageview", "signup"), browsers(Map.of())));
        assertEquals(List.of("$pageview - Chrome", "$pageview - Firefox", "$pageview - " + NULL, "signup - Chrome"),
                body.getList("results.label"));
        assertEquals(List.of(List.of("Chrome"), List.of("Firefox"), List.of(NULL), List.of("Chrome")),
                body.getList("results.breakdown_value"));
    }

    /** A formula keeps each breakdown's list value: $pageview + signup per browser (Chrome 3 + 1 = 4). */
    @Test
    void formulaResultsKeepTheListValue() {
        Map<String, Object> q = trends(List.of("$pageview", "signup"), browsers(Map.of()));
        q.put("trendsFilter", Map.of("formula", "A+B"));
        JsonPath body = query(team, q);
        assertEquals(List.of("Chrome"), body.getList("results[0].breakdown_value"));
        assertEquals(4.0f, body.getFloat("results[0].count"));
    }

    /** The actors of a cell take the value as the results give it, ["Firefox"]: b only. */
    @Test
    void actorsTakeTheListValue() {
        Map<String, Object> source = Map.of("kind", "InsightActorsQuery", "day", "2020-01-02", "breakdown",
                List.of("Firefox"), "source", trends(List.of("$pageview"), browsers(Map.of())));
        JsonPath body = query(team, Map.of("kind", "ActorsQuery", "source", source, "select", List.of("person")));
        assertEquals(List.of("b"), body.getList("results.collect { it[0].distinct_ids[0] }"));
    }

    private static Map<String, Object> browserAndOs(Map<String, Object> extra) {
        Map<String, Object> f = new HashMap<>(extra);
        f.put("breakdowns", List.of(Map.of("property", "$browser", "type", "event"),
                Map.of("property", "properties.$os", "type", "hogql")));
        return f;
    }

    /**
     * Two entries (PostHog's multiple breakdown): one series per combination of values, biggest first, its
     * breakdown_value the list of the entries' values (a missing one the null label) and its label them joined by "::".
     */
    @Test
    void twoEntriesCombineTheirValues() {
        JsonPath body = query(team, trends(List.of("screen"), browserAndOs(Map.of())));
        assertEquals(List.of(List.of("Safari", NULL), List.of(NULL, NULL), List.of("Chrome", "Mac"),
                List.of("Firefox", "Windows"), List.of("Chrome", "Windows")), body.getList("results.breakdown_value"));
        assertEquals(List.of("Safari::" + NULL, NULL + "::" + NULL, "Chrome::Mac", "Firefox::Windows",
                "Chrome::Windows"), body.getList("results.label"));
        assertEquals(List.of(5, 4, 3, 2, 1), body.getList("results.count", Integer.class));
        assertEquals(List.of(0, 3, 0), body.getList("results[2].data", Integer.class));
        assertEquals(false, body.getBoolean("hasMore"));
    }

    /** breakdown_limit 2: the rest fold into one "other" per entry, 3 + 2 + 1 events, and hasMore says so. */
    @Test
    void twoEntriesFoldIntoOneOtherPerEntry() {
        JsonPath body = query(team, trends(List.of("screen"), browserAndOs(Map.of("breakdown_limit", 2))));
        assertEquals(List.of(List.of("Safari", NULL), List.of(NULL, NULL), List.of(OTHER, OTHER)),
                body.getList("results.breakdown_value"));
        assertEquals(List.of(5, 4, 6), body.getList("results.count", Integer.class));
        assertEquals(OTHER + "::" + OTHER, body.getString("results[2].label"));
        assertEquals(true, body.getBoolean("hasMore"));
        // a total-value display and a distinct-persons math (ranked by their own value, not one scan) agree
        Map<String, Object> pie = trends(List.of("screen"), browserAndOs(Map.of("breakdown_limit", 2)));
        pie.put("trendsFilter", Map.of("display", "ActionsPie"));
        JsonPath total = query(team, pie);
        assertEquals(body.getList("results.breakdown_value"), total.getList("results.breakdown_value"));
        assertEquals(List.of(5, 4, 6), total.getList("results.aggregated_value", Integer.class));
        Map<String, Object> dau = trends(List.of("screen"), browserAndOs(Map.of()));
        dau.put("series", List.of(Map.of("kind", "EventsNode", "event", "screen", "math", "dau")));
        JsonPath persons = query(team, dau);
        assertEquals(5, persons.getList("results").size());
        assertEquals(List.of(1, 1, 1, 1, 1), persons.getList("results.count", Integer.class));
    }

    /** Actors of a combination are the persons behind it; of the other bucket, everyone folded into it. */
    @Test
    void actorsOfACombination() {
        Map<String, Object> source = Map.of("kind", "InsightActorsQuery", "day", "2020-01-02", "breakdown",
                List.of("Chrome", "Windows"), "source", trends(List.of("screen"), browserAndOs(Map.of())));
        JsonPath body = query(team, Map.of("kind", "ActorsQuery", "source", source, "select", List.of("person")));
        assertEquals(List.of("u2"), body.getList("results.collect { it[0].distinct_ids[0] }"));
        Map<String, Object> other = Map.of("kind", "InsightActorsQuery", "day", "2020-01-02", "breakdown",
                List.of(OTHER, OTHER), "source", trends(List.of("screen"), browserAndOs(Map.of("breakdown_limit", 2))));
        JsonPath folded = query(team, Map.of("kind", "ActorsQuery", "source", other, "select", List.of("person")));
        assertEquals(java.util.Set.of("u1", "u2"), new java.util.HashSet<>(
                folded.getList("results.collect { it[0].distinct_ids[0] }")));
        // a multiple breakdown's cell is named by a list; a text (the values' inner one-text form included) is a 400
        Map<String, Object> text = Map.of("kind", "InsightActorsQuery", "day", "2020-01-02", "breakdown",
                "Chrome\u0001Windows", "source", trends(List.of("screen"), browserAndOs(Map.of())));
        assertEquals(400, InsightTestSupport.status(team, Map.of("kind", "ActorsQuery", "source", text, "select",
                List.of("person"))));
    }

    /** Two series and a formula over two entries: labels prefixed, formula results keep the list value. */
    @Test
    void twoEntriesWithSeveralSeriesAndAFormula() {
        Map<String, Object> q = trends(List.of("screen", "screen"), browserAndOs(Map.of()));
        JsonPath body = query(team, q);
        assertEquals("screen - Safari::" + NULL, body.getString("results[0].label"));
        q.put("trendsFilter", Map.of("formula", "A+B"));
        JsonPath formula = query(team, q);
        assertEquals(List.of("Safari", NULL), formula.getList("results[0].breakdown_value"));
        assertEquals(10.0f, formula.getFloat("results[0].count"));
    }

    /**
     * A HogQL entry holding a scalar subquery works beside another entry as it does alone (PostgreSQL refused the
     * grouping when the statements grouped by the value's expression rather than its alias: a breaker's finding).
     */
    @Test
    void aHogQLEntryWithASubqueryCombines() {
        Map<String, Object> f = new HashMap<>();
        f.put("breakdowns", List.of(Map.of("property", "$browser", "type", "event"),
                Map.of("property", "(SELECT count() FROM events)", "type", "hogql")));
        JsonPath body = query(team, trends(List.of("screen"), f));
        Map<List<String>, Integer> counts = new HashMap<>();
        List<List<String>> values = body.getList("results.breakdown_value");
        for (int i = 0; i < values.size(); i++) {
            counts.put(values.get(i), body.getInt("results[" + i + "].count"));
        }
        // the project's 22 events; [none, 22] and [Chrome, 22] both count 4
        assertEquals(Map.of(List.of("Safari", "22"), 5, List.of(NULL, "22"), 4, List.of("Chrome", "22"), 4,
                List.of("Firefox", "22"), 2), counts);
    }
}

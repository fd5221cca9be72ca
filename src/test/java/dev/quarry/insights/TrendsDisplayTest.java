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
 * Trends displays that change the numbers, as PostHog's TrendsDisplay does: {@code ActionsLineGraphCumulative} (running
 * sums per series and breakdown value, {@code count} the last; unique users counted once, in their first interval) and
 * {@code CalendarHeatmap} (a total value).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class TrendsDisplayTest {
    private static Project team;

    /**
     * signup: u1 12-01 (Safari), u2 12-02 (Chrome), u3 12-03 (Safari). visit: u1 12-01, 12-02, 12-03; u2 12-02 (twice).
     */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Trends displays");
        Capture c = Capture.to(team);
        c.event("signup", "u1", "2026-12-01T10:00:00Z", Map.of("$browser", "Safari"));
        c.event("signup", "u2", "2026-12-02T10:00:00Z", Map.of("$browser", "Chrome"));
        c.event("signup", "u3", "2026-12-03T10:00:00Z", Map.of("$browser", "Safari"));
        for (String d : List.of("2026-12-01", "2026-12-02", "2026-12-03")) {
            c.event("visit", "u1", d + "T11:00:00Z");
        }
        c.event("visit", "u2", "2026-12-02T11:00:00Z").event("visit", "u2", "2026-12-02T12:00:00Z");
        c.send();
    }

    private static Map<String, Object> trends(List<Map<String, Object>> series, String display,
                                              Map<String, Object> extra) {
        Map<String, Object> q = new HashMap<>(Map.of("kind", "TrendsQuery", "series", series,
                "dateRange", Map.of("date_from", "2026-12-01", "date_to", "2026-12-05"), "interval", "day",
                "trendsFilter", Map.of("display", display)));
        q.putAll(extra);
        return q;
    }

    private static Map<String, Object> events(String event, String math) {
        return math == null ? Map.of("kind", "EventsNode", "event", event)
                : Map.of("kind", "EventsNode", "event", event, "math", math);
    }

    @Test
    void cumulativeLinesAreRunningSums() {
        JsonPath body = query(team, trends(List.of(events("signup", null)), "ActionsLineGraphCumulative", Map.of()));
        assertEquals(List.of(1, 2, 3, 3, 3), body.getList("results[0].data"));
        assertEquals(3, body.getInt("results[0].count"));
        // the plain line for comparison
        assertEquals(List.of(1, 1, 1, 0, 0), query(team, trends(List.of(events("signup", null)), "ActionsLineGraph",
                Map.of())).getList("results[0].data"));
    }

    @Test
    void cumulativeBreakdownsRunPerValue() {
        JsonPath body = query(team, trends(List.of(events("signup", null)), "ActionsLineGraphCumulative",
                Map.of("breakdownFilter", Map.of("breakdown", "$browser", "breakdown_type", "event"))));
        Map<String, List<Integer>> byValue = new HashMap<>();
        for (int i = 0; i < body.getList("results").size(); i++) {
            byValue.put(body.getString("results[" + i + "].breakdown_value"), body.getList("results[" + i + "].data"));
        }
        assertEquals(List.of(1, 1, 2, 2, 2), byValue.get("Safari"));
        assertEquals(List.of(0, 1, 1, 1, 1), byValue.get("Chrome"));
    }

    /** Unique users: each once, on their first day (u1 12-01, u2 12-02): 1, 2, 2, … — not 1, 3, 4 (daily sums). */
    @Test
    void cumulativeUniqueUsersCountEachOnce() {
        JsonPath body = query(team, trends(List.of(events("visit", "dau")), "ActionsLineGraphCumulative", Map.of()));
        assertEquals(List.of(1, 2, 2, 2, 2), body.getList("results[0].data"));
        assertEquals(2, body.getInt("results[0].count"));
    }

    /** A formula combines the running sums (PostHog applies formulas to the series' data as answered). */
    @Test
    void formulasCombineTheRunningSums() {
        JsonPath body = query(team, trends(List.of(events("signup", null), events("visit", null)),
                "ActionsLineGraphCumulative", Map.of("trendsFilter", Map.of("display", "ActionsLineGraphCumulative",
                        "formula", "A+B"))));
        assertEquals(List.of(2.0, 6.0, 8.0, 8.0, 8.0), body.getList("results[0].data", Double.class));
    }

    /** CalendarHeatmap is one of PostHog's total-value displays: aggregated_value, no buckets. */
    @Test
    void calendarHeatmapIsATotalValue() {
        JsonPath body = query(team, trends(List.of(events("signup", null)), "CalendarHeatmap", Map.of()));
        assertEquals(3, body.getInt("results[0].aggregated_value"));
        assertEquals(List.of(), body.getList("results[0].data"));
    }
}

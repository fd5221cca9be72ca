package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.pageviews;
import static dev.quarry.insights.InsightTestSupport.query;
import static dev.quarry.insights.InsightTestSupport.range;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 §2, PostHog's date rules (QueryDateRange, the active-users windows of its trends query builder) on a
 * UTC project. $pageview by five persons:
 * <pre>
 * p5 2024-01-01 12:00    p4 2024-01-03 22:30    p1 2024-01-08 10:00    p2 2024-01-09 23:30
 * p3 2024-01-10 00:00:00 (exactly) and 2024-01-10 05:00
 * </pre>
 * A second project has pageviews at the same moments and must never count.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class DateSemanticsEndpointTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Date semantics");
        Project other = TestProjects.create("Date semantics noise");
        for (Project p : List.of(team, other)) {
            Capture.to(p)
                    .event("$pageview", "p5", "2024-01-01T12:00:00Z")
                    .event("$pageview", "p4", "2024-01-03T22:30:00Z")
                    .event("$pageview", "p1", "2024-01-08T10:00:00Z")
                    .event("$pageview", "p2", "2024-01-09T23:30:00Z")
                    .event("$pageview", "p3", "2024-01-10T00:00:00Z")
                    .event("$pageview", "p3", "2024-01-10T05:00:00Z")
                    .send();
        }
    }

    private static Map<String, Object> node(String kind, String interval, Map<String, Object> dateRange,
                                            Map<String, Object> extra) {
        Map<String, Object> q = new HashMap<>(Map.of("kind", kind, "interval", interval, "series", List.of(pageviews()),
                "dateRange", dateRange));
        q.putAll(extra);
        return q;
    }

    private static List<Integer> zeros(int n) {
        return new ArrayList<>(Collections.nCopies(n, 0));
    }

    /**
     * Hour interval, date_to "2024-01-10": PostHog reads up to 2024-01-10 00:00:00, so the buckets are 01-09 00:00 …
     * 01-10 00:00 (25), the last one holding only p3's event at exactly midnight; p3's 05:00 event is outside.
     */
    @Test
    void hourlyTrendsEndAtTheStartOfADateOnlyDateTo() {
        JsonPath body = query(team, node("TrendsQuery", "hour", range("2024-01-09", "2024-01-10"), Map.of()));
        List<Integer> expected = zeros(25);
        expected.set(23, 1); // p2 at 01-09 23:30
        expected.set(24, 1); // p3 at 01-10 00:00:00
        assertEquals(expected, body.getList("results[0].data"));
        assertEquals("2024-01-10 00:00:00", body.getString("results[0].days[24]"));
        assertEquals(2, body.getInt("results[0].count"));
        // a relative date_to still ends with its whole hour; a date-time is read up to that instant
        body = query(team, node("TrendsQuery", "hour", range("2024-01-10T00:00:00Z", "2024-01-10T05:00:00Z"), Map.of()));
        assertEquals(List.of(1, 0, 0, 0, 0, 1), body.getList("results[0].data"));
        body = query(team, node("TrendsQuery", "hour", range("2024-01-10T00:00:00Z", "2024-01-10T04:59:00Z"), Map.of()));
        assertEquals(List.of(1, 0, 0, 0, 0), body.getList("results[0].data"));
        // at day interval a date-only date_to still means the whole day: p3's two events on 01-10
        body = query(team, node("TrendsQuery", "day", range("2024-01-09", "2024-01-10"), Map.of()));
        assertEquals(List.of(1, 2), body.getList("results[0].data"));
    }

    /** Stickiness at hour over the same 25 buckets: p2 and p3 each active in one hour. */
    @Test
    void hourlyStickinessUsesTheSameRange() {
        JsonPath body = query(team, node("StickinessQuery", "hour", range("2024-01-09", "2024-01-10"), Map.of()));
        List<Integer> data = body.getList("results[0].data");
        assertEquals(25, data.size());
        assertEquals(2, data.get(0));
        assertEquals(2, body.getInt("results[0].count"));
    }

    /** Lifecycle at hour: 25 buckets, the last one the 00:00 hour of 01-10 (p3 new there). */
    @Test
    void hourlyLifecycleEndsAtTheDateToHour() {
        JsonPath body = query(team, node("LifecycleQuery", "hour", range("2024-01-09", "2024-01-10"), Map.of()));
        List<String> days = body.getList("results[0].days");
        assertEquals(25, days.size());
        assertEquals("2024-01-10 00:00:00", days.get(24));
    }

    /**
     * Retention by Hour with date_to "2024-01-10" and 3 intervals: PostHog's range is 01-09 22:00 … 01-10 01:00, so
     * the cohorts are 22:00 (nobody), 23:00 (p2), 00:00 (p3).
     */
    @Test
    void hourlyRetentionEndsWithTheMidnightHour() {
        JsonPath body = query(team, Map.of("kind", "RetentionQuery", "dateRange", Map.of("date_to", "2024-01-10"),
                "retentionFilter", Map.of("period", "Hour", "totalIntervals", 3,
                        "targetEntity", Map.of("id", "$pageview", "type", "events"),
                        "returningEntity", Map.of("id", "$pageview", "type", "events"))));
        assertEquals(List.of("2024-01-09T22:00:00.000000Z", "2024-01-09T23:00:00.000000Z", "2024-01-10T00:00:00.000000Z"),
                body.getList("results.date"));
        assertEquals(List.of(0, 1, 1), body.getList("results.collect { it.values[0].count }"));
    }

    /**
     * Weekly active users on a total-value display: PostHog counts the persons of [date_to - 7 days, date_to] =
     * [01-03 23:59:59.999999, 01-10 23:59:59.999999]: p1, p2, p3 (p4's 01-03 22:30 is just before) → 3, not the 5
     * persons of the whole range. Monthly: 30 days back reach 2023-12-11, so all 5.
     */
    @Test
    void activeUsersOnTotalValueDisplaysCountTheLastWindow() {
        Map<String, Object> wau = Map.of("kind", "EventsNode", "event", "$pageview", "math", "weekly_active");
        Map<String, Object> mau = Map.of("kind", "EventsNode", "event", "$pageview", "math", "monthly_active");
        for (String display : List.of("BoldNumber", "ActionsTable", "ActionsPie")) {
            Map<String, Object> filter = Map.of("trendsFilter", Map.of("display", display));
            JsonPath body = query(team, new HashMap<>(Map.of("kind", "TrendsQuery", "interval", "day", "series",
                    List.of(wau), "dateRange", range("2024-01-01", "2024-01-10"), "trendsFilter", filter.get("trendsFilter"))));
            assertEquals(3, body.getInt("results[0].aggregated_value"), display);
            body = query(team, new HashMap<>(Map.of("kind", "TrendsQuery", "interval", "day", "series",
                    List.of(mau), "dateRange", range("2024-01-01", "2024-01-10"), "trendsFilter", filter.get("trendsFilter"))));
            assertEquals(5, body.getInt("results[0].aggregated_value"), display);
        }
    }

    /**
     * Weekly active users at hour: bucket s counts the persons with events in (s - 6 days, s + 1 day], events read
     * from date_from - 7 days to date_to (01-10 01:00:00). 22:00: p4 (01-03 22:30 > 01-03 22:00), p1, p2, p3 → 4;
     * 23:00, 00:00, 01:00: p4 is out → 3 (p3's 05:00 event is after date_to).
     */
    @Test
    void activeUsersAtHourFollowPostHogsWindow() {
        Map<String, Object> wau = Map.of("kind", "EventsNode", "event", "$pageview", "math", "weekly_active");
        JsonPath body = query(team, new HashMap<>(Map.of("kind", "TrendsQuery", "interval", "hour", "series", List.of(wau),
                "dateRange", range("2024-01-09 22:00:00", "2024-01-10 01:00:00"))));
        assertEquals(List.of(4, 3, 3, 3), body.getList("results[0].data"));
    }
}

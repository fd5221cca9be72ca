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
     * Weekly active users at hour, by PostHog's active-users query (aggregation_operations): event times are truncated
     * to their hour t, and bucket d counts the persons with d - 7 days &lt; t &lt;= d, i.e. events in
     * [d - 7 days + 1 hour, d + 1 hour); events are read up to date_to (01-10 01:00:00, so p3's 05:00 event is out).
     * 22:00 (01-09): [01-02 23:00, 01-09 23:00) → p4 (01-03 22:30), p1 → 2 (p2's 23:30 is the next hour's);
     * 23:00: + p2 → 3; 00:00 (01-10): [01-03 01:00, 01-10 01:00) → p4, p1, p2, p3 → 4; 01:00: the same 4.
     * The actors of the 22:00 bucket are p4 and p1.
     */
    @Test
    void activeUsersAtHourFollowPostHogsWindow() {
        Map<String, Object> wau = Map.of("kind", "EventsNode", "event", "$pageview", "math", "weekly_active");
        Map<String, Object> q = new HashMap<>(Map.of("kind", "TrendsQuery", "interval", "hour", "series", List.of(wau),
                "dateRange", range("2024-01-09 22:00:00", "2024-01-10 01:00:00")));
        JsonPath body = query(team, q);
        assertEquals(List.of(2, 3, 4, 4), body.getList("results[0].data"));
        assertEquals("weekly_active", body.getString("results[0].action.math"));
        assertEquals(java.util.Set.of("p1", "p4"), actors(team, q, "2024-01-09 22:00:00"));
    }

    private static java.util.Set<String> actors(Project p, Map<String, Object> trends, String day) {
        JsonPath a = query(p, Map.of("kind", "ActorsQuery", "select", List.of("actor"), "source",
                Map.of("kind", "InsightActorsQuery", "source", trends, "day", day)));
        return new java.util.HashSet<>(a.getList("results.collect { it[0].distinct_ids[0] }"));
    }

    /**
     * PostHog turns weekly active users at a week (or month) interval, and monthly active users at a month interval,
     * into daily active users (distinct persons per bucket; the series reports math "dau"). Weeks start on Sunday:
     * 12-31 holds p5 (01-01) and p4 (01-03) → 2; 01-07 holds p1, p2, p3 → 3. (A rolling 7-day window at the
     * 12-31 bucket would find nobody.) On a total-value display with interval week the series is dau as well: the
     * 5 persons of the range, not the last 7 days' 3.
     */
    @Test
    void weeklyActiveAtWeekIntervalIsDailyActive() {
        Map<String, Object> wau = Map.of("kind", "EventsNode", "event", "$pageview", "math", "weekly_active");
        JsonPath body = query(team, new HashMap<>(Map.of("kind", "TrendsQuery", "interval", "week", "series",
                List.of(wau), "dateRange", range("2024-01-01", "2024-01-10"))));
        assertEquals(List.of(2, 3), body.getList("results[0].data"));
        assertEquals(List.of("2023-12-31", "2024-01-07"), body.getList("results[0].days"));
        assertEquals("dau", body.getString("results[0].action.math"));
        body = query(team, new HashMap<>(Map.of("kind", "TrendsQuery", "interval", "month", "series",
                List.of(wau), "dateRange", range("2024-01-01", "2024-01-10"))));
        assertEquals(List.of(5), body.getList("results[0].data"));
        body = query(team, new HashMap<>(Map.of("kind", "TrendsQuery", "interval", "week", "series", List.of(wau),
                "dateRange", range("2024-01-01", "2024-01-10"), "trendsFilter", Map.of("display", "BoldNumber"))));
        assertEquals(5, body.getInt("results[0].aggregated_value"));
    }

    /**
     * Trends at a week interval reads from the start of date_from's day, not of its week (PostHog's
     * date_from_with_adjusted_start_of_interval): from 2024-01-03 the 12-31 week holds only p4's 01-03 event (p5's
     * 01-01 is before date_from) → 1; the 01-07 week: p1, p2 and p3's two → 4. The bucket's actors are p4 alone.
     */
    @Test
    void weekIntervalReadsFromTheDayOfDateFrom() {
        Map<String, Object> q = new HashMap<>(Map.of("kind", "TrendsQuery", "interval", "week", "series",
                List.of(pageviews()), "dateRange", range("2024-01-03", "2024-01-10")));
        JsonPath body = query(team, q);
        assertEquals(List.of(1, 4), body.getList("results[0].data"));
        assertEquals(List.of("2023-12-31", "2024-01-07"), body.getList("results[0].days"));
        assertEquals(java.util.Set.of("p4"), actors(team, q, "2023-12-31"));
    }

    /**
     * A total-value display reads its range at the day interval, whatever the query's interval (PostHog's trends
     * QueryDateRange): at hour, date_to "2024-01-10" still means the whole day, so 01-09 … 01-10 holds p2's 23:30
     * and p3's 00:00 and 05:00 events → 3 (read to 01-10 00:00 it would be 2).
     */
    @Test
    void totalValueDisplaysReadWholeDays() {
        JsonPath body = query(team, new HashMap<>(Map.of("kind", "TrendsQuery", "interval", "hour", "series",
                List.of(pageviews()), "dateRange", range("2024-01-09", "2024-01-10"),
                "trendsFilter", Map.of("display", "BoldNumber"))));
        assertEquals(3, body.getInt("results[0].aggregated_value"));
    }

    /**
     * Monthly active users at a week interval, across a month edge, by PostHog's rule: event times truncated to their
     * day t, bucket d (a Sunday) counts d - 30 days &lt; t &lt;= d, i.e. events in [d - 29 days, d + 1 day), and events
     * are read from date_from - 30 days (date_from 2024-01-10 → 2023-12-11 00:00), which cuts the first bucket's
     * window. A separate project's persons:
     * <pre>
     * q1 2023-12-10 12:00    in 01-07's window [12-09, 01-08) but before the read start 12-11 → not counted
     * q2 2023-12-11 00:00    01-07
     * q4 2023-12-16 00:00    01-07, and 01-14 (whose window [12-16, 01-15) starts exactly there)
     * q3 2024-01-08 00:00    01-14 only (01-07's window ends just before it)
     * </pre>
     * So 01-07 → q2, q4 = 2; 01-14 → q4, q3 = 2. At a month interval monthly active is daily active: December holds
     * q1, q2, q4 → 3, January q3 → 1.
     */
    @Test
    void monthlyActiveAtWeekIntervalAcrossAMonthEdge() {
        Project edges = TestProjects.create("Active users edges");
        Capture.to(edges)
                .event("$pageview", "q1", "2023-12-10T12:00:00Z")
                .event("$pageview", "q2", "2023-12-11T00:00:00Z")
                .event("$pageview", "q4", "2023-12-16T00:00:00Z")
                .event("$pageview", "q3", "2024-01-08T00:00:00Z")
                .send();
        Map<String, Object> mau = Map.of("kind", "EventsNode", "event", "$pageview", "math", "monthly_active");
        Map<String, Object> q = new HashMap<>(Map.of("kind", "TrendsQuery", "interval", "week", "series", List.of(mau),
                "dateRange", range("2024-01-10", "2024-01-20")));
        JsonPath body = query(edges, q);
        assertEquals(List.of("2024-01-07", "2024-01-14"), body.getList("results[0].days"));
        assertEquals(List.of(2, 2), body.getList("results[0].data"));
        assertEquals("monthly_active", body.getString("results[0].action.math"));
        assertEquals(java.util.Set.of("q2", "q4"), actors(edges, q, "2024-01-07"));
        assertEquals(java.util.Set.of("q3", "q4"), actors(edges, q, "2024-01-14"));
        body = query(edges, new HashMap<>(Map.of("kind", "TrendsQuery", "interval", "month", "series", List.of(mau),
                "dateRange", range("2023-12-01", "2024-01-31"))));
        assertEquals(List.of(3, 1), body.getList("results[0].data"));
        assertEquals("dau", body.getString("results[0].action.math"));
    }
}

package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retention read from the person-day rollup where the query allows it, and from the events where it does not, with
 * answers worked out by hand. Weeks start on Sunday (the project default): 2020-01-05, 01-12, 01-19.
 * <pre>
 *   u1  $pageview 01-05 (src=ad), 01-13 twice, 01-15, 01-20
 *   u2  $pageview 01-06, 01-14 twice
 *   u3  $pageview 2019-12-20, 01-07, 01-16 three times
 * </pre>
 * Week retention, totalIntervals 3, date_to 2020-01-19: rows 01-05, 01-12, 01-19.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RetentionRollupTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("RetentionRollup");
        Capture c = Capture.to(team);
        c.event("$pageview", "u1", "2020-01-05T10:00:00Z", Map.of("src", "ad"));
        c.event("$pageview", "u1", "2020-01-13T10:00:00Z");
        c.event("$pageview", "u1", "2020-01-13T11:00:00Z");
        c.event("$pageview", "u1", "2020-01-15T10:00:00Z");
        c.event("$pageview", "u1", "2020-01-20T10:00:00Z");
        c.event("$pageview", "u2", "2020-01-06T10:00:00Z");
        c.event("$pageview", "u2", "2020-01-14T10:00:00Z");
        c.event("$pageview", "u2", "2020-01-14T11:00:00Z");
        c.event("$pageview", "u3", "2019-12-20T10:00:00Z");
        c.event("$pageview", "u3", "2020-01-07T10:00:00Z");
        c.event("$pageview", "u3", "2020-01-16T10:00:00Z");
        c.event("$pageview", "u3", "2020-01-16T11:00:00Z");
        c.event("$pageview", "u3", "2020-01-16T12:00:00Z");
        c.send();
    }

    static Map<String, Object> weekly(Map<String, Object> filter) {
        Map<String, Object> f = new java.util.HashMap<>(Map.of("period", "Week", "totalIntervals", 3,
                "targetEntity", Map.of("id", "$pageview", "type", "events"),
                "returningEntity", Map.of("id", "$pageview", "type", "events")));
        f.putAll(filter);
        return Map.of("kind", "RetentionQuery", "dateRange", Map.of("date_to", "2020-01-19"), "retentionFilter", f);
    }

    static List<List<Integer>> counts(JsonPath body) {
        return RetentionBreakdownTest.counts(body);
    }

    /**
     * minimumOccurrences 3 counts the week's events, not its days: week 01-12 holds 3 pageviews of u1 on two days
     * (returns), 2 of u2 (does not), 3 of u3 on one day (returns). Row 01-05: u1, u2, u3 = 3; back in week 1: u1, u3
     * = 2; week 2: u1 once = 0. Row 01-12: 3; week 2: 0. Row 01-19: u1 = 1.
     */
    @Test
    void minimumOccurrencesCountsEventsOverTheIntervalsDays() {
        JsonPath body = query(team, weekly(Map.of("minimumOccurrences", 3)));
        assertEquals(List.of(List.of(3, 2, 0), List.of(3, 0, 0), List.of(1, 0, 0)), counts(body));
        assertTrue(body.getString("postgres").contains("events_person_days"), "read from the rollup");
    }

    /** First time: u1 (01-05) and u2 (01-06) start in week 0; u3's first pageview is 2019-12-20, before the rows. */
    @Test
    void firstTimeFromTheFirstTargetDay() {
        JsonPath body = query(team, weekly(Map.of("retentionType", "retention_first_time")));
        assertEquals(List.of(List.of(2, 2, 1), List.of(0, 0, 0), List.of(0, 0, 0)), counts(body));
        assertTrue(body.getString("postgres").contains("events_person_days"), "read from the rollup");
    }

    /**
     * A property filter on the target entity is not in the rollup: the events are read. Only u1's 01-05 pageview has
     * src=ad: row 01-05 is u1, back in weeks 1 and 2 (any pageview returns); nobody in the later rows.
     */
    @Test
    void entityPropertiesReadTheEvents() {
        JsonPath body = query(team, weekly(Map.of("targetEntity", Map.of("id", "$pageview", "type", "events",
                "properties", List.of(Map.of("key", "src", "value", "ad", "operator", "exact", "type", "event"))))));
        assertEquals(List.of(List.of(1, 1, 1), List.of(0, 0, 0), List.of(0, 0, 0)), counts(body));
        assertFalse(body.getString("postgres").contains("events_person_days"), "read from the events");
    }

    /** Hours are not whole local days: the events are read. u3's three pageviews on 01-16 at 10:00, 11:00, 12:00. */
    @Test
    void hoursReadTheEvents() {
        JsonPath body = query(team, Map.of("kind", "RetentionQuery", "dateRange",
                Map.of("date_from", "2020-01-16T10:00:00", "date_to", "2020-01-16T12:00:00"), "retentionFilter",
                Map.of("period", "Hour", "totalIntervals", 3, "targetEntity", Map.of("id", "$pageview", "type", "events"),
                        "returningEntity", Map.of("id", "$pageview", "type", "events"))));
        assertEquals(List.of(List.of(1, 1, 1), List.of(1, 1, 0), List.of(1, 0, 0)), counts(body));
        assertFalse(body.getString("postgres").contains("events_person_days"), "read from the events");
    }
}

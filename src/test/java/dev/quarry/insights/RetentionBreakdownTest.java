package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.query;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retention with PostHog's inputs that were once ignored: breakdownFilter, date_from, minimumOccurrences, and the
 * retention actors with their {@code day_N} / {@code appearances} columns.
 *
 * <p>Pageviews at 12:00Z (a second one for u3 on 01-02 at 13:00), property {@code connector}:
 * <pre>
 *        01-01  01-02   01-03
 *   u1   x      x       y        ($set plan=pro)
 *   u2   y      -       y        ($set plan=pro)
 *   u3   x      x, x    x
 *   u4   (none) (none)  -
 * </pre>
 * Day retention, totalIntervals 3, date_to 2020-01-03: rows 01-01, 01-02, 01-03, three values each (PostHog fills
 * the values past date_to with 0).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RetentionBreakdownTest {
    private static Project team;
    private static int proCohort;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("RetentionBreakdown");
        Capture c = Capture.to(team);
        c.event("$pageview", "u1", "2020-01-01T12:00:00Z", Map.of("connector", "x", "$set", Map.of("plan", "pro")));
        c.event("$pageview", "u1", "2020-01-02T12:00:00Z", Map.of("connector", "x"));
        c.event("$pageview", "u1", "2020-01-03T12:00:00Z", Map.of("connector", "y"));
        c.event("$pageview", "u2", "2020-01-01T12:00:00Z", Map.of("connector", "y", "$set", Map.of("plan", "pro")));
        c.event("$pageview", "u2", "2020-01-03T12:00:00Z", Map.of("connector", "y"));
        c.event("$pageview", "u3", "2020-01-01T12:00:00Z", Map.of("connector", "x"));
        c.event("$pageview", "u3", "2020-01-02T12:00:00Z", Map.of("connector", "x"));
        c.event("$pageview", "u3", "2020-01-02T13:00:00Z", Map.of("connector", "x"));
        c.event("$pageview", "u3", "2020-01-03T12:00:00Z", Map.of("connector", "x"));
        c.event("$pageview", "u4", "2020-01-01T12:00:00Z");
        c.event("$pageview", "u4", "2020-01-02T12:00:00Z");
        c.send();
        proCohort = given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("name", "Pro", "filters", Map.of("properties", Map.of("type", "OR", "values", List.of(
                        Map.of("type", "AND", "values", List.of(Map.of("key", "plan", "value", "pro",
                                "operator", "exact", "type", "person"))))))))
                .post("/api/projects/" + team.id() + "/cohorts/").then().statusCode(201).extract().path("id");
    }

    static Map<String, Object> retention(Map<String, Object> filter, Map<String, Object> extra) {
        Map<String, Object> f = new HashMap<>(Map.of("period", "Day", "totalIntervals", 3,
                "targetEntity", Map.of("id", "$pageview", "type", "events"),
                "returningEntity", Map.of("id", "$pageview", "type", "events")));
        f.putAll(filter);
        Map<String, Object> q = new HashMap<>(Map.of("kind", "RetentionQuery", "dateRange",
                Map.of("date_to", "2020-01-03"), "retentionFilter", f));
        q.putAll(extra);
        return q;
    }

    static List<List<Integer>> counts(JsonPath body) {
        List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i < body.getList("results").size(); i++) {
            out.add(body.getList("results[" + i + "].values.count"));
        }
        return out;
    }

    /**
     * No breakdown. 01-01: u1..u4 = 4; back 01-02: u1, u3, u4 = 3; 01-03: u1, u2, u3 = 3.
     * 01-02: u1, u3, u4 = 3; 01-03: u1, u3 = 2. 01-03: u1, u2, u3 = 3.
     */
    @Test
    void withoutBreakdownEveryRowHasTotalIntervalsValues() {
        JsonPath body = query(team, retention(Map.of(), Map.of()));
        assertEquals(List.of(List.of(4, 3, 3), List.of(3, 2, 0), List.of(3, 0, 0)), counts(body));
        assertTrue(body.getMap("results[0]").containsKey("breakdown_value"));
        assertEquals(null, body.getString("results[0].breakdown_value"));
        assertEquals("Day 2", body.getString("results[0].values[2].label"));
    }

    /**
     * breakdown connector, grouped per person and value (PostHog groups by actor and breakdown value):
     * x (u1 on 01-01, 01-02; u3 on 01-01 … 01-03): [2,2,1], [2,1,0], [1,0,0] — cohort total 5;
     * y (u2 on 01-01, 01-03; u1 on 01-03): [1,0,1], [0,0,0], [2,0,0] — total 3;
     * "" (u4 on 01-01, 01-02): [1,1,0], [1,0,0], [0,0,0] — total 2. Ranked by total: x, y, "".
     */
    @Test
    void eventPropertyBreakdownGivesOneRowSetPerValue() {
        JsonPath body = query(team, retention(Map.of(), Map.of("breakdownFilter",
                Map.of("breakdown", "connector", "breakdown_type", "event"))));
        assertEquals(List.of(List.of(2, 2, 1), List.of(2, 1, 0), List.of(1, 0, 0),
                List.of(1, 0, 1), List.of(0, 0, 0), List.of(2, 0, 0),
                List.of(1, 1, 0), List.of(1, 0, 0), List.of(0, 0, 0)), counts(body));
        assertEquals(List.of("x", "x", "x", "y", "y", "y", "", "", ""), body.getList("results.breakdown_value"));
        // the list form with one element is the same breakdown: PostHog's retention turns the single form into the
        // list form and answers breakdown_value as text in both (not a list, unlike trends)
        JsonPath list = query(team, retention(Map.of(), Map.of("breakdownFilter",
                Map.of("breakdowns", List.of(Map.of("property", "connector", "type", "event"))))));
        assertEquals(counts(body), counts(list));
        assertEquals(body.getList("results.breakdown_value"), list.getList("results.breakdown_value"));
    }

    /** breakdown_limit 2: x and y kept, "" (u4) becomes PostHog's other bucket. */
    @Test
    void valuesPastTheLimitAreSummedIntoOther() {
        JsonPath body = query(team, retention(Map.of(), Map.of("breakdownFilter",
                Map.of("breakdown", "connector", "breakdown_type", "event", "breakdown_limit", 2))));
        assertEquals(List.of("x", "x", "x", "y", "y", "y", "$$_posthog_breakdown_other_$$",
                "$$_posthog_breakdown_other_$$", "$$_posthog_breakdown_other_$$"), body.getList("results.breakdown_value"));
        assertEquals(List.of(1, 1, 0), body.getList("results[6].values.count"));
    }

    /**
     * Cohort breakdown [Pro, all]: Pro = {u1, u2}: 01-01 u1, u2 → back 01-02 u1, 01-03 u1, u2 → [2,1,2];
     * 01-02 u1 → [1,1,0]; 01-03 u1, u2 → [2,0,0] (total 5). "all" is shown as "0" and is everyone (total 10), so
     * it ranks first.
     */
    @Test
    void cohortBreakdownGivesOneRowSetPerCohort() {
        JsonPath body = query(team, retention(Map.of(), Map.of("breakdownFilter",
                Map.of("breakdown", List.of(proCohort, "all"), "breakdown_type", "cohort"))));
        assertEquals(List.of("0", "0", "0", String.valueOf(proCohort), String.valueOf(proCohort),
                String.valueOf(proCohort)), body.getList("results.breakdown_value"));
        assertEquals(List.of(List.of(4, 3, 3), List.of(3, 2, 0), List.of(3, 0, 0),
                List.of(2, 1, 2), List.of(1, 1, 0), List.of(2, 0, 0)), counts(body));
    }

    /** date_from 01-02 is honoured: rows 01-02 and 01-03 only, events before 01-02 unread → [3,2,0], [3,0,0]. */
    @Test
    void dateFromIsHonoured() {
        JsonPath body = query(team, retention(Map.of(), Map.of("dateRange",
                Map.of("date_from", "2020-01-02", "date_to", "2020-01-03"))));
        assertEquals(List.of(List.of(3, 2, 0), List.of(3, 0, 0)), counts(body));
        assertEquals("2020-01-02T00:00:00.000000Z", body.getString("results[0].date"));
    }

    /** minimumOccurrences 2: a return needs two pageviews in the interval; only u3 on 01-02 has them → [4,1,0]. */
    @Test
    void minimumOccurrencesCountsOnlyBusyIntervals() {
        JsonPath body = query(team, retention(Map.of("minimumOccurrences", 2), Map.of()));
        assertEquals(List.of(List.of(4, 1, 0), List.of(3, 0, 0), List.of(3, 0, 0)), counts(body));
    }

    /**
     * The CLI's retention actors request for row 0 and value x: u1 appears in intervals [0, 1], u3 in [0, 1, 2];
     * ordered by length(appearances) DESC → u3 first.
     */
    @Test
    void retentionActorsPerBreakdownValueWithDayColumns() {
        Map<String, Object> source = Map.of("kind", "InsightActorsQuery", "interval", 0, "breakdown", List.of("x"),
                "source", retention(Map.of(), Map.of("breakdownFilter", Map.of("breakdown", "connector",
                        "breakdown_type", "event"))));
        JsonPath body = query(team, Map.of("kind", "ActorsQuery", "source", source,
                "select", List.of("person", "day_0", "day_1", "day_2", "appearances"),
                "orderBy", List.of("length(appearances) DESC", "actor_id")));
        assertEquals(List.of("u3", "u1"), body.getList("results.collect { it[0].distinct_ids[0] }"));
        assertEquals(List.of(1, 1, 1), body.getList("results[0]").subList(1, 4));
        assertEquals(List.of(1, 1, 0), body.getList("results[1]").subList(1, 4));
        assertEquals(List.of(0, 1), body.getList("results[1][4]"));
        assertEquals(List.of("person", "day_0", "day_1", "day_2", "appearances"), body.getList("columns"));
        // the same cell of the list-form query (what the CLI sends): the same actors
        Map<String, Object> listSource = Map.of("kind", "InsightActorsQuery", "interval", 0, "breakdown", List.of("x"),
                "source", retention(Map.of(), Map.of("breakdownFilter", Map.of("breakdowns",
                        List.of(Map.of("property", "connector", "type", "event"))))));
        JsonPath list = query(team, Map.of("kind", "ActorsQuery", "source", listSource,
                "select", List.of("person", "day_0", "day_1", "day_2", "appearances"),
                "orderBy", List.of("length(appearances) DESC", "actor_id")));
        assertEquals(List.of("u3", "u1"), list.getList("results.collect { it[0].distinct_ids[0] }"));
    }

    @Test
    void unsupportedRetentionInputsAre400NamingTheField() {
        assertError(retention(Map.of("timeWindowMode", "24_hour_windows"), Map.of()), "timeWindowMode");
        assertError(retention(Map.of("aggregationType", "max"), Map.of()), "aggregationType");
        assertError(retention(Map.of("retentionCustomBrackets", List.of(1, 2)), Map.of()), "retentionCustomBrackets");
        assertError(retention(Map.of("somethingNew", 1), Map.of()), "somethingNew");
        assertError(retention(Map.of(), Map.of("breakdownFilter", Map.of("breakdowns", List.of(
                Map.of("property", "a", "type", "event"), Map.of("property", "b", "type", "event"))))), "breakdowns");
        // groups are read (RetentionGroupsTest); an index outside 0 … 4 is refused
        assertError(retention(Map.of(), Map.of("aggregation_group_type_index", 5)), "aggregation_group_type_index");
        // display-only fields and fields at their "off" value are accepted
        JsonPath ok = query(team, retention(Map.of("retentionReference", "previous", "showTrendLines", true,
                "timeWindowMode", "strict_calendar_dates", "retentionCustomBrackets", List.of()), Map.of()));
        assertTrue(ok.getList("results").size() == 3);
    }

    /**
     * A broken-down answer past 250,000 cells is refused before it is built (a breaker's hourly 500 × 500 tables for
     * 100 e-mails ran the JVM out of heap): three connector values × 500 × 500 here.
     */
    @Test
    void aBrokenDownAnswerPastItsCellBoundIsRefusedBeforeItIsBuilt() {
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", retention(Map.of("period", "Hour", "totalIntervals", 500), Map.of("breakdownFilter",
                        Map.of("breakdown", "connector", "breakdown_type", "event"))), "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/")
                .then().statusCode(400).body("code", org.hamcrest.Matchers.equalTo("response_too_large"))
                .body("detail", org.hamcrest.Matchers.startsWith("The retention answer (breakdown values × rows × "
                        + "intervals) would hold 750000 values, more than the 250000"));
        // the same breakdown over days answers
        assertEquals(9, query(team, retention(Map.of(), Map.of("breakdownFilter",
                Map.of("breakdown", "connector", "breakdown_type", "event")))).getList("results").size());
    }

    private static void assertError(Map<String, Object> node, String attr) {
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", node, "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/")
                .then().statusCode(400).body("attr", org.hamcrest.Matchers.equalTo(attr))
                .body("type", org.hamcrest.Matchers.equalTo("validation_error"));
    }
}

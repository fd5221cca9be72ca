package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.query;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
 * Retention cells with the sum or average of a property ({@code aggregationType} sum / avg), as PostHog's retention
 * runner computes them, and the default entity ($pageview) of a retention that names none. Days 2020-01-01 … 04,
 * every figure below worked by hand from the events in {@link #data}.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RetentionAggregationTest {
    private static Project team;

    /**
     * purchase (amount): u1 01-01 10:00 (10), 01-01 11:00 (5), 01-02 12:00 (7), 01-04 12:00 ("3.5", text); u2 01-01
     * 12:00 ("abc": not a number, 0), 01-03 12:00 (20); u3 01-02 12:00 (4), 01-03 12:00 (none: 0).
     * $pageview: u1 01-01 10:30 (amount 100), 01-03 12:00; u2 01-03 09:00.
     * Persons: u1 {plan_value 2, country US}, u2 {plan_value 3, country FR}, u3 {country FR}.
     */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("RetentionAggregation");
        Capture c = Capture.to(team);
        c.event("purchase", "u1", "2020-01-01T10:00:00Z", Map.of("amount", 10,
                "$set", Map.of("plan_value", 2, "country", "US")));
        c.event("purchase", "u1", "2020-01-01T11:00:00Z", Map.of("amount", 5));
        c.event("purchase", "u1", "2020-01-02T12:00:00Z", Map.of("amount", 7));
        c.event("purchase", "u1", "2020-01-04T12:00:00Z", Map.of("amount", "3.5"));
        c.event("purchase", "u2", "2020-01-01T12:00:00Z", Map.of("amount", "abc",
                "$set", Map.of("plan_value", 3, "country", "FR")));
        c.event("purchase", "u2", "2020-01-03T12:00:00Z", Map.of("amount", 20));
        c.event("purchase", "u3", "2020-01-02T12:00:00Z", Map.of("amount", 4, "$set", Map.of("country", "FR")));
        c.event("purchase", "u3", "2020-01-03T12:00:00Z");
        c.event("$pageview", "u1", "2020-01-01T10:30:00Z", Map.of("amount", 100));
        c.event("$pageview", "u1", "2020-01-03T12:00:00Z");
        c.event("$pageview", "u2", "2020-01-03T09:00:00Z");
        c.send();
    }

    private static Map<String, Object> retention(String target, String returning, Map<String, Object> filter,
                                                 Map<String, Object> extra) {
        Map<String, Object> f = new HashMap<>(Map.of("period", "Day", "totalIntervals", 4));
        if (target != null) {
            f.put("targetEntity", Map.of("id", target, "type", "events"));
        }
        if (returning != null) {
            f.put("returningEntity", Map.of("id", returning, "type", "events"));
        }
        f.putAll(filter);
        Map<String, Object> q = new HashMap<>(Map.of("kind", "RetentionQuery",
                "dateRange", Map.of("date_from", "2020-01-01", "date_to", "2020-01-04"), "retentionFilter", f));
        q.putAll(extra);
        return q;
    }

    private static Map<String, Object> purchases(Map<String, Object> filter) {
        return retention("purchase", "purchase", filter, Map.of());
    }

    private static List<List<Integer>> counts(JsonPath body) {
        List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i < body.getList("results").size(); i++) {
            out.add(body.getList("results[" + i + "].values.count"));
        }
        return out;
    }

    private static List<List<Double>> values(JsonPath body) {
        List<List<Double>> out = new ArrayList<>();
        for (int i = 0; i < body.getList("results").size(); i++) {
            List<Double> row = new ArrayList<>();
            for (Object v : body.getList("results[" + i + "].values.aggregation_value")) {
                row.add(((Number) v).doubleValue());
            }
            out.add(row);
        }
        return out;
    }

    /**
     * Same entity, sum of amount. Row 01-01: u1 (10 + 5) and u2 (0) → 15; u1 returns 01-02 (7), u2 01-03 (20), u1
     * 01-04 (3.5). Row 01-02: u1 (7), u3 (4) → 11; u3 returns 01-03 (0), u1 01-04 (3.5). Row 01-03: u2 (20), u3 (0).
     * Row 01-04: u1 (3.5). The counts are the plain retention's.
     */
    @Test
    void sumOfAnEventProperty() {
        JsonPath body = query(team, purchases(Map.of("aggregationType", "sum", "aggregationProperty", "amount",
                "aggregationPropertyType", "event")));
        List<List<Integer>> expectedCounts = List.of(List.of(2, 1, 1, 1), List.of(2, 1, 1, 0), List.of(2, 0, 0, 0),
                List.of(1, 0, 0, 0));
        assertEquals(expectedCounts, counts(body));
        assertEquals(expectedCounts, counts(query(team, purchases(Map.of()))));
        assertEquals(List.of(List.of(15.0, 7.0, 20.0, 3.5), List.of(11.0, 0.0, 3.5, 0.0), List.of(20.0, 0.0, 0.0, 0.0),
                List.of(3.5, 0.0, 0.0, 0.0)), values(body));
        // PostHog's value shape: count, aggregation_value, label
        assertEquals(List.of("count", "aggregation_value", "label"),
                new ArrayList<>(body.getMap("results[0].values[0]").keySet()));
        assertEquals("Day 1", body.getString("results[0].values[1].label"));
    }

    /** Average: each cell's total over its actors (row 01-01: 15 / 2; row 01-02: 11 / 2; row 01-03: 20 / 2). */
    @Test
    void averageOfAnEventProperty() {
        JsonPath body = query(team, purchases(Map.of("aggregationType", "avg", "aggregationProperty", "amount")));
        assertEquals(List.of(List.of(7.5, 7.0, 20.0, 3.5), List.of(5.5, 0.0, 3.5, 0.0), List.of(10.0, 0.0, 0.0, 0.0),
                List.of(3.5, 0.0, 0.0, 0.0)), values(body));
    }

    /**
     * Target $pageview, returning purchase (PostHog's current fixed-interval builder): interval 0 holds the purchases
     * after the row's first pageview that day; the pageviews' own values add 0 (u1's pageview carries 100). Row 01-01:
     * u1 (pageview 10:30; purchase 11:00 after it → 5, 10:00 before) = 5; returns 01-02 (7), 01-04 (3.5). Row 01-03:
     * u1 (no purchase that day) and u2 (pageview 09:00, purchase 12:00 → 20) = 20; returns 01-04 u1 (3.5).
     */
    @Test
    void differentEntitiesSumTheRowIntervalsLaterReturnsOnly() {
        JsonPath body = query(team, retention("$pageview", "purchase", Map.of("aggregationType", "sum",
                "aggregationProperty", "amount"), Map.of()));
        assertEquals(List.of(List.of(1, 1, 0, 1), List.of(0, 0, 0, 0), List.of(2, 1, 0, 0), List.of(0, 0, 0, 0)),
                counts(body));
        assertEquals(List.of(List.of(5.0, 7.0, 0.0, 3.5), List.of(0.0, 0.0, 0.0, 0.0), List.of(20.0, 3.5, 0.0, 0.0),
                List.of(0.0, 0.0, 0.0, 0.0)), values(body));
    }

    /**
     * The same event with other properties is another entity, as PostHog compares id, type and properties: target
     * purchases with amount > 4 (u1 01-01 10:00 and 11:00, 01-02; u2 01-03), returning any purchase. Row 01-01: u1's
     * 11:00 purchase follows its first target one → 5 (not 10 + 5); row 01-02: nothing after u1's 12:00 → 0.
     */
    @Test
    void theSameEventWithOtherPropertiesIsAnotherEntity() {
        Map<String, Object> f = new HashMap<>(Map.of("period", "Day", "totalIntervals", 4, "aggregationType", "sum",
                "aggregationProperty", "amount", "returningEntity", Map.of("id", "purchase", "type", "events"),
                "targetEntity", Map.of("id", "purchase", "type", "events", "properties",
                        List.of(Map.of("key", "amount", "operator", "gt", "type", "event", "value", 4)))));
        JsonPath body = query(team, Map.of("kind", "RetentionQuery", "dateRange", Map.of("date_from", "2020-01-01",
                "date_to", "2020-01-04"), "retentionFilter", f));
        assertEquals(List.of(List.of(1, 1, 0, 1), List.of(1, 0, 1, 0), List.of(1, 0, 0, 0), List.of(0, 0, 0, 0)),
                counts(body));
        assertEquals(List.of(List.of(5.0, 7.0, 0.0, 3.5), List.of(0.0, 0.0, 3.5, 0.0), List.of(0.0, 0.0, 0.0, 0.0),
                List.of(0.0, 0.0, 0.0, 0.0)), values(body));
        // named differently, the same entity: the target events' values
        f.put("targetEntity", Map.of("id", "purchase", "type", "events", "name", "purchase", "custom_name", "Buy"));
        JsonPath named = query(team, Map.of("kind", "RetentionQuery", "dateRange", Map.of("date_from", "2020-01-01",
                "date_to", "2020-01-04"), "retentionFilter", f));
        assertEquals(List.of(15.0, 7.0, 20.0, 3.5), values(named).get(0));
    }

    /**
     * The person's property for each of their events: row 01-01: u1's two purchases (2 + 2) and u2's one (3) = 7;
     * returns u1 (2), u2 (3), u1 (2). Row 01-02: u1 (2) and u3 (none: 0).
     */
    @Test
    void sumOfAPersonProperty() {
        JsonPath body = query(team, purchases(Map.of("aggregationType", "sum", "aggregationProperty", "plan_value",
                "aggregationPropertyType", "person")));
        assertEquals(List.of(7.0, 2.0, 3.0, 2.0), values(body).get(0));
        assertEquals(List.of(2.0, 0.0, 2.0, 0.0), values(body).get(1));
    }

    /**
     * First-time: u1 and u2 first purchase on 01-01, u3 on 01-02. Row 01-01 as the recurring one; row 01-02: u3 (4),
     * returning 01-03 (0).
     */
    @Test
    void firstTimeRetentionSums() {
        JsonPath body = query(team, purchases(Map.of("aggregationType", "sum", "aggregationProperty", "amount",
                "retentionType", "retention_first_time")));
        assertEquals(List.of(List.of(2, 1, 1, 1), List.of(1, 1, 0, 0), List.of(0, 0, 0, 0), List.of(0, 0, 0, 0)),
                counts(body));
        assertEquals(List.of(List.of(15.0, 7.0, 20.0, 3.5), List.of(4.0, 0.0, 0.0, 0.0), List.of(0.0, 0.0, 0.0, 0.0),
                List.of(0.0, 0.0, 0.0, 0.0)), values(body));
    }

    /**
     * By the person's country, limit 1: FR (u2, u3: 4 cohort memberships) shown, US (u1: 3) in "other", its values
     * carried there.
     */
    @Test
    void breakdownValuesPastTheLimitAddTheirValuesToOther() {
        JsonPath body = query(team, retention("purchase", "purchase", Map.of("aggregationType", "sum",
                "aggregationProperty", "amount"), Map.of("breakdownFilter", Map.of("breakdown", "country",
                "breakdown_type", "person", "breakdown_limit", 1))));
        assertEquals(8, body.getList("results").size());
        assertEquals("FR", body.getString("results[0].breakdown_value"));
        assertEquals("$$_posthog_breakdown_other_$$", body.getString("results[4].breakdown_value"));
        List<List<Double>> v = values(body);
        assertEquals(List.of(0.0, 0.0, 20.0, 0.0), v.get(0));
        assertEquals(List.of(4.0, 0.0, 0.0, 0.0), v.get(1));
        assertEquals(List.of(20.0, 0.0, 0.0, 0.0), v.get(2));
        assertEquals(List.of(15.0, 7.0, 0.0, 3.5), v.get(4));
        assertEquals(List.of(7.0, 0.0, 3.5, 0.0), v.get(5));
    }

    /** PostHog's sum reads every returning event: minimumOccurrences 2 does not drop u1's single 01-02 purchase. */
    @Test
    void minimumOccurrencesDoNotApplyToSums() {
        JsonPath body = query(team, purchases(Map.of("aggregationType", "sum", "aggregationProperty", "amount",
                "minimumOccurrences", 2)));
        assertEquals(List.of(2, 1, 1, 1), counts(body).get(0));
        // counted, no one returns twice in an interval
        assertEquals(List.of(2, 0, 0, 0), counts(query(team, purchases(Map.of("minimumOccurrences", 2)))).get(0));
    }

    /** sum without a property, or count with one, counts only: no aggregation_value. */
    @Test
    void withoutAPropertyTheCellsOnlyCount() {
        for (Map<String, Object> f : List.of(Map.<String, Object>of("aggregationType", "sum"),
                Map.<String, Object>of("aggregationType", "avg", "aggregationProperty", ""),
                Map.<String, Object>of("aggregationType", "count", "aggregationProperty", "amount"))) {
            JsonPath body = query(team, purchases(f));
            assertEquals(List.of(2, 1, 1, 1), counts(body).get(0));
            assertFalse(body.getMap("results[0].values[0]").containsKey("aggregation_value"), f.toString());
        }
    }

    /** A retention without entities reads $pageview, PostHog's default: u1 01-01, 01-03; u2 01-03. */
    @Test
    void missingEntitiesArePageviews() {
        JsonPath body = query(team, retention(null, null, Map.of(), Map.of()));
        assertEquals(List.of(List.of(1, 0, 1, 0), List.of(0, 0, 0, 0), List.of(2, 0, 0, 0), List.of(0, 0, 0, 0)),
                counts(body));
    }

    @Test
    void refusals() {
        assertError(purchases(Map.of("aggregationType", "median", "aggregationProperty", "amount")),
                "aggregationType", "Input should be 'count', 'sum' or 'avg'");
        assertError(purchases(Map.of("aggregationType", "sum", "aggregationProperty", "amount", "cumulative", true)),
                "cumulative", "Cumulative retention is not supported");
        assertError(purchases(Map.of("aggregationType", "sum", "aggregationProperty", List.of("amount"))),
                "aggregationProperty", "valid string");
        assertError(purchases(Map.of("aggregationType", "sum", "aggregationProperty", "amount",
                "aggregationPropertyType", "group")), "aggregationPropertyType",
                "'event', 'person' or 'data_warehouse'");
        assertError(purchases(Map.of("aggregationType", "sum", "aggregationProperty", "amount",
                "aggregationPropertyType", "data_warehouse")), "aggregationPropertyType", "not supported by Quarry");
    }

    private static void assertError(Map<String, Object> node, String attr, String detail) {
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", node, "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/")
                .then().statusCode(400).body("attr", equalTo(attr)).body("type", equalTo("validation_error"))
                .body("detail", containsString(detail));
    }
}

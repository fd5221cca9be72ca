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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Trends breakdown values are ranked by the series' math, as PostHog ranks them, not by event count.
 * On 2020-01-02: person a views 5 times on Chrome; b, c and d view once each on Firefox; b and c have plan = pro
 * (cohort Pro). On 2019-12-30 (before the other tests' ranges) e views 3 times with plan = free (cohort Free).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class BreakdownRankingTest {
    private static Project team;
    private static int pro;
    private static int free;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("BreakdownRanking");
        Capture c = Capture.to(team);
        for (int i = 0; i < 5; i++) {
            c.event("$pageview", "a", "2020-01-02T1" + i + ":00:00Z", Map.of("$browser", "Chrome"));
        }
        for (String p : List.of("b", "c", "d")) {
            c.event("$pageview", p, "2020-01-02T12:00:00Z", p.equals("d") ? Map.of("$browser", "Firefox")
                    : Map.of("$browser", "Firefox", "$set", Map.of("plan", "pro")));
        }
        for (int i = 0; i < 3; i++) {
            c.event("$pageview", "e", "2019-12-30T1" + i + ":00:00Z", Map.of("$browser", "Safari",
                    "$set", Map.of("plan", "free")));
        }
        c.send();
        pro = cohort("Pro", "pro");
        free = cohort("Free", "free");
    }

    private static int cohort(String name, String plan) {
        return io.restassured.RestAssured.given().header("Authorization", "Bearer " + team.key())
                .contentType("application/json")
                .body(Map.of("name", name, "filters", Map.of("properties", Map.of("type", "OR", "values", List.of(
                        Map.of("type", "AND", "values", List.of(Map.of("key", "plan", "value", plan,
                                "operator", "exact", "type", "person"))))))))
                .post("/api/projects/" + team.id() + "/cohorts/").then().statusCode(201).extract().path("id");
    }

    /**
     * The CLI's body (list-form breakdown) with dau and breakdown_limit 1: Firefox has 3 daily users, Chrome 1, so
     * Firefox is kept and Chrome is the other bucket (by event count Chrome, 5, would have won). With total math
     * Chrome (5 events) wins.
     */
    @Test
    void dauRanksByUsers() {
        Map<String, Object> q = Map.of("kind", "TrendsQuery", "breakdownFilter", Map.of("breakdown_limit", 1,
                "breakdowns", List.of(Map.of("property", "$browser", "type", "event"))),
                "series", List.of(Map.of("event", "$pageview", "kind", "EventsNode", "math", "dau")),
                "dateRange", Map.of("date_from", "2020-01-01", "date_to", "2020-01-03"), "interval", "day",
                "properties", List.of());
        JsonPath body = query(team, q);
        // the list form is PostHog's multiple-breakdown mode: each value is a list
        assertEquals(List.of(List.of("Firefox"), List.of("$$_posthog_breakdown_other_$$")),
                body.getList("results.breakdown_value"));
        assertEquals(List.of(3, 1), body.getList("results.count", Integer.class));
        Map<String, Object> total = Map.of("kind", "TrendsQuery", "breakdownFilter", Map.of("breakdown_limit", 1,
                "breakdown", "$browser"), "series", List.of(Map.of("event", "$pageview", "kind", "EventsNode")),
                "dateRange", Map.of("date_from", "2020-01-01", "date_to", "2020-01-03"), "interval", "day");
        assertEquals(List.of("Chrome", "$$_posthog_breakdown_other_$$"), query(team, total).getList(
                "results.breakdown_value"));
    }

    /**
     * Cohort breakdown [Pro, all]: one series per cohort, a person in both counted in both. Pro = {b, c}: 2 pageviews;
     * all: 8. With "all" in the list PostHog runs one query per cohort and keeps the order given (Pro, all), and as it
     * ran two queries it prefixes each cohort's name with the series label. The actors of the Pro cell on 01-02 are
     * b and c.
     */
    @Test
    void cohortBreakdown() {
        Map<String, Object> q = Map.of("kind", "TrendsQuery", "breakdownFilter", Map.of("breakdown_type", "cohort",
                "breakdown", List.of(pro, "all")), "series", List.of(Map.of("event", "$pageview", "kind", "EventsNode")),
                "dateRange", Map.of("date_from", "2020-01-01", "date_to", "2020-01-03"), "interval", "day");
        JsonPath body = query(team, q);
        assertEquals(List.of(pro, "all"), body.getList("results.breakdown_value"));
        assertEquals(List.of("$pageview - Pro", "$pageview - all users"), body.getList("results.label"));
        assertEquals(List.of(2, 8), body.getList("results.count", Integer.class));
        JsonPath actors = query(team, Map.of("kind", "ActorsQuery", "select", List.of("actor"), "source",
                Map.of("kind", "InsightActorsQuery", "source", q, "day", "2020-01-02", "breakdown", pro)));
        assertEquals(java.util.Set.of("b", "c"), new java.util.HashSet<>(actors.getList(
                "results.collect { it[0].distinct_ids[0] }")));
    }

    /**
     * Cohorts are labelled by name, as PostHog labels them (not by id). From 2019-12-29 to 2020-01-03:
     * <ul>
     * <li>one cohort: one query, the label is the name alone ("Pro", 2 pageviews);</li>
     * <li>[Pro, Free] (several cohorts, no "all"): PostHog's conjoined query per series, ranked by count then id: Free
     * (e's 3 pageviews), then Pro (2), labels the bare names;</li>
     * <li>two series × [Free, all]: one query per cohort and series, cohort by cohort: Free/total 3, Free/dau 1,
     * all/total 11, all/dau 5 (a–e), each label "&lt;series&gt; - &lt;name&gt;";</li>
     * <li>a cohort id the project does not have: 400 naming the breakdown.</li>
     * </ul>
     */
    @Test
    void cohortSeriesAreLabelledByName() {
        Map<String, Object> range = Map.of("date_from", "2019-12-29", "date_to", "2020-01-03");
        Map<String, Object> pageviews = Map.of("event", "$pageview", "kind", "EventsNode");
        JsonPath body = query(team, Map.of("kind", "TrendsQuery", "breakdownFilter", Map.of("breakdown_type", "cohort",
                "breakdown", pro), "series", List.of(pageviews), "dateRange", range, "interval", "day"));
        assertEquals(List.of("Pro"), body.getList("results.label"));
        assertEquals(List.of(pro), body.getList("results.breakdown_value"));
        assertEquals(List.of(2), body.getList("results.count", Integer.class));

        body = query(team, Map.of("kind", "TrendsQuery", "breakdownFilter", Map.of("breakdown_type", "cohort",
                "breakdown", List.of(pro, free)), "series", List.of(pageviews), "dateRange", range, "interval", "day"));
        assertEquals(List.of("Free", "Pro"), body.getList("results.label"));
        assertEquals(List.of(free, pro), body.getList("results.breakdown_value"));
        assertEquals(List.of(3, 2), body.getList("results.count", Integer.class));

        body = query(team, Map.of("kind", "TrendsQuery", "breakdownFilter", Map.of("breakdown_type", "cohort",
                "breakdown", List.of(free, "all")), "series", List.of(pageviews, Map.of("event", "$pageview", "kind",
                "EventsNode", "math", "dau")), "dateRange", range, "interval", "day",
                "trendsFilter", Map.of("display", "ActionsTable")));
        assertEquals(List.of("$pageview - Free", "$pageview - Free", "$pageview - all users", "$pageview - all users"),
                body.getList("results.label"));
        assertEquals(List.of(free, free, "all", "all"), body.getList("results.breakdown_value"));
        assertEquals(List.of(0, 1, 0, 1), body.getList("results.action.order", Integer.class));
        assertEquals(List.of(3, 1, 11, 5), body.getList("results.aggregated_value", Integer.class));

        assertEquals(400, InsightTestSupport.status(team, Map.of("kind", "TrendsQuery", "breakdownFilter",
                Map.of("breakdown_type", "cohort", "breakdown", List.of(pro, 987654321)), "series", List.of(pageviews),
                "dateRange", range, "interval", "day")));
    }

    /**
     * A property breakdown over two series: PostHog labels each value's series "&lt;event&gt; - &lt;value&gt;" (the
     * event name even when the series has a custom name, which stays in action.custom_name).
     * With breakdown_limit 1 the values past the limit fold into the other bucket, and PostHog then answers
     * hasMore = true, even when the other bucket is hidden.
     */
    @Test
    void severalSeriesPrefixTheirBreakdownLabels() {
        Map<String, Object> range = Map.of("date_from", "2020-01-01", "date_to", "2020-01-03");
        JsonPath body = query(team, Map.of("kind", "TrendsQuery", "breakdownFilter", Map.of("breakdown", "$browser"),
                "series", List.of(Map.of("event", "$pageview", "kind", "EventsNode"), Map.of("event", "$pageview",
                        "kind", "EventsNode", "custom_name", "Views")), "dateRange", range, "interval", "day"));
        assertEquals(List.of("$pageview - Chrome", "$pageview - Firefox", "$pageview - Chrome", "$pageview - Firefox"),
                body.getList("results.label"));
        assertEquals(java.util.Arrays.asList(null, null, "Views", "Views"), body.getList("results.action.custom_name"));
        assertEquals(false, body.getBoolean("hasMore"));
        body = query(team, Map.of("kind", "TrendsQuery", "breakdownFilter", Map.of("breakdown", "$browser",
                "breakdown_limit", 1), "series", List.of(Map.of("event", "$pageview", "kind", "EventsNode")),
                "dateRange", range, "interval", "day"));
        assertEquals(List.of("Chrome", "$$_posthog_breakdown_other_$$"), body.getList("results.label"));
        assertEquals(true, body.getBoolean("hasMore"));
        body = query(team, Map.of("kind", "TrendsQuery", "breakdownFilter", Map.of("breakdown", "$browser",
                "breakdown_limit", 1, "breakdown_hide_other_aggregation", true), "series", List.of(Map.of("event",
                "$pageview", "kind", "EventsNode")), "dateRange", range, "interval", "day"));
        assertEquals(List.of("Chrome"), body.getList("results.label"));
        assertEquals(true, body.getBoolean("hasMore"));
        // a formula over a breakdown: every result is labelled by the formula, the value is in breakdown_value
        body = query(team, Map.of("kind", "TrendsQuery", "breakdownFilter", Map.of("breakdown", "$browser"),
                "series", List.of(Map.of("event", "$pageview", "kind", "EventsNode"), Map.of("event", "$pageview",
                        "kind", "EventsNode")), "dateRange", range, "interval", "day",
                "trendsFilter", Map.of("formula", "A+B")));
        assertEquals(List.of("Formula (A+B)", "Formula (A+B)"), body.getList("results.label"));
        assertEquals(List.of("Chrome", "Firefox"), body.getList("results.breakdown_value"));
        assertEquals(List.of(10f, 6f), body.getList("results.count", Float.class));
    }
}

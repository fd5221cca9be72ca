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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class TrendsEndpointTest {
    private static Project team;
    private static Project newYork;

    /**
     * UTC project, 2020-02-01 … 02-03:
     * u1: $pageview 02-01 10:00 (Chrome, price 10), 02-01 23:59:59 (Chrome, price 5), 02-02 00:00:00 exactly
     *     (Safari), "signed up" 02-02 12:00.
     * u2: $pageview 02-02 12:00 (Chrome), 02-03 12:00 (no browser).
     * u3: $pageview 02-03 08:00 (Firefox).
     * a1 (anonymous): $pageview 02-01 09:00; u4: $pageview 02-02 09:00, then $identify of u4 with a1 at 02-02 10:00
     *     merges a1's person into u4's: one person.
     * Pageviews per day: 02-01 u1,u1,a1 = 3; 02-02 u1(midnight),u2,u4 = 3; 02-03 u2,u3 = 2.
     * A second project ("noise") gets pageviews on the same days and must never count.
     * New York project: DST starts 2020-03-08 02:00 local. 03-08 04:30Z = 03-07 23:30 EST; 03-08 05:30Z = 03-08 00:30 EST;
     *     03-09 03:30Z = 03-08 23:30 EDT; 03-09 04:30Z = 03-09 00:30 EDT → days 07: 1, 08: 2, 09: 1.
     */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Trends");
        Project noise = TestProjects.create("Trends noise");
        newYork = TestProjects.create("Trends NY", "America/New_York");
        Capture.to(team)
                .event("$pageview", "u1", "2020-02-01T10:00:00Z", Map.of("$browser", "Chrome", "price", 10))
                .event("$pageview", "u1", "2020-02-01T23:59:59Z", Map.of("$browser", "Chrome", "price", "5"))
                .event("$pageview", "u1", "2020-02-02T00:00:00Z", Map.of("$browser", "Safari"))
                .event("signed up", "u1", "2020-02-02T12:00:00Z")
                .event("$pageview", "u2", "2020-02-02T12:00:00Z", Map.of("$browser", "Chrome"))
                .event("$pageview", "u2", "2020-02-03T12:00:00Z")
                .event("$pageview", "u3", "2020-02-03T08:00:00Z", Map.of("$browser", "Firefox"))
                .event("$pageview", "a1", "2020-02-01T09:00:00Z")
                .event("$pageview", "u4", "2020-02-02T09:00:00Z")
                .send();
        Capture.to(team).event("$identify", "u4", "2020-02-02T10:00:00Z", Map.of("$anon_distinct_id", "a1")).send();
        Capture n = Capture.to(noise);
        for (int d = 1; d <= 3; d++) {
            n.event("$pageview", "u1", "2020-02-0" + d + "T12:00:00Z", Map.of("$browser", "Chrome"));
        }
        n.send();
        Capture.to(newYork)
                .event("$pageview", "x", "2020-03-08T04:30:00Z")
                .event("$pageview", "x", "2020-03-08T05:30:00Z")
                .event("$pageview", "x", "2020-03-09T03:30:00Z")
                .event("$pageview", "x", "2020-03-09T04:30:00Z")
                .send();
    }

    private static Map<String, Object> trends(Object series, Map<String, Object> extra) {
        Map<String, Object> q = new HashMap<>(Map.of("kind", "TrendsQuery", "interval", "day", "series", series,
                "dateRange", range("2020-02-01", "2020-02-03")));
        q.putAll(extra);
        return q;
    }

    @Test
    void countsPerDayWithBoundariesAndTeamWall() {
        JsonPath body = query(team, trends(List.of(pageviews()), Map.of()));
        assertEquals(List.of(3, 3, 2), body.getList("results[0].data"));
        assertEquals(8, body.getInt("results[0].count"));
        assertEquals(List.of("2020-02-01", "2020-02-02", "2020-02-03"), body.getList("results[0].days"));
        assertEquals(List.of("1-Feb-2020", "2-Feb-2020", "3-Feb-2020"), body.getList("results[0].labels"));
        assertEquals("$pageview", body.getString("results[0].label"));
        assertEquals("$pageview", body.getString("results[0].action.id"));
    }

    /** dau: 02-01 u1 + merged a1/u4 = 2; 02-02 u1, u2, u4 = 3; 02-03 u2, u3 = 2. */
    @Test
    void dauCountsAMergedPersonOnce() {
        Map<String, Object> s = Map.of("kind", "EventsNode", "event", "$pageview", "math", "dau");
        JsonPath body = query(team, trends(List.of(s), Map.of()));
        assertEquals(List.of(2, 3, 2), body.getList("results[0].data"));
        // BoldNumber: distinct persons over the range: u1, u2, u3, u4 (= a1) → 4
        body = query(team, trends(List.of(s), Map.of("trendsFilter", Map.of("display", "BoldNumber"))));
        assertEquals(4, body.getInt("results[0].aggregated_value"));
    }

    /**
     * Breakdown by $browser, limit 2: counts Chrome 3, null 3 (a1, u4, u2 on 02-03), Safari 1, Firefox 1 → Chrome and
     * null kept, Safari + Firefox folded into other. Chrome [2,1,0], null [1,1,1], other [0,1,1].
     */
    @Test
    void breakdownWithNullAndOther() {
        JsonPath body = query(team, trends(List.of(pageviews()), Map.of("breakdownFilter",
                Map.of("breakdown", "$browser", "breakdown_type", "event", "breakdown_limit", 2))));
        List<String> values = body.getList("results.breakdown_value");
        assertEquals(3, values.size());
        assertEquals(Breakdown.OTHER_VALUE, values.get(2));
        assertEquals(List.of(2, 1, 0), body.getList("results[" + values.indexOf("Chrome") + "].data"));
        assertEquals(List.of(1, 1, 1), body.getList("results[" + values.indexOf(Breakdown.NULL_VALUE) + "].data"));
        assertEquals(List.of(0, 1, 1), body.getList("results[2].data"));
    }

    /**
     * The same breakdown read in one scan: with the default limit (25) all four values are kept and one statement
     * answers; with limit 2 and dau (distinct persons do not add up across folded values) the kept values are read
     * again with the others folded. dau: Chrome 02-01 u1 (two events, one person), 02-02 u2 → [1,1,0]; null a1, u4
     * (= a1, merged), u2 → [1,1,1]; other: 02-02 u1 (Safari), 02-03 u3 (Firefox) → [0,1,1].
     */
    @Test
    void breakdownInOneScan() {
        JsonPath all = query(team, trends(List.of(pageviews()), Map.of("breakdownFilter",
                Map.of("breakdown", "$browser", "breakdown_type", "event"))));
        assertEquals(4, all.getList("results").size());
        assertEquals(1, all.getString("postgres").split(";\n").length, all.getString("postgres"));
        assertEquals(List.of(2, 1, 0), all.getList("results[" + all.getList("results.breakdown_value").indexOf("Chrome")
                + "].data"));
        Map<String, Object> dau = Map.of("kind", "EventsNode", "event", "$pageview", "math", "dau");
        JsonPath body = query(team, trends(List.of(dau), Map.of("breakdownFilter",
                Map.of("breakdown", "$browser", "breakdown_type", "event", "breakdown_limit", 2))));
        List<String> values = body.getList("results.breakdown_value");
        assertEquals(3, values.size());
        assertEquals(Breakdown.OTHER_VALUE, values.get(2));
        assertEquals(List.of(1, 1, 0), body.getList("results[" + values.indexOf("Chrome") + "].data"));
        assertEquals(List.of(1, 1, 1), body.getList("results[" + values.indexOf(Breakdown.NULL_VALUE) + "].data"));
        assertEquals(List.of(0, 1, 1), body.getList("results[2].data"));
    }

    /**
     * Formula A+B: pageviews [3,3,2] + signups [0,1,0] = [3,4,2], labelled "Formula (A+B)" as PostHog labels it, or
     * by the formula node's custom_name.
     */
    @Test
    void formula() {
        JsonPath body = query(team, trends(List.of(pageviews(), Map.of("kind", "EventsNode", "event", "signed up")),
                Map.of("trendsFilter", Map.of("formula", "A+B"))));
        assertEquals(List.of(3f, 4f, 2f), body.getList("results[0].data", Float.class));
        assertEquals(1, body.getList("results").size());
        assertEquals("Formula (A+B)", body.getString("results[0].label"));
        body = query(team, trends(List.of(pageviews(), Map.of("kind", "EventsNode", "event", "signed up")),
                Map.of("trendsFilter", Map.of("formulaNodes", List.of(Map.of("formula", "A+B",
                        "custom_name", "Views and signups"))))));
        assertEquals(List.of(3f, 4f, 2f), body.getList("results[0].data", Float.class));
        assertEquals("Views and signups", body.getString("results[0].label"));
    }

    /**
     * Several formulas, as PostHog's formula_nodes take them ({@code formulaNodes}, else {@code formulas}, else
     * {@code formula}): one result per formula in order, each labelled by its custom_name or "Formula (…)"; with
     * compare, each formula's current result then its previous one.
     */
    @Test
    void severalFormulas() {
        List<Map<String, Object>> series = List.of(pageviews(), Map.of("kind", "EventsNode", "event", "signed up"));
        JsonPath body = query(team, trends(series, Map.of("trendsFilter", Map.of("formulaNodes", List.of(
                Map.of("formula", "A+B", "custom_name", "Sum"), Map.of("formula", "A - B"), Map.of("formula", "B ** 2"))))));
        assertEquals(List.of("Sum", "Formula (A - B)", "Formula (B ** 2)"), body.getList("results.label"));
        assertEquals(List.of(3f, 4f, 2f), body.getList("results[0].data", Float.class));
        assertEquals(List.of(3f, 2f, 2f), body.getList("results[1].data", Float.class));
        assertEquals(List.of(0f, 1f, 0f), body.getList("results[2].data", Float.class));
        // formulaNodes win over formula; formulas (a list of texts) over formula
        body = query(team, trends(series, Map.of("trendsFilter", Map.of("formula", "A", "formulas", List.of("B", "A*2")))));
        assertEquals(List.of("Formula (B)", "Formula (A*2)"), body.getList("results.label"));
        assertEquals(List.of(6f, 6f, 4f), body.getList("results[1].data", Float.class));
        body = query(team, trends(series, Map.of("trendsFilter", Map.of("formula", "A", "formulaNodes",
                List.of(Map.of("formula", "B"))))));
        assertEquals(List.of("Formula (B)"), body.getList("results.label"));
        // with compare: formula by formula, current then previous
        body = query(team, trends(series, Map.of("compareFilter", Map.of("compare", true),
                "dateRange", range("2020-02-02", "2020-02-03"),
                "trendsFilter", Map.of("formulas", List.of("A+B", "A-B")))));
        assertEquals(List.of("Formula (A+B)", "Formula (A+B)", "Formula (A-B)", "Formula (A-B)"),
                body.getList("results.label"));
        assertEquals(List.of("current", "previous", "current", "previous"), body.getList("results.compare_label"));
        // a formula node without a formula is a 400 naming the field
        assertEquals(400, InsightTestSupport.status(team, trends(series, Map.of("trendsFilter",
                Map.of("formulaNodes", List.of(Map.of("custom_name", "nothing")))))));
    }

    /** sum(price) per day: 10 + "5" = 15 on 02-01, nothing after. */
    @Test
    void propertyMath() {
        JsonPath body = query(team, trends(List.of(Map.of("kind", "EventsNode", "event", "$pageview", "math", "sum",
                "math_property", "price")), Map.of()));
        assertEquals(List.of(15f, 0f, 0f), body.getList("results[0].data", Float.class));
    }

    /** Compare 02-02..02-03 ([3,2]) with the two days before (01-31 none, 02-01 3 → [0,3]). */
    @Test
    void compareWithPreviousPeriod() {
        Map<String, Object> q = trends(List.of(pageviews()), Map.of("compareFilter", Map.of("compare", true),
                "dateRange", range("2020-02-02", "2020-02-03")));
        JsonPath body = query(team, q);
        assertEquals(List.of(3, 2), body.getList("results[0].data"));
        assertEquals("current", body.getString("results[0].compare_label"));
        assertEquals(List.of(0, 3), body.getList("results[1].data"));
        assertEquals("previous", body.getString("results[1].compare_label"));
        assertEquals(List.of("2020-01-31", "2020-02-01"), body.getList("results[1].days"));
    }

    /** Event property filter: only Chrome pageviews → [2,1,0]; OR group Chrome|Firefox → [2,1,1]. */
    @Test
    void propertyFilters() {
        Map<String, Object> chrome = Map.of("key", "$browser", "value", "Chrome", "operator", "exact", "type", "event");
        Map<String, Object> firefox = Map.of("key", "$browser", "value", "Firefox", "operator", "exact", "type", "event");
        assertEquals(List.of(2, 1, 0), query(team, trends(List.of(pageviews()), Map.of("properties", List.of(chrome))))
                .getList("results[0].data"));
        assertEquals(List.of(2, 1, 1), query(team, trends(List.of(pageviews()), Map.of("properties",
                Map.of("type", "OR", "values", List.of(chrome, firefox))))).getList("results[0].data"));
    }

    /** New York days across the DST start: [1, 2, 1]. */
    @Test
    void projectTimezoneWithDstChange() {
        JsonPath body = query(newYork, Map.of("kind", "TrendsQuery", "series", List.of(pageviews()),
                "dateRange", range("2020-03-07", "2020-03-09")));
        assertEquals(List.of(1, 2, 1), body.getList("results[0].data"));
        assertEquals(List.of("2020-03-07", "2020-03-08", "2020-03-09"), body.getList("results[0].days"));
    }

    @Test
    void badInputIs400() {
        assertEquals(400, InsightTestSupport.status(team, trends(List.of(pageviews()),
                Map.of("trendsFilter", Map.of("formula", "A+exec(1)")))));
        assertEquals(400, InsightTestSupport.status(team, trends(List.of(pageviews()), Map.of("interval", "fortnight"))));
        assertEquals(400, InsightTestSupport.status(team, trends(List.of(), Map.of())));
        assertEquals(400, InsightTestSupport.status(team, trends(List.of(pageviews()),
                Map.of("dateRange", range("not a date", "2020-01-01")))));
    }
}

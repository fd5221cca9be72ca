package dev.quarry.insights;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * No field of a supported query kind is parsed and silently dropped: for each kind, the fields of PostHog's schema
 * (schema-general.ts) that Quarry does not compute answer 400 naming the field, while fields that only change the
 * drawing, and unsupported fields at their "off" value, are accepted. (PostHog's own models forbid unknown fields
 * too.) Retention and paths have theirs in RetentionBreakdownTest and PathsQueryTest.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class IgnoredFieldsTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team == null) {
            team = TestProjects.create("IgnoredFields");
        }
    }

    private static final Map<String, Object> PAGEVIEWS = Map.of("kind", "EventsNode", "event", "$pageview");
    private static final Map<String, Object> RANGE = Map.of("date_from", "2020-01-01", "date_to", "2020-01-03");

    static Map<String, Object> base(String kind) {
        Map<String, Object> q = new HashMap<>(Map.of("kind", kind, "dateRange", RANGE));
        q.put("series", kind.equals("FunnelsQuery") ? List.of(PAGEVIEWS, Map.of("kind", "EventsNode", "event", "b"))
                : List.of(PAGEVIEWS));
        return q;
    }

    static Map<String, Object> with(String kind, String field, Object value) {
        Map<String, Object> q = base(kind);
        q.put(field, value);
        return q;
    }

    static Map<String, Object> withFilter(String kind, String filter, String field, Object value) {
        Map<String, Object> q = base(kind);
        q.put(filter, Map.of(field, value));
        return q;
    }

    private static void refused(Map<String, Object> query, String attr) {
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", query, "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(400)
                .body("type", equalTo("validation_error")).body("attr", equalTo(attr));
    }

    private static void accepted(Map<String, Object> query) {
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", query, "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(200);
    }

    @Test
    void trends() {
        refused(with("TrendsQuery", "aggregation_group_type_index", 0), "aggregation_group_type_index");
        refused(with("TrendsQuery", "samplingFactor", 0.1), "samplingFactor");
        refused(with("TrendsQuery", "somethingNew", true), "somethingNew");
        refused(withFilter("TrendsQuery", "trendsFilter", "smoothingIntervals", 7), "smoothingIntervals");
        refused(withFilter("TrendsQuery", "breakdownFilter", "breakdown_normalize_url", true), "breakdown_normalize_url");
        Map<String, Object> grouped = base("TrendsQuery");
        grouped.put("series", List.of(Map.of("kind", "EventsNode", "event", "$pageview", "math", "dau",
                "math_group_type_index", 0)));
        accepted(grouped); // daily active companies (TrendsGroupsMathTest)
        Map<String, Object> display = base("TrendsQuery");
        display.put("trendsFilter", Map.of("display", "ActionsLineGraph", "showLegend", true,
                "aggregationAxisFormat", "numeric", "smoothingIntervals", 1, "showValuesOnSeries", false));
        display.put("samplingFactor", 1);
        display.put("properties", List.of());
        accepted(display);
    }

    @Test
    void funnels() {
        refused(withFilter("FunnelsQuery", "funnelsFilter", "funnelAggregateByHogQL", "properties.$session_id"),
                "funnelAggregateByHogQL");
        accepted(with("FunnelsQuery", "aggregation_group_type_index", 1)); // groups (FunnelGroupsTest)
        refused(with("FunnelsQuery", "aggregation_group_type_index", 5), "aggregation_group_type_index");
        refused(withFilter("FunnelsQuery", "funnelsFilter", "somethingNew", 1), "somethingNew");
        Map<String, Object> optional = base("FunnelsQuery");
        optional.put("series", List.of(PAGEVIEWS, Map.of("kind", "EventsNode", "event", "b", "optionalInFunnel", true),
                Map.of("kind", "EventsNode", "event", "c")));
        refused(optional, "optionalInFunnel");
        accepted(withFilter("FunnelsQuery", "funnelsFilter", "funnelStepReference", "previous"));
    }

    @Test
    void lifecycleAndStickiness() {
        accepted(with("LifecycleQuery", "aggregation_group_type_index", 0)); // groups (LifecycleGroupsTest)
        refused(with("LifecycleQuery", "aggregation_group_type_index", -1), "aggregation_group_type_index");
        refused(withFilter("LifecycleQuery", "lifecycleFilter", "somethingNew", 1), "somethingNew");
        accepted(withFilter("LifecycleQuery", "lifecycleFilter", "toggledLifecycles", List.of("new")));
        refused(with("StickinessQuery", "samplingFactor", 0.5), "samplingFactor");
        refused(withFilter("StickinessQuery", "stickinessFilter", "somethingNew", 1), "somethingNew");
        accepted(withFilter("StickinessQuery", "stickinessFilter", "showLegend", true));
        refused(withFilter("StickinessQuery", "stickinessFilter", "stickinessCriteria",
                Map.of("operator", "gte", "value", 2, "unit", "x")), "unit");
        refused(with("LifecycleQuery", "intervalCount", 2), "intervalCount");
        refused(with("StickinessQuery", "intervalCount", "many"), "intervalCount");
    }

    /** The dateRange of every insight kind is PostHog's DateRange: an unknown field in it is a 400 naming it. */
    @Test
    void dateRange() {
        for (String kind : List.of("TrendsQuery", "LifecycleQuery", "StickinessQuery", "FunnelsQuery")) {
            refused(with(kind, "dateRange", Map.of("date_from", "2020-01-01", "from", "2020-01-02")), "from");
        }
        accepted(with("LifecycleQuery", "dateRange", Map.of("date_from", "2020-01-01", "date_to", "2020-01-03",
                "explicitDate", false)));
    }

    @Test
    void actors() {
        refused(Map.of("kind", "ActorsQuery", "somethingNew", 1), "somethingNew");
        accepted(Map.of("kind", "ActorsQuery", "select", List.of("actor", "matched_recordings"), "search", "",
                "properties", List.of()));
    }

    /**
     * Every insight kind's record declares {@code conversionGoal} and {@code useSessionsTable} (PostHog's TrendsQuery
     * has the first: a web-analytics conversion goal; the second belongs to its web-analytics queries), and no runner
     * computes them: they were parsed and dropped. Now a value other than off is a 400 naming the field, in every
     * kind; null and false still pass (clients sending every field at its default).
     */
    @Test
    void conversionGoalAndSessionsTableAreRefusedInEveryInsightKind() {
        Map<String, Map<String, Object>> kinds = new java.util.LinkedHashMap<>();
        kinds.put("TrendsQuery", base("TrendsQuery"));
        kinds.put("FunnelsQuery", base("FunnelsQuery"));
        kinds.put("LifecycleQuery", base("LifecycleQuery"));
        kinds.put("StickinessQuery", base("StickinessQuery"));
        kinds.put("RetentionQuery", new HashMap<>(Map.of("kind", "RetentionQuery", "dateRange", RANGE,
                "retentionFilter", Map.of("period", "Day", "totalIntervals", 3))));
        kinds.put("PathsQuery", new HashMap<>(Map.of("kind", "PathsQuery", "dateRange", RANGE)));
        for (Map.Entry<String, Map<String, Object>> kind : kinds.entrySet()) {
            Map<String, Object> goal = new HashMap<>(kind.getValue());
            goal.put("conversionGoal", Map.of("actionId", 1));
            refused(goal, "conversionGoal");
            Map<String, Object> customGoal = new HashMap<>(kind.getValue());
            customGoal.put("conversionGoal", Map.of("customEventName", "purchase"));
            refused(customGoal, "conversionGoal");
            Map<String, Object> sessions = new HashMap<>(kind.getValue());
            sessions.put("useSessionsTable", true);
            refused(sessions, "useSessionsTable");
            Map<String, Object> off = new HashMap<>(kind.getValue());
            off.put("conversionGoal", null);
            off.put("useSessionsTable", false);
            accepted(off);
        }
    }
}

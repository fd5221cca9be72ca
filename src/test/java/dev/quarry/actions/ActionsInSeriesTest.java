package dev.quarry.actions;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ActionsNode} series in trends, funnels, stickiness and lifecycle, and their actors, on hand-made events.
 * <pre>
 * u1  2024-01-10 10:00  $pageview  $current_url https://x.test/pricing
 * u1  2024-01-10 11:00  signup     plan pro
 * u2  2024-01-10 10:00  $pageview  $current_url https://x.test/about
 * u2  2024-01-11 10:00  signup     plan free
 * u3  2024-01-11 10:00  $pageview  $current_url https://x.test/pricing?ref=1
 * u3  2024-01-11 11:00  click      $current_url https://x.test/pricing?ref=7
 * </pre>
 * Action "visit or pro" = step 1 ($pageview whose URL contains "/pricing") OR step 2 (signup with plan = pro):
 * u1's pageview and signup (Jan 10), u3's pageview (Jan 11; the click is not a $pageview).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ActionsInSeriesTest {
    private static final Map<String, Object> RANGE = Map.of("date_from", "2024-01-10", "date_to", "2024-01-11");
    private static Project team;
    private static Project other;
    private static int visitOrPro;
    private static int exactPricing;
    private static int regexRef;
    private static int pro;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Actions in series");
        other = TestProjects.create("Actions in series other");
        Capture.to(team)
                .event("$pageview", "u1", "2024-01-10T10:00:00Z", Map.of("$current_url", "https://x.test/pricing"))
                .event("signup", "u1", "2024-01-10T11:00:00Z", Map.of("plan", "pro"))
                .event("$pageview", "u2", "2024-01-10T10:00:00Z", Map.of("$current_url", "https://x.test/about"))
                .event("signup", "u2", "2024-01-11T10:00:00Z", Map.of("plan", "free"))
                .event("$pageview", "u3", "2024-01-11T10:00:00Z",
                        Map.of("$current_url", "https://x.test/pricing?ref=1"))
                .event("click", "u3", "2024-01-11T11:00:00Z", Map.of("$current_url", "https://x.test/pricing?ref=7"))
                .send();
        // the other project has a matching pageview of its own, which no count below may include
        Capture.to(other)
                .event("$pageview", "z", "2024-01-10T10:00:00Z", Map.of("$current_url", "https://x.test/pricing"))
                .send();
        visitOrPro = action(team, "visit or pro", List.of(
                Map.of("event", "$pageview", "url", "/pricing", "url_matching", "contains"),
                Map.of("event", "signup", "properties", List.of(Map.of("key", "plan", "value", "pro",
                        "operator", "exact", "type", "event")))));
        exactPricing = action(team, "exact pricing", List.of(
                Map.of("event", "$pageview", "url", "https://x.test/pricing", "url_matching", "exact")));
        regexRef = action(team, "ref regex", List.of(Map.of("url", "pricing\\?ref=\\d", "url_matching", "regex")));
        pro = action(team, "pro signup", List.of(Map.of("event", "signup", "properties",
                List.of(Map.of("key", "plan", "value", "pro", "operator", "exact", "type", "event")))));
    }

    /** Creates an action through the API (as PostHog's action-create tool sends it); its id. */
    static int action(Project project, String name, List<Map<String, Object>> steps) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("name", name, "steps", steps)).post("/api/projects/" + project.id() + "/actions/")
                .then().statusCode(201).extract().path("id");
    }

    static RequestSpecification as(Project project) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json");
    }

    /** POST query as the project; the 200 answer. */
    static JsonPath query(Project project, Map<String, Object> query) {
        return as(project).body(Map.of("query", query)).post("/api/projects/" + project.id() + "/query/")
                .then().log().ifValidationFails().statusCode(200).extract().jsonPath();
    }

    private static List<Double> doubles(JsonPath body, String path) {
        return body.getList(path).stream().map(o -> ((Number) o).doubleValue()).toList();
    }

    private static Map<String, Object> actionsNode(int id, Object... more) {
        Map<String, Object> node = new java.util.LinkedHashMap<>(Map.of("kind", "ActionsNode", "id", id));
        for (int i = 0; i < more.length; i += 2) {
            node.put((String) more[i], more[i + 1]);
        }
        return node;
    }

    private static Map<String, Object> trends(Object series) {
        return Map.of("kind", "TrendsQuery", "series", List.of(series), "interval", "day", "dateRange", RANGE);
    }

    @Test
    void trendsCountTheEventsAnyStepMatches() {
        // Jan 10: u1's pricing pageview and pro signup = 2; Jan 11: u3's pricing pageview = 1
        JsonPath body = query(team, trends(actionsNode(visitOrPro)));
        assertEquals(List.of(2, 1), body.getList("results[0].data"));
        assertEquals("visit or pro", body.getString("results[0].label"));
        assertEquals(visitOrPro, body.getInt("results[0].action.id"));
        assertEquals("actions", body.getString("results[0].action.type"));
        // unique users: u1 on Jan 10, u3 on Jan 11
        assertEquals(List.of(1, 1), query(team, trends(actionsNode(visitOrPro, "math", "dau")))
                .getList("results[0].data"));
        // exact URL: only u1's "https://x.test/pricing" (u3's has "?ref=1")
        assertEquals(List.of(1, 0), query(team, trends(actionsNode(exactPricing))).getList("results[0].data"));
        // regex on any event: u3's pageview (?ref=1) and click (?ref=7), both Jan 11
        assertEquals(List.of(0, 2), query(team, trends(actionsNode(regexRef))).getList("results[0].data"));
        // the series' own properties narrow the action: plan = pro leaves u1's signup only
        assertEquals(List.of(1, 0), query(team, trends(actionsNode(visitOrPro, "properties",
                List.of(Map.of("key", "plan", "value", "pro", "operator", "exact", "type", "event")))))
                .getList("results[0].data"));
    }

    @Test
    void funnelStepsTakeActions() {
        // step 1 any $pageview (u1, u2, u3), step 2 the pro signup: only u1 signed up on pro after a pageview
        JsonPath body = query(team, Map.of("kind", "FunnelsQuery", "dateRange",
                Map.of("date_from", "2024-01-10", "date_to", "2024-01-12"),
                "series", List.of(Map.of("kind", "EventsNode", "event", "$pageview"), actionsNode(pro))));
        assertEquals(List.of(3, 1), body.getList("results.count"));
        assertEquals(pro, body.getInt("results[1].action_id"));
        assertEquals("actions", body.getString("results[1].type"));
        assertEquals("pro signup", body.getString("results[1].name"));
    }

    @Test
    void stickinessAndLifecycleTakeActions() {
        // u1 matches on Jan 10 only, u3 on Jan 11 only: two persons active on exactly one day, none on two
        JsonPath stickiness = query(team, Map.of("kind", "StickinessQuery", "series", List.of(actionsNode(visitOrPro)),
                "interval", "day", "dateRange", RANGE));
        assertEquals(List.of(2.0, 0.0), doubles(stickiness, "results[0].data"));
        assertEquals(visitOrPro, stickiness.getInt("results[0].action.id"));
        // lifecycle: u1 is new on Jan 10 (created with that first event), u3 new on Jan 11; u1 dormant on Jan 11
        JsonPath lifecycle = query(team, Map.of("kind", "LifecycleQuery", "series", List.of(actionsNode(visitOrPro)),
                "interval", "day", "dateRange", RANGE));
        assertEquals(visitOrPro, lifecycle.getInt("results[0].action.id"));
        assertEquals("actions", lifecycle.getString("results[0].action.type"));
        Map<String, List<Double>> byStatus = new java.util.HashMap<>();
        for (int i = 0; i < lifecycle.getList("results").size(); i++) {
            byStatus.put(lifecycle.getString("results[" + i + "].status"),
                    doubles(lifecycle, "results[" + i + "].data"));
        }
        assertEquals(List.of(1.0, 1.0), byStatus.get("new"));
        assertEquals(List.of(0.0, -1.0), byStatus.get("dormant"));
    }

    @Test
    void actorsOfAnActionSeriesCell() {
        // Jan 10 of "visit or pro": u1 alone (u2's pageview was /about)
        JsonPath body = query(team, Map.of("kind", "ActorsQuery", "select", List.of("person"),
                "source", Map.of("kind", "InsightActorsQuery", "source", trends(actionsNode(visitOrPro)),
                        "day", "2024-01-10")));
        assertEquals(List.of("u1"), body.getList("results.collect { it[0].distinct_ids[0] }"));
    }

    @Test
    void anotherProjectsActionIsNotFoundAndBadNodesAreNamed() {
        // the other project's pageview would match; its query cannot use this project's action
        as(other).body(Map.of("query", trends(actionsNode(visitOrPro))))
                .post("/api/projects/" + other.id() + "/query/").then().statusCode(400)
                .body("type", equalTo("validation_error"))
                .body("detail", equalTo("Action " + visitOrPro + " does not exist."));
        // an ActionsNode has no event; an EventsNode has no id
        as(team).body(Map.of("query", trends(actionsNode(visitOrPro, "event", "$pageview"))))
                .post("/api/projects/" + team.id() + "/query/").then().statusCode(400).body("attr", equalTo("event"));
        as(team).body(Map.of("query", trends(Map.of("kind", "EventsNode", "event", "$pageview", "id", 3))))
                .post("/api/projects/" + team.id() + "/query/").then().statusCode(400).body("attr", equalTo("id"));
        // a deleted action is gone for queries too
        int gone = action(team, "gone", List.of(Map.of("event", "$pageview")));
        as(team).body(Map.of("deleted", true)).patch("/api/projects/" + team.id() + "/actions/" + gone + "/")
                .then().statusCode(200);
        as(team).body(Map.of("query", trends(actionsNode(gone)))).post("/api/projects/" + team.id() + "/query/")
                .then().statusCode(400).body("detail", equalTo("Action " + gone + " does not exist."));
    }

    private static Map<String, Object> hogql(String text) {
        return Map.of("kind", "HogQLQuery", "query", text);
    }

    @Test
    void matchesActionInHogQL() {
        // u1's pricing pageview and pro signup, u3's pricing pageview
        JsonPath body = query(team, hogql("select count() from events where matchesAction(" + visitOrPro + ")"));
        assertEquals(List.of(List.of(3)), body.getList("results"));
        // the action's values are bind parameters, not SQL text
        org.junit.jupiter.api.Assertions.assertFalse(body.getString("postgres").contains("pricing"),
                body.getString("postgres"));
        // the regex step matches any event: u3's pageview and click
        assertEquals(List.of(List.of("$pageview", 1), List.of("click", 1)), query(team, hogql(
                "select event, count() from events where matchesAction(" + regexRef + ") group by event order by event"))
                .getList("results"));
        // as a column too: 6 events, 3 match
        assertEquals(List.of(List.of(3, 6)), query(team, hogql("select countIf(matchesAction(" + visitOrPro
                + ")), count() from events")).getList("results"));
        // another project cannot use it (its own matching pageview is not counted either: the call is refused)
        as(other).body(Map.of("query", hogql("select count() from events where matchesAction(" + visitOrPro + ")")))
                .post("/api/projects/" + other.id() + "/query/").then().statusCode(400)
                .body("detail", equalTo("Could not find an action with the ID " + visitOrPro));
        // a name is looked up as PostHog does (the live action of that exact name)
        assertEquals(List.of(List.of(3)), query(team, hogql(
                "select count() from events where matchesAction('visit or pro')")).getList("results"));
    }

    @Test
    void eventsQueryKeepsTheActionsEvents() {
        // actionId: u1's pricing pageview (10:00) and pro signup (11:00) on Jan 10, u3's pricing pageview on Jan 11
        JsonPath body = query(team, Map.of("kind", "EventsQuery", "select", List.of("event", "distinct_id"),
                "actionId", visitOrPro, "after", "2024-01-01", "before", "2024-01-12",
                "orderBy", List.of("timestamp ASC")));
        assertEquals(List.of(List.of("$pageview", "u1"), List.of("signup", "u1"), List.of("$pageview", "u3")),
                body.getList("results"));
        as(other).body(Map.of("query", Map.of("kind", "EventsQuery", "select", List.of("event"), "actionId",
                        visitOrPro, "after", "all"))).post("/api/projects/" + other.id() + "/query/")
                .then().statusCode(400).body("detail", equalTo("Action " + visitOrPro + " does not exist."));
    }
}

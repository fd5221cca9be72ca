package dev.quarry.actions;

import static org.hamcrest.Matchers.equalTo;
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
import io.restassured.specification.RequestSpecification;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Actions where the last session left them out or wrong: retention entities and funnel exclusions that are actions,
 * {@code matchesAction('name')}, the HogQL a query answers with, and cached answers after the action changes.
 * Hand-made events (UTC):
 * <pre>
 * a  2024-02-01 10:00 open   10:05 $pageview /pricing   10:10 signup   2024-02-02 09:00 $pageview /pricing
 * b  2024-02-01 10:00 open   10:05 $pageview /about     10:10 signup
 * c  2024-02-01 10:00 open                              10:10 signup
 * d  2024-02-01 10:00 open
 * e  2024-02-01 10:00 open                                             2024-02-02 10:00 $pageview /pricing
 * f  2024-02-01 10:00 open                                             2024-02-02 11:00 $pageview /about
 * </pre>
 * Action "pricing visit" = a $pageview whose URL contains "/pricing": a's two and e's one.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ActionsInRetentionFunnelsAndCacheTest {
    private static final Map<String, Object> RANGE = Map.of("date_from", "2024-02-01", "date_to", "2024-02-02");
    private static Project team;
    private static Project other;
    private static int pricingVisit;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Actions in retention");
        other = TestProjects.create("Actions in retention other");
        Capture capture = Capture.to(team);
        for (String who : List.of("a", "b", "c", "d", "e", "f")) {
            capture.event("open", who, "2024-02-01T10:00:00Z");
        }
        capture.event("$pageview", "a", "2024-02-01T10:05:00Z", Map.of("$current_url", "https://x.test/pricing"))
                .event("$pageview", "b", "2024-02-01T10:05:00Z", Map.of("$current_url", "https://x.test/about"))
                .event("signup", "a", "2024-02-01T10:10:00Z")
                .event("signup", "b", "2024-02-01T10:10:00Z")
                .event("signup", "c", "2024-02-01T10:10:00Z")
                .event("$pageview", "a", "2024-02-02T09:00:00Z", Map.of("$current_url", "https://x.test/pricing"))
                .event("$pageview", "e", "2024-02-02T10:00:00Z", Map.of("$current_url", "https://x.test/pricing"))
                .event("$pageview", "f", "2024-02-02T11:00:00Z", Map.of("$current_url", "https://x.test/about"))
                .send();
        pricingVisit = action(team, "pricing visit", "/pricing");
    }

    private static int action(Project project, String name, String url) {
        return ActionsInSeriesTest.action(project, name, List.of(Map.of("event", "$pageview", "url", url,
                "url_matching", "contains")));
    }

    private static RequestSpecification as(Project project) {
        return ActionsInSeriesTest.as(project);
    }

    private static JsonPath query(Project project, Map<String, Object> query) {
        return ActionsInSeriesTest.query(project, query);
    }

    private static Map<String, Object> retention(Map<String, Object> target, Map<String, Object> returning) {
        return Map.of("kind", "RetentionQuery", "dateRange", RANGE, "retentionFilter", Map.of("period", "Day",
                "totalIntervals", 2, "targetEntity", target, "returningEntity", returning));
    }

    @Test
    void retentionEntitiesMayBeActions() {
        Map<String, Object> open = Map.of("id", "open", "type", "events");
        // returning = the action: of Feb 1's six openers, a (09:00) and e (10:00) visit pricing on Feb 2 -> [6, 2];
        // nobody opens on Feb 2 -> 0
        JsonPath byAction = query(team, retention(open, Map.of("id", pricingVisit, "type", "actions")));
        assertEquals(List.of(6, 2), byAction.getList("results[0].values.count"));
        assertEquals(0, byAction.getInt("results[1].values[0].count"));
        // the event alone would also count f's /about pageview on Feb 2 -> [6, 3]: the action's condition is applied
        assertEquals(List.of(6, 3), query(team, retention(open, Map.of("id", "$pageview", "type", "events")))
                .getList("results[0].values.count"));
        // target = the action as an ActionsNode: Feb 1 a (10:05), who signs up on Feb 2? nobody -> [1, 0];
        // Feb 2 a and e -> 2
        JsonPath target = query(team, retention(Map.of("kind", "ActionsNode", "id", pricingVisit),
                Map.of("id", "signup", "type", "events")));
        assertEquals(List.of(1, 0), target.getList("results[0].values.count"));
        assertEquals(2, target.getInt("results[1].values[0].count"));
        // another project's action is not found
        as(other).body(Map.of("query", retention(open, Map.of("id", pricingVisit, "type", "actions"))))
                .post("/api/projects/" + other.id() + "/query/").then().statusCode(400)
                .body("detail", equalTo("Action " + pricingVisit + " does not exist."))
                .body("attr", equalTo("returningEntity"));
    }

    private static Map<String, Object> funnel(Map<String, Object> exclusion) {
        Map<String, Object> filter = new LinkedHashMap<>();
        if (exclusion != null) {
            filter.put("exclusions", List.of(exclusion));
        }
        return Map.of("kind", "FunnelsQuery", "dateRange", RANGE, "funnelsFilter", filter, "series", List.of(
                Map.of("kind", "EventsNode", "event", "open"), Map.of("kind", "EventsNode", "event", "signup")));
    }

    @Test
    void funnelExclusionsMayBeActions() {
        // open -> signup: a, b, c sign up after opening, d, e, f do not -> [6, 3]
        assertEquals(List.of(6, 3), query(team, funnel(null)).getList("results.count"));
        // excluding a pricing visit between the steps (within the 14-day window) drops from the whole funnel a, who
        // visits pricing before signing up, and e, who visits it on Feb 2 without signing up -> [4, 2] (b's visit is
        // /about)
        Map<String, Object> byAction = new LinkedHashMap<>(Map.of("kind", "ActionsNode", "id", pricingVisit,
                "funnelFromStep", 0, "funnelToStep", 1));
        assertEquals(List.of(4, 2), query(team, funnel(byAction)).getList("results.count"));
        // the same as the event exclusion the action stands for
        Map<String, Object> byEvent = new LinkedHashMap<>(Map.of("kind", "EventsNode", "event", "$pageview",
                "funnelFromStep", 0, "funnelToStep", 1, "properties", List.of(Map.of("key", "$current_url",
                        "value", "/pricing", "operator", "icontains", "type", "event"))));
        assertEquals(List.of(4, 2), query(team, funnel(byEvent)).getList("results.count"));
        // an action that is also a step is PostHog's 400
        Map<String, Object> steps = Map.of("kind", "FunnelsQuery", "dateRange", RANGE, "funnelsFilter",
                Map.of("exclusions", List.of(byAction)), "series", List.of(Map.of("kind", "EventsNode", "event",
                        "open"), Map.of("kind", "ActionsNode", "id", pricingVisit)));
        as(team).body(Map.of("query", steps)).post("/api/projects/" + team.id() + "/query/").then().statusCode(400)
                .body("detail", equalTo("Exclusion steps cannot contain an event that's part of funnel steps."));
    }

    @Test
    void matchesActionTakesTheNameAndAnswersWithTheHogQLAsWritten() {
        // by name: a's two pricing pageviews and e's one
        JsonPath body = query(team, Map.of("kind", "HogQLQuery",
                "query", "select count() from events where matchesAction('pricing visit')"));
        assertEquals(List.of(List.of(3)), body.getList("results"));
        // the HogQL shown is the call as written, not the action's steps (a query:read key does not see them)
        assertTrue(body.getString("hogql").contains("matchesAction('pricing visit')"), body.getString("hogql"));
        assertFalse(body.getString("hogql").contains("pricing'") && body.getString("hogql").contains("LIKE"),
                body.getString("hogql"));
        String byId = query(team, Map.of("kind", "HogQLQuery",
                "query", "select count() from events where matchesAction(" + pricingVisit + ")")).getString("hogql");
        assertTrue(byId.contains("matchesAction(" + pricingVisit + ")"), byId);
        assertFalse(byId.toLowerCase().contains("current_url"), byId);
        // PostHog's messages for an action the project lacks
        as(team).body(Map.of("query", Map.of("kind", "HogQLQuery",
                        "query", "select count() from events where matchesAction('no such action')")))
                .post("/api/projects/" + team.id() + "/query/").then().statusCode(400)
                .body("detail", equalTo("Could not find an action with the name 'no such action'"));
        as(other).body(Map.of("query", Map.of("kind", "HogQLQuery",
                        "query", "select count() from events where matchesAction('pricing visit')")))
                .post("/api/projects/" + other.id() + "/query/").then().statusCode(400)
                .body("detail", equalTo("Could not find an action with the name 'pricing visit'"));
    }

    @Test
    void anEditedActionIsNotAnsweredFromTheCache() {
        int probe = action(team, "cache probe", "/pricing");
        Map<String, Object> trends = Map.of("kind", "TrendsQuery", "interval", "day", "dateRange", RANGE,
                "series", List.of(Map.of("kind", "ActionsNode", "id", probe)));
        Map<String, Object> hogql = Map.of("kind", "HogQLQuery",
                "query", "select count() from events where matchesAction(" + probe + ")");
        Map<String, Object> events = Map.of("kind", "EventsQuery", "select", List.of("distinct_id"),
                "actionId", probe, "after", "2024-01-31", "before", "2024-02-03", "orderBy", List.of("timestamp ASC"));
        // /pricing: Feb 1 a; Feb 2 a and e
        assertEquals(List.of(1, 2), query(team, trends).getList("results[0].data"));
        assertEquals(List.of(List.of(3)), query(team, hogql).getList("results"));
        assertEquals(List.of(List.of("a"), List.of("a"), List.of("e")), query(team, events).getList("results"));
        // asked again: the cached answers
        assertTrue(query(team, trends).getBoolean("is_cached"));
        assertTrue(query(team, hogql).getBoolean("is_cached"));
        // the action now means /about: Feb 1 b; Feb 2 f
        as(team).body(Map.of("steps", List.of(Map.of("event", "$pageview", "url", "/about", "url_matching",
                "contains")))).patch("/api/projects/" + team.id() + "/actions/" + probe + "/").then().statusCode(200);
        JsonPath again = query(team, trends);
        assertEquals(List.of(1, 1), again.getList("results[0].data"));
        assertFalse(again.getBoolean("is_cached"));
        assertEquals(List.of(List.of(2)), query(team, hogql).getList("results"));
        assertEquals(List.of(List.of("b"), List.of("f")), query(team, events).getList("results"));
        // deleted: the cached answer is not served either, the action is not found
        as(team).body(Map.of("deleted", true)).patch("/api/projects/" + team.id() + "/actions/" + probe + "/")
                .then().statusCode(200);
        as(team).body(Map.of("query", trends)).post("/api/projects/" + team.id() + "/query/").then().statusCode(400)
                .body("detail", equalTo("Action " + probe + " does not exist."));
    }
}

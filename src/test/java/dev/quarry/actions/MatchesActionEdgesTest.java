package dev.quarry.actions;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code matchesAction(...)} wherever PostHog resolves HogQL (posthog/hogql/functions/action.py): in an EventsQuery's
 * {@code where}, in a HogQL property filter of an insight, and with a placeholder argument given by the query's
 * {@code values}; a column or other non-constant argument is PostHog's "action() takes only constant arguments".
 * Data: pageviews of /pricing by a (twice) and e, of /about by b and f; the action "pricing visit" is a $pageview whose
 * URL contains /pricing, so it matches 3 events (a, a, e); the other project has a pricing pageview of its own.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class MatchesActionEdgesTest {
    private static final Map<String, Object> RANGE = Map.of("date_from", "2024-02-01", "date_to", "2024-02-02");
    private static Project team;
    private static Project other;
    private static int pricing;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("matchesAction edges");
        other = TestProjects.create("matchesAction edges other");
        Capture.to(team)
                .event("$pageview", "a", "2024-02-01T10:05:00Z", Map.of("$current_url", "https://x.test/pricing"))
                .event("$pageview", "b", "2024-02-01T10:05:00Z", Map.of("$current_url", "https://x.test/about"))
                .event("$pageview", "a", "2024-02-02T09:00:00Z", Map.of("$current_url", "https://x.test/pricing"))
                .event("$pageview", "e", "2024-02-02T10:00:00Z", Map.of("$current_url", "https://x.test/pricing"))
                .event("$pageview", "f", "2024-02-02T11:00:00Z", Map.of("$current_url", "https://x.test/about"))
                .send();
        Capture.to(other)
                .event("$pageview", "z", "2024-02-01T10:05:00Z", Map.of("$current_url", "https://x.test/pricing"))
                .send();
        pricing = ActionsInSeriesTest.action(team, "pricing visit", List.of(Map.of("event", "$pageview", "url",
                "/pricing", "url_matching", "contains")));
    }

    private static Map<String, Object> events(String where) {
        return Map.of("kind", "EventsQuery", "select", List.of("distinct_id"), "where", List.of(where),
                "after", "2024-01-31", "before", "2024-02-03", "orderBy", List.of("timestamp ASC"));
    }

    @Test
    void inAnEventsQueryWhere() {
        assertEquals(List.of(List.of("a"), List.of("a"), List.of("e")),
                ActionsInSeriesTest.query(team, events("matchesAction(" + pricing + ")")).getList("results"));
        assertEquals(List.of(List.of("a"), List.of("a"), List.of("e")),
                ActionsInSeriesTest.query(team, events("matchesAction('pricing visit')")).getList("results"));
        // another project cannot use the action (its own pricing pageview is not read either: the call is refused)
        ActionsInSeriesTest.as(other).body(Map.of("query", events("matchesAction(" + pricing + ")")))
                .post("/api/projects/" + other.id() + "/query/").then().statusCode(400)
                .body("detail", equalTo("Could not find an action with the ID " + pricing));
    }

    @Test
    void inAnInsightsHogQLPropertyFilter() {
        // daily pageviews matching the action: Feb 1 a, Feb 2 a and e -> [1, 2] (without the filter: [2, 3])
        Map<String, Object> trends = Map.of("kind", "TrendsQuery", "interval", "day", "dateRange", RANGE,
                "series", List.of(Map.of("kind", "EventsNode", "event", "$pageview")),
                "properties", List.of(Map.of("type", "hogql", "key", "matchesAction(" + pricing + ")")));
        assertEquals(List.of(1, 2), ActionsInSeriesTest.query(team, trends).getList("results[0].data")
                .stream().map(n -> ((Number) n).intValue()).toList());
    }

    /**
     * A HogQLQuery's {@code filters.properties} holding a HogQL property ({@code type: hogql}, as PostHog's SQL editor
     * and data tables send it, {@code value: null}) with {@code matchesAction}: resolved as in {@code where}, into the
     * query's {@code {filters}} placeholder; another project's action is PostHog's "Could not find an action".
     */
    @Test
    void inAHogQLQuerysFiltersProperties() {
        java.util.function.IntFunction<Map<String, Object>> filtered = id -> Map.of("kind", "HogQLQuery",
                "query", "select distinct_id from events where {filters} order by timestamp",
                "filters", Map.of("properties", List.of(new java.util.HashMap<>(Map.of("type", "hogql",
                        "key", "matchesAction(" + id + ")")) {{ put("value", null); }})));
        assertEquals(List.of(List.of("a"), List.of("a"), List.of("e")),
                ActionsInSeriesTest.query(team, filtered.apply(pricing)).getList("results"));
        Map<String, Object> byName = Map.of("kind", "HogQLQuery",
                "query", "select count() from events where {filters}",
                "filters", Map.of("properties", List.of(Map.of("type", "hogql", "key", "matchesAction('pricing visit')"))));
        assertEquals(List.of(List.of(3)), ActionsInSeriesTest.query(team, byName).getList("results"));
        // the wall: the other project names this project's action
        ActionsInSeriesTest.as(other).body(Map.of("query", filtered.apply(pricing)))
                .post("/api/projects/" + other.id() + "/query/").then().statusCode(400)
                .body("detail", equalTo("Could not find an action with the ID " + pricing));
        // and an action of its own in the filters reads only its own events
        int own = ActionsInSeriesTest.action(other, "other pricing", List.of(Map.of("event", "$pageview", "url",
                "/pricing", "url_matching", "contains")));
        assertEquals(List.of(List.of("z")), ActionsInSeriesTest.query(other, filtered.apply(own)).getList("results"));
        // a name in the filters that this project has no action of
        ActionsInSeriesTest.as(team).body(Map.of("query", Map.of("kind", "HogQLQuery",
                        "query", "select count() from events where {filters}", "filters", Map.of("properties",
                                List.of(Map.of("type", "hogql", "key", "matchesAction('other pricing')"))))))
                .post("/api/projects/" + team.id() + "/query/").then().statusCode(400)
                .body("detail", equalTo("Could not find an action with the name 'other pricing'"));
    }

    @Test
    void aPlaceholderArgumentTakesItsValueAndAColumnIsRefused() {
        Map<String, Object> byValue = Map.of("kind", "HogQLQuery",
                "query", "select count() from events where matchesAction({action})", "values", Map.of("action", pricing));
        assertEquals(List.of(List.of(3)), ActionsInSeriesTest.query(team, byValue).getList("results"));
        ActionsInSeriesTest.as(team).body(Map.of("query", Map.of("kind", "HogQLQuery",
                        "query", "select count() from events where matchesAction(event)")))
                .post("/api/projects/" + team.id() + "/query/").then().statusCode(400)
                .body("detail", equalTo("action() takes only constant arguments"));
        ActionsInSeriesTest.as(team).body(Map.of("query", events("matchesAction(properties.x)")))
                .post("/api/projects/" + team.id() + "/query/").then().statusCode(400)
                .body("detail", equalTo("action() takes only constant arguments"));
    }
}

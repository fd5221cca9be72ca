package dev.quarry.actions;

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
 * Actions on autocaptured clicks (PostHog's steps_to_expr on {@code $autocapture} steps): {@code tag_name},
 * {@code text} and {@code href} with their {@code _matching}, read from the events' elements chains as posthog-js sends
 * them ({@code $elements_chain}); the element fields of a step of any other event are ignored, as in PostHog.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ActionElementStepsTest {
    private static final String BUY = "button.btn.buy:attr__class=\"btn buy\"nth-child=\"1\"nth-of-type=\"1\"text=\"Buy now\";"
            + "div.cart:nth-child=\"2\"nth-of-type=\"1\";body:nth-child=\"2\"nth-of-type=\"1\"";
    private static final String DOCS = "a:href=\"/docs/start\"nth-child=\"1\"nth-of-type=\"1\"text=\"Docs\";"
            + "nav:nth-child=\"1\"nth-of-type=\"1\"";
    private static final String PRICING = "a:href=\"https://x.test/pricing\"nth-child=\"3\"nth-of-type=\"2\""
            + "text=\"See pricing\";div:nth-child=\"1\"nth-of-type=\"1\"";
    private static final String LOOKALIKE = "buttonish:nth-child=\"1\"nth-of-type=\"1\"text=\"Buy now\"";
    private static Project team;
    private static Project other;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Action element steps");
        other = TestProjects.create("Action element steps other");
        Capture.to(team)
                .event("$autocapture", "u1", "2024-01-10T10:00:00Z", Map.of("$event_type", "click", "$elements_chain", BUY))
                .event("$autocapture", "u2", "2024-01-10T10:01:00Z", Map.of("$event_type", "click", "$elements_chain", DOCS))
                .event("$autocapture", "u3", "2024-01-10T10:02:00Z", Map.of("$event_type", "click", "$elements_chain", PRICING))
                .event("$pageview", "u4", "2024-01-10T10:03:00Z", Map.of("$current_url", "https://x.test/"))
                .event("$autocapture", "u5", "2024-01-10T10:04:00Z", Map.of("$event_type", "click", "$elements_chain", LOOKALIKE))
                .send();
        // the other project's click would match every action below; no answer may include it
        Capture.to(other)
                .event("$autocapture", "z", "2024-01-10T10:00:00Z", Map.of("$event_type", "click", "$elements_chain", BUY))
                .send();
    }

    /** The distinct ids of the project's events that match an action with these steps. */
    private static List<Object> matching(Map<String, Object> step) {
        int id = ActionsInSeriesTest.action(team, "action " + step, List.of(step));
        return ActionsInSeriesTest.query(team, Map.of("kind", "HogQLQuery", "query",
                "select distinct_id from events where matchesAction(" + id + ") order by distinct_id"))
                .getList("results.collect { it[0] }");
    }

    @Test
    void tagNameIsAWholeTagOfTheChain() {
        assertEquals(List.of("u1"), matching(Map.of("event", "$autocapture", "tag_name", "button")));
        assertEquals(List.of("u2", "u3"), matching(Map.of("event", "$autocapture", "tag_name", "a")));
        assertEquals(List.of("u1", "u3"), matching(Map.of("event", "$autocapture", "tag_name", "div")));
    }

    @Test
    void textByItsMatching() {
        assertEquals(List.of("u1", "u5"), matching(Map.of("event", "$autocapture", "text", "Buy now")));
        assertEquals(List.of("u1", "u5"), matching(Map.of("event", "$autocapture", "text", "buy",
                "text_matching", "contains")));
        assertEquals(List.of("u3"), matching(Map.of("event", "$autocapture", "text", "^See",
                "text_matching", "regex")));
        assertEquals(List.of(), matching(Map.of("event", "$autocapture", "text", "Buy")));
    }

    @Test
    void hrefByItsMatching() {
        assertEquals(List.of("u2"), matching(Map.of("event", "$autocapture", "href", "/docs/start")));
        assertEquals(List.of("u3"), matching(Map.of("event", "$autocapture", "href", "PRICING",
                "href_matching", "contains")));
        assertEquals(List.of("u2"), matching(Map.of("event", "$autocapture", "href", "^/docs",
                "href_matching", "regex")));
    }

    @Test
    void fieldsCombineAndOnlyAutocaptureStepsReadThem() {
        assertEquals(List.of("u2"), matching(Map.of("event", "$autocapture", "tag_name", "a", "text", "Docs")));
        assertEquals(List.of("u4"), matching(Map.of("event", "$pageview", "text", "Buy now", "tag_name", "button")));
        // in an insight too: a trends count of the clicks on a link
        int links = ActionsInSeriesTest.action(team, "links", List.of(Map.of("event", "$autocapture", "tag_name", "a")));
        List<Object> data = ActionsInSeriesTest.query(team, Map.of("kind", "TrendsQuery", "series",
                List.of(Map.of("kind", "ActionsNode", "id", links)), "interval", "day",
                "dateRange", Map.of("date_from", "2024-01-10", "date_to", "2024-01-10"))).getList("results[0].data");
        assertEquals(2.0, ((Number) data.get(0)).doubleValue());
    }
}

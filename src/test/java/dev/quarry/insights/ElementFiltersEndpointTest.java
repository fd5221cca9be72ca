package dev.quarry.insights;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Element filters ({@code "type": "element"}: selector, tag_name, href, text) and CSS selectors in action steps, over
 * HTTP on chains as PostHog stores posthog-js's autocapture (the clicked element first, attributes sorted). Each
 * expected answer is worked out by hand from PostHog's regular expressions (ElementFiltersTest):
 * <ul>
 *   <li>u1 clicks the sign-up button (id {@code signup}, classes btn primary) inside a form inside a div;</li>
 *   <li>u2 clicks the Docs link (a custom {@code data-attr}) inside a nav;</li>
 *   <li>u3 clicks a span inside the buy button, itself directly inside a div;</li>
 *   <li>u4 views a page (no elements).</li>
 * </ul>
 * The other project has u1's click as {@code z}: no answer may include it.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ElementFiltersEndpointTest {
    private static final String SIGNUP = "button.btn.primary:attr__class=\"btn primary\"attr__id=\"signup\""
            + "attr_id=\"signup\"nth-child=\"2\"nth-of-type=\"1\"text=\"Sign up\";form.signup-form:attr__class=\"signup-form\""
            + "nth-child=\"1\"nth-of-type=\"1\";div.container:attr__class=\"container\"nth-child=\"1\"nth-of-type=\"1\";"
            + "body:nth-child=\"2\"nth-of-type=\"1\"";
    private static final String DOCS = "a.nav-link:attr__class=\"nav-link\"attr__data-attr=\"docs\"href=\"/docs\""
            + "nth-child=\"3\"nth-of-type=\"3\"text=\"Docs\";nav:nth-child=\"1\"nth-of-type=\"1\";body:nth-child=\"2\""
            + "nth-of-type=\"1\"";
    private static final String SPAN_IN_BUTTON = "span:nth-child=\"1\"nth-of-type=\"1\"text=\"Buy\";button.btn.buy:"
            + "attr__class=\"btn buy\"nth-child=\"1\"nth-of-type=\"1\";div.cart:attr__class=\"cart\"nth-child=\"2\""
            + "nth-of-type=\"1\";body:nth-child=\"2\"nth-of-type=\"1\"";
    private static final String DAY = "2024-03-05";
    private static Project team;
    private static Project other;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Element filters");
        other = TestProjects.create("Element filters other");
        Capture.to(team)
                .event("$autocapture", "u1", DAY + "T10:00:00Z", Map.of("$event_type", "submit", "$elements_chain", SIGNUP))
                .event("$autocapture", "u2", DAY + "T10:01:00Z", Map.of("$event_type", "click", "$elements_chain", DOCS))
                .event("$autocapture", "u3", DAY + "T10:02:00Z",
                        Map.of("$event_type", "click", "$elements_chain", SPAN_IN_BUTTON))
                .event("$pageview", "u4", DAY + "T10:03:00Z", Map.of("$current_url", "https://x.test/"))
                .send();
        Capture.to(other)
                .event("$autocapture", "z", DAY + "T10:00:00Z", Map.of("$event_type", "submit", "$elements_chain", SIGNUP))
                .send();
    }

    private static ValidatableResponse query(Project project, Map<String, Object> query) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", query, "refresh", "force_blocking"))
                .post("/api/environments/" + project.id() + "/query/").then().log().ifValidationFails();
    }

    /** The distinct ids of the day's events (any event) meeting one element filter, through an EventsQuery. */
    private static List<Object> matching(Project project, Map<String, Object> filter) {
        Map<String, Object> f = new LinkedHashMap<>(filter);
        f.put("type", "element");
        return query(project, Map.of("kind", "EventsQuery", "select", List.of("distinct_id"),
                "after", DAY + "T00:00:00Z", "before", DAY + "T23:59:59Z", "properties", List.of(f),
                "orderBy", List.of("distinct_id"))).statusCode(200).extract().jsonPath()
                .getList("results.collect { it[0] }");
    }

    private static List<Object> matching(Map<String, Object> filter) {
        return matching(team, filter);
    }

    @Test
    void selectors() {
        assertEquals(List.of("u1"), matching(Map.of("key", "selector", "value", "button.primary")));
        assertEquals(List.of("u1"), matching(Map.of("key", "selector", "value", "#signup")));
        assertEquals(List.of("u1"), matching(Map.of("key", "selector", "value", "button[id='signup']")));
        assertEquals(List.of("u2"), matching(Map.of("key", "selector", "value", "a[data-attr='docs']")));
        assertEquals(List.of("u3"), matching(Map.of("key", "selector", "value", "span")));
        // '>' is PostHog's direct parent; the clicked element is the selector's last part
        assertEquals(List.of("u3"), matching(Map.of("key", "selector", "value", "div > button")));
        assertEquals(List.of(), matching(Map.of("key", "selector", "value", "form > a")));
        assertEquals(List.of("u1", "u3"), matching(Map.of("key", "selector", "value", ".btn")));
        // is_not keeps the events without elements, as PostHog's '' chain
        assertEquals(List.of("u2", "u3", "u4"), matching(Map.of("key", "selector", "value", "#signup",
                "operator", "is_not")));
    }

    @Test
    void tagNamesHrefsAndTexts() {
        assertEquals(List.of("u2", "u4"), matching(Map.of("key", "tag_name", "value", "button", "operator", "is_not")));
        assertEquals(List.of("u2", "u3"), matching(Map.of("key", "tag_name", "value", List.of("a", "span"))));
        assertEquals(List.of("u2"), matching(Map.of("key", "href", "value", "DOCS", "operator", "icontains")));
        assertEquals(List.of("u1"), matching(Map.of("key", "text", "value", "Sign up")));
        assertEquals(List.of("u3"), matching(Map.of("key", "text", "value", "^Bu", "operator", "regex")));
        // the events list (the CLI's and posthog-python's GET events/) takes them as PostHog's: JSON in `properties`
        given().header("Authorization", "Bearer " + team.key())
                .queryParam("properties", "[{\"type\":\"element\",\"key\":\"tag_name\",\"value\":\"a\"}]")
                .queryParam("after", DAY + "T00:00:00Z").queryParam("before", DAY + "T23:59:59Z").get("/api/projects/" + team.id() + "/events/")
                .then().log().ifValidationFails().statusCode(200).body("results.distinct_id", equalTo(List.of("u2")));
        // the other project's identical click is its own
        assertEquals(List.of("z"), matching(other, Map.of("key", "selector", "value", "#signup")));
    }

    @Test
    void inInsightsAndActions() {
        // a trends series filtered by a selector: u1's and u3's clicks on a .btn
        Map<String, Object> series = Map.of("kind", "EventsNode", "event", "$autocapture", "properties",
                List.of(Map.of("type", "element", "key", "selector", "value", ".btn", "operator", "exact")));
        query(team, Map.of("kind", "TrendsQuery", "series", List.of(series), "interval", "day",
                "dateRange", Map.of("date_from", DAY, "date_to", DAY))).statusCode(200)
                .body("results[0].data[0]", equalTo(2));
        // actions whose autocapture step has a selector (PostHog's action_to_expr)
        assertEquals(List.of("u1"), byAction("div button#signup"));
        assertEquals(List.of("u2"), byAction("nav > a.nav-link"));
        assertEquals(List.of(), byAction("nav > button"));
    }

    private static List<Object> byAction(String selector) {
        int id = given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("name", "clicks on " + selector, "steps", List.of(Map.of("event", "$autocapture",
                        "selector", selector))))
                .post("/api/projects/" + team.id() + "/actions/").then().statusCode(201).extract().path("id");
        return query(team, Map.of("kind", "HogQLQuery", "query", "select distinct_id from events where matchesAction("
                + id + ") order by distinct_id")).statusCode(200).extract().jsonPath().getList("results.collect { it[0] }");
    }

    /**
     * A 1 MB chain of whitespace (captured with the public token by anyone): PostgreSQL took quadratic time on the
     * texts' lazy capture over it (a 504 at the statement timeout for every text filter of the project); the
     * patterns are written as the same strings in a linear form (ElementFilters.TEXT).
     */
    @Test
    void aHugeChainKeepsTextFiltersAnswering() {
        Project huge = TestProjects.create("Element filters huge chain");
        Capture.to(huge).event("$autocapture", "w", DAY + "T10:00:00Z", Map.of("$elements_chain",
                "div" + " ".repeat(500_000) + ";span:text=\"" + " \t".repeat(250_000) + "\"")).send();
        Capture.to(huge).event("$autocapture", "p", DAY + "T10:01:00Z", Map.of("$elements_chain",
                "a:href=\"/pricing\"nth-child=\"1\"nth-of-type=\"1\"text=\"Pricing\"")).send();
        assertEquals(List.of("p"), matching(huge, Map.of("key", "text", "value", "Pricing")));
        assertEquals(List.of("p"), matching(huge, Map.of("key", "href", "value", "pricing", "operator", "icontains")));
    }

    @Test
    void refusals() {
        Map<String, Object> events = new LinkedHashMap<>(Map.of("kind", "EventsQuery", "select", List.of("distinct_id")));
        events.put("properties", List.of(Map.of("type", "element", "key", "selector", "value", "div",
                "operator", "icontains")));
        query(team, events).statusCode(400).body("type", equalTo("validation_error"))
                .body("detail", containsString("exact and is_not"));
        events.put("properties", List.of(Map.of("type", "element", "key", "nth_child", "value", "1")));
        query(team, events).statusCode(400).body("detail", containsString("selector, tag_name, href or text"));
        // a toolbar-length selector compiles; forty parts are past the regex budget, a clean 400 as RE2's own refusal
        assertEquals(List.of(), matching(Map.of("key", "selector", "value",
                "#root > div > main > section:nth-child(2) > div.card.pricing > ul > li:nth-child(3) > a.btn")));
        events.put("properties", List.of(Map.of("type", "element", "key", "selector", "value", "div ".repeat(40) + "a")));
        query(team, events).statusCode(400).body("code", equalTo("cannot_compile_regexp"));
        // past Quarry's selector bound: a 400 in a filter and in an action that stores one (stored as PostHog does)
        events.put("properties", List.of(Map.of("type", "element", "key", "selector", "value", "[='".repeat(700))));
        query(team, events).statusCode(400).body("detail", containsString("at most 2000 characters"));
        int id = given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("name", "long selector", "steps", List.of(Map.of("event", "$autocapture",
                        "selector", "[='".repeat(700)))))
                .post("/api/projects/" + team.id() + "/actions/").then().statusCode(201).extract().path("id");
        query(team, Map.of("kind", "HogQLQuery", "query", "select count() from events where matchesAction(" + id + ")"))
                .statusCode(400).body("detail", containsString("at most 2000 characters"));
    }
}

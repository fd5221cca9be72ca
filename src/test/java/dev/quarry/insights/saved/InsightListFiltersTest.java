package dev.quarry.insights.saved;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The insights list's filters as PostHog's CLI ({@code insights-list}) and web app send them: {@code insight} by
 * kind ({@code TRENDS}…, {@code SQL}, {@code JSON}), {@code tags}, {@code created_by}, {@code user},
 * {@code favorited} (present: favorited only), {@code saved}, the date bounds on last modified, created and last
 * viewed, {@code dashboards}, {@code search} (exact tier first, trigram similar matches only when nothing is exact,
 * {@code search_match_type}), {@code order}, {@code basic}; malformed filters are 400s naming them; another project's
 * insights never appear.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class InsightListFiltersTest {
    private static Project p;
    private static Project other;
    private static String base;

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json");
    }

    private static Map<String, Object> viz(String kind) {
        Map<String, Object> source = switch (kind) {
            case "FunnelsQuery" -> Map.of("kind", kind, "series", List.of(Map.of("kind", "EventsNode", "event", "a"),
                    Map.of("kind", "EventsNode", "event", "b")));
            case "RetentionQuery" -> Map.of("kind", kind, "retentionFilter", Map.of("period", "Week"));
            default -> Map.of("kind", kind, "series", List.of(Map.of("kind", "EventsNode", "event", "signup")));
        };
        return Map.of("kind", "InsightVizNode", "source", source);
    }

    private static Map<String, Object> sql() {
        return Map.of("kind", "DataVisualizationNode", "source", Map.of("kind", "HogQLQuery", "query", "select 1"));
    }

    private static Map<String, Object> table() {
        return Map.of("kind", "DataTableNode", "source", Map.of("kind", "EventsQuery", "select", List.of("*")));
    }

    private static int create(Project project, Map<String, Object> body) {
        return as(project.key()).body(body).post("/api/projects/" + project.id() + "/insights/")
                .then().log().ifValidationFails().statusCode(201).extract().path("id");
    }

    /** A parameter's value as written (RestAssured encodes the query string as a client does). */
    private static String q(String value) {
        return value;
    }

    private static List<String> names(String query) {
        insights();
        return as(p.key()).get(base + query).then().statusCode(200).extract().path("results.name");
    }

    /** The insights every test reads, made once (the app runs only once the first test starts). */
    private static synchronized void insights() {
        if (p != null) {
            return;
        }
        p = TestProjects.create("Insight list filters");
        other = TestProjects.create("Insight list filters, another project");
        base = "/api/projects/" + p.id() + "/insights/";
        create(p, Map.of("name", "Weekly signups", "description", "Growth of the product", "query", viz("TrendsQuery"),
                "tags", List.of("growth", "kpi"), "favorited", true, "saved", true));
        create(p, Map.of("name", "Checkout funnel", "description", "From cart to payment", "query", viz("FunnelsQuery"),
                "tags", List.of("revenue")));
        create(p, Map.of("name", "Raw SQL count", "query", sql(), "saved", true));
        create(p, Map.of("name", "Event table", "query", table(), "tags", List.of("kpi")));
        create(p, Map.of("name", "Retention by week", "query", viz("RetentionQuery"), "description", "signup cohorts"));
        create(other, Map.of("name", "Weekly signups elsewhere", "query", viz("TrendsQuery"), "tags", List.of("growth"),
                "favorited", true));
    }

    @Test
    void byKindTagsFavoritedAndSaved() {
        insights();
        assertNames("?insight=TRENDS", "Weekly signups");
        assertNames("?insight=FUNNELS", "Checkout funnel");
        assertNames("?insight=RETENTION", "Retention by week");
        assertNames("?insight=SQL", "Raw SQL count");
        assertNames("?insight=JSON", "Event table");
        assertNames("?insight=JOURNEYS");
        assertNames("?tags=" + q("[\"kpi\"]") + "&order=name", "Event table", "Weekly signups");
        assertNames("?tags=" + q("[\"revenue\",\"growth\"]") + "&order=name", "Checkout funnel", "Weekly signups");
        assertNames("?tags=" + q("[\"Growth\"]")); // tag names match exactly, as PostHog's
        // favorited: present with any value filters favorited ones (PostHog's documented behaviour)
        assertNames("?favorited=false", "Weekly signups");
        assertNames("?favorited=true", "Weekly signups");
        assertNames("?favorited", "Weekly signups");
        assertNames("?saved=true&order=name", "Raw SQL count", "Weekly signups");
        assertNames("?saved=no&order=name", "Checkout funnel", "Event table", "Retention by week");
        assertNames("?dashboards=" + q("[1]"));
        as(p.key()).get(base + "?dashboards=" + q("[]")).then().statusCode(200).body("count", equalTo(5));
        as(p.key()).get(base + "?insight=TRENDS&tags=" + q("[\"growth\"]")).then().statusCode(200)
                .body("count", equalTo(1)).body("results[0].search_match_type", equalTo(null));
    }

    @Test
    void byCreatorAndDates() {
        insights();
        as(p.key()).get(base + "?created_by=" + q("[" + p.ownerUserId() + "]")).then().statusCode(200)
                .body("count", equalTo(5));
        assertNames("?created_by=" + q("[" + other.ownerUserId() + "]"));
        as(p.key()).get(base + "?user=true").then().statusCode(200).body("count", equalTo(5));
        assertNames("?user=1&created_by=" + q("[" + other.ownerUserId() + "]"));
        as(p.key()).get(base + "?date_from=-1h&created_date_from=-1d").then().statusCode(200).body("count", equalTo(5));
        assertNames("?date_to=-1d");
        assertNames("?created_date_to=2020-01-01");
        as(p.key()).get(base + "?created_date_from=2020-01-01&date_to=2999-01-01").then().statusCode(200)
                .body("count", equalTo(5));
        // last viewed: only what someone opened
        int viewed = as(p.key()).get(base + "?search=" + q("Checkout")).then().extract().path("results[0].id");
        as(p.key()).get(base + viewed + "/").then().statusCode(200);
        assertNames("?last_viewed_date_from=-1h", "Checkout funnel");
        assertNames("?last_viewed_date_to=-1h");
        List<String> byViews = names("?order=-last_viewed_at");
        org.junit.jupiter.api.Assertions.assertEquals("Checkout funnel", byViews.get(0));
    }

    @Test
    void searchExactFirstThenSimilar() {
        insights();
        // exact: a substring of the name, the description or a tag
        as(p.key()).get(base + "?search=signup").then().statusCode(200)
                .body("results.name", equalTo(List.of("Weekly signups", "Retention by week")))
                .body("results.search_match_type", equalTo(List.of("exact", "exact")));
        assertNames("?search=revenue", "Checkout funnel");
        assertNames("?search=CART", "Checkout funnel");
        assertNames("?search=" + q("kp_"));
        // no exact match: trigram-similar names answer, marked similar
        as(p.key()).get(base + "?search=" + q("chekout funel")).then().statusCode(200)
                .body("results.name", equalTo(List.of("Checkout funnel")))
                .body("results[0].search_match_type", equalTo("similar"));
        assertNames("?search=zzzzzz");
        as(p.key()).get(base + "?search=" + "a".repeat(201)).then().statusCode(400).body("attr", equalTo("search"))
                .body("detail", equalTo("Search query must be 200 characters or fewer."));
        // another project's insight of the same name never appears
        as(other.key()).get("/api/projects/" + other.id() + "/insights/?search=weekly").then().statusCode(200)
                .body("results.name", equalTo(List.of("Weekly signups elsewhere")));
    }

    /**
     * Every filter narrows the list before the search looks for exact matches (PostHog applies its search last): an
     * exact match the viewed bound leaves out does not hide a similar one it keeps.
     */
    @Test
    void theSearchLooksOnlyAtWhatTheOtherFiltersKeep() {
        Project q = TestProjects.create("Insight list search after filters");
        String qBase = "/api/projects/" + q.id() + "/insights/";
        create(q, Map.of("name", "Checkout funnel", "query", viz("TrendsQuery")));
        int typo = create(q, Map.of("name", "Chekout funnel", "query", viz("TrendsQuery")));
        as(q.key()).get(qBase + typo + "/").then().statusCode(200);
        as(q.key()).get(qBase + "?search=" + q("checkout funnel")).then().statusCode(200)
                .body("results.name", equalTo(List.of("Checkout funnel")));
        as(q.key()).get(qBase + "?search=" + q("checkout funnel") + "&last_viewed_date_from=-1h").then().statusCode(200)
                .body("results.name", equalTo(List.of("Chekout funnel")))
                .body("results[0].search_match_type", equalTo("similar"));
    }

    @Test
    void orderBasicAndRefusals() {
        insights();
        assertNames("?order=name", "Checkout funnel", "Event table", "Raw SQL count", "Retention by week",
                "Weekly signups");
        assertNames("?order=-name&limit=2", "Weekly signups", "Retention by week");
        as(p.key()).get(base + "?basic=true&insight=TRENDS").then().statusCode(200)
                .body("results[0].name", equalTo("Weekly signups"))
                .body("results[0]", hasKey("search_match_type")).body("results[0]", not(hasKey("result")))
                .body("results[0]", not(hasKey("last_modified_by"))).body("results[0].filters", equalTo(Map.of()))
                .body("results[0].tags", equalTo(List.of("growth", "kpi")));
        as(p.key()).get(base + "?insight=TRENDS").then().statusCode(200).body("results[0]", hasKey("result"));
        for (String bad : List.of("tags=" + q("kpi"), "tags=" + q("\"a\""), "created_by=" + q("[\"x\"]"),
                "dashboards=" + q("[1"), "order=" + q("name; drop table insights"), "date_from=" + q("yesterday-ish"))) {
            String attr = bad.substring(0, bad.indexOf('='));
            as(p.key()).get(base + "?" + bad).then().statusCode(400).body("attr", equalTo(attr))
                    .body("type", equalTo("validation_error"));
        }
        as(p.key()).get(base).then().statusCode(200).body("count", equalTo(5));
    }

    private static void assertNames(String query, String... expected) {
        insights();
        as(p.key()).get(base + query).then().statusCode(200).body("results.name", equalTo(List.of(expected)))
                .body("results", hasSize(expected.length));
    }
}

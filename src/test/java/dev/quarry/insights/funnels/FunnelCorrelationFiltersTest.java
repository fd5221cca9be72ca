package dev.quarry.insights.funnels;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Funnel correlation with the insight's global property filters and the project's test-account filters, as PostHog's
 * FunnelCorrelationQueryRunner applies them: both filter the funnel (so the population of success and failure
 * actors), never the correlated events (its events join only bounds them by each actor's funnel span, the date range
 * and the step names). Funnel $pageview → signed up in March 2021; the project's test-account filter drops persons
 * whose email contains "@internal.test".
 * <pre>
 * s1    pageview 03-02 10:00 {Chrome}, pageview 10:05 {Chrome}, read docs 10:10 {section: api}, signed up 10:20 {Chrome}
 * s2    the same on 03-03                                                                  plan pro  → success
 * f1    pageview 03-04 10:00 {Chrome}, pageview 10:05 {Chrome}, read docs 10:10 {section: api}   plan free → failure
 * f2    pageview 03-05 10:00 {Chrome}, watched video 10:10 {source: ads}                        plan free → failure
 * f3    pageview 03-06 10:00 {Firefox}, watched video 10:10 {source: ads}                       plan free → failure
 * staff pageview 03-07 10:00 {Chrome}, read docs 10:10 {section: api}, signed up 10:20 {Chrome}
 *       email ops@internal.test (a test account)                                            plan pro  → success
 * </pre>
 * The correlated events carry no $browser, so a global "$browser = Chrome" filter applied to them would hide them all.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FunnelCorrelationFiltersTest {
    private static Project project;

    @BeforeEach
    void data() {
        if (project != null) {
            return;
        }
        project = TestProjects.create("Correlation filters");
        Map<String, Object> chrome = Map.of("$browser", "Chrome");
        Capture c = Capture.to(project);
        for (String[] p : new String[][] {{"s1", "02", "pro"}, {"s2", "03", "pro"}, {"f1", "04", "free"}}) {
            String day = "2021-03-" + p[1] + "T10:";
            c.event("$pageview", p[0], day + "00:00Z", Map.of("$browser", "Chrome", "$set", Map.of("plan", p[2])));
            c.event("$pageview", p[0], day + "05:00Z", chrome);
            c.event("read docs", p[0], day + "10:00Z", Map.of("section", "api"));
            if (p[0].startsWith("s")) {
                c.event("signed up", p[0], day + "20:00Z", chrome);
            }
        }
        c.event("$pageview", "f2", "2021-03-05T10:00:00Z", Map.of("$browser", "Chrome", "$set", Map.of("plan", "free")));
        c.event("watched video", "f2", "2021-03-05T10:10:00Z", Map.of("source", "ads"));
        c.event("$pageview", "f3", "2021-03-06T10:00:00Z", Map.of("$browser", "Firefox", "$set", Map.of("plan", "free")));
        c.event("watched video", "f3", "2021-03-06T10:10:00Z", Map.of("source", "ads"));
        c.event("$pageview", "staff", "2021-03-07T10:00:00Z", Map.of("$browser", "Chrome",
                "$set", Map.of("plan", "pro", "email", "ops@internal.test")));
        c.event("read docs", "staff", "2021-03-07T10:10:00Z", Map.of("section", "api"));
        c.event("signed up", "staff", "2021-03-07T10:20:00Z", chrome);
        c.send();
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("test_account_filters", List.of(Map.of("key", "email", "value", "@internal.test",
                        "operator", "not_icontains", "type", "person"))))
                .patch("/api/projects/" + project.id() + "/").then().statusCode(200);
    }

    private static Map<String, Object> funnel(boolean testAccounts, boolean chromeOnly) {
        Map<String, Object> q = new HashMap<>();
        q.put("kind", "FunnelsQuery");
        q.put("series", List.of(Map.of("kind", "EventsNode", "event", "$pageview"),
                Map.of("kind", "EventsNode", "event", "signed up")));
        q.put("dateRange", Map.of("date_from", "2021-03-01", "date_to", "2021-03-31"));
        q.put("filterTestAccounts", testAccounts);
        q.put("properties", chromeOnly ? List.of(Map.of("key", "$browser", "value", List.of("Chrome"),
                "operator", "exact", "type", "event")) : List.of());
        return q;
    }

    private static Map<String, Object> correlation(String type, boolean testAccounts, boolean chromeOnly,
                                                   Map<String, Object> extra) {
        Map<String, Object> q = new HashMap<>(extra);
        q.put("kind", "FunnelCorrelationQuery");
        q.put("funnelCorrelationType", type);
        q.put("source", Map.of("kind", "FunnelsActorsQuery", "source", funnel(testAccounts, chromeOnly)));
        return q;
    }

    private static JsonPath post(Map<String, Object> query) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", query, "refresh", "force_blocking"))
                .post("/api/environments/" + project.id() + "/query/")
                .then().log().ifValidationFails().statusCode(200).extract().jsonPath();
    }

    private static Set<String> actors(Map<String, Object> correlation, Map<String, Object> entity, Boolean converted) {
        Map<String, Object> source = new HashMap<>();
        source.put("kind", "FunnelCorrelationActorsQuery");
        source.put("source", correlation);
        source.put("funnelCorrelationPersonEntity", entity);
        if (converted != null) {
            source.put("funnelCorrelationPersonConverted", converted);
        }
        JsonPath body = post(Map.of("kind", "ActorsQuery", "select", List.of("actor"), "source", source));
        return new TreeSet<>(body.getList("results.collect { it[0].distinct_ids[0] }"));
    }

    /**
     * Both filters: the population is s1, s2 (success) and f1, f2 (failure); staff is a test account, f3 entered on
     * Firefox. read docs: s 2, f 1 → (2+1)(2-1+1) / ((2-2+1)(1+1)) = 3; watched video: f2 only → (0+1)(2-1+1) /
     * ((2-0+1)(1+1)) = 1/3. Test accounts only: success s1, s2, failure f1, f2, f3: read docs (3·3)/(1·2) = 4.5,
     * watched video (f2, f3) (1·2)/(3·3) = 2/9. Neither: success s1, s2, staff, failure f1, f2, f3: read docs s 3 f 1
     * → (4·3)/(1·2) = 6, watched video (1·2)/(4·3) = 1/6. The step events never appear.
     */
    @Test
    void eventsCorrelationFiltersThePopulationNotTheEvents() {
        JsonPath both = post(correlation("events", true, true, Map.of()));
        assertEquals(List.of("read docs", "watched video"), both.getList("results.events.event.event"));
        assertEquals(List.of(2, 0), both.getList("results.events.success_count"));
        assertEquals(List.of(1, 1), both.getList("results.events.failure_count"));
        assertEquals(List.of(3f, 1f / 3), both.getList("results.events.odds_ratio", Float.class));
        assertEquals(false, both.getBoolean("results.skewed"));

        JsonPath testAccounts = post(correlation("events", true, false, Map.of()));
        assertEquals(List.of("read docs", "watched video"), testAccounts.getList("results.events.event.event"));
        assertEquals(List.of(4.5f, 2f / 9), testAccounts.getList("results.events.odds_ratio", Float.class));

        JsonPath neither = post(correlation("events", false, false, Map.of()));
        assertEquals(List.of(3, 0), neither.getList("results.events.success_count"));
        assertEquals(List.of(6f, 1f / 6), neither.getList("results.events.odds_ratio", Float.class));
    }

    /**
     * Person properties over the filtered population: plan::pro s 2 f 0 → (3·3)/(1·1) = 9; plan::free s 0 f 2 →
     * (1·1)/(3·3) = 1/9 (staff's pro and f3's free are outside it).
     */
    /** pydantic's list[str]: a null among the names is a 400 naming the list (it was a NullPointerException: 500). */
    @Test
    void aNullAmongTheNamesIsRefusedByName() {
        for (String list : List.of("funnelCorrelationNames", "funnelCorrelationExcludeNames",
                "funnelCorrelationEventNames", "funnelCorrelationExcludeEventNames",
                "funnelCorrelationEventExcludePropertyNames")) {
            List<String> withNull = new ArrayList<>();
            withNull.add("plan");
            withNull.add(null);
            Map<String, Object> query = correlation("properties", false, false, Map.of(list, withNull));
            given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                    .body(Map.of("query", query, "refresh", "force_blocking"))
                    .post("/api/environments/" + project.id() + "/query/")
                    .then().statusCode(400).body("attr", org.hamcrest.Matchers.equalTo(list))
                    .body("detail", org.hamcrest.Matchers.containsString("Input should be a valid string"));
        }
    }

    @Test
    void propertiesCorrelationUsesTheFilteredPopulation() {
        JsonPath body = post(correlation("properties", true, true, Map.of("funnelCorrelationNames", List.of("plan"))));
        assertEquals(List.of("plan::pro", "plan::free"), body.getList("results.events.event.event"));
        assertEquals(List.of(2, 0), body.getList("results.events.success_count"));
        assertEquals(List.of(0, 2), body.getList("results.events.failure_count"));
        assertEquals(List.of(9f, 1f / 9), body.getList("results.events.odds_ratio", Float.class));
    }

    /**
     * event_with_properties over $pageview, read docs and watched video, both filters: a step's event ($pageview) is
     * never correlated, even named; read docs::section::api has s1, s2, f1 (3 actors) → (3·2)/(1·2) = 3; watched
     * video::source::ads has f2 alone and PostHog keeps a pair only with more than 2 actors. Without the filters
     * read docs::section::api has s1, s2, staff and f1: (4·3)/(1·2) = 6, and watched video's pair (f2, f3) is still
     * under 3 actors.
     */
    @Test
    void eventWithPropertiesSkipsStepsAndTheLongTail() {
        Map<String, Object> named = Map.of("funnelCorrelationEventNames", List.of("$pageview", "read docs",
                "watched video"));
        JsonPath both = post(correlation("event_with_properties", true, true, named));
        assertEquals(List.of("read docs::section::api"), both.getList("results.events.event.event"));
        assertEquals(List.of(3f), both.getList("results.events.odds_ratio", Float.class));
        JsonPath neither = post(correlation("event_with_properties", false, false, named));
        assertEquals(List.of("read docs::section::api"), neither.getList("results.events.event.event"));
        assertEquals(List.of(6f), neither.getList("results.events.odds_ratio", Float.class));
    }

    /**
     * The actors behind a correlation row come from the same filtered population: read docs by those who did not
     * convert is f1; by those who converted, s1 and s2 (not staff, a test account); without test-account filtering
     * staff is back.
     */
    @Test
    void correlationActorsUseTheFilteredPopulation() {
        Map<String, Object> readDocs = Map.of("kind", "EventsNode", "event", "read docs");
        assertEquals(new TreeSet<>(List.of("f1")), actors(correlation("events", true, true, Map.of()), readDocs, false));
        assertEquals(new TreeSet<>(List.of("s1", "s2")), actors(correlation("events", true, true, Map.of()), readDocs,
                true));
        assertEquals(new TreeSet<>(List.of("s1", "s2", "staff")), actors(correlation("events", false, false, Map.of()),
                readDocs, true));
        List<String> all = new ArrayList<>(actors(correlation("events", true, false, Map.of()),
                Map.of("kind", "EventsNode", "event", "watched video"), null));
        assertEquals(List.of("f2", "f3"), all);
    }
}

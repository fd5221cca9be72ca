package dev.quarry.insights.funnels;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FunnelsQuery over HTTP on hand-made data, steps $pageview → signed up → purchase, range 2020-01-01 … 01-31,
 * default window 14 days:
 * <pre>
 * u1  pageview 01-02 10:00 {Chrome}, signed up 10:10, purchase 11:10                complete (600 s, 3600 s)
 * u2  pageview 01-03 10:00 {Firefox}, clicked pricing 10:15, signed up 10:30         step 2 (1800 s)
 * u3  pageview 01-04 10:00 {Chrome}                                                  step 1
 * u4  signed up 01-05 10:00                                                          not in (ordered / strict)
 * u5  pageview 01-10 00:00 {Safari}, signed up 01-24 00:00 (exactly 14 days: counts),
 *     purchase 01-24 00:00:01 (one second past the window)                          step 2 (1209600 s)
 * m   anon-m pageview 01-06 10:00; user-m signed up 10:05, $identify(anon-m) 10:06, purchase 10:20:
 *     two persons merged into one                                                   complete (300 s, 900 s)
 * </pre>
 * Person property plan: u1 pro, u2 free, u3 free, m pro (set after the merge).
 * A second project has complete funnels for the same distinct ids and must never count.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FunnelsEndpointTest {
    static Project project;
    static Project other;

    @BeforeEach
    void data() {
        if (project != null) {
            return;
        }
        project = TestProjects.create("Funnels");
        other = TestProjects.create("Funnels other");
        Capture c = Capture.to(project);
        c.event("$pageview", "u1", "2020-01-02T10:00:00Z", Map.of("$browser", "Chrome", "$set", Map.of("plan", "pro")));
        c.event("signed up", "u1", "2020-01-02T10:10:00Z");
        c.event("purchase", "u1", "2020-01-02T11:10:00Z");
        c.event("$pageview", "u2", "2020-01-03T10:00:00Z", Map.of("$browser", "Firefox", "$set", Map.of("plan", "free")));
        c.event("clicked pricing", "u2", "2020-01-03T10:15:00Z");
        c.event("signed up", "u2", "2020-01-03T10:30:00Z");
        c.event("$pageview", "u3", "2020-01-04T10:00:00Z", Map.of("$browser", "Chrome", "$set", Map.of("plan", "free")));
        c.event("signed up", "u4", "2020-01-05T10:00:00Z");
        c.event("$pageview", "u5", "2020-01-10T00:00:00Z", Map.of("$browser", "Safari"));
        c.event("signed up", "u5", "2020-01-24T00:00:00Z");
        c.event("purchase", "u5", "2020-01-24T00:00:01Z");
        c.event("$pageview", "anon-m", "2020-01-06T10:00:00Z");
        c.event("signed up", "user-m", "2020-01-06T10:05:00Z");
        c.send();
        c.event("$identify", "user-m", "2020-01-06T10:06:00Z", Map.of("$anon_distinct_id", "anon-m"));
        c.send();
        c.event("purchase", "user-m", "2020-01-06T10:20:00Z", Map.of("$set", Map.of("plan", "pro")));
        c.send();
        Capture o = Capture.to(other);
        for (String id : List.of("u1", "u2", "u3", "u4", "u5", "anon-m")) {
            o.event("$pageview", id, "2020-01-02T10:00:00Z");
            o.event("signed up", id, "2020-01-02T10:01:00Z");
            o.event("purchase", id, "2020-01-02T10:02:00Z");
        }
        o.send();
    }

    static Map<String, Object> step(String event) {
        return Map.of("kind", "EventsNode", "event", event);
    }

    static Map<String, Object> funnel(Map<String, Object> funnelsFilter) {
        Map<String, Object> q = new HashMap<>();
        q.put("kind", "FunnelsQuery");
        q.put("series", List.of(step("$pageview"), step("signed up"), step("purchase")));
        q.put("dateRange", Map.of("date_from", "2020-01-01", "date_to", "2020-01-31"));
        q.put("funnelsFilter", funnelsFilter);
        return q;
    }

    static JsonPath post(Project p, Map<String, Object> query) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("query", query, "refresh", "force_blocking"))
                .post("/api/environments/" + p.id() + "/query/")
                .then().log().ifValidationFails().statusCode(200).extract().jsonPath();
    }

    static int status(Project p, Map<String, Object> query) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("query", query, "refresh", "force_blocking"))
                .post("/api/environments/" + p.id() + "/query/").then().extract().statusCode();
    }

    static List<Integer> counts(JsonPath body, String path) {
        return body.getList(path + ".count", Integer.class);
    }

    @Test
    void orderedSteps() {
        JsonPath body = post(project, funnel(Map.of()));
        assertEquals(List.of(5, 4, 2), counts(body, "results"));
        assertEquals(List.of("$pageview", "signed up", "purchase"), body.getList("results.action_id"));
        assertEquals(List.of("$pageview", "signed up", "purchase"), body.getList("results.name"));
        assertEquals(List.of(0, 1, 2), body.getList("results.order"));
        assertEquals("events", body.getString("results[0].type"));
        assertNull(body.get("results[0].average_conversion_time"));
        assertNull(body.get("results[0].median_conversion_time"));
        // step 2: 600, 1800, 1209600, 300 → mean 303075, median 1200; step 3: 3600, 900 → 2250, 2250
        assertEquals(303075f, body.getFloat("results[1].average_conversion_time"));
        assertEquals(1200f, body.getFloat("results[1].median_conversion_time"));
        assertEquals(2250f, body.getFloat("results[2].average_conversion_time"));
        assertEquals(2250f, body.getFloat("results[2].median_conversion_time"));
        // V41_2: the step events are read by event IN (…) (the covering index alone can answer that) and fed to
        // quarry_funnel_ordered_counts
        String sql = body.getString("postgres");
        assertTrue(sql.contains("\"events\".\"event\" IN ("), sql);
        assertTrue(sql.contains("quarry_funnel_ordered_counts("), sql);
    }

    @Test
    void otherProjectSeesOnlyItsOwn() {
        assertEquals(List.of(6, 6, 6), counts(post(other, funnel(Map.of())), "results"));
    }

    @Test
    void strictSteps() {
        // u2's clicked pricing breaks pageview → signed up; m's $identify breaks signed up → purchase
        JsonPath body = post(project, funnel(Map.of("funnelOrderType", "strict")));
        assertEquals(List.of(5, 3, 1), counts(body, "results"));
        // step 2: u1 600, u5 1209600 (exactly 14 days), m 300; step 3: u1 3600
        assertEquals(403500f, body.getFloat("results[1].average_conversion_time"));
        assertEquals(600f, body.getFloat("results[1].median_conversion_time"));
        assertEquals(3600f, body.getFloat("results[2].average_conversion_time"));
        assertEquals(3600f, body.getFloat("results[2].median_conversion_time"));
        // V41_1: timestamps to quarry_funnel_strict_positions
        String sql = body.getString("postgres");
        assertTrue(sql.contains("quarry_funnel_strict_positions(array_agg(\"events\".\"timestamp\" ORDER BY"), sql);
        // with a breakdown: the same counts
        Map<String, Object> q = funnel(Map.of("funnelOrderType", "strict"));
        q.put("breakdownFilter", Map.of("breakdown", "$browser", "breakdown_type", "event"));
        JsonPath byBrowser = post(project, q);
        int[] total = new int[3];
        for (int i = 0; i < byBrowser.getList("results").size(); i++) {
            List<Integer> c = counts(byBrowser, "results[" + i + "]");
            for (int k = 0; k < 3; k++) {
                total[k] += c.get(k);
            }
        }
        assertEquals(List.of(5, 3, 1), List.of(total[0], total[1], total[2]));
    }

    @Test
    void unorderedSteps() {
        // u4's lone signed up is one step done; u5: 2 steps within 14 days either way
        JsonPath body = post(project, funnel(Map.of("funnelOrderType", "unordered")));
        assertEquals(List.of(6, 4, 2), counts(body, "results"));
        // PostHog's _serialize_step for an unordered funnel: any step can be the k-th, so steps are named by count
        assertEquals(List.of("Completed 1 step", "Completed 2 steps", "Completed 3 steps"),
                body.getList("results.name"));
        assertEquals(java.util.Arrays.asList(null, null, null), body.getList("results.action_id"));
        assertEquals(java.util.Arrays.asList(null, null, null), body.getList("results.custom_name"));
        assertEquals(List.of("events", "events", "events"), body.getList("results.type"));
        assertEquals(List.of(0, 1, 2), body.getList("results.order"));
    }

    @Test
    void unorderedFunnelsRefusePartialExclusionsAndLaterStepAttribution() {
        Map<String, Object> ex = new HashMap<>(step("clicked pricing"));
        ex.put("funnelFromStep", 0);
        ex.put("funnelToStep", 1);
        Map<String, Object> q = funnel(Map.of("funnelOrderType", "unordered", "exclusions", List.of(ex)));
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", q)).post("/api/environments/" + project.id() + "/query/").then()
                .statusCode(400).body("type", org.hamcrest.Matchers.equalTo("validation_error"))
                .body("detail", org.hamcrest.Matchers.equalTo("Partial Exclusions not allowed in unordered funnels"));
        // an exclusion over the whole funnel is fine
        ex.put("funnelToStep", 2);
        post(project, funnel(Map.of("funnelOrderType", "unordered", "exclusions", List.of(ex))));
        Map<String, Object> byStep = funnel(Map.of("funnelOrderType", "unordered",
                "breakdownAttributionType", "step", "breakdownAttributionValue", 1));
        byStep.put("breakdownFilter", Map.of("breakdown", "$browser", "breakdown_type", "event"));
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", byStep)).post("/api/environments/" + project.id() + "/query/").then()
                .statusCode(400).body("detail", org.hamcrest.Matchers.equalTo(
                        "Only the first step can be used for breakdown attribution in unordered funnels"));
    }

    @Test
    void stepsCarryAnEmptyPeopleListAndAnEmptyFunnelHasNoSteps() {
        JsonPath body = post(project, funnel(Map.of()));
        assertEquals(List.of(List.of(), List.of(), List.of()), body.getList("results.people"));
        Map<String, Object> nobody = funnel(Map.of());
        nobody.put("series", List.of(step("never sent"), step("nor this")));
        // PostHog's funnel has no row without an actor at step 1: results [], not steps of 0
        assertEquals(List.of(), post(project, nobody).getList("results"));
    }

    @Test
    void windowInSeconds() {
        // 1 hour window: u1 purchase at 4200 s misses, u5 signed up misses; m (300, 1200) completes
        JsonPath body = post(project, funnel(Map.of("funnelWindowInterval", 1, "funnelWindowIntervalUnit", "hour")));
        assertEquals(List.of(5, 3, 1), counts(body, "results"));
        // exactly 4200 s: u1 completes
        body = post(project, funnel(Map.of("funnelWindowInterval", 4200, "funnelWindowIntervalUnit", "second")));
        assertEquals(List.of(5, 3, 2), counts(body, "results"));
    }

    @Test
    void exclusionRemovesTheActor() {
        Map<String, Object> ex = new HashMap<>(step("clicked pricing"));
        ex.put("funnelFromStep", 0);
        ex.put("funnelToStep", 1);
        JsonPath body = post(project, funnel(Map.of("exclusions", List.of(ex))));
        assertEquals(List.of(4, 3, 2), counts(body, "results"));
        assertEquals(403500f, body.getFloat("results[1].average_conversion_time"));
        assertEquals(600f, body.getFloat("results[1].median_conversion_time"));
        // the same event excluded between steps 1 and 2 happens before u2's step 2: no effect
        ex.put("funnelFromStep", 1);
        ex.put("funnelToStep", 2);
        assertEquals(List.of(5, 4, 2), counts(post(project, funnel(Map.of("exclusions", List.of(ex)))), "results"));
    }

    @Test
    void stepPropertiesFilterTheStep() {
        Map<String, Object> q = funnel(Map.of());
        q.put("series", List.of(Map.of("kind", "EventsNode", "event", "$pageview", "properties",
                List.of(Map.of("key", "$browser", "value", "Chrome", "operator", "exact", "type", "event"))),
                step("signed up"), step("purchase")));
        assertEquals(List.of(2, 1, 1), counts(post(project, q), "results"));
    }

    static List<Object> firstStepValues(JsonPath body) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < body.getList("results").size(); i++) {
            out.add(body.getList("results[" + i + "][0].breakdown_value"));
        }
        return out;
    }

    @Test
    void breakdownFirstTouch() {
        Map<String, Object> q = funnel(Map.of());
        q.put("breakdownFilter", Map.of("breakdown", "$browser", "breakdown_type", "event"));
        JsonPath body = post(project, q);
        // Chrome (u1, u3) first, then ties by value: "" (m), Firefox (u2), Safari (u5)
        assertEquals(List.of(List.of("Chrome"), List.of(""), List.of("Firefox"), List.of("Safari")),
                firstStepValues(body));
        assertEquals(List.of(2, 1, 1), counts(body, "results[0]"));
        assertEquals(List.of(1, 1, 1), counts(body, "results[1]"));
        assertEquals(List.of(1, 1, 0), counts(body, "results[2]"));
        assertEquals(List.of(1, 1, 0), counts(body, "results[3]"));
    }

    /**
     * breakdown_limit 2: PostHog ranks values by actors who stopped at the last step, then the step before …:
     * Chrome (u1 at 3, u3 at 1) and "" (m at 3) rank first; Firefox (u2 at 2) and Safari (u5 at 2) are folded into
     * the other bucket: step counts 2, 2, 0.
     */
    @Test
    void breakdownValuesPastTheLimitFormTheOtherBucket() {
        Map<String, Object> q = funnel(Map.of());
        q.put("breakdownFilter", Map.of("breakdown", "$browser", "breakdown_type", "event", "breakdown_limit", 2));
        JsonPath body = post(project, q);
        // PostHog's funnels label the bucket ['Other'] (its trends write $$_posthog_breakdown_other_$$)
        assertEquals(List.of(List.of("Chrome"), List.of(""), List.of("Other")), firstStepValues(body));
        assertEquals(List.of("Other"), body.getList("results[2][0].breakdown"));
        assertEquals(List.of(2, 1, 1), counts(body, "results[0]"));
        assertEquals(List.of(1, 1, 1), counts(body, "results[1]"));
        assertEquals(List.of(2, 2, 0), counts(body, "results[2]"));
        // one statement: the ranking and the folded counts read the funnel scan once (the scan is written twice in
        // it: for actors untouched by merges once per stored person id range, once for merged ones; each actor is in
        // one of them)
        String sql = body.getString("postgres");
        assertEquals(FunnelPlan.PERSON_ID_SPLITS.size() + 2, sql.split("quarry_funnel", -1).length - 1, sql);
        assertEquals(1, sql.split("WITH ", -1).length - 1, sql);
        // the people of the other bucket at step 2: u2 and u5
        JsonPath actors = post(project, Map.of("kind", "ActorsQuery", "select", List.of("actor", "matched_recordings"),
                "source", Map.of("kind", "FunnelsActorsQuery", "funnelStep", 2, "includeRecordings", true,
                        "funnelStepBreakdown", List.of("Other"), "source", q)));
        assertEquals(java.util.Set.of("u2", "u5"), new java.util.HashSet<>(actors.getList(
                "results.collect { it[0].distinct_ids[0] }")));
        assertEquals(List.of(), actors.getList("results[0][1]"));
        // the label Quarry answered before still names the bucket
        actors = post(project, Map.of("kind", "ActorsQuery", "select", List.of("actor"),
                "source", Map.of("kind", "FunnelsActorsQuery", "funnelStep", 2,
                        "funnelStepBreakdown", "$$_posthog_breakdown_other_$$", "source", q)));
        assertEquals(java.util.Set.of("u2", "u5"), new java.util.HashSet<>(actors.getList(
                "results.collect { it[0].distinct_ids[0] }")));
    }

    /**
     * Cohort breakdown [Pro, all]: each cohort's members make their own funnel. Pro (plan = pro) is u1 and m, both
     * complete: 2, 2, 2. "all" is everyone: 5, 4, 2, and ranks first. As PostHog's funnel steps, "breakdown" is the
     * cohort's name ("all users" for all) and "breakdown_value" its id (0 for all), both plain values; the actors of a
     * step take that id back as funnelStepBreakdown.
     */
    @Test
    void cohortBreakdown() {
        int pro = given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("name", "Pro", "filters", Map.of("properties", Map.of("type", "OR", "values", List.of(
                        Map.of("type", "AND", "values", List.of(Map.of("key", "plan", "value", "pro",
                                "operator", "exact", "type", "person"))))))))
                .post("/api/projects/" + project.id() + "/cohorts/").then().statusCode(201).extract().path("id");
        Map<String, Object> q = funnel(Map.of());
        q.put("breakdownFilter", Map.of("breakdown_type", "cohort", "breakdown", List.of(pro, "all")));
        JsonPath body = post(project, q);
        assertEquals(List.of(0, pro), List.of(body.getInt("results[0][0].breakdown_value"),
                body.getInt("results[1][0].breakdown_value")));
        assertEquals(List.of("all users", "all users", "all users"), body.getList("results[0].breakdown"));
        assertEquals(List.of("Pro", "Pro", "Pro"), body.getList("results[1].breakdown"));
        assertEquals(List.of(pro, pro, pro), body.getList("results[1].breakdown_value", Integer.class));
        assertEquals(List.of(5, 4, 2), counts(body, "results[0]"));
        assertEquals(List.of(2, 2, 2), counts(body, "results[1]"));
        JsonPath actors = post(project, Map.of("kind", "ActorsQuery", "select", List.of("actor"), "source",
                Map.of("kind", "FunnelsActorsQuery", "funnelStep", 3, "funnelStepBreakdown", pro, "source", q)));
        assertEquals(2, actors.getList("results").size());
        actors = post(project, Map.of("kind", "ActorsQuery", "select", List.of("actor"), "source",
                Map.of("kind", "FunnelsActorsQuery", "funnelStep", 2, "funnelStepBreakdown", 0, "source", q)));
        assertEquals(4, actors.getList("results").size());
        // a cohort the project does not have is a 400 naming the breakdown
        q.put("breakdownFilter", Map.of("breakdown_type", "cohort", "breakdown", List.of(987654321)));
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", q, "refresh", "force_blocking"))
                .post("/api/environments/" + project.id() + "/query/").then().statusCode(400)
                .body("attr", org.hamcrest.Matchers.equalTo("breakdown"));
    }

    /**
     * The list form with one entry (what PostHog's CLI sends) is the single breakdown, whose funnel values are
     * already lists ({@code ["Chrome"]}); its actors take the same {@code funnelStepBreakdown}. (PostHog's funnel
     * runner reads only {@code breakdown}, so it would drop the list form and answer without a breakdown; Quarry
     * answers the breakdown asked for rather than ignore a field.)
     */
    @Test
    void breakdownsListWithOneEntry() {
        Map<String, Object> q = funnel(Map.of());
        q.put("breakdownFilter", Map.of("breakdowns", List.of(Map.of("property", "$browser", "type", "event"))));
        JsonPath body = post(project, q);
        assertEquals(List.of(List.of("Chrome"), List.of(""), List.of("Firefox"), List.of("Safari")),
                firstStepValues(body));
        Map<String, Object> b = actors(q, 1);
        b.put("funnelStepBreakdown", List.of("Chrome"));
        assertEquals(sorted("u1", "u3"), actorIds(post(project, b)));
        q.put("breakdownFilter", Map.of("breakdowns", List.of(Map.of("property", "$browser", "type", "event"),
                Map.of("property", "plan", "type", "person"))));
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", q, "refresh", "force_blocking"))
                .post("/api/environments/" + project.id() + "/query/").then().statusCode(400)
                .body("attr", org.hamcrest.Matchers.equalTo("breakdowns"));
    }

    /** PostHog refuses an exclusion that matches every event of a step in its range (ValidateFunnelExclusions). */
    @Test
    void exclusionThatIsAStepIs400() {
        Map<String, Object> ex = new HashMap<>(step("signed up"));
        ex.put("funnelFromStep", 0);
        ex.put("funnelToStep", 1);
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", funnel(Map.of("exclusions", List.of(ex))), "refresh", "force_blocking"))
                .post("/api/environments/" + project.id() + "/query/").then().statusCode(400)
                .body("type", org.hamcrest.Matchers.equalTo("validation_error"))
                .body("code", org.hamcrest.Matchers.equalTo("invalid_input"))
                .body("detail", org.hamcrest.Matchers.equalTo(
                        "Exclusion steps cannot contain an event that's part of funnel steps."))
                .body("attr", org.hamcrest.Matchers.nullValue());
        // narrower than the step (a property the step lacks): allowed, and nobody's signed up carries it
        ex.put("properties", List.of(Map.of("key", "coupon", "value", "x", "operator", "exact", "type", "event")));
        assertEquals(List.of(5, 4, 2), counts(post(project, funnel(Map.of("exclusions", List.of(ex)))), "results"));
    }

    @Test
    void breakdownStepAttribution() {
        // the value on the signed up event: none carries $browser, so every actor is in ""; u3 has no step 2 event,
        // so no attributed value, and PostHog's funnel leaves it out (FunnelStepAttributionTest)
        Map<String, Object> q = funnel(Map.of("breakdownAttributionType", "step", "breakdownAttributionValue", 1));
        q.put("breakdownFilter", Map.of("breakdown", "$browser"));
        JsonPath body = post(project, q);
        assertEquals(1, body.getList("results").size());
        assertEquals(List.of(4, 4, 2), counts(body, "results[0]"));
    }

    @Test
    void breakdownAllEvents() {
        // all_events: each value is its own funnel; the later steps carry no $browser, so they are in ""
        Map<String, Object> q = funnel(Map.of("breakdownAttributionType", "all_events"));
        q.put("breakdownFilter", Map.of("breakdown", "$browser"));
        JsonPath body = post(project, q);
        assertEquals(List.of(List.of("Chrome"), List.of(""), List.of("Firefox"), List.of("Safari")),
                firstStepValues(body));
        assertEquals(List.of(2, 0, 0), counts(body, "results[0]"));
        assertEquals(List.of(1, 1, 1), counts(body, "results[1]"));
    }

    @Test
    void timeToConvert() {
        // pageview → purchase: u1 4200 s, m 1200 s; 2 bins of 1500 s from 1200
        JsonPath body = post(project, funnel(Map.of("funnelVizType", "time_to_convert")));
        List<List<Number>> bins = body.getList("results.bins");
        assertEquals(3, bins.size());
        assertEquals(List.of(1200, 1), bins.get(0));
        assertEquals(List.of(2700, 0), bins.get(1));
        assertEquals(List.of(4200, 1), bins.get(2));
        assertEquals(2700f, body.getFloat("results.average_conversion_time"));
    }

    @Test
    void trends() {
        // entries: u1 01-02 converted, u2 01-03, u3 01-04, m 01-06 converted, u5 01-10
        Map<String, Object> q = funnel(Map.of("funnelVizType", "trends"));
        q.put("interval", "day");
        JsonPath body = post(project, q);
        List<Float> data = body.getList("results[0].data", Float.class);
        assertEquals(31, data.size());
        List<Float> expected = new ArrayList<>();
        for (int i = 0; i < 31; i++) {
            expected.add(i == 1 || i == 5 ? 100f : 0f);
        }
        assertEquals(expected, data);
        assertEquals("2020-01-01", body.getString("results[0].days[0]"));
    }

    @Test
    void badInputIs400() {
        assertEquals(400, status(project, funnel(Map.of("funnelOrderType", "sideways"))));
        assertEquals(400, status(project, funnel(Map.of("funnelWindowInterval", -1))));
        // 0 is no window: PostHog's "funnelWindowInterval or 14"
        assertEquals(counts(post(project, funnel(Map.of())), "results"),
                counts(post(project, funnel(Map.of("funnelWindowInterval", 0))), "results"));
        assertEquals(400, status(project, funnel(Map.of("funnelWindowIntervalUnit", "fortnight"))));
        Map<String, Object> ex = new HashMap<>(step("clicked pricing"));
        ex.put("funnelFromStep", 2);
        ex.put("funnelToStep", 1);
        assertEquals(400, status(project, funnel(Map.of("exclusions", List.of(ex)))));
        Map<String, Object> q = funnel(Map.of());
        q.put("series", List.of());
        assertEquals(400, status(project, q));
    }

    // ------------------------------------------------------------------ actors

    static List<String> actorIds(JsonPath body) {
        List<String> out = new ArrayList<>();
        for (List<Object> row : body.<List<Object>>getList("results")) {
            out.add((String) row.get(0));
        }
        return out;
    }

    /** person id of a distinct id, through a HogQL query (merged persons: the surviving one). */
    static String person(String distinctId) {
        JsonPath body = post(project, Map.of("kind", "HogQLQuery", "query",
                "SELECT DISTINCT person_id FROM events WHERE distinct_id = {d}", "values", Map.of("d", distinctId)));
        return body.getString("results[0][0]");
    }

    static List<String> sorted(String... distinctIds) {
        List<String> out = new ArrayList<>();
        for (String d : distinctIds) {
            out.add(person(d));
        }
        out.sort(null);
        return out;
    }

    static Map<String, Object> actors(Map<String, Object> funnel, Integer step) {
        Map<String, Object> q = new HashMap<>();
        q.put("kind", "FunnelsActorsQuery");
        q.put("source", funnel);
        if (step != null) {
            q.put("funnelStep", step);
        }
        return q;
    }

    @Test
    void funnelsActors() {
        assertEquals(person("anon-m"), person("user-m"));
        assertEquals(sorted("u1", "u2", "u5", "user-m"), actorIds(post(project, actors(funnel(Map.of()), 2))));
        assertEquals(sorted("u1", "user-m"), actorIds(post(project, actors(funnel(Map.of()), 3))));
        // dropped off before step 2: reached step 1 only
        assertEquals(sorted("u3"), actorIds(post(project, actors(funnel(Map.of()), -2))));
        assertEquals(sorted("u2", "u5"), actorIds(post(project, actors(funnel(Map.of()), -3))));
        assertEquals(400, status(project, actors(funnel(Map.of()), 4)));
        assertEquals(400, status(project, actors(funnel(Map.of()), -1)));
        // a cell reads the steps view's split form (unmerged actors by stored person id, one branch per id range,
        // the merged person through the overrides): the same actors, in parallel branches
        for (int step : new int[] {2, -2}) {
            String hogql = post(project, actors(funnel(Map.of()), step)).getString("hogql");
            assertTrue(hogql.contains(FunnelPlan.PERSON_ID_SPLITS.get(0)), hogql);
        }
    }

    @Test
    void funnelsActorsPaginateAndFilterBreakdown() {
        Map<String, Object> q = actors(funnel(Map.of()), 1);
        q.put("limit", 2);
        JsonPath first = post(project, q);
        assertEquals(sorted("u1", "u2", "u3", "u5", "user-m").subList(0, 2), actorIds(first));
        assertEquals(true, first.getBoolean("hasMore"));
        q.put("offset", 4);
        JsonPath last = post(project, q);
        assertEquals(1, actorIds(last).size());
        assertEquals(false, last.getBoolean("hasMore"));
        Map<String, Object> f = funnel(Map.of());
        f.put("breakdownFilter", Map.of("breakdown", "$browser"));
        Map<String, Object> b = actors(f, 1);
        b.put("funnelStepBreakdown", List.of("Chrome"));
        assertEquals(sorted("u1", "u3"), actorIds(post(project, b)));
    }

    @Test
    void funnelTrendsActors() {
        Map<String, Object> f = funnel(Map.of("funnelVizType", "trends"));
        f.put("interval", "day");
        Map<String, Object> q = actors(f, null);
        q.put("funnelTrendsEntrancePeriodStart", "2020-01-02");
        assertEquals(sorted("u1"), actorIds(post(project, q)));
        q.put("funnelTrendsEntrancePeriodStart", "2020-01-03");
        q.put("funnelTrendsDropOff", true);
        assertEquals(sorted("u2"), actorIds(post(project, q)));
    }

    // ------------------------------------------------------------------ correlation

    static Map<String, Object> correlation(String type, Map<String, Object> extra) {
        Map<String, Object> q = new HashMap<>(extra);
        q.put("kind", "FunnelCorrelationQuery");
        q.put("funnelCorrelationType", type);
        q.put("source", Map.of("kind", "FunnelsActorsQuery", "source", funnel(Map.of())));
        return q;
    }

    /**
     * Success: u1, m; failure: u2, u3, u5. Inside the spans: m's $identify (success), u2's clicked pricing (failure).
     * $identify: (1+1)(3-0+1) / ((2-1+1)(0+1)) = 4; clicked pricing: (0+1)(3-1+1) / ((2-0+1)(1+1)) = 0.5.
     */
    @Test
    void correlationEvents() {
        JsonPath body = post(project, correlation("events", Map.of()));
        assertEquals(List.of("$identify", "clicked pricing"), body.getList("results.events.event.event"));
        assertEquals(List.of(1, 0), body.getList("results.events.success_count"));
        assertEquals(List.of(0, 1), body.getList("results.events.failure_count"));
        assertEquals(List.of(4f, 0.5f), body.getList("results.events.odds_ratio", Float.class));
        assertEquals(List.of("success", "failure"), body.getList("results.events.correlation_type"));
        assertEquals(false, body.getBoolean("results.skewed"));
        body = post(project, correlation("events", Map.of("funnelCorrelationExcludeEventNames", List.of("$identify"))));
        assertEquals(List.of("clicked pricing"), body.getList("results.events.event.event"));
    }

    /**
     * funnelStep 2 on the source narrows the population to those who reached step 2 (PostHog reads the actors of
     * that step): u1, m (success), u2, u5 (failure); u3 is out. $identify: (1+1)(2-0+1) / ((2-1+1)(0+1)) = 3;
     * clicked pricing: (0+1)(2-1+1) / ((2-0+1)(1+1)) = 1/3.
     */
    @Test
    void correlationHonoursFunnelStep() {
        Map<String, Object> q = correlation("events", Map.of());
        q.put("source", Map.of("kind", "FunnelsActorsQuery", "funnelStep", 2, "source", funnel(Map.of())));
        JsonPath body = post(project, q);
        assertEquals(List.of("$identify", "clicked pricing"), body.getList("results.events.event.event"));
        assertEquals(List.of(3f, 1f / 3), body.getList("results.events.odds_ratio", Float.class));
    }

    /**
     * 2 successes, 3 failures. plan::pro s 2 f 0: 3·4 / (1·1) = 12; plan::free s 0 f 2: 1·2 / (3·3) = 0.2222; the
     * failure without a plan counts under "plan::" (PostHog's JSONExtractString reads a missing property as ""):
     * s 0 f 1: 1·3 / (3·2) = 0.5. Failures come in ascending odds.
     */
    @Test
    void correlationProperties() {
        JsonPath body = post(project, correlation("properties", Map.of("funnelCorrelationNames", List.of("plan"))));
        assertEquals(List.of("plan::pro", "plan::free", "plan::"), body.getList("results.events.event.event"));
        assertEquals(List.of(12f, 2f / 9, 0.5f), body.getList("results.events.odds_ratio", Float.class));
        assertEquals(List.of(2, 0, 0), body.getList("results.events.success_count", Integer.class));
        assertEquals(List.of(0, 2, 1), body.getList("results.events.failure_count", Integer.class));
        // $all reads every person property; excluding the others leaves exactly plan's two values.
        JsonPath all = post(project, correlation("properties", Map.of("funnelCorrelationNames", List.of("$all"))));
        assertTrue(all.getList("results.events.event.event").containsAll(List.of("plan::pro", "plan::free")));
        List<String> others = new java.util.ArrayList<>();
        for (Object name : all.getList("results.events.event.event")) {
            String property = name.toString().split("::", 2)[0];
            if (!property.equals("plan")) {
                others.add(property);
            }
        }
        JsonPath onlyPlan = post(project, correlation("properties", Map.of("funnelCorrelationNames", List.of("$all"),
                "funnelCorrelationExcludeNames", others)));
        assertEquals(List.of("plan::pro", "plan::free"), onlyPlan.getList("results.events.event.event"));
    }

    /**
     * event_with_properties over $identify and clicked pricing: only m's $identify has a property inside a span,
     * $anon_distinct_id = anon-m, one actor: PostHog keeps a pair only when more than 2 actors have it (its HAVING
     * success_count + failure_count &gt; 2), so nothing is listed (FunnelCorrelationFiltersTest has a kept pair).
     */
    @Test
    void correlationEventWithProperties() {
        Map<String, Object> named = Map.of("funnelCorrelationEventNames", List.of("$identify", "clicked pricing"));
        JsonPath body = post(project, correlation("event_with_properties", named));
        assertEquals(List.of(), body.getList("results.events.event.event"));
        assertEquals(false, body.getBoolean("results.skewed"));
        Map<String, Object> excluded = new HashMap<>(named);
        excluded.put("funnelCorrelationEventExcludePropertyNames", List.of("$anon_distinct_id"));
        assertEquals(List.of(), post(project, correlation("event_with_properties", excluded))
                .getList("results.events.event.event"));
        assertEquals(400, status(project, correlation("event_with_properties", Map.of())));
    }

    @Test
    void correlationActors() {
        Map<String, Object> q = new HashMap<>();
        q.put("kind", "FunnelCorrelationActorsQuery");
        q.put("source", correlation("events", Map.of()));
        q.put("funnelCorrelationPersonEntity", Map.of("kind", "EventsNode", "event", "clicked pricing"));
        assertEquals(sorted("u2"), actorIds(post(project, q)));
        q.put("funnelCorrelationPersonConverted", true);
        assertEquals(List.of(), actorIds(post(project, q)));
        Map<String, Object> p = new HashMap<>();
        p.put("kind", "FunnelCorrelationActorsQuery");
        p.put("source", correlation("properties", Map.of("funnelCorrelationNames", List.of("plan"))));
        p.put("funnelCorrelationPropertyValues", List.of(Map.of("key", "plan", "value", "free", "operator", "exact",
                "type", "person")));
        assertEquals(sorted("u2", "u3"), actorIds(post(project, p)));
    }
}

package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The edges parsed once into records (issue 17): POST query's {@code QueryRequest} and its {@code filters_override}
 * ({@code DashboardFilter}) and {@code variables_override}, a TrendsQuery's typed {@code properties}, the persons
 * endpoints' legacy filter and the persons edit bodies. Each takes what PostHog's clients send, and a wrong field is
 * a 400 naming it in {@code attr}.
 *
 * <p>Data (UTC project): view by u1 on 2026-01-05 (Chrome), view by u2 on 2026-01-06 (Firefox), buy by u1 on
 * 2026-01-06 (Chrome), view by u3 on 2026-01-20 (Chrome).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class EdgeRecordsTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Edge records");
        Capture.to(team)
                .event("view", "u1", "2026-01-05T10:00:00Z", Map.of("$browser", "Chrome"))
                .event("view", "u2", "2026-01-06T10:00:00Z", Map.of("$browser", "Firefox"))
                .event("buy", "u1", "2026-01-06T11:00:00Z", Map.of("$browser", "Chrome"))
                .event("view", "u3", "2026-01-20T10:00:00Z", Map.of("$browser", "Chrome"))
                .send();
    }

    private static RequestSpecification as() {
        return given().header("Authorization", "Bearer " + team.key()).contentType("application/json");
    }

    private static Response query(Map<String, Object> body) {
        return as().body(body).post("/api/environments/" + team.id() + "/query/");
    }

    private static Map<String, Object> body(Object query, Object... more) {
        Map<String, Object> body = new HashMap<>();
        body.put("query", query);
        for (int i = 0; i < more.length; i += 2) {
            body.put((String) more[i], more[i + 1]);
        }
        return body;
    }

    private static final Map<String, Object> HOGQL = Map.of("kind", "HogQLQuery",
            "query", "select count() from events where {filters}");

    /** Views in January as one number (BoldNumber: results[0].aggregated_value). */
    private static Map<String, Object> januaryViews() {
        return Map.of("kind", "TrendsQuery",
                "series", List.of(Map.of("kind", "EventsNode", "event", "view")),
                "dateRange", Map.of("date_from", "2026-01-01", "date_to", "2026-01-31"),
                "trendsFilter", Map.of("display", "BoldNumber"));
    }

    /** A number of a 200 answer, whatever JSON number form it has. */
    private static double number(Response response, String path) {
        response.then().statusCode(200);
        return ((Number) response.path(path)).doubleValue();
    }

    private static Map<String, Object> browser(String value) {
        return Map.of("key", "$browser", "value", value, "operator", "exact", "type", "event");
    }

    @Test
    void queryRequestFieldsArePostHogsAndAWrongOneIsNamed() {
        query(body(HOGQL, "client_query_id", "edge-1", "refresh", "force_blocking", "name", "edges",
                "limit_context", "posthog_ai")).then().statusCode(200).body("results[0][0]", equalTo(4));
        query(body(HOGQL, "client_query_idd", "x")).then().statusCode(400)
                .body("type", equalTo("invalid_request")).body("code", equalTo("parse_error"))
                .body("attr", equalTo("client_query_idd"))
                .body("detail", containsString("validation error for QueryRequest"));
        // pydantic's str: a number is not a string
        query(body(HOGQL, "client_query_id", 5)).then().statusCode(400).body("code", equalTo("parse_error"))
                .body("attr", equalTo("client_query_id"));
        query(body(HOGQL, "name", true)).then().statusCode(400).body("attr", equalTo("name"));
        query(body(HOGQL, "refresh", "sometimes")).then().statusCode(400).body("code", equalTo("parse_error"))
                .body("attr", equalTo("refresh"));
        query(body(HOGQL, "async", "maybe")).then().statusCode(400).body("attr", equalTo("async"))
                .body("code", equalTo("parse_error"));
        query(body(HOGQL, "async", List.of(true))).then().statusCode(400).body("attr", equalTo("async"));
        // pydantic's lax bool: "yes" and 1 are true (an async start: 202), "off" and 0 false (a blocking answer: 200)
        String unique = "select '" + java.util.UUID.randomUUID() + "', ";
        query(body(Map.of("kind", "HogQLQuery", "query", unique + "1"), "async", "yes")).then().statusCode(202);
        query(body(Map.of("kind", "HogQLQuery", "query", unique + "2"), "async", 1)).then().statusCode(202);
        query(body(Map.of("kind", "HogQLQuery", "query", unique + "3"), "async", "off")).then().statusCode(200);
        query(body(Map.of("kind", "HogQLQuery", "query", unique + "4"), "async", 0)).then().statusCode(200);
        query(body(HOGQL, "variables_override", Map.of("v1", 5))).then().statusCode(400)
                .body("code", equalTo("parse_error"));
        // query/upgrade: PostHog's QueryUpgradeRequest, the query and nothing else
        String upgrade = "/api/environments/" + team.id() + "/query/upgrade/";
        as().body(Map.of("query", HOGQL)).post(upgrade).then().statusCode(200).body("query", equalTo(HOGQL));
        as().body(Map.of("query", HOGQL, "refresh", "blocking")).post(upgrade).then().statusCode(400)
                .body("code", equalTo("parse_error")).body("attr", equalTo("refresh"));
        as().body(Map.of("query", "select 1")).post(upgrade).then().statusCode(400).body("attr", equalTo("query"));
    }

    @Test
    void filtersOverrideIsADashboardFilter() {
        // HogQL: {filters} takes the override's date range and properties
        query(body(HOGQL, "filters_override", Map.of("date_from", "2026-01-01", "date_to", "2026-01-10")))
                .then().statusCode(200).body("results[0][0]", equalTo(3)); // all but u3's view on the 20th
        query(body(HOGQL, "filters_override", Map.of("date_from", "2026-01-01", "date_to", "2026-01-10",
                "properties", List.of(browser("Chrome"))))).then().statusCode(200).body("results[0][0]", equalTo(2));
        // insights: the date range is replaced, properties added, the breakdown replaced; explicitDate is accepted
        String total = "results[0].aggregated_value";
        assertEquals(3.0, number(query(body(januaryViews())), total));
        assertEquals(1.0, number(query(body(januaryViews(), "filters_override",
                Map.of("date_from", "2026-01-15", "explicitDate", true))), total)); // u3
        assertEquals(1.0, number(query(body(januaryViews(), "filters_override",
                Map.of("properties", List.of(browser("Firefox"))))), total)); // u2
        Response byBrowser = query(body(januaryViews(), "filters_override",
                Map.of("breakdown_filter", Map.of("breakdown", "$browser", "breakdown_type", "event"))));
        byBrowser.then().statusCode(200).body("results", hasSize(2));
        assertEquals(2.0, number(byBrowser, "results.find { it.breakdown_value == 'Chrome' }.aggregated_value"));
        assertEquals(1.0, number(byBrowser, "results.find { it.breakdown_value == 'Firefox' }.aggregated_value"));
        // strict, as PostHog's model: unknown field, wrong type, malformed filter, wrong breakdown field
        query(body(HOGQL, "filters_override", Map.of("date_form", "-7d"))).then().statusCode(400)
                .body("code", equalTo("parse_error")).body("attr", equalTo("date_form"));
        query(body(HOGQL, "filters_override", Map.of("date_from", 7))).then().statusCode(400)
                .body("attr", equalTo("date_from"));
        query(body(HOGQL, "filters_override", Map.of("properties", List.of(Map.of("key", "$browser",
                "value", "Chrome", "type", "event", "bogus", 1))))).then().statusCode(400).body("attr", equalTo("bogus"));
        query(body(januaryViews(), "filters_override", Map.of("breakdown_filter", Map.of("breakdwn", "$browser"))))
                .then().statusCode(400).body("attr", equalTo("breakdwn"));
    }

    @Test
    void trendsPropertiesAreTheTypedFilterUnion() {
        Map<String, Object> query = new HashMap<>(januaryViews());
        query.put("properties", Map.of("type", "OR", "values", List.of(browser("Chrome"), browser("Firefox"))));
        assertEquals(3.0, number(query(body(query)), "results[0].aggregated_value"));
        query.put("properties", List.of(browser("Chrome")));
        assertEquals(2.0, number(query(body(query)), "results[0].aggregated_value")); // u1, u3
        query.put("properties", List.of(Map.of("key", "$browser", "value", "Chrome", "type", "event", "bogus", 1)));
        query(body(query)).then().statusCode(400).body("type", equalTo("validation_error"))
                .body("attr", equalTo("bogus"));
        query.put("properties", List.of(Map.of("key", "$browser", "value", "Chrome", "type", "nonsense")));
        query(body(query)).then().statusCode(400).body("attr", equalTo("type"));
    }

    private static final String STEPS = "[{\"id\":\"view\",\"order\":0,\"type\":\"events\"},"
            + "{\"id\":\"buy\",\"order\":1,\"type\":\"events\"}]";

    private Response funnelPeople(Map<String, Object> params) {
        RequestSpecification request = as().queryParam("events", STEPS).queryParam("date_from", "2026-01-01")
                .queryParam("date_to", "2026-01-31");
        params.forEach(request::queryParam);
        return request.get("/api/projects/" + team.id() + "/persons/funnel/");
    }

    @Test
    void legacyFilterReadsPostHogsKeysAndNamesAWrongOne() {
        // keys the legacy filter does not read (PostHog's clients send whole insight filters) are ignored
        funnelPeople(Map.of("funnel_step", 2, "insight", "FUNNELS", "display", "FunnelViz",
                "funnel_window_days", 14)).then().statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", equalTo(List.of("u1")))
                .body("results[0].count", equalTo(1));
        funnelPeople(Map.of("funnel_step", "two")).then().statusCode(400).body("type", equalTo("validation_error"))
                .body("attr", equalTo("funnel_step")).body("detail", equalTo("A valid integer is required."));
        funnelPeople(Map.of("funnel_step", 2, "limit", "many")).then().statusCode(400).body("attr", equalTo("limit"));
        funnelPeople(Map.of("funnel_step", 2, "exclusions", "{\"id\":\"buy\"}")).then().statusCode(400)
                .body("attr", equalTo("exclusions"));
        as().queryParam("events", "{\"id\":\"view\"}").get("/api/projects/" + team.id() + "/persons/funnel/")
                .then().statusCode(400).body("attr", equalTo("events"));
        // a JSON body (POST) merges over the query string, typed the same way
        as().queryParam("events", STEPS).queryParam("date_from", "2026-01-01")
                .body(Map.of("funnel_step", 1, "funnel_window_days", "a fortnight"))
                .post("/api/projects/" + team.id() + "/persons/funnel/")
                .then().statusCode(400).body("attr", equalTo("funnel_window_days"));
        as().queryParam("events", STEPS).queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-31")
                .body(Map.of("funnel_step", 1, "funnel_window_days", 14))
                .post("/api/projects/" + team.id() + "/persons/funnel/")
                .then().statusCode(200).body("results[0].count", equalTo(3)); // u1, u2 and u3 entered
    }

    @Test
    void personEditBodiesNameTheWrongField() {
        String person = "/api/projects/" + team.id() + "/persons/0190c3a1-0000-7000-8000-000000000001";
        as().body(Map.of("key", List.of("a"), "value", 1)).post(person + "/update_property/")
                .then().statusCode(400).body("attr", equalTo("key"));
        String bulk = "/api/projects/" + team.id() + "/persons/bulk_delete/";
        as().body(Map.of("distinct_ids", Map.of("a", 1))).post(bulk).then().statusCode(400)
                .body("attr", equalTo("distinct_ids"));
        as().body(Map.of("distinct_ids", List.of("nobody"), "keep_person", "yes")).post(bulk).then().statusCode(400)
                .body("attr", equalTo("keep_person")).body("detail", equalTo("Must be a valid boolean."));
        // keys PostHog's serializer does not read are ignored
        as().body(Map.of("distinct_ids", List.of("nobody"), "reason", "test")).post(bulk).then().statusCode(202);
    }
}

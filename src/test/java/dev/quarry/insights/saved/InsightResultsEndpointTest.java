package dev.quarry.insights.saved;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.quarry.testing.Capture;
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
 * Issue 19: a saved insight's result on retrieve and list by {@code refresh} (PostHog's InsightSerializer through
 * POST query's service and cache), an unknown query kind refused at save, and a HogQL insight checked fully at save
 * on a worker (the test build makes a HogQL compile on the event loop fail, so a HogQL save that succeeds proves the
 * check ran off it).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class InsightResultsEndpointTest {
    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json");
    }

    private static Map<String, Object> trends() {
        return Map.of("kind", "InsightVizNode", "source", Map.of("kind", "TrendsQuery",
                "series", List.of(Map.of("kind", "EventsNode", "event", "signup", "math", "total")),
                "dateRange", Map.of("date_from", "2026-03-01", "date_to", "2026-03-03"), "interval", "day"));
    }

    @Test
    void retrieveFillsTheResultByRefresh() {
        Project p = TestProjects.create("Insight results");
        Project other = TestProjects.create("Insight results other");
        Capture.to(p).event("signup", "a", "2026-03-01T10:00:00Z").event("signup", "b", "2026-03-01T11:00:00Z")
                .event("signup", "c", "2026-03-03T09:00:00Z").send();
        String base = "/api/environments/" + p.id() + "/insights/";
        int id = as(p.key()).body(Map.of("name", "Signups", "query", trends())).post(base).then().statusCode(201)
                .body("result", nullValue()).extract().path("id");

        // no refresh: cache only, and nothing is cached yet
        as(p.key()).get(base + id + "/").then().statusCode(200)
                .body("result", nullValue()).body("last_refresh", nullValue()).body("is_cached", equalTo(false));
        as(p.key()).get(base + id + "/?refresh=force_blocking").then().statusCode(200)
                .body("result[0].data", equalTo(List.of(2, 0, 1)))
                .body("result[0].days", equalTo(List.of("2026-03-01", "2026-03-02", "2026-03-03")))
                .body("last_refresh", notNullValue()).body("is_cached", equalTo(false))
                .body("cache_target_age", notNullValue()).body("next_allowed_client_refresh", notNullValue())
                .body("timezone", equalTo("UTC")).body("name", equalTo("Signups"));
        // now cached: the default retrieve and blocking (fresh) serve it; true/1 calculate again
        String lastRefresh = as(p.key()).get(base + id + "/").then().statusCode(200)
                .body("result[0].data", equalTo(List.of(2, 0, 1))).body("is_cached", equalTo(true))
                .extract().path("last_refresh");
        as(p.key()).get(base + id + "/?refresh=blocking").then().statusCode(200)
                .body("result[0].data", equalTo(List.of(2, 0, 1))).body("is_cached", equalTo(true))
                .body("last_refresh", equalTo(lastRefresh));
        for (String refresh : List.of("true", "1")) {
            as(p.key()).get(base + id + "/?refresh=" + refresh).then().statusCode(200)
                    .body("result[0].data", equalTo(List.of(2, 0, 1))).body("is_cached", equalTo(false));
        }
        // POST query shares the cache the insight filled
        as(p.key()).body(Map.of("query", trends())).post("/api/environments/" + p.id() + "/query/").then()
                .statusCode(200).body("is_cached", equalTo(true)).body("results[0].data", equalTo(List.of(2, 0, 1)));
        // the list fills results the same way
        as(p.key()).get(base + "?refresh=force_blocking").then().statusCode(200)
                .body("results", hasSize(1)).body("results[0].result[0].data", equalTo(List.of(2, 0, 1)))
                .body("results[0].is_cached", equalTo(false));
        as(p.key()).get(base).then().statusCode(200).body("results[0].is_cached", equalTo(true));

        // the same query saved in another project answers that project's (empty) data, never this one's cache
        int theirs = as(other.key()).body(Map.of("name", "Signups", "query", trends()))
                .post("/api/environments/" + other.id() + "/insights/").then().statusCode(201).extract().path("id");
        as(other.key()).get("/api/environments/" + other.id() + "/insights/" + theirs + "/").then().statusCode(200)
                .body("result", nullValue());
        as(other.key()).get("/api/environments/" + other.id() + "/insights/" + theirs + "/?refresh=force_blocking")
                .then().statusCode(200).body("result[0].data", equalTo(List.of(0, 0, 0)));
        as(p.key()).get(base + theirs + "/?refresh=force_blocking").then().statusCode(404);
    }

    @Test
    void retrieveAppliesFiltersOverride() {
        // PostHog's retrieve merges filters_override into the insight's query (the CLI's insight-query runs the query
        // it gets back): 2026-03-03 only counts c's signup; a property filter keeps a's alone
        Project p = TestProjects.create("Insight filters override");
        Capture.to(p).event("signup", "a", "2026-03-01T10:00:00Z", Map.of("plan", "pro"))
                .event("signup", "b", "2026-03-01T11:00:00Z").event("signup", "c", "2026-03-03T09:00:00Z").send();
        String base = "/api/environments/" + p.id() + "/insights/";
        int id = as(p.key()).body(Map.of("name", "Signups", "query", trends())).post(base).then().statusCode(201)
                .extract().path("id");
        as(p.key()).queryParam("filters_override", "{\"date_from\": \"2026-03-03\"}")
                .get(base + id + "/?refresh=force_blocking").then().statusCode(200)
                .body("query.kind", equalTo("InsightVizNode"))
                .body("query.source.dateRange.date_from", equalTo("2026-03-03"))
                .body("query.source.dateRange.date_to", equalTo("2026-03-03"))
                .body("result[0].days", equalTo(List.of("2026-03-03"))).body("result[0].data", equalTo(List.of(1)));
        as(p.key()).queryParam("filters_override", "{\"properties\": [{\"key\": \"plan\", \"value\": \"pro\", "
                        + "\"type\": \"event\"}]}")
                .get(base + id + "/?refresh=force_blocking").then().statusCode(200)
                .body("result[0].data", equalTo(List.of(1, 0, 0)));
        // the insight itself is unchanged
        as(p.key()).get(base + id + "/?refresh=force_blocking").then().statusCode(200)
                .body("query.source.dateRange.date_from", equalTo("2026-03-01"))
                .body("result[0].data", equalTo(List.of(2, 0, 1)));
        // bad overrides are 400s naming the parameter, with or without a refresh
        as(p.key()).queryParam("filters_override", "{not json").get(base + id + "/").then().statusCode(400)
                .body("attr", equalTo("filters_override"))
                .body("detail", equalTo("Invalid JSON passed in filters_override parameter"));
        as(p.key()).queryParam("filters_override", "{\"date_fromm\": \"-1d\"}").get(base + id + "/").then()
                .statusCode(400).body("detail", containsString("filters_override.date_fromm"));
    }

    @Test
    void anInsightWithoutAQueryKeepsNoResult() {
        Project p = TestProjects.create("Insight no query");
        String base = "/api/environments/" + p.id() + "/insights/";
        int id = as(p.key()).body(Map.of("name", "Empty")).post(base).then().statusCode(201).extract().path("id");
        as(p.key()).get(base + id + "/?refresh=force_blocking").then().statusCode(200)
                .body("result", nullValue()).body("last_refresh", nullValue());
    }

    @Test
    void anUnknownKindIsRefusedAtSave() {
        Project p = TestProjects.create("Insight unknown kind");
        String base = "/api/environments/" + p.id() + "/insights/";
        as(p.key()).body(Map.of("name", "Nope", "query", Map.of("kind", "InsightVizNode",
                        "source", Map.of("kind", "NopeQuery")))).post(base).then().statusCode(400)
                .body("code", equalTo("parse_error")).body("detail", containsString("NopeQuery"))
                .body("attr", equalTo("kind"));
        int id = as(p.key()).body(Map.of("name", "Good", "query", trends())).post(base).then().statusCode(201)
                .extract().path("id");
        as(p.key()).body(Map.of("query", Map.of("kind", "DataTableNode", "source", Map.of("kind", "NopeQuery"))))
                .patch(base + id + "/").then().statusCode(400).body("detail", containsString("NopeQuery"));
        as(p.key()).get(base).then().statusCode(200).body("results", hasSize(1))
                .body("results[0].query.source.kind", equalTo("TrendsQuery"));
    }

    @Test
    void aHogQLInsightIsCheckedFullyAtSaveOffTheEventLoop() {
        Project p = TestProjects.create("Insight hogql");
        Capture.to(p).event("signup", "a", "2026-03-01T10:00:00Z").send();
        String base = "/api/environments/" + p.id() + "/insights/";
        Map<String, Object> good = Map.of("kind", "DataTableNode", "source",
                Map.of("kind", "HogQLQuery", "query", "select count() from events where event = 'signup'"));
        int id = as(p.key()).body(Map.of("name", "Count", "query", good)).post(base).then().statusCode(201)
                .extract().path("id");
        as(p.key()).get(base + id + "/?refresh=force_blocking").then().statusCode(200)
                .body("result", equalTo(List.of(List.of(1)))).body("columns", equalTo(List.of("count()")));

        // an unknown field (found when the statement compiles) and a syntax error (found when it parses)
        Map<String, String> bad = Map.of("select nope_column from events", "nope_column",
                "select from where", "Unexpected 'from'");
        for (Map.Entry<String, String> c : bad.entrySet()) {
            Map<String, Object> query = Map.of("kind", "DataTableNode", "source",
                    Map.of("kind", "HogQLQuery", "query", c.getKey()));
            as(p.key()).body(Map.of("name", "Bad hogql", "query", query)).post(base).then().statusCode(400)
                    .body("detail", containsString(c.getValue()));
            as(p.key()).body(Map.of("query", query)).patch(base + id + "/").then().statusCode(400)
                    .body("detail", containsString(c.getValue()));
        }
        as(p.key()).get(base + "?search=Bad").then().statusCode(200).body("results", hasSize(0));
        as(p.key()).get(base + id + "/").then().statusCode(200).body("query.source.query", containsString("count()"));
    }
}

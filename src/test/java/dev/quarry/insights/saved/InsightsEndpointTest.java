package dev.quarry.insights.saved;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;

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
import org.junit.jupiter.api.Test;

/**
 * Saved insights as PostHog's CLI uses them: create, list (also by short_id), get, PATCH, soft delete, the saved
 * query run through POST query, trending and the activity log; scopes and the project wall.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class InsightsEndpointTest {
    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json");
    }

    private static Map<String, Object> trends() {
        return Map.of("kind", "InsightVizNode", "source", Map.of("kind", "TrendsQuery",
                "series", List.of(Map.of("kind", "EventsNode", "event", "signup", "math", "total")),
                "dateRange", Map.of("date_from", "2026-03-01", "date_to", "2026-03-03"), "interval", "day"));
    }

    /**
     * Activity pages: a true total_count, an empty page past the end (a page number past Integer range too), and a page
     * whose entries (each holding whole queries) add up past what an answer carries refused before any is read.
     */
    @Test
    void activityPagesAreCountedAndBounded() {
        Project p = TestProjects.create("Insight activity pages");
        String base = "/api/projects/" + p.id() + "/insights/";
        String big = "a".repeat(2_000_000);
        int id = as(p.key()).body(Map.of("name", "Big", "query", Map.of("kind", "WebOverviewQuery", "extra", big)))
                .post(base).then().statusCode(201).extract().path("id");
        for (String fill : List.of("b", "c")) {
            as(p.key()).body(Map.of("query", Map.of("kind", "WebOverviewQuery", "extra", fill.repeat(2_000_000))))
                    .patch(base + id + "/").then().statusCode(200);
        }
        // each 2 MB query is kept in the log by its length and digest, so the whole activity fits one page
        as(p.key()).get(base + id + "/activity/").then().statusCode(200).body("results", hasSize(3))
                .body("results[0].detail.changes[0].field", equalTo("query"))
                .body("results[0].detail.changes[0].after.elided", equalTo(true))
                .body("results[0].detail.changes[0].after.characters", org.hamcrest.Matchers.greaterThan(2_000_000));
        as(p.key()).get(base + id + "/activity/?limit=1").then().statusCode(200).body("total_count", equalTo(3))
                .body("results", hasSize(1))
                // absolute, as PostHog's activity_page_response builds its links
                .body("next", matchesPattern("http://[^/]+" + base + "\\d+/activity/\\?limit=1&page=2"));
        as(p.key()).get(base + id + "/activity/?limit=1&page=3").then().statusCode(200).body("results", hasSize(1))
                .body("next", equalTo(null)).body("total_count", equalTo(3));
        as(p.key()).get(base + id + "/activity/?limit=1&page=4").then().statusCode(200).body("results", hasSize(0))
                .body("total_count", equalTo(3));
        as(p.key()).get(base + "activity/?page=2147483647").then().statusCode(200).body("results", hasSize(0))
                .body("total_count", equalTo(3));
    }

    /**
     * A list page of large insights (each legal, up to 2 MiB of query) stops before the response limit and its
     * {@code next} continues at the first one left out: the default list never becomes a 400 (a breaker's finding).
     */
    @Test
    void aListPageOfLargeInsightsStopsBeforeTheResponseLimit() {
        Project p = TestProjects.create("Insight pages of large insights");
        String base = "/api/projects/" + p.id() + "/insights/";
        for (String fill : List.of("a", "b", "c", "d")) {
            as(p.key()).body(Map.of("name", "Big " + fill, "query", Map.of("kind", "WebOverviewQuery", "extra",
                    fill.repeat(2_090_000)))).post(base).then().statusCode(201);
        }
        JsonPath first = as(p.key()).get(base).then().statusCode(200).body("count", equalTo(4))
                .body("results", hasSize(2)).extract().jsonPath();
        String next = first.getString("next");
        org.junit.jupiter.api.Assertions.assertTrue(next.contains("offset=2") && next.contains("limit=100"), next);
        as(p.key()).get(next.substring(next.indexOf("/api/"))).then().statusCode(200).body("results", hasSize(2))
                .body("next", equalTo(null)).body("results.name", equalTo(List.of("Big b", "Big a")));
        as(p.key()).get(base + "?basic=true").then().statusCode(200).body("results", hasSize(2));
    }

    @Test
    void createGetListUpdateAndRunTheSavedQuery() {
        Project p = TestProjects.create("Insights");
        // signups: 2 on 03-01, 1 on 03-03
        Capture.to(p).event("signup", "a", "2026-03-01T10:00:00Z").event("signup", "b", "2026-03-01T11:00:00Z")
                .event("signup", "c", "2026-03-03T09:00:00Z").send();
        String base = "/api/projects/" + p.id() + "/insights/";
        JsonPath created = as(p.key()).body(Map.of("name", "Signups", "description", "Daily", "query", trends(),
                        "saved", true, "tags", List.of("Growth")))
                .post(base).then().statusCode(201)
                .body("name", equalTo("Signups")).body("description", equalTo("Daily"))
                .body("short_id", matchesPattern("[A-Za-z0-9]{8}"))
                .body("query.source.kind", equalTo("TrendsQuery"))
                .body("saved", equalTo(true)).body("deleted", equalTo(false)).body("tags", equalTo(List.of("growth")))
                .body("created_by.id", equalTo((int) p.ownerUserId())).body("created_at", notNullValue())
                .body("last_modified_at", notNullValue())
                .extract().jsonPath();
        int id = created.getInt("id");
        String shortId = created.getString("short_id");
        as(p.key()).get(base + id + "/").then().statusCode(200).body("short_id", equalTo(shortId));
        as(p.key()).get(base + id + "/").then().statusCode(200).body("last_viewed_at", notNullValue());
        as(p.key()).get(base + shortId + "/").then().statusCode(200).body("id", equalTo(id));
        as(p.key()).get(base + "?short_id=" + shortId).then().statusCode(200)
                .body("results", hasSize(1)).body("results[0].id", equalTo(id)).body("count", equalTo(1));
        as(p.key()).get("/api/environments/" + p.id() + "/insights/?search=signup").then().statusCode(200)
                .body("results[0].id", equalTo(id));
        as(p.key()).get(base + "?search=nothing-like-it").then().statusCode(200).body("results", hasSize(0));

        // insight-query: the CLI posts the stored query as it is
        Object query = as(p.key()).get(base + id + "/").then().extract().path("query");
        as(p.key()).body(Map.of("query", query)).post("/api/environments/" + p.id() + "/query/").then().statusCode(200)
                .body("results[0].data", equalTo(List.of(2, 0, 1)));

        as(p.key()).body(Map.of("name", "Signups per day", "favorited", true)).patch(base + id + "/").then().statusCode(200)
                .body("name", equalTo("Signups per day")).body("favorited", equalTo(true)).body("description", equalTo("Daily"));
        // activity: created, then updated with the changed fields
        as(p.key()).get(base + id + "/activity/").then().statusCode(200)
                .body("results.activity", equalTo(List.of("updated", "created")))
                .body("results[0].scope", equalTo("Insight")).body("results[0].item_id", equalTo(String.valueOf(id)))
                .body("results[0].detail.changes.field", equalTo(List.of("name", "favorited")))
                .body("results[0].detail.changes[0].before", equalTo("Signups"))
                .body("results[0].detail.changes[0].after", equalTo("Signups per day"))
                .body("results[0].detail.short_id", equalTo(shortId))
                .body("results[0].user.email", notNullValue());

        // a key sent as null clears the text; a key not sent leaves it
        java.util.Map<String, Object> clear = new java.util.HashMap<>();
        clear.put("description", null);
        as(p.key()).body(clear).patch(base + id + "/").then().statusCode(200)
                .body("description", org.hamcrest.Matchers.nullValue()).body("name", equalTo("Signups per day"));
        as(p.key()).body(Map.of("description", "Daily")).patch(base + id + "/").then().statusCode(200)
                .body("description", equalTo("Daily")).body("favorited", equalTo(true));

        // PUT is the same edit as PATCH (PostHog's ModelViewSet update)
        as(p.key()).body(Map.of("description", "Daily, put")).put(base + id + "/").then().statusCode(200)
                .body("description", equalTo("Daily, put")).body("name", equalTo("Signups per day"));
        // soft delete: gone from the list and from retrieve and activity (404, PostHog's queryset leaves deleted
        // insights out of everything but the un-delete); DELETE is ForbidDestroyModel's bare 405
        as(p.key()).delete(base + id + "/").then().statusCode(405).body(equalTo(""));
        as(p.key()).delete(base + "999999999/").then().statusCode(405);
        as(p.key()).body(Map.of("deleted", true)).patch(base + id + "/").then().statusCode(200).body("deleted", equalTo(true));
        as(p.key()).get(base).then().statusCode(200).body("results", hasSize(0));
        as(p.key()).get(base + id + "/").then().statusCode(404);
        as(p.key()).get(base + id + "/?refresh=force_blocking").then().statusCode(404);
        as(p.key()).get(base + id + "/activity/").then().statusCode(404);
        as(p.key()).get(base + "activity/").then().statusCode(200)
                .body("results.activity", equalTo(List.of("deleted", "updated", "updated", "updated", "updated", "created")));
        // only the un-delete reaches it (PostHog's safely_get_queryset): any other edit, even an empty one, is a 404
        as(p.key()).body(Map.of()).patch(base + id + "/").then().statusCode(404);
        as(p.key()).body(Map.of("name", "Edited while deleted")).patch(base + id + "/").then().statusCode(404);
        as(p.key()).body(Map.of("deleted", true, "name", "y")).patch(base + id + "/").then().statusCode(404);
        as(p.key()).body(Map.of("description", "put while deleted")).put(base + id + "/").then().statusCode(404);
        as(p.key()).body(Map.of("deleted", false)).patch(base + id + "/").then().statusCode(200)
                .body("deleted", equalTo(false));
        as(p.key()).get(base + id + "/").then().statusCode(200).body("deleted", equalTo(false));
    }

    @Test
    void trendingRanksByViewers() {
        Project p = TestProjects.create("Insights trending");
        String base = "/api/projects/" + p.id() + "/insights/";
        int first = as(p.key()).body(Map.of("name", "First", "query", trends())).post(base).then().statusCode(201).extract().path("id");
        int second = as(p.key()).body(Map.of("name", "Second", "query", trends())).post(base).then().statusCode(201).extract().path("id");
        as(p.key()).body(Map.of("name", "Never viewed", "query", trends())).post(base).then().statusCode(201);
        String otherKey = p.keyWith("insight:read");
        as(p.key()).get(base + second + "/").then().statusCode(200);
        as(otherKey).get(base + second + "/").then().statusCode(200);
        as(p.key()).get(base + first + "/").then().statusCode(200);
        // second: viewed by one user (both keys are the owner's) most recently; first viewed later → first ranks first
        as(p.key()).get(base + "trending/").then().statusCode(200)
                .body("results.name", equalTo(List.of("First", "Second")))
                .body("results[0].view_count", equalTo(1))
                .body("results[0].viewers[0].id", equalTo((int) p.ownerUserId()));
        as(p.key()).get(base + "trending/?days=x").then().statusCode(400).body("attr", equalTo("days"));
    }

    /**
     * PostHog's insight serializer takes {@code "query": null} (JSONField allow_null: no query, or the query cleared by
     * PATCH) and validates a non-empty query against its schema before storing it (400 parse_error). A malformed
     * TrendsQuery inside an InsightVizNode (series not a list, an unknown field, a wrong interval) is refused on create
     * and on PATCH, and the stored query is unchanged.
     */
    @Test
    void queryNullIsTakenAndAMalformedQueryIsRefused() {
        Project p = TestProjects.create("Insight queries");
        String base = "/api/projects/" + p.id() + "/insights/";
        Map<String, Object> none = new java.util.HashMap<>();
        none.put("name", "No query yet");
        none.put("query", null);
        int id = as(p.key()).body(none).post(base).then().statusCode(201)
                .body("query", org.hamcrest.Matchers.nullValue()).extract().path("id");
        as(p.key()).body(Map.of("query", trends())).patch(base + id + "/").then().statusCode(200)
                .body("query.source.kind", equalTo("TrendsQuery"));
        List<Map<String, Object>> malformed = List.of(
                Map.of("kind", "TrendsQuery", "series", "signup"),
                Map.of("kind", "TrendsQuery", "series", List.of(Map.of("kind", "EventsNode", "event", "signup")),
                        "no_such_field", 1),
                Map.of("kind", "TrendsQuery", "series", List.of(Map.of("kind", "EventsNode", "event", "signup")),
                        "interval", 7));
        for (Map<String, Object> source : malformed) {
            Map<String, Object> query = Map.of("kind", "InsightVizNode", "source", source);
            String field = source.containsKey("no_such_field") ? "no_such_field"
                    : source.get("series") instanceof String ? "series" : "interval";
            as(p.key()).body(Map.of("name", "Bad", "query", query)).post(base).then().statusCode(400)
                    .body("code", equalTo("parse_error")).body("attr", equalTo(field));
            as(p.key()).body(Map.of("query", query)).patch(base + id + "/").then().statusCode(400)
                    .body("code", equalTo("parse_error")).body("attr", equalTo(field));
            // the bare query (not wrapped) is checked the same way
            as(p.key()).body(Map.of("name", "Bad", "query", source)).post(base).then().statusCode(400)
                    .body("attr", equalTo(field));
        }
        as(p.key()).get(base + id + "/").then().statusCode(200).body("query.source.series[0].event", equalTo("signup"));
        as(p.key()).get(base + "?search=Bad").then().statusCode(200).body("results", hasSize(0));
        as(p.key()).body(none).patch(base + id + "/").then().statusCode(200).body("query", org.hamcrest.Matchers.nullValue());
        as(p.key()).get(base + id + "/").then().statusCode(200).body("query", org.hamcrest.Matchers.nullValue());
    }

    /**
     * Validation as deep as a run's (breaker finding: {@code math: "nonsense"} was stored and refused only when run;
     * {@code InsightVizNode} with {@code source: null} was stored): PostHog's schema validation refuses an enum value
     * outside its enum and a wrapper without its required {@code source} at save. Each malformed query is refused on
     * create and on PATCH with 400 {@code parse_error} naming the field, POST query refuses it with the same
     * {@code attr} (one validator), and nothing is stored.
     */
    @Test
    void enumFieldsAndAMissingSourceAreRefusedAtSaveAsPostQueryRefusesThem() {
        Project p = TestProjects.create("Insight deep checks");
        String base = "/api/projects/" + p.id() + "/insights/";
        int id = as(p.key()).body(Map.of("name", "Good", "query", trends())).post(base).then().statusCode(201)
                .extract().path("id");
        Map<String, Object> signup = Map.of("kind", "EventsNode", "event", "signup");
        Map<String, Map<String, Object>> malformed = new java.util.LinkedHashMap<>();
        malformed.put("math", Map.of("kind", "TrendsQuery", "series", List.of(Map.of("kind", "EventsNode", "event",
                "signup", "math", "nonsense"))));
        malformed.put("interval", Map.of("kind", "TrendsQuery", "series", List.of(signup), "interval", "fortnight"));
        malformed.put("display", Map.of("kind", "TrendsQuery", "series", List.of(signup),
                "trendsFilter", Map.of("display", "Pie3D")));
        malformed.put("breakdown_type", Map.of("kind", "TrendsQuery", "series", List.of(signup),
                "breakdownFilter", Map.of("breakdown", "$browser", "breakdown_type", "nonsense")));
        malformed.put("funnelOrderType", Map.of("kind", "FunnelsQuery", "series", List.of(signup, signup),
                "funnelsFilter", Map.of("funnelOrderType", "sideways")));
        malformed.put("retentionType", Map.of("kind", "RetentionQuery", "retentionFilter", Map.of("retentionType",
                "retention_sideways", "targetEntity", Map.of("id", "signup", "type", "events"),
                "returningEntity", Map.of("id", "signup", "type", "events"))));
        for (Map.Entry<String, Map<String, Object>> c : malformed.entrySet()) {
            Map<String, Object> query = Map.of("kind", "InsightVizNode", "source", c.getValue());
            as(p.key()).body(Map.of("name", "Bad " + c.getKey(), "query", query)).post(base).then().statusCode(400)
                    .body("code", equalTo("parse_error")).body("attr", equalTo(c.getKey()));
            as(p.key()).body(Map.of("query", query)).patch(base + id + "/").then().statusCode(400)
                    .body("code", equalTo("parse_error")).body("attr", equalTo(c.getKey()));
            as(p.key()).body(Map.of("query", c.getValue())).post("/api/projects/" + p.id() + "/query/").then()
                    .statusCode(400).body("attr", equalTo(c.getKey()));
        }
        Map<String, Object> nullSource = new java.util.HashMap<>();
        nullSource.put("kind", "InsightVizNode");
        nullSource.put("source", null);
        for (Map<String, Object> wrapper : List.<Map<String, Object>>of(nullSource, Map.of("kind", "InsightVizNode"),
                Map.of("kind", "DataTableNode", "source", "events"))) {
            as(p.key()).body(Map.of("name", "Bad source", "query", wrapper)).post(base).then().statusCode(400)
                    .body("code", equalTo("parse_error")).body("attr", equalTo("source"));
            as(p.key()).body(Map.of("query", wrapper)).patch(base + id + "/").then().statusCode(400)
                    .body("code", equalTo("parse_error")).body("attr", equalTo("source"));
            as(p.key()).body(Map.of("query", wrapper)).post("/api/projects/" + p.id() + "/query/").then()
                    .statusCode(400).body("code", equalTo("parse_error")).body("attr", equalTo("source"));
        }
        as(p.key()).get(base + id + "/").then().statusCode(200).body("query.source.series[0].event", equalTo("signup"))
                .body("name", equalTo("Good"));
        as(p.key()).get(base + "?search=Bad").then().statusCode(200).body("results", hasSize(0));
    }

    @Test
    void errorsScopesAndIsolation() {
        Project p = TestProjects.create("Insights errors");
        Project other = TestProjects.create("Insights other");
        String base = "/api/projects/" + p.id() + "/insights/";
        as(p.key()).body(Map.of("name", "x", "query", Map.of("kind", "NoSuchQuery"))).post(base).then().statusCode(400)
                .body("attr", equalTo("query"));
        as(p.key()).body(Map.of("name", 5)).post(base).then().statusCode(400).body("attr", equalTo("name"));
        as(p.key()).body(Map.of("saved", "maybe")).post(base).then().statusCode(400).body("attr", equalTo("saved"));
        // dashboards: Quarry keeps none, so an id is DRF's "does not exist" (the CLI's insight-create sends them), and
        // nothing is stored; an empty list is accepted
        long before = as(p.key()).get(base).then().extract().jsonPath().getLong("count");
        as(p.key()).body(Map.of("name", "On a dashboard", "query", trends(), "dashboards", List.of(1))).post(base).then()
                .statusCode(400).body("attr", equalTo("dashboards")).body("code", equalTo("does_not_exist"))
                .body("detail", equalTo("Invalid pk \"1\" - object does not exist."));
        as(p.key()).body(Map.of("name", "x", "dashboards", List.of("a"))).post(base).then().statusCode(400)
                .body("code", equalTo("incorrect_type"));
        as(p.key()).body(Map.of("name", "x", "dashboards", "1")).post(base).then().statusCode(400)
                .body("attr", equalTo("dashboards"));
        org.junit.jupiter.api.Assertions.assertEquals(before,
                as(p.key()).get(base).then().extract().jsonPath().getLong("count"));
        Project third = TestProjects.create("Insights without dashboards");
        as(third.key()).body(Map.of("name", "No dashboards", "query", trends(), "dashboards", List.of()))
                .post("/api/projects/" + third.id() + "/insights/").then()
                .statusCode(201).body("dashboards", equalTo(List.of()));
        as(p.key()).get(base + "999999/").then().statusCode(404);
        as(p.key()).get(base + "abc/").then().statusCode(404);
        as(p.key()).body(Map.of("name", "y")).patch(base + "999999/").then().statusCode(404);
        as(p.keyWith("query:read")).get(base).then().statusCode(403).body("detail", containsString("insight:read"));
        as(p.keyWith("insight:read")).body(Map.of("name", "x", "query", trends())).post(base).then().statusCode(403)
                .body("detail", containsString("insight:write"));
        as(p.keyWith("insight:read")).get(base + "activity/").then().statusCode(403)
                .body("detail", containsString("activity_log:read"));
        given().get(base).then().statusCode(401);

        int theirs = as(other.key()).body(Map.of("name", "Their secret", "query", trends()))
                .post("/api/projects/" + other.id() + "/insights/").then().statusCode(201).extract().path("id");
        as(p.key()).get(base + theirs + "/").then().statusCode(404);
        as(p.key()).body(Map.of("deleted", true)).patch(base + theirs + "/").then().statusCode(404);
        as(p.key()).get(base + theirs + "/activity/").then().statusCode(404);
        as(p.key()).body(Map.of("name", "mine now")).put(base + theirs + "/").then().statusCode(404);
        as(p.key()).delete(base + theirs + "/").then().statusCode(405); // ForbidDestroyModel: no lookup, nothing touched
        as(p.key()).get("/api/projects/" + other.id() + "/insights/").then().statusCode(403);
        as(p.key()).get(base + "activity/").then().statusCode(200).body("results", hasSize(0));
        as(other.key()).get("/api/projects/" + other.id() + "/insights/" + theirs + "/").then().statusCode(200)
                .body("deleted", equalTo(false)).body("name", equalTo("Their secret"));
    }
}

package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HogQLQuery, HogQLMetadata, EventsQuery, RetentionQuery, ActorsQuery and its InsightActorsQuery source are parsed
 * into their records as PostHog's models do ({@code extra="forbid"}): a field the node does not have is a 400
 * naming it in {@code attr}, at the top level and inside nested nodes (filters, dateRange, retentionFilter, the
 * actors source), while every field PostHog's clients send at its default keeps working. Also: HogQLQuery's
 * {@code filters.filterTestAccounts} applies the project's test-account filters where {@code {filters}} stands.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class StrictQueryNodesTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("StrictQueryNodes");
        Capture.to(team)
                .event("view", "ext", "2026-01-05T12:00:00Z")
                .event("view", "staff", "2026-01-05T13:00:00Z", Map.of("$set", Map.of("email", "ops@internal.test")))
                .event("view", "ext", "2026-01-06T12:00:00Z")
                .send();
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("test_account_filters", List.of(Map.of("key", "email", "value", "@internal.test",
                        "operator", "not_icontains", "type", "person"))))
                .patch("/api/projects/" + team.id() + "/").then().statusCode(200);
    }

    private static ValidatableResponse post(Map<String, Object> query) {
        return given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", query, "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/").then();
    }

    private static void refused(Map<String, Object> query, String attr) {
        post(query).statusCode(400).body("type", equalTo("validation_error")).body("attr", equalTo(attr));
    }

    private static Map<String, Object> with(Map<String, Object> base, String field, Object value) {
        Map<String, Object> q = new HashMap<>(base);
        q.put(field, value);
        return q;
    }

    private static final Map<String, Object> HOGQL = Map.of("kind", "HogQLQuery",
            "query", "SELECT count() FROM events WHERE {filters}");

    @Test
    void hogQLQuery() {
        refused(with(HOGQL, "querry", "SELECT 1"), "querry");
        refused(with(HOGQL, "filters", Map.of("dateRange", Map.of("date_form", "-7d"))), "date_form");
        refused(with(HOGQL, "filters", Map.of("propertiez", List.of())), "propertiez");
        refused(with(HOGQL, "variables", Map.of("v1", Map.of("code_name", "x", "valu", 1))), "valu");
        refused(with(HOGQL, "explain", true), "explain");
        // what PostHog's clients send at its defaults
        Map<String, Object> full = new HashMap<>(HOGQL);
        full.put("values", Map.of());
        full.put("variables", Map.of());
        full.put("explain", null);
        full.put("name", "a query");
        full.put("tags", Map.of());
        full.put("modifiers", Map.of());
        full.put("filters", Map.of("properties", List.of(), "dateRange",
                Map.of("date_from", "2026-01-01", "date_to", "2026-01-31")));
        post(full).statusCode(200).body("results[0][0]", equalTo(3));
    }

    @Test
    void hogQLFiltersApplyTestAccountFilters() {
        Map<String, Object> range = Map.of("date_from", "2026-01-01", "date_to", "2026-01-31");
        post(with(HOGQL, "filters", Map.of("dateRange", range, "filterTestAccounts", false))).statusCode(200)
                .body("results[0][0]", equalTo(3));
        // staff's event is filtered out by the project's "not @internal.test" person filter
        post(with(HOGQL, "filters", Map.of("dateRange", range, "filterTestAccounts", true))).statusCode(200)
                .body("results[0][0]", equalTo(2));
    }

    @Test
    void hogQLMetadata() {
        Map<String, Object> metadata = Map.of("kind", "HogQLMetadata", "query", "SELECT 1", "language", "hogQL");
        post(metadata).statusCode(200).body("isValid", equalTo(true));
        refused(with(metadata, "lang", "hogQL"), "lang");
    }

    @Test
    void eventsQuery() {
        Map<String, Object> events = Map.of("kind", "EventsQuery", "select", List.of("event", "count()"),
                "after", "2026-01-01", "before", "2026-01-31");
        post(events).statusCode(200).body("results[0][1]", equalTo(3));
        refused(with(events, "wheres", List.of("1 = 1")), "wheres");
        refused(with(events, "events", List.of("view")), "events");
        refused(with(events, "limit", "many"), "limit");
        post(with(with(events, "events", List.of()), "modifiers", Map.of())).statusCode(200);
    }

    private static final Map<String, Object> RETENTION = Map.of("kind", "RetentionQuery",
            "dateRange", Map.of("date_from", "2026-01-05", "date_to", "2026-01-07"),
            "retentionFilter", Map.of("period", "Day", "totalIntervals", 3,
                    "targetEntity", Map.of("id", "view", "type", "events"),
                    "returningEntity", Map.of("id", "view", "type", "events")));

    @Test
    void retentionQuery() {
        post(RETENTION).statusCode(200).body("results[0].values[0].count", equalTo(2))
                .body("results[0].values[1].count", equalTo(1));
        refused(with(RETENTION, "retentionFilterr", Map.of()), "retentionFilterr");
        refused(with(RETENTION, "dateRange", Map.of("date_from", "2026-01-05", "dateTo", "x")), "dateTo");
        refused(with(RETENTION, "retentionFilter", Map.of("period", "Day", "totalInterval", 3)), "totalInterval");
        refused(with(RETENTION, "retentionFilter", Map.of("targetEntity", Map.of("id", "view", "typ", "events"))),
                "typ");
        refused(with(RETENTION, "retentionFilter", Map.of("aggregationType", "total")), "aggregationType");
        post(with(RETENTION, "retentionFilter", Map.of("period", "Day", "totalIntervals", 3,
                "aggregationType", "count", "retentionReference", "total", "meanRetentionCalculation", "simple")))
                .statusCode(200);
        // PostHog's CLI fills in its schema's defaults, aggregationPropertyType "event" among them
        post(with(RETENTION, "retentionFilter", Map.of("period", "Week", "totalIntervals", 3,
                "aggregationType", "count", "aggregationPropertyType", "event"))).statusCode(200);
        // sums and averages are answered (RetentionAggregationTest); a property that is not a string is refused
        refused(with(RETENTION, "retentionFilter", Map.of("aggregationProperty", 5,
                "aggregationPropertyType", "event")), "aggregationProperty");
    }

    private static Map<String, Object> actors(Map<String, Object> source) {
        return Map.of("kind", "ActorsQuery", "select", List.of("person", "appearances"), "source", source);
    }

    @Test
    void actorsQueryAndItsSource() {
        Map<String, Object> cell = Map.of("kind", "InsightActorsQuery", "source", RETENTION, "interval", 0);
        post(actors(cell)).statusCode(200).body("results.size()", equalTo(2));
        refused(with(actors(cell), "selects", List.of("person")), "selects");
        refused(actors(with(cell, "intervall", 0)), "intervall");
        refused(actors(with(cell, "source", with(RETENTION, "bogus", 1))), "bogus");
        refused(actors(Map.of("kind", "NoSuchActorsQuery")), "source");
        post(actors(with(with(cell, "includeRecordings", false), "modifiers", Map.of()))).statusCode(200);
    }
}

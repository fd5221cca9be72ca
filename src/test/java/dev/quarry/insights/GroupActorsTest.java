package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.query;
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
import io.restassured.path.json.JsonPath;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The actors of insights that follow groups (PostHog's GroupStrategy): a trends or stickiness series counting groups
 * ({@code unique_group}), and lifecycle, retention and funnels aggregated by groups, list the groups of the cell — the
 * stored groups of that type, so a key no {@code $groupidentify} stored (gamma) is counted but not listed, as PostHog's
 * {@code INNER JOIN groups} leaves it out. Data (company = type 0, event x): acme is identified at 08:00 on 2026-01-05
 * ({@code name} Acme), beta at 07:00 (Beta); u1 (acme) on 01-05 and u2 (acme) on 01-06, u3 (beta) and u5 (gamma) on
 * 01-05, u4 in no company every day. Funnel signup → purchase on 01-05: acme's u1 signs up, its u2 buys; beta's u3
 * signs up. The other project identifies its own acme (Other Acme) and sends x for it.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class GroupActorsTest {
    private static Project team;
    private static Project other;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Group actors");
        other = TestProjects.create("Group actors, other");
        Map<String, Object> acme = Map.of("$groups", Map.of("company", "acme"));
        Map<String, Object> beta = Map.of("$groups", Map.of("company", "beta"));
        Capture.to(team)
                .event("$groupidentify", "u1", "2026-01-05T08:00:00Z", Map.of("$group_type", "company",
                        "$group_key", "acme", "$group_set", Map.of("name", "Acme", "seats", 12)))
                .event("$groupidentify", "u3", "2026-01-05T07:00:00Z", Map.of("$group_type", "company",
                        "$group_key", "beta", "$group_set", Map.of("name", "Beta")))
                .event("x", "u1", "2026-01-05T09:00:00Z", acme)
                .event("x", "u2", "2026-01-06T09:00:00Z", acme)
                .event("x", "u3", "2026-01-05T10:00:00Z", beta)
                .event("x", "u5", "2026-01-05T12:00:00Z", Map.of("$groups", Map.of("company", "gamma")))
                .event("x", "u4", "2026-01-05T11:00:00Z", Map.of())
                .event("x", "u4", "2026-01-06T11:00:00Z", Map.of())
                .event("x", "u4", "2026-01-07T11:00:00Z", Map.of())
                .event("signup", "u1", "2026-01-05T09:30:00Z", acme)
                .event("purchase", "u2", "2026-01-05T10:30:00Z", acme)
                .event("signup", "u3", "2026-01-05T09:30:00Z", beta)
                .send();
        Capture.to(other)
                .event("$groupidentify", "v1", "2026-01-04T08:00:00Z", Map.of("$group_type", "company",
                        "$group_key", "acme", "$group_set", Map.of("name", "Other Acme")))
                .event("x", "v1", "2026-01-05T09:00:00Z", acme)
                .send();
    }

    private static Map<String, Object> uniqueCompanies() {
        return Map.of("kind", "EventsNode", "event", "x", "math", "unique_group", "math_group_type_index", 0);
    }

    private static Map<String, Object> insight(String kind, Map<String, Object> fields) {
        Map<String, Object> q = new HashMap<>(fields);
        q.put("kind", kind);
        q.putIfAbsent("dateRange", Map.of("date_from", "2026-01-05", "date_to", "2026-01-07"));
        q.putIfAbsent("interval", "day");
        return q;
    }

    private static Map<String, Object> actors(Map<String, Object> source, List<String> select) {
        Map<String, Object> q = new HashMap<>();
        q.put("kind", "ActorsQuery");
        q.put("source", source);
        if (select != null) {
            q.put("select", select);
        }
        return q;
    }

    private static Map<String, Object> cell(Map<String, Object> insight, Map<String, Object> fields) {
        Map<String, Object> c = new HashMap<>(fields);
        c.put("kind", "InsightActorsQuery");
        c.put("source", insight);
        return c;
    }

    private static List<String> keys(JsonPath body) {
        return body.getList("results.collect { it[0].group_key }");
    }

    @Test
    void trendsCellListsItsIdentifiedGroups() {
        Map<String, Object> trends = insight("TrendsQuery", Map.of("series", List.of(uniqueCompanies())));
        // three companies on 01-05; gamma has no stored group, so the list has two, newest first
        assertEquals(3, query(team, trends).getList("results[0].data", Integer.class).get(0));
        JsonPath body = query(team, actors(cell(trends, Map.of("day", "2026-01-05", "series", 0)),
                List.of("actor", "event_count")));
        assertEquals(List.of("actor", "event_count"), body.getList("columns"));
        assertEquals(List.of("acme", "beta"), keys(body));
        Map<String, Object> acme = body.getMap("results[0][0]");
        assertEquals(List.of("id", "type", "properties", "group_key", "group_type_index", "created_at",
                "group_properties"), List.copyOf(acme.keySet()));
        assertEquals("acme", acme.get("id"));
        assertEquals("group", acme.get("type"));
        assertEquals(0, acme.get("group_type_index"));
        assertEquals("2026-01-05T08:00:00Z", acme.get("created_at"));
        assertEquals(Map.of("name", "Acme", "seats", 12), acme.get("properties"));
        assertEquals(acme.get("properties"), acme.get("group_properties"));
        assertEquals(1, body.getInt("results[0][1]"));
        assertEquals(0, body.getInt("missing_actors_count"));
        // the default select is PostHog's GroupStrategy's: the group alone
        assertEquals(List.of("group"), query(team, actors(cell(trends, Map.of("day", "2026-01-05", "series", 0)),
                null)).getList("columns"));
        // id, properties and a property of the group; search over name and key; order by name descending
        JsonPath some = query(team, Map.of("kind", "ActorsQuery", "source",
                cell(trends, Map.of("day", "2026-01-05", "series", 0)),
                "select", List.of("id", "properties.name", "created_at"), "orderBy", List.of("group DESC")));
        assertEquals(List.of(List.of("beta", "Beta", "2026-01-05T07:00:00Z"),
                List.of("acme", "Acme", "2026-01-05T08:00:00Z")), some.getList("results"));
        assertEquals(List.of(List.of("beta")), query(team, Map.of("kind", "ActorsQuery", "source",
                cell(trends, Map.of("day", "2026-01-05", "series", 0)), "select", List.of("id"), "search", "BET"))
                .getList("results"));
        assertEquals(List.of(List.of("acme")), query(team, Map.of("kind", "ActorsQuery", "source",
                cell(trends, Map.of("day", "2026-01-05", "series", 0)), "select", List.of("id"), "search", "acm"))
                .getList("results"));
        // the other project's acme is its own group, with its own properties
        JsonPath theirs = query(other, actors(cell(trends, Map.of("day", "2026-01-05", "series", 0)),
                List.of("actor")));
        assertEquals(List.of("acme"), keys(theirs));
        assertEquals("Other Acme", theirs.getString("results[0][0].properties.name"));
    }

    /**
     * The statements joining a cell's groups to the stored ones run as {@code <kind>/groups}, whose planner settings
     * forbid nested loops: with a project newer than the last ANALYZE, PostgreSQL estimated one group on each side
     * and probed every group of the type once per group of the cell (20,000 groups: 27 s; as a hash join 0.2 s).
     */
    @Test
    void groupJoinsRunWithoutNestedLoops() {
        Map<String, Object> trends = insight("TrendsQuery", Map.of("series", List.of(uniqueCompanies())));
        query(team, actors(cell(trends, Map.of("day", "2026-01-05", "series", 0)), List.of("actor")));
        query(team, insight("LifecycleQuery", Map.of("series", List.of(Map.of("kind", "EventsNode", "event", "x")),
                "aggregation_group_type_index", 0)));
        JsonPath log = query(team, Map.of("kind", "HogQLQuery", "query",
                "select distinct kind from query_log where kind like '%/groups' order by kind"));
        // (QueryRoundTripsTest: statements of these kinds run with enable_nestloop off)
        assertEquals(List.of(List.of("ActorsQuery/groups"), List.of("LifecycleQuery/groups")), log.getList("results"));
    }

    @Test
    void personColumnsAndFiltersAreRefusedForGroups() {
        Map<String, Object> trends = insight("TrendsQuery", Map.of("series", List.of(uniqueCompanies())));
        for (String column : List.of("person", "distinct_ids", "is_identified", "person_display_name -- Person")) {
            given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                    .body(Map.of("query", actors(cell(trends, Map.of("day", "2026-01-05", "series", 0)),
                            List.of(column)), "refresh", "force_blocking"))
                    .post("/api/environments/" + team.id() + "/query/").then().statusCode(400)
                    .body("attr", equalTo("select")).body("detail", containsString("groups"));
        }
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "ActorsQuery", "source",
                        cell(trends, Map.of("day", "2026-01-05", "series", 0)), "select", List.of("actor"),
                        "properties", List.of(Map.of("type", "person", "key", "email", "value", "a@b.c",
                                "operator", "exact"))), "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(400)
                .body("attr", equalTo("properties"));
    }

    @Test
    void stickinessLifecycleAndRetentionCellsListGroups() {
        Map<String, Object> stickiness = insight("StickinessQuery", Map.of("series", List.of(uniqueCompanies())));
        // beta (and gamma) on one day, acme on two
        assertEquals(List.of("beta"), keys(query(team, actors(cell(stickiness, Map.of("day", 1, "series", 0)),
                List.of("actor")))));
        assertEquals(List.of("acme"), keys(query(team, actors(cell(stickiness, Map.of("day", 2, "series", 0)),
                List.of("actor")))));

        Map<String, Object> lifecycle = insight("LifecycleQuery", Map.of("series",
                List.of(Map.of("kind", "EventsNode", "event", "x")), "aggregation_group_type_index", 0));
        // both identified companies are new on 01-05 (created that day); gamma, with no row, is resurrecting
        assertEquals(List.of("acme", "beta"), keys(query(team, actors(cell(lifecycle,
                Map.of("day", "2026-01-05", "status", "new")), List.of("actor")))));
        assertEquals(List.of("acme"), keys(query(team, actors(cell(lifecycle,
                Map.of("day", "2026-01-06", "status", "returning")), List.of("actor")))));
        assertEquals(List.of("beta"), keys(query(team, actors(cell(lifecycle,
                Map.of("day", "2026-01-06", "status", "dormant")), List.of("actor")))));

        Map<String, Object> retention = Map.of("kind", "RetentionQuery", "dateRange", Map.of("date_to", "2026-01-07"),
                "retentionFilter", Map.of("period", "Day", "totalIntervals", 3,
                        "targetEntity", Map.of("id", "x", "type", "events"),
                        "returningEntity", Map.of("id", "x", "type", "events")),
                "aggregation_group_type_index", 0);
        JsonPath cohort = query(team, actors(cell(retention, Map.of("interval", 0)),
                List.of("actor", "appearances")));
        assertEquals(List.of("acme", "beta"), keys(cohort));
        assertEquals(List.of(List.of(0, 1), List.of(0)), cohort.getList("results.collect { it[1] }"));
    }

    @Test
    void funnelStepsListGroups() {
        Map<String, Object> funnel = insight("FunnelsQuery", Map.of("series", List.of(
                Map.of("kind", "EventsNode", "event", "signup"), Map.of("kind", "EventsNode", "event", "purchase")),
                "aggregation_group_type_index", 0, "funnelsFilter", Map.of()));
        Map<String, Object> converted = Map.of("kind", "FunnelsActorsQuery", "source", funnel, "funnelStep", 2);
        assertEquals(List.of("acme"), keys(query(team, actors(converted, List.of("actor")))));
        Map<String, Object> dropped = Map.of("kind", "FunnelsActorsQuery", "source", funnel, "funnelStep", -2);
        assertEquals(List.of("beta"), keys(query(team, actors(dropped, List.of("actor")))));
        // the actors node as its own kind: the groups' keys
        JsonPath own = query(team, Map.of("kind", "FunnelsActorsQuery", "source", funnel, "funnelStep", 1));
        assertEquals(List.of(List.of("acme"), List.of("beta")), own.getList("results"));
        assertEquals(List.of("String"), own.getList("types"));
    }

    @Test
    void legacyListsAnswerSerializedGroups() {
        JsonPath funnel = given().header("Authorization", "Bearer " + team.key())
                .queryParam("events", "[{\"id\":\"signup\",\"type\":\"events\",\"order\":0},"
                        + "{\"id\":\"purchase\",\"type\":\"events\",\"order\":1}]")
                .queryParam("date_from", "2026-01-05").queryParam("date_to", "2026-01-07")
                .queryParam("funnel_step", 1).queryParam("aggregation_group_type_index", 0)
                .get("/api/projects/" + team.id() + "/persons/funnel/")
                .then().log().ifValidationFails().statusCode(200).extract().jsonPath();
        assertEquals(List.of("acme", "beta"), funnel.getList("results[0].people.group_key"));
        assertEquals(2, funnel.getInt("results[0].count"));
        Map<String, Object> acme = funnel.getMap("results[0].people[0]");
        assertEquals(List.of("id", "type", "group_type_index", "group_key", "created_at", "matched_recordings",
                "properties", "value_at_data_point"), List.copyOf(acme.keySet()));
        assertEquals(Map.of("name", "Acme", "seats", 12), acme.get("properties"));

        JsonPath lifecycle = given().header("Authorization", "Bearer " + team.key())
                .queryParam("events", "[{\"id\":\"x\",\"type\":\"events\",\"order\":0}]")
                .queryParam("date_from", "2026-01-05").queryParam("date_to", "2026-01-07")
                .queryParam("interval", "day").queryParam("target_date", "2026-01-06")
                .queryParam("lifecycle_type", "returning").queryParam("aggregation_group_type_index", 0)
                .get("/api/environments/" + team.id() + "/persons/lifecycle/")
                .then().log().ifValidationFails().statusCode(200).extract().jsonPath();
        assertEquals(List.of("acme"), lifecycle.getList("results[0].people.id"));
        assertEquals("group", lifecycle.getString("results[0].people[0].type"));
        // as CSV, the group's columns
        String csv = given().header("Authorization", "Bearer " + team.key())
                .queryParam("events", "[{\"id\":\"x\",\"type\":\"events\",\"order\":0}]")
                .queryParam("date_from", "2026-01-05").queryParam("date_to", "2026-01-07")
                .queryParam("interval", "day").queryParam("target_date", "2026-01-06")
                .queryParam("lifecycle_type", "returning").queryParam("aggregation_group_type_index", 0)
                .queryParam("format", "csv")
                .get("/api/environments/" + team.id() + "/persons/lifecycle/")
                .then().statusCode(200).extract().asString();
        assertEquals(true, csv.contains("people.0.group_key"), csv);
        assertEquals(true, csv.contains("acme"), csv);
    }
}

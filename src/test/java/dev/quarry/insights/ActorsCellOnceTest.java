package dev.quarry.insights;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An ActorsQuery over an insight cell evaluates the cell once per request (issue 18): the page is the cell's
 * persons LEFT JOIN persons, and {@code missing_actors_count} is PostHog's count of the page's rows whose person is
 * not found (ActorsQueryRunner.calculate: page rows minus actors found), here persons deleted after their events.
 * Deleted persons sort after every existing one, so the existing persons' pages are those they had without them.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ActorsCellOnceTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Actors cell once");
        Capture capture = Capture.to(team);
        List<String> who = List.of("ann-once", "bob-once", "cy-once");
        for (int i = 0; i < who.size(); i++) { // created in this order: listed newest first
            capture.event("signed up", who.get(i), "2020-01-02T10:0" + i + ":00Z", Map.of("$set",
                    Map.of("email", who.get(i) + "@x.test"))).event("paid", who.get(i), "2020-01-02T11:00:00Z");
        }
        capture.send();
        String bob = post(actors(trendsCell(), 100, 0, "bob-once", null)).getString("results[0][1]");
        given().header("Authorization", "Bearer " + team.key())
                .delete("/api/projects/" + team.id() + "/persons/" + bob + "/").then().statusCode(202);
    }

    private static Map<String, Object> trendsCell() {
        return Map.of("kind", "InsightActorsQuery", "day", "2020-01-02", "source", Map.of("kind", "TrendsQuery",
                "series", List.of(Map.of("kind", "EventsNode", "event", "signed up")),
                "dateRange", Map.of("date_from", "2020-01-01", "date_to", "2020-01-05")));
    }

    private static Map<String, Object> funnelCell() {
        return Map.of("kind", "FunnelsActorsQuery", "funnelStep", 2, "source", Map.of("kind", "FunnelsQuery",
                "series", List.of(Map.of("kind", "EventsNode", "event", "signed up"),
                        Map.of("kind", "EventsNode", "event", "paid")),
                "dateRange", Map.of("date_from", "2020-01-01", "date_to", "2020-01-05")));
    }

    private static Map<String, Object> actors(Map<String, Object> source, int limit, int offset, String search,
                                              String clientQueryId) {
        Map<String, Object> q = new HashMap<>();
        q.put("kind", "ActorsQuery");
        q.put("select", List.of("person", "id"));
        q.put("orderBy", List.of("created_at DESC"));
        q.put("limit", limit);
        q.put("offset", offset);
        q.put("source", source);
        if (search != null) {
            q.put("search", search);
        }
        Map<String, Object> body = new HashMap<>();
        body.put("query", q);
        body.put("refresh", "force_blocking");
        if (clientQueryId != null) {
            body.put("client_query_id", clientQueryId);
        }
        return body;
    }

    private static JsonPath post(Map<String, Object> body) {
        return given().header("Authorization", "Bearer " + team.key()).contentType("application/json").body(body)
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(200).extract().jsonPath();
    }

    private static List<String> emails(JsonPath page) {
        List<String> out = new ArrayList<>();
        page.getList("results", List.class).forEach(row ->
                out.add(String.valueOf(((Map<?, ?>) ((Map<?, ?>) row.get(0)).get("properties")).get("email"))));
        return out;
    }

    /** The HogQL of every statement logged under {@code clientQueryId} (the log's {@code hogql}; {@code query} is the SQL). */
    private static List<String> statements(String clientQueryId) {
        JsonPath log = given().header("Authorization", "Bearer " + team.key())
                .get("/api/environments/" + team.id() + "/query/" + clientQueryId + "/log/")
                .then().statusCode(200).extract().jsonPath();
        int query = log.getList("columns", String.class).indexOf("hogql");
        List<String> out = new ArrayList<>();
        log.getList("results", List.class).forEach(row -> out.add(String.valueOf(row.get(query))));
        return out;
    }

    private static void assertOneEvaluation(Map<String, Object> cell, String clientQueryId) {
        post(actors(cell, 100, 0, null, clientQueryId));
        List<String> sql = statements(clientQueryId);
        // the page (cell LEFT JOIN persons) reads the events; no second statement over the cell (the log holds HogQL)
        assertEquals(1, sql.stream().filter(s -> s.contains("FROM events ")).count(),
                "statements reading the events: " + sql);
    }

    @Test
    void aTrendsCellIsEvaluatedOnce() {
        assertOneEvaluation(trendsCell(), "actors-once-trends");
    }

    @Test
    void aFunnelCellIsEvaluatedOnce() {
        assertOneEvaluation(funnelCell(), "actors-once-funnel");
    }

    @Test
    void aTrendsCellCountsItsDeletedPersonOnThePageItFallsOn() {
        missingCountedPerPage(trendsCell());
    }

    @Test
    void aFunnelCellCountsItsDeletedPersonOnThePageItFallsOn() {
        missingCountedPerPage(funnelCell());
    }

    private static void missingCountedPerPage(Map<String, Object> cell) {
        JsonPath all = post(actors(cell, 100, 0, null, null));
        assertEquals(List.of("cy-once@x.test", "ann-once@x.test"), emails(all));
        assertEquals(1, all.getInt("missing_actors_count"));
        assertEquals(false, all.getBoolean("hasMore"));
        // pages of two: both existing persons first, then the deleted one alone on the second page
        JsonPath first = post(actors(cell, 2, 0, null, null));
        assertEquals(List.of("cy-once@x.test", "ann-once@x.test"), emails(first));
        assertEquals(0, first.getInt("missing_actors_count"));
        assertEquals(true, first.getBoolean("hasMore"));
        JsonPath second = post(actors(cell, 2, 2, null, null));
        assertEquals(List.of(), emails(second));
        assertEquals(1, second.getInt("missing_actors_count"));
        assertEquals(false, second.getBoolean("hasMore"));
        // a search matches persons by their properties and distinct ids: a deleted person has neither
        JsonPath searched = post(actors(cell, 100, 0, "once", null));
        assertEquals(List.of("cy-once@x.test", "ann-once@x.test"), emails(searched));
        assertEquals(0, searched.getInt("missing_actors_count"));
    }
}

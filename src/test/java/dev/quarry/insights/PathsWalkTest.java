package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.query;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * PathsQuery walks computed in PostgreSQL, on hand-made paths (2020-03-02, UTC; pages under https://s.io):
 * <pre>
 * w1  $pageview /a 10:00, /b 10:01, /c 10:02, /d 10:03, /e 10:04, /f 10:05
 * w2  $pageview /item/1 10:00, /item/2 10:02, /cart 10:05; /item/3 10:35 (exactly 30 min later: a new session)
 * w3  $screen Home 09:00, $screen Profile 09:10, "saved" 09:11, $pageview /a 09:12, $autocapture 09:13
 * w4  "opened app" 12:00, "saved" 12:01, "saved" 12:03, "closed app" 12:04   (each with the event property app=yes)
 * </pre>
 * A second project holds w1 again with /a 10:00 → /z 10:01; the first project never sees it, nor it the first's.
 * Each test's comment works its answer out; edges read "source > target value average-ms".
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PathsWalkTest {
    private static Project team;
    private static Project other;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Paths walks");
        other = TestProjects.create("Paths walks, other project");
        Capture c = Capture.to(team);
        String[] pages = {"a", "b", "c", "d", "e", "f"};
        for (int i = 0; i < pages.length; i++) {
            view(c, "w1", "10:0" + i, "/" + pages[i]);
        }
        view(c, "w2", "10:00", "/item/1");
        view(c, "w2", "10:02", "/item/2");
        view(c, "w2", "10:05", "/cart");
        view(c, "w2", "10:35", "/item/3");
        c.event("$screen", "w3", "2020-03-02T09:00:00Z", Map.of("$screen_name", "Home"));
        c.event("$screen", "w3", "2020-03-02T09:10:00Z", Map.of("$screen_name", "Profile"));
        c.event("saved", "w3", "2020-03-02T09:11:00Z");
        view(c, "w3", "09:12", "/a");
        c.event("$autocapture", "w3", "2020-03-02T09:13:00Z");
        c.event("opened app", "w4", "2020-03-02T12:00:00Z", Map.of("app", "yes"));
        c.event("saved", "w4", "2020-03-02T12:01:00Z", Map.of("app", "yes"));
        c.event("saved", "w4", "2020-03-02T12:03:00Z", Map.of("app", "yes"));
        c.event("closed app", "w4", "2020-03-02T12:04:00Z", Map.of("app", "yes"));
        c.send();
        Capture o = Capture.to(other);
        view(o, "w1", "10:00", "/a");
        view(o, "w1", "10:01", "/z");
        o.send();
    }

    private static void view(Capture c, String who, String time, String page) {
        c.event("$pageview", who, "2020-03-02T" + time + ":00Z", Map.of("$current_url", "https://s.io" + page));
    }

    /** Pageview paths with the site prefix cleaned away, then {@code filter}'s fields. */
    private static Map<String, Object> pageviews(Map<String, Object> filter) {
        Map<String, Object> f = new HashMap<>(Map.of("includeEventTypes", List.of("$pageview"),
                "localPathCleaningFilters", List.of(Map.of("regex", "^https://s\\.io", "alias", ""))));
        f.putAll(filter);
        return paths(f);
    }

    private static Map<String, Object> paths(Map<String, Object> filter) {
        return new HashMap<>(Map.of("kind", "PathsQuery", "pathsFilter", filter,
                "dateRange", Map.of("date_from", "2020-03-01", "date_to", "2020-03-03")));
    }

    private static List<String> edges(Project project, Map<String, Object> node) {
        JsonPath body = query(project, node);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < body.getList("results").size(); i++) {
            out.add(body.getString("results[" + i + "].source") + " > " + body.getString("results[" + i + "].target")
                    + " " + body.getInt("results[" + i + "].value") + " "
                    + Math.round(body.getDouble("results[" + i + "].average_conversion_time")));
        }
        return out;
    }

    /**
     * Start and end: w1 from /b to /f is [/b, /c, /d, /e, /f], 5 items. stepLimit 3 keeps the first and last
     * 3 / 2 = 1 around "...", which takes the time of the item it stands in for (/c, the 2nd): [/b 10:01, ... 10:02,
     * /f 10:05]. With stepLimit 5 the whole walk stays. No other walk holds /b.
     */
    @Test
    void startAndEndPointsCutTheMiddle() {
        assertEquals(List.of("1_/b > 2_... 1 60000", "2_... > 3_/f 1 180000"),
                edges(team, pageviews(Map.of("startPoint", "/b", "endPoint", "/f", "stepLimit", 3))));
        assertEquals(List.of("1_/b > 2_/c 1 60000", "2_/c > 3_/d 1 60000", "3_/d > 4_/e 1 60000",
                "4_/e > 5_/f 1 60000"), edges(team, pageviews(Map.of("startPoint", "/b", "endPoint", "/f"))));
    }

    /**
     * An end point alone (its trailing slash dropped, as PostHog does): w1 up to /d is [/a, /b, /c, /d]; stepLimit 2
     * keeps the last two. A start point alone: w1 from /e is [/e, /f]; w3's /a walk has no /e.
     */
    @Test
    void endPointKeepsTheLastSteps() {
        assertEquals(List.of("1_/c > 2_/d 1 60000"), edges(team, pageviews(Map.of("endPoint", "/d/", "stepLimit", 2))));
        assertEquals(List.of("1_/e > 2_/f 1 60000"), edges(team, pageviews(Map.of("startPoint", "/e"))));
    }

    /**
     * Cleaning: /item/N becomes /item/:id. w2's first session [/item/:id 10:00, /item/:id 10:02, /cart 10:05] keeps
     * the repeat's last time: one edge of 3 minutes; /item/3 at 10:35 is 30 minutes after /cart, so it opens a
     * session of its own (no edge /cart → /item/:id). w1 [/a … /e] (stepLimit 5), w3 [/a] (no edge). All edges have
     * value 1: by source, then target. edgeLimit 2 keeps the first two.
     */
    @Test
    void cleaningAndSessions() {
        Map<String, Object> cleaning = Map.of("localPathCleaningFilters", List.of(
                Map.of("regex", "^https://s\\.io", "alias", ""), Map.of("regex", "/item/\\d+", "alias", "/item/:id")));
        assertEquals(List.of("1_/a > 2_/b 1 60000", "1_/item/:id > 2_/cart 1 180000", "2_/b > 3_/c 1 60000",
                "3_/c > 4_/d 1 60000", "4_/d > 5_/e 1 60000"), edges(team, pageviews(cleaning)));
        Map<String, Object> limited = new HashMap<>(cleaning);
        limited.put("edgeLimit", 2);
        assertEquals(List.of("1_/a > 2_/b 1 60000", "1_/item/:id > 2_/cart 1 180000"),
                edges(team, pageviews(limited)));
    }

    /**
     * A group reference in the alias (ClickHouse's \1): ^/item/(\d+)$ → "item \1" makes w2's session [item 1 10:00,
     * item 2 10:02, /cart 10:05]; excluding /b, /c, /d and /e leaves w1 [/a, /f] (5 minutes apart).
     */
    @Test
    void aliasGroupsAndExclusions() {
        assertEquals(List.of("1_/a > 2_/f 1 300000", "1_item 1 > 2_item 2 1 120000", "2_item 2 > 3_/cart 1 180000"),
                edges(team, pageviews(Map.of("localPathCleaningFilters", List.of(
                        Map.of("regex", "^https://s\\.io", "alias", ""),
                        Map.of("regex", "^/item/(\\d+)$", "alias", "item \\1")),
                        "excludeEvents", List.of("/b", "/c", "/d", "/e")))));
    }

    /**
     * Screens and custom events ($autocapture and $pageview are neither): w3 [Home 09:00, Profile 09:10, saved
     * 09:11]; w4 [opened app 12:00, saved 12:03 (the repeat's last), closed app 12:04]. Excluding "saved": w3
     * [Home, Profile], w4 [opened app, closed app] (4 minutes).
     */
    @Test
    void screensAndCustomEvents() {
        Map<String, Object> types = Map.of("includeEventTypes", List.of("$screen", "custom_event"));
        assertEquals(List.of("1_Home > 2_Profile 1 600000", "1_opened app > 2_saved 1 180000",
                "2_Profile > 3_saved 1 60000", "2_saved > 3_closed app 1 60000"), edges(team, paths(types)));
        Map<String, Object> excluded = new HashMap<>(types);
        excluded.put("excludeEvents", List.of("saved"));
        assertEquals(List.of("1_Home > 2_Profile 1 600000", "1_opened app > 2_closed app 1 240000"),
                edges(team, paths(excluded)));
    }

    /**
     * The HogQL item (includeEventTypes "hogql"): every event's item is concat('x-', event); the insight's event
     * property filter app = yes keeps w4's events only: [x-opened app, x-saved (12:03), x-closed app].
     */
    @Test
    void hogqlItemsAndInsightFilters() {
        Map<String, Object> node = paths(Map.of("includeEventTypes", List.of("hogql"),
                "pathsHogQLExpression", "concat('x-', event)"));
        node.put("properties", List.of(Map.of("key", "app", "value", "yes", "operator", "exact", "type", "event")));
        assertEquals(List.of("1_x-opened app > 2_x-saved 1 180000", "2_x-saved > 3_x-closed app 1 60000"),
                edges(team, node));
    }

    /**
     * Two projects: the other project's w1 walked /a → /z; this project's answers never hold /z, the other's hold
     * only it, and the SQL run carries the project wall on the one table it reads.
     */
    @Test
    void projectsAreWalledOff() {
        List<String> mine = edges(team, pageviews(Map.of()));
        assertTrue(mine.stream().noneMatch(e -> e.contains("/z")), mine.toString());
        assertEquals(List.of("1_/a > 2_/z 1 60000"), edges(other, pageviews(Map.of())));
        String sql = query(team, pageviews(Map.of())).getString("postgres");
        assertTrue(sql.contains("team_id"), sql);
    }

    private static List<String> actors(Map<String, Object> insight) {
        JsonPath body = query(team, Map.of("kind", "ActorsQuery", "select", List.of("actor", "event_count"),
                "orderBy", List.of("event_count DESC", "actor_id DESC"),
                "source", Map.of("kind", "InsightActorsQuery", "source", insight)));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < body.getList("results").size(); i++) {
            out.add(body.getString("results[" + i + "][0].distinct_ids[0]") + " " + body.getInt("results[" + i + "][1]"));
        }
        return out;
    }

    /**
     * Paths actors: walks /b … /f cut at stepLimit 3 end with 3_/f (w1's dropoff); w1 alone takes 1_/b → 2_...
     * Without keys every step counts: w1 has 5 steps ([/a … /e]), w2 4 ([/item/1, /item/2, /cart] and [/item/3]:
     * two sessions), w3 1 ([/a]).
     * With pathEndKey 2_/b alone: the steps 2_/b, w1's.
     */
    @Test
    void pathsActors() {
        Map<String, Object> cut = Map.of("startPoint", "/b", "endPoint", "/f", "stepLimit", 3);
        Map<String, Object> dropoff = new HashMap<>(cut);
        dropoff.put("pathDropoffKey", "3_/f");
        assertEquals(List.of("w1 1"), actors(pageviews(dropoff)));
        Map<String, Object> edge = new HashMap<>(cut);
        edge.put("pathStartKey", "1_/b");
        edge.put("pathEndKey", "2_...");
        assertEquals(List.of("w1 1"), actors(pageviews(edge)));
        assertEquals(List.of("w1 5", "w2 4", "w3 1"), actors(pageviews(Map.of())));
        assertEquals(List.of("w1 1"), actors(pageviews(Map.of("pathEndKey", "2_/b"))));
    }

    /** Fields Quarry does not compute and unknown fields are 400s naming them; so is a cell field paths lack. */
    @Test
    void unsupportedInputsNameTheirField() {
        Map<String, Object> sampled = pageviews(Map.of());
        sampled.put("samplingFactor", 0.1);
        reject(sampled, "samplingFactor");
        reject(pageviews(Map.of("whatever", 1)), "whatever");
        reject(pageviews(Map.of("localPathCleaningFilters", List.of(Map.of("regex", "(", "alias", "")))),
                "localPathCleaningFilters");
        // RE2 (ClickHouse's syntax) takes named groups, PostgreSQL's refuses them: translated to a plain group, never
        // a 500; a construct with no PostgreSQL form is a 400 naming the field
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", pageviews(Map.of("localPathCleaningFilters",
                        List.of(Map.of("regex", "(?<n>a)", "alias", "")))), "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(200);
        reject(pageviews(Map.of("localPathCleaningFilters", List.of(Map.of("regex", "\\p{Greek}", "alias", "")))),
                "localPathCleaningFilters");
        reject(Map.of("kind", "ActorsQuery", "select", List.of("actor"), "source", Map.of("kind",
                "InsightActorsQuery", "day", "2020-03-02", "source", pageviews(Map.of()))), "day");
    }

    private static void reject(Map<String, Object> node, String attr) {
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", node, "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(400)
                .body("attr", equalTo(attr));
    }
}

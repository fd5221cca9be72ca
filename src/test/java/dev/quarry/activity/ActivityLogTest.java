package dev.quarry.activity;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A project's activity log as PostHog's CLI and MCP tools read it ({@code advanced-activity-logs-list} sends its
 * lists as one JSON array each, {@code advanced-activity-logs-filters}): cohorts, actions and insights log their
 * creates, edits and deletes with the fields that changed; the advanced filters (scopes, activities, users, item ids,
 * dates, search, detail paths, system entries), cursor pages both ways and page-number pages, the classic
 * {@code activity_log/} list, the available filters, DRF's 400s and 404s, and another project's entries never shown.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ActivityLogTest {
    private static Project p;
    private static Project other;
    private static String base;
    private static int cohortId;
    private static int staticCohortId;
    private static int actionId;
    private static String userUuid;

    private static RequestSpecification as(String key) {
        // every query string below is written encoded, as a client sends it
        return given().urlEncodingEnabled(false).header("Authorization", "Bearer " + key)
                .contentType("application/json");
    }

    /** Entries every test reads, made once (the app runs only once the first test starts). */
    private static synchronized void changes() {
        if (p != null) {
            return;
        }
        Project project = TestProjects.create("Activity log");
        other = TestProjects.create("Activity log, another project");
        String api = "/api/projects/" + project.id();
        cohortId = as(project.key()).body(Map.of("name", "Paying users", "is_static", true))
                .post(api + "/cohorts/").then().statusCode(201).extract().path("id");
        as(project.key()).body(Map.of("name", "Paying users (renamed)", "description", "who pays"))
                .patch(api + "/cohorts/" + cohortId + "/").then().statusCode(200);
        as(project.key()).body(Map.of("deleted", true)).patch(api + "/cohorts/" + cohortId + "/")
                .then().statusCode(200);
        // a static cohort made with its members in one statement logs its creation in that statement
        staticCohortId = as(project.key()).body(Map.of("name", "Imported", "is_static", true,
                        "_create_static_person_ids", List.of(UUID.randomUUID().toString())))
                .post(api + "/cohorts/").then().statusCode(201).extract().path("id");
        actionId = as(project.key()).body(Map.of("name", "Signed up", "steps", List.of(Map.of("event", "signed up"))))
                .post(api + "/actions/").then().statusCode(201).extract().path("id");
        as(project.key()).body(Map.of("steps", List.of(Map.of("event", "signed up"), Map.of("event", "$pageview"))))
                .patch(api + "/actions/" + actionId + "/").then().statusCode(200);
        // an edit that changes nothing logs nothing
        as(project.key()).body(Map.of("name", "Signed up")).patch(api + "/actions/" + actionId + "/")
                .then().statusCode(200);
        as(project.key()).body(Map.of("name", "Weekly signups", "query", Map.of("kind", "InsightVizNode", "source",
                        Map.of("kind", "TrendsQuery", "series", List.of(Map.of("kind", "EventsNode", "event", "a"))))))
                .post(api + "/insights/").then().statusCode(201);
        // the other project's change, never shown in this one's log
        as(other.key()).body(Map.of("name", "Other project's cohort", "is_static", true))
                .post("/api/projects/" + other.id() + "/cohorts/").then().statusCode(201);
        userUuid = as(project.key()).get("/api/users/@me/").then().statusCode(200).extract().path("uuid");
        base = api + "/advanced_activity_logs/";
        p = project;
    }

    private static JsonPath list(String query) {
        changes();
        return as(p.key()).get(base + query).then().log().ifValidationFails().statusCode(200).extract().jsonPath();
    }

    @Test
    void everyScopeLogsItsChangesNewestFirst() {
        JsonPath all = list("?page_size=100");
        List<String> scopes = all.getList("results.scope");
        List<String> activities = all.getList("results.activity");
        assertEquals(List.of("Insight", "Action", "Action", "Cohort", "Cohort", "Cohort", "Cohort"), scopes);
        assertEquals(List.of("created", "updated", "created", "created", "deleted", "updated", "created"), activities);
        assertNull(all.get("next"));
        assertNull(all.get("previous"));
        Map<String, Object> renamed = all.getMap("results[5]");
        assertEquals(Integer.toString(cohortId), renamed.get("item_id"));
        assertEquals(p.id(), ((Number) renamed.get("team_id")).longValue());
        assertEquals(false, renamed.get("is_system"));
        assertEquals(false, renamed.get("was_impersonated"));
        assertEquals(userUuid, all.get("results[5].user.uuid"));
        assertEquals("Paying users (renamed)", all.get("results[5].detail.name"));
        assertEquals(List.of("name", "description"), all.getList("results[5].detail.changes.field"));
        assertEquals("Paying users", all.get("results[5].detail.changes[0].before"));
        assertEquals("Paying users (renamed)", all.get("results[5].detail.changes[0].after"));
        assertEquals(List.of("deleted"), all.getList("results[4].detail.changes.field"));
        assertNull(all.get("results[6].detail.changes"));
        assertEquals(Integer.toString(staticCohortId), all.get("results[3].item_id"));
        assertEquals("Imported", all.get("results[3].detail.name"));
        assertEquals(List.of("steps"), all.getList("results[1].detail.changes.field"));
        assertEquals(2, all.getList("results[1].detail.changes[0].after").size());
    }

    @Test
    void listsAsTheCliSendsThemAndAsRepeatedParameters() {
        assertEquals(List.of("deleted", "updated", "created"),
                list("?scopes=%5B%22Cohort%22%5D&item_ids=%5B%22" + cohortId + "%22%5D").getList("results.activity"));
        assertEquals(7, list("?scopes=Cohort&scopes=Action&scopes=Insight").getList("results").size());
        assertEquals(List.of("Cohort"), list("?activities=%5B%22deleted%22%5D").getList("results.scope"));
        assertEquals(7, list("?users=%5B%22" + userUuid + "%22%5D").getList("results").size());
        assertEquals(0, list("?users=" + UUID.randomUUID()).getList("results").size());
        assertEquals(0, list("?is_system=true").getList("results").size());
        assertEquals(7, list("?is_system=false&was_impersonated=false").getList("results").size());
        assertEquals(0, list("?was_impersonated=true").getList("results").size());
        // Quarry records no API client or address: asking for one matches nothing
        assertEquals(0, list("?clients=%5B%22posthog-cli%22%5D").getList("results").size());
        assertEquals(0, list("?ip_addresses=203.0.113.%2A").getList("results").size());
        // team_ids and hogql_filter are ignored on a project's list, as PostHog does
        assertEquals(7, list("?team_ids=%5B" + other.id() + "%5D&hogql_filter=anything").getList("results").size());
    }

    @Test
    void searchAndDetailFilters() {
        assertEquals(List.of("deleted", "updated", "created"), list("?search_text=PAYING").getList("results.activity"));
        assertEquals(List.of("Cohort"), list("?detail_filters=" + enc("{\"changes[].field\": {\"operation\": "
                + "\"exact\", \"value\": \"description\"}}")).getList("results.scope"));
        assertEquals(List.of("Cohort", "Cohort"), list("?detail_filters=" + enc("{\"name\": {\"operation\": "
                + "\"contains\", \"value\": \"RENAMED\"}}")).getList("results.scope"));
        assertEquals(List.of("Insight", "Cohort"), list("?detail_filters=" + enc("{\"name\": {\"operation\": \"in\", "
                + "\"value\": [\"Weekly signups\", \"Imported\"]}}")).getList("results.scope"));
        // type-insensitive: the string "true" matches the boolean after a delete
        assertEquals(List.of("deleted"), list("?detail_filters=" + enc("{\"changes[].after\": {\"value\": \"true\"}}"))
                .getList("results.activity"));
        // an array path with contains: the array's JSON text holds the value
        assertEquals(List.of("Action"), list("?detail_filters=" + enc("{\"changes[].after\": {\"operation\": "
                + "\"contains\", \"value\": \"$pageview\"}}")).getList("results.scope"));
        // a value of null is no filter
        assertEquals(7, list("?detail_filters=" + enc("{\"name\": {\"value\": null}}")).getList("results").size());
        String now = java.time.OffsetDateTime.now().plusMinutes(5).toString();
        assertEquals(0, list("?start_date=" + enc(now)).getList("results").size());
        assertEquals(7, list("?end_date=" + enc(now) + "&start_date=2020-01-01").getList("results").size());
    }

    @Test
    void cursorPagesBothWaysAndPageNumbers() {
        List<String> all = list("").getList("results.id");
        List<String> seen = new ArrayList<>();
        JsonPath page = list("?page_size=3");
        String previousLink = null;
        while (true) {
            seen.addAll(page.getList("results.id"));
            String next = page.get("next");
            if (next == null) {
                break;
            }
            assertTrue(next.contains("cursor="), next);
            previousLink = next;
            page = follow(next);
            assertNotNull(page.get("previous"));
        }
        assertEquals(all, seen);
        // the last page's previous link goes back to the entries before it
        JsonPath last = follow(previousLink);
        JsonPath back = follow(last.getString("previous"));
        assertEquals(all.subList(3, 6), back.getList("results.id"));
        // oldest first
        List<String> ascending = list("?ordering=created_at").getList("results.id");
        List<String> reversed = new ArrayList<>(all);
        java.util.Collections.reverse(reversed);
        assertEquals(reversed, ascending);
        // following an oldest-first list keeps a next link after the last entry, for polling
        JsonPath polled = list("?ordering=created_at&follow=true&page_size=100");
        assertNotNull(polled.get("next"));
        assertEquals(0, follow(polled.getString("next")).getList("results").size());
        // page numbers: count and links
        JsonPath numbered = list("?page=2&page_size=3");
        assertEquals(7, numbered.getInt("count"));
        assertEquals(all.subList(3, 6), numbered.getList("results.id"));
        assertTrue(numbered.getString("next").contains("page=3"));
        assertTrue(numbered.getString("previous").contains("page=1"));
        as(p.key()).get(base + "?page=9&page_size=3").then().statusCode(404)
                .body("detail", equalTo("Invalid page."));
    }

    private static JsonPath follow(String link) {
        URI uri = URI.create(link);
        return as(p.key()).get(uri.getRawPath() + "?" + uri.getRawQuery())
                .then().statusCode(200).extract().jsonPath();
    }

    @Test
    void availableFilters() {
        changes();
        JsonPath filters = as(p.key()).get(base + "available_filters/").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("Action", "Cohort", "Insight"), filters.getList("static_filters.scopes.value"));
        assertEquals(List.of("created", "deleted", "updated"), filters.getList("static_filters.activities.value"));
        assertEquals(List.of(userUuid), filters.getList("static_filters.users.value"));
        assertEquals(List.of(), filters.getList("static_filters.clients"));
        List<String> cohortFields = filters.getList("detail_fields.Cohort.fields.name");
        assertTrue(cohortFields.containsAll(List.of("name", "changes", "changes[]", "changes[].field",
                "changes[].before")), cohortFields.toString());
        assertTrue(filters.getList("detail_fields.General.fields.name").contains("changes[].field"));
    }

    @Test
    void classicActivityLogList() {
        changes();
        String classic = "/api/projects/" + p.id() + "/activity_log/";
        as(p.key()).get(classic + "?scope=Cohort&item_id=" + cohortId).then().statusCode(200)
                .body("results.activity", equalTo(List.of("deleted", "updated", "created")))
                .body("next", nullValue());
        as(p.key()).get(classic + "?scopes=Action,Insight").then().statusCode(200)
                .body("results.scope", equalTo(List.of("Insight", "Action", "Action")));
        as(p.key()).get(classic + "?scope=Cohort&scopes=Action").then().statusCode(200).body("results", hasSize(0));
        as(p.key()).get(classic + "?user=" + userUuid + "&page=1&page_size=2").then().statusCode(200)
                .body("count", equalTo(7)).body("results", hasSize(2));
        as(p.key()).get("/api/environments/" + p.id() + "/activity_log/").then().statusCode(200)
                .body("results", hasSize(7));
        as(p.key()).get(classic + "?user=nope").then().statusCode(400).body("attr", equalTo("user"));
        as(p.key()).get(classic + "?page=x").then().statusCode(404).body("detail", equalTo("Invalid page."));
    }

    @Test
    void malformedFiltersAreDrfErrors() {
        changes();
        as(p.key()).get(base + "?page_size=0").then().statusCode(400).body("attr", equalTo("page_size"));
        as(p.key()).get(base + "?page_size=1001").then().statusCode(400).body("attr", equalTo("page_size"))
                .body("detail", equalTo("Ensure this value is less than or equal to 1000."));
        as(p.key()).get(base + "?ordering=name").then().statusCode(400).body("attr", equalTo("ordering"));
        as(p.key()).get(base + "?users=%5B%22x%22%5D").then().statusCode(400).body("attr", equalTo("users"))
                .body("detail", equalTo("Must be a valid UUID."));
        as(p.key()).get(base + "?start_date=yesterday").then().statusCode(400).body("attr", equalTo("start_date"));
        as(p.key()).get(base + "?is_system=maybe").then().statusCode(400).body("attr", equalTo("is_system"));
        as(p.key()).get(base + "?ip_addresses=not-an-ip").then().statusCode(400).body("attr", equalTo("ip_addresses"));
        as(p.key()).get(base + "?detail_filters=%7Bnot").then().statusCode(400).body("attr", equalTo("detail_filters"));
        as(p.key()).get(base + "?detail_filters=" + enc("{\"name\": {\"operation\": \"regex\", \"value\": \".*\"}}"))
                .then().statusCode(400).body("detail", containsString("Unsupported detail filter operation"));
        as(p.key()).get(base + "?detail_filters=" + enc("{\"a[].b[].c[].d[].e\": {\"value\": 1}}"))
                .then().statusCode(400).body("detail", containsString("nests too many arrays"));
        as(p.key()).get(base + "?cursor=garbage").then().statusCode(404).body("detail", equalTo("Invalid cursor"));
        String farPast = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("f|" + Long.MIN_VALUE / 2 + "|" + UUID.randomUUID()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        as(p.key()).get(base + "?cursor=" + farPast).then().statusCode(404).body("detail", equalTo("Invalid cursor"));
        as(p.key()).get(base + "?start_date=%2B99999-01-01T00:00:00Z").then().statusCode(400)
                .body("attr", equalTo("start_date"));
        as(p.key()).get(base + "?end_date=-99999-01-01T00:00:00Z").then().statusCode(400)
                .body("attr", equalTo("end_date"));
    }

    @Test
    void anotherProjectSeesNothingOfThisOne() {
        changes();
        as(other.key()).get(base).then().statusCode(403);
        as(other.key()).get("/api/projects/" + other.id() + "/advanced_activity_logs/").then().statusCode(200)
                .body("results.detail.name", equalTo(List.of("Other project's cohort")));
        as(other.key()).get("/api/projects/" + other.id() + "/advanced_activity_logs/available_filters/")
                .then().statusCode(200).body("static_filters.scopes.value", equalTo(List.of("Cohort")))
                .body("detail_fields.Cohort.fields.name", not(hasItem("changes[].field")));
        // a key without activity_log:read is refused
        String narrow = p.keyWith("cohort:read");
        as(narrow).get(base).then().statusCode(403);
        as(narrow).get("/api/projects/" + p.id() + "/activity_log/").then().statusCode(403);
        assertTrue(list("").getList("results.detail.name", String.class).stream()
                .noneMatch(name -> name.equals("Other project's cohort")));
        assertEquals(List.of("Cohort"), list("?detail_filters=" + enc("{\"name\": {\"value\": \"Imported\"}}"))
                .getList("results.scope"));
        as(p.key()).get(base).then().body("results.item_id", hasItems(Integer.toString(actionId)));
    }

    @Test
    void definitionsLogTheirEditsAndDeletes() {
        Project project = TestProjects.create("Activity log of definitions");
        String api = "/api/projects/" + project.id();
        String id = as(project.key()).body(Map.of("name", "checkout")).post(api + "/event_definitions/")
                .then().statusCode(201).extract().path("id");
        as(project.key()).body(Map.of("description", "Paid", "tags", List.of("revenue")))
                .patch(api + "/event_definitions/" + id + "/").then().statusCode(200);
        as(project.key()).body(Map.of("description", "Paid")).patch(api + "/event_definitions/" + id + "/")
                .then().statusCode(200);
        as(project.key()).delete(api + "/event_definitions/" + id + "/").then().statusCode(204);
        JsonPath log = as(project.key()).get(api + "/advanced_activity_logs/?scopes=EventDefinition")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("deleted", "changed"), log.getList("results.activity"));
        assertEquals(List.of(id, id), log.getList("results.item_id"));
        assertEquals("checkout", log.get("results[0].detail.name"));
        assertEquals(List.of("description", "tags"), log.getList("results[1].detail.changes.field"));
        assertEquals(List.of("revenue"), log.getList("results[1].detail.changes[1].after"));
    }

    /**
     * Breaker pass 2: a change keeps at most 64 KiB of each side (larger ones by length and digest), an entry written
     * larger than an answer is answered without its changes instead of making every page a 400, a cursor of year 1 is
     * a page (its links re-encoded without overflow), and an empty {@code in} matches nothing.
     */
    @Test
    void largeChangesAreBoundedAndOversizedEntriesElided() {
        Project project = TestProjects.create("Activity log bounds");
        String api = "/api/projects/" + project.id();
        int id = as(project.key()).body(Map.of("name", "Big", "is_static", true, "filters",
                        Map.of("junk", "a".repeat(100_000)))).post(api + "/cohorts/").then().statusCode(201)
                .extract().path("id");
        as(project.key()).body(Map.of("filters", Map.of("junk", "b".repeat(100_000))))
                .patch(api + "/cohorts/" + id + "/").then().statusCode(200);
        String log = api + "/advanced_activity_logs/";
        JsonPath updated = as(project.key()).get(log + "?activities=updated").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(true, updated.get("results[0].detail.changes[0].before.elided"));
        assertEquals(100_011, updated.getInt("results[0].detail.changes[0].after.characters"));
        assertNotNull(updated.get("results[0].detail.changes[0].after.sha256"));
        // an entry stored before the bound, larger than an answer: answered by its name, and the older ones stay
        // reachable
        pool.preparedQuery("INSERT INTO activity_log (team_id, id, scope, item_id, activity, detail) VALUES ($1, $2, "
                        + "'Cohort', '1', 'updated', jsonb_build_object('name', 'Huge', 'changes', jsonb_build_array("
                        + "jsonb_build_object('before', repeat('x', 7000000)))))")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(project.id(), UUID.randomUUID())).await().indefinitely();
        JsonPath page = as(project.key()).get(log).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("updated", "updated", "created"), page.getList("results.activity"));
        assertEquals(true, page.get("results[0].detail.elided"));
        assertEquals("Huge", page.get("results[0].detail.name"));
        assertNull(page.get("results[0].detail.changes"));
        String yearOne = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("f|-62135596800000000|" + UUID.randomUUID()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        as(project.key()).get(log + "?cursor=" + yearOne).then().statusCode(200).body("results", hasSize(0));
        as(project.key()).get(log + "?detail_filters=" + enc("{\"name\": {\"operation\": \"in\", \"value\": []}}"))
                .then().statusCode(200).body("results", hasSize(0));
    }

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    private static String enc(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }
}

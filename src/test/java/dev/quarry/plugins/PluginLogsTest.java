package dev.quarry.plugins;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Team A's config holds six hand-made entries on 2024-01-01 and 25 INFO "tick i" entries at
 * 2024-01-02T00:00:ii.123456Z, 31 in all; team B's config holds entries that must never show up for A.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PluginLogsTest {
    private static Project a;
    private static Project b;
    private static long configA;
    private static long configB;

    @BeforeEach
    void data() {
        if (a != null) {
            return;
        }
        a = TestProjects.create("Plugins A");
        b = TestProjects.create("Plugins B");
        configA = createConfig(a, 7);
        configB = createConfig(b, 8);
        List<Map<String, Object>> entries = new ArrayList<>(List.of(
                entry("INFO", "Started plugin", "2024-01-01T00:00:00.000001Z"),
                entry("WARN", "disk 50% full", "2024-01-01T00:00:01Z"),
                entry("ERROR", "Failed: user_id missing", "2024-01-01T00:00:02Z"),
                entry("DEBUG", "path a\\b", "2024-01-01T00:00:03Z"),
                entry("LOG", "ERROR-looking message", "2024-01-01T00:00:04Z"),
                entry("ERROR", "second failure", "2024-01-01T00:00:05Z")));
        for (int i = 0; i < 25; i++) {
            entries.add(entry("INFO", "tick " + i, String.format("2024-01-02T00:00:%02d.123456Z", i)));
        }
        append(a, configA, entries).then().statusCode(201).body("count", equalTo(31));
        append(b, configB, List.of(
                entry("ERROR", "Failed: secret B", "2024-01-01T00:00:02.5Z"),
                entry("INFO", "tick B", "2024-01-02T00:00:03Z"))).then().statusCode(201).body("count", equalTo(2));
    }

    static long createConfig(Project project, int plugin) {
        return given().header("Authorization", "Bearer " + project.key()).contentType(ContentType.JSON)
                .body(Map.of("plugin", plugin, "enabled", true, "order", 0, "config", Map.of()))
                .post("/api/projects/" + project.id() + "/plugin_configs/")
                .then().statusCode(201).extract().jsonPath().getLong("id");
    }

    static Map<String, Object> entry(String type, String message, String timestamp) {
        Map<String, Object> entry = new HashMap<>();
        entry.put("type", type);
        entry.put("message", message);
        entry.put("timestamp", timestamp);
        return entry;
    }

    static io.restassured.response.Response append(Project project, long config, List<Map<String, Object>> entries) {
        return given().header("Authorization", "Bearer " + project.key()).contentType(ContentType.JSON)
                .body(Map.of("entries", entries))
                .post("/api/projects/" + project.id() + "/plugin_configs/" + config + "/logs/");
    }

    static RequestSpecification as(Project project) {
        return given().header("Authorization", "Bearer " + project.key());
    }

    static String logsA() {
        return "/api/projects/" + a.id() + "/plugin_configs/" + configA + "/logs/";
    }

    static JsonPath list(String path, Map<String, ?> params) {
        return as(a).queryParams(params).get(path).then().statusCode(200).extract().jsonPath();
    }

    static JsonPath list(Map<String, ?> params) {
        return as(a).queryParams(params).get(logsA()).then().statusCode(200).extract().jsonPath();
    }

    static List<String> messages(Map<String, ?> params) {
        return list(params).getList("results.message");
    }

    static List<String> ticks(int from, int toInclusive) {
        List<String> ticks = new ArrayList<>();
        for (int i = toInclusive; i >= from; i--) {
            ticks.add("tick " + i);
        }
        return ticks;
    }

    @Test
    void listsNewestFirstInPostHogsShape() {
        JsonPath page = list(Map.of("limit", 100));
        assertEquals(31, page.getInt("count"));
        assertNull(page.get("next"));
        assertNull(page.get("previous"));
        List<String> expected = new ArrayList<>(ticks(0, 24));
        expected.addAll(List.of("second failure", "ERROR-looking message", "path a\\b", "Failed: user_id missing",
                "disk 50% full", "Started plugin"));
        assertEquals(expected, page.getList("results.message"));
        assertEquals("2024-01-02T00:00:24.123456Z", page.getString("results[0].timestamp"));
        assertEquals("2024-01-01T00:00:00.000001Z", page.getString("results[30].timestamp"));
        // whole seconds render without a fraction, as DRF renders datetimes
        assertEquals("2024-01-01T00:00:01Z", page.getString("results[29].timestamp"));
        Map<String, Object> first = page.getMap("results[0]");
        assertEquals(Set.of("id", "team_id", "plugin_id", "plugin_config_id", "timestamp", "source", "type",
                "message", "instance_id"), first.keySet());
        assertEquals((int) a.id(), first.get("team_id"));
        assertEquals(7, first.get("plugin_id"));
        assertEquals((int) configA, first.get("plugin_config_id"));
        assertEquals("PLUGIN", first.get("source"));
        assertEquals("INFO", first.get("type"));
        assertTrue(first.get("instance_id").toString().matches("[0-9a-f-]{36}"));
    }

    @Test
    void defaultPageSizeIsOneHundred() {
        JsonPath page = list(Map.of());
        assertEquals(31, page.getInt("count"));
        assertEquals(31, page.getList("results").size());
    }

    @Test
    void afterAndBeforeAreStrict() {
        assertEquals(28, list(Map.of("after", "2024-01-01T00:00:02Z")).getInt("count"));
        assertEquals(List.of("disk 50% full", "Started plugin"), messages(Map.of("before", "2024-01-01T00:00:02Z")));
        assertEquals(30, list(Map.of("after", "2024-01-01T00:00:00.000001Z")).getInt("count"));
        assertEquals(List.of("ERROR-looking message", "path a\\b", "Failed: user_id missing"),
                messages(Map.of("after", "2024-01-01T00:00:01Z", "before", "2024-01-01T00:00:05Z")));
    }

    @Test
    void timestampsWithoutZoneAreUtcAndOffsetsAreHonoured() {
        assertEquals(28, list(Map.of("after", "2024-01-01T00:00:02")).getInt("count"));
        assertEquals(28, list(Map.of("after", "2024-01-01T01:00:02+01:00")).getInt("count"));
        assertEquals(6, list(Map.of("before", "2024-01-02")).getInt("count"));
    }

    @Test
    void searchIsCaseInsensitiveAndTakesWildcardsLiterally() {
        assertEquals(List.of("ERROR-looking message"), messages(Map.of("search", "error")));
        assertEquals(List.of("disk 50% full"), messages(Map.of("search", "%")));
        assertEquals(List.of("Failed: user_id missing"), messages(Map.of("search", "_")));
        assertEquals(List.of("path a\\b"), messages(Map.of("search", "\\")));
        assertEquals(ticks(10, 19).size() + 1, list(Map.of("search", "TICK 1")).getInt("count"));
        assertEquals(0, list(Map.of("search", "secret")).getInt("count"));
    }

    @Test
    void typeFilterIsRepeatable() {
        assertEquals(List.of("second failure", "Failed: user_id missing"), messages(Map.of("type_filter", "ERROR")));
        assertEquals(List.of("second failure", "Failed: user_id missing", "disk 50% full"),
                messages(Map.of("type_filter", List.of("ERROR", "WARN"))));
        assertEquals(26, list(Map.of("type_filter", "INFO")).getInt("count"));
        assertEquals(List.of("path a\\b"), messages(Map.of("type_filter", "DEBUG")));
        assertEquals(List.of("ERROR-looking message"), messages(Map.of("type_filter", "LOG")));
    }

    @Test
    void filtersCombine() {
        assertEquals(ticks(10, 19), messages(Map.of("type_filter", "INFO", "search", "tick",
                "after", "2024-01-02T00:00:10Z", "before", "2024-01-02T00:00:20Z")));
        assertEquals(List.of("second failure"), messages(Map.of("type_filter", "ERROR", "search", "FAILURE")));
        assertEquals(List.of("Failed: user_id missing"), messages(Map.of("type_filter", List.of("ERROR", "LOG"),
                "before", "2024-01-01T00:00:04Z")));
        assertEquals(0, list(Map.of("type_filter", "WARN", "after", "2024-01-01T00:00:01Z")).getInt("count"));
    }

    /** Follows next links to the end; returns every page. */
    static List<JsonPath> walk(Project project, String path, Map<String, ?> params) {
        List<JsonPath> pages = new ArrayList<>();
        JsonPath page = as(project).queryParams(params).get(path).then().statusCode(200).extract().jsonPath();
        pages.add(page);
        while (page.getString("next") != null) {
            URI next = URI.create(page.getString("next"));
            page = as(project).urlEncodingEnabled(false).get(next.getRawPath() + "?" + next.getRawQuery())
                    .then().statusCode(200).extract().jsonPath();
            pages.add(page);
            assertTrue(pages.size() < 100, "next links never end");
        }
        return pages;
    }

    /**
     * PostHog's view passes {@code limit} into its SQL (the newest {@code limit} entries) and DRF's paginator then
     * pages that list with the same limit: count is at most the limit, there is never a next page, and an offset
     * at or past the limit finds nothing (with a previous link back).
     */
    @Test
    void aLimitCutsTheEntriesBeforePaging() {
        String base = io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + logsA();
        JsonPath first = list(Map.of("limit", 7));
        assertEquals(7, first.getInt("count"));
        assertEquals(ticks(18, 24), first.getList("results.message"));
        assertNull(first.get("next"));
        assertNull(first.get("previous"));
        JsonPath second = list(Map.of("limit", 7, "offset", 7));
        assertEquals(7, second.getInt("count"));
        assertEquals(List.of(), second.getList("results"));
        assertNull(second.get("next"));
        assertEquals(base + "?limit=7", second.getString("previous"));
        JsonPath inside = list(Map.of("limit", 7, "offset", 5));
        assertEquals(ticks(18, 19), inside.getList("results.message"));
        assertEquals(7, inside.getInt("count"));
        // without a limit, every entry counts and the default page is 100
        JsonPath all = list(Map.of("offset", 28));
        assertEquals(31, all.getInt("count"));
        assertEquals(3, all.getList("results").size());
        assertNull(all.get("next"));
        assertEquals(base + "?limit=100", all.getString("previous"));
    }

    @Test
    void linksKeepTheFilters() {
        JsonPath page = list(Map.of("type_filter", List.of("INFO", "ERROR"), "after", "2024-01-01T00:00:00Z",
                "offset", 3));
        assertEquals(28, page.getInt("count"));
        assertEquals(25, page.getList("results").size());
        for (String type : page.<String>getList("results.type")) {
            assertTrue(type.equals("INFO") || type.equals("ERROR"), type);
        }
        String previous = page.getString("previous");
        assertTrue(previous.contains("type_filter=ERROR&type_filter=INFO")
                || previous.contains("type_filter=INFO&type_filter=ERROR"), previous);
        assertTrue(previous.contains("after=2024-01-01T00%3A00%3A00Z"), previous);
    }

    /**
     * A page whose messages cannot fit in an answer is refused from their stored sizes, before any of them is read
     * (a breaker's eight concurrent reads of 15 entries of 7.5 MB held the shared pool); a smaller page of the same
     * entries is served whole.
     */
    @Test
    void aPageTooLargeToAnswerIsRefusedBeforeItsMessagesAreRead() {
        long config = createConfig(a, 11);
        String big = "x".repeat(2_500_000);
        for (int i = 0; i < 3; i++) {
            append(a, config, List.of(entry("INFO", i + big, "2024-04-01T00:00:0" + i + "Z"))).then().statusCode(201);
        }
        String path = "/api/projects/" + a.id() + "/plugin_configs/" + config + "/logs/";
        // the size refused is the messages' own 3 × 2,500,001 bytes, known before they are read (the answer's
        // encoded size, measured once it was built, was larger)
        as(a).get(path).then().statusCode(400).body("type", equalTo("invalid_request"))
                .body("code", equalTo("response_too_large"))
                .body("detail", org.hamcrest.Matchers.startsWith("The response would be 7500003 bytes"));
        JsonPath two = list(path, Map.of("limit", 2));
        assertEquals(2, two.getList("results").size());
        assertEquals(List.of('2', '1'), two.getList("results.message", String.class).stream()
                .map(m -> m.charAt(0)).toList());
        assertEquals(2_500_001, two.getString("results[0].message").length());
        // an empty page still answers
        assertEquals(List.of(), list(path, Map.of("offset", 5)).getList("results"));
        // integers as Python reads them: an offset past an int is an empty page (not the first), 1_0 is ten
        assertEquals(List.of(), list(Map.of("offset", "99999999999")).getList("results"));
        assertEquals(10, list(Map.of("limit", "1_0")).getList("results").size());
        assertEquals(31, list(Map.of("limit", "2147483648")).getInt("count"));
    }

    @jakarta.inject.Inject
    dev.quarry.query.QueryExecutor executor;

    /**
     * A page is read in one of the instance's statement slots: with every slot held by other work it waits (the
     * connections kept for capture stay free), and it answers once one is free.
     */
    @Test
    void aPageWaitsForAStatementSlot() throws Exception {
        java.util.concurrent.CompletableFuture<Integer> read = new java.util.concurrent.CompletableFuture<>();
        try (dev.quarry.testing.HeldStatementSlots held = dev.quarry.testing.HeldStatementSlots.all(executor, b.id())) {
            new Thread(() -> read.complete(as(a).get(logsA()).then().extract().statusCode())).start();
            Thread.sleep(1_000);
            org.junit.jupiter.api.Assertions.assertFalse(read.isDone(), "the page was read without a statement slot");
        }
        assertEquals(200, read.get(60, java.util.concurrent.TimeUnit.SECONDS));
    }

    @Test
    void entriesWithTheSameTimestampPageStably() {
        long config = createConfig(a, 9);
        List<Map<String, Object>> same = new ArrayList<>();
        for (int i = 0; i < 105; i++) {
            same.add(entry("INFO", "same " + i, "2024-03-01T00:00:00Z"));
        }
        append(a, config, same).then().statusCode(201).body("count", equalTo(105));
        String path = "/api/projects/" + a.id() + "/plugin_configs/" + config + "/logs/";
        Set<String> ids = new HashSet<>();
        for (int offset = 0; offset < 105; offset += 10) {
            // pages by offset alone (no limit, so nothing is cut): each entry exactly once
            JsonPath page = list(path, Map.of("offset", offset));
            assertEquals(105, page.getInt("count"));
            List<String> pageIds = page.getList("results.id");
            ids.addAll(pageIds.subList(0, Math.min(10, pageIds.size())));
        }
        assertEquals(105, ids.size());
        // DRF's next link carries limit=100, which PostHog's view then applies before paging: the second page
        // counts 100 entries and shows none of them
        JsonPath first = list(path, Map.of());
        assertEquals(100, first.getList("results").size());
        List<JsonPath> pages = walk(a, path, Map.of());
        assertEquals(2, pages.size());
        assertEquals(100, pages.get(1).getInt("count"));
        assertEquals(List.of(), pages.get(1).getList("results"));
    }

    @Test
    void bothPrefixesWithAndWithoutTrailingSlash() {
        for (String prefix : List.of("/api/projects/", "/api/environments/")) {
            for (String slash : List.of("/", "")) {
                String path = prefix + a.id() + "/plugin_configs/" + configA + "/logs" + slash;
                as(a).queryParam("offset", 30).get(path).then().statusCode(200)
                        .body("count", equalTo(31))
                        .body("results", hasSize(1))
                        .body("previous", startsWith(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + prefix));
            }
        }
    }

    @Test
    void malformedParametersAre400NamingThem() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("after", "yesterday");
        bad.put("before", "2024-13-01T00:00:00Z");
        bad.put("type_filter", "FATAL");
        for (Map.Entry<String, String> param : bad.entrySet()) {
            as(a).queryParam(param.getKey(), param.getValue()).get(logsA()).then().statusCode(400)
                    .body("type", equalTo("validation_error"))
                    .body("attr", equalTo(param.getKey()));
        }
        as(a).queryParam("type_filter", List.of("ERROR", "info")).get(logsA()).then().statusCode(400)
                .body("attr", equalTo("type_filter"));
        as(a).queryParam("limit", "ten").get(logsA()).then().statusCode(400)
                .body("type", equalTo("validation_error"))
                .body("detail", equalTo("Query param limit must be omitted or an integer!"))
                .body("attr", equalTo("limit"));
        as(a).queryParam("limit", "-1").get(logsA()).then().statusCode(400).body("attr", equalTo("limit"));
        // DRF's LimitOffsetPagination reads an offset that is not a non-negative integer as 0: the first page
        String first = as(a).get(logsA()).then().statusCode(200).extract().path("results[0].id");
        for (String offset : List.of("-3", "x", "1.5")) {
            as(a).queryParam("offset", offset).get(logsA()).then().statusCode(200)
                    .body("results[0].id", equalTo(first)).body("previous", equalTo(null));
        }
    }

    @Test
    void authAndScopes() {
        given().get(logsA()).then().statusCode(401).body("code", equalTo("not_authenticated"));
        given().header("Authorization", "Bearer " + a.keyWith("person:read")).get(logsA()).then().statusCode(403)
                .body("detail", equalTo("API key missing required scope 'plugin:read'"));
        String readOnly = a.keyWith("plugin:read");
        given().header("Authorization", "Bearer " + readOnly).get(logsA()).then().statusCode(200)
                .body("count", equalTo(31));
        given().header("Authorization", "Bearer " + readOnly).contentType(ContentType.JSON)
                .body(Map.of("entries", List.of(entry("INFO", "x", null))))
                .post(logsA()).then().statusCode(403)
                .body("detail", equalTo("API key missing required scope 'plugin:write'"));
        given().header("Authorization", "Bearer " + a.keyWith("plugin:write")).get(logsA()).then().statusCode(200);
    }

    @Test
    void unknownOrMalformedConfigIds() {
        as(a).get("/api/projects/" + a.id() + "/plugin_configs/abc/logs/").then().statusCode(404)
                .body("type", equalTo("invalid_request")).body("code", equalTo("not_found"));
        as(a).get("/api/projects/" + a.id() + "/plugin_configs/987654321/logs/").then().statusCode(200)
                .body("count", equalTo(0)).body("results", hasSize(0))
                .body("next", nullValue()).body("previous", nullValue());
    }

    @Test
    void teamsNeverSeeEachOthersEntries() {
        as(b).get("/api/projects/" + b.id() + "/plugin_configs/" + configA + "/logs/").then().statusCode(200)
                .body("count", equalTo(0)).body("results", hasSize(0));
        as(a).get("/api/projects/" + a.id() + "/plugin_configs/" + configB + "/logs/").then().statusCode(200)
                .body("count", equalTo(0));
        as(b).get(logsA()).then().statusCode(403);
        as(b).queryParam("search", "tick").get("/api/environments/" + b.id() + "/plugin_configs/" + configB + "/logs")
                .then().statusCode(200).body("count", equalTo(1)).body("results[0].message", equalTo("tick B"))
                .body("results.team_id", everyItem(equalTo((int) b.id())));
        as(a).queryParam("type_filter", "ERROR").queryParam("limit", 1000).get(logsA()).then()
                .body("results.team_id", everyItem(equalTo((int) a.id())))
                .body("results.plugin_config_id", everyItem(equalTo((int) configA)));
    }
}

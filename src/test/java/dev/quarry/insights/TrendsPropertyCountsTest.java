package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.query;
import static dev.quarry.insights.InsightTestSupport.range;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.BatchSender;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Trends' total count, plain and by a hot event property, read from the per-property daily counts (V55_1,
 * {@link TrendsRollup#propertyCounts}): hand-made answers worked out below through deletes, a re-sent event that
 * changes its property in a batch that also inserts, a fold and a timezone change; and a generated-data check that
 * every answer the counts give equals the events' answer (the same query with an always-true HogQL filter).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class TrendsPropertyCountsTest {
    @Inject
    Pool pool;

    private static final String NULL = Breakdown.NULL_VALUE;

    private static Map<String, Object> event(String uuid, String name, String distinctId, String timestamp,
                                             Map<String, Object> properties) {
        Map<String, Object> e = BatchSender.event(name, distinctId, timestamp, properties);
        e.put("uuid", uuid);
        return e;
    }

    private static Map<String, Object> trends(String event, String breakdown, Integer limit, String interval,
                                              String display, String from, String to, boolean raw) {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("kind", "TrendsQuery");
        q.put("interval", interval);
        Map<String, Object> series = new HashMap<>();
        series.put("kind", "EventsNode");
        series.put("event", event);
        q.put("series", List.of(series));
        q.put("dateRange", range(from, to));
        q.put("trendsFilter", Map.of("display", display));
        if (breakdown != null) {
            Map<String, Object> b = new HashMap<>();
            b.put("breakdown", breakdown);
            b.put("breakdown_type", "event");
            if (limit != null) {
                b.put("breakdown_limit", limit);
            }
            q.put("breakdownFilter", b);
        }
        if (raw) {
            // true for every event, but a filter: the counts cannot answer it, the events do
            q.put("properties", List.of(Map.of("type", "hogql", "key", "1 = 1")));
        }
        return q;
    }

    private static boolean readsCounts(JsonPath answer) {
        return answer.getString("postgres").contains("events_property_days");
    }

    /** Breakdown value → data of a by-browser line, read from the counts (checked) and equal to the events' answer. */
    private static Map<String, List<Object>> byBrowser(Project project) {
        JsonPath fast = query(project, trends("$pageview", "$browser", null, "day", "ActionsLineGraph", "2024-03-04",
                "2024-03-06", false));
        assertTrue(readsCounts(fast), fast.getString("postgres"));
        JsonPath raw = query(project, trends("$pageview", "$browser", null, "day", "ActionsLineGraph", "2024-03-04",
                "2024-03-06", true));
        assertFalse(readsCounts(raw));
        assertEquals(raw.getList("results").toString(), fast.getList("results").toString());
        Map<String, List<Object>> out = new TreeMap<>();
        List<Map<String, Object>> results = fast.getList("results");
        for (Map<String, Object> r : results) {
            out.put((String) r.get("breakdown_value"), (List<Object>) r.get("data"));
        }
        return out;
    }

    private static List<Object> daily(Project project) {
        JsonPath fast = query(project, trends("$pageview", null, null, "day", "ActionsLineGraph", "2024-03-04",
                "2024-03-06", false));
        assertTrue(readsCounts(fast));
        return fast.getList("results[0].data");
    }

    /**
     * Europe/Berlin (UTC+1 in March 2024), $pageview over Mar 4–6 by $browser, local days:
     * e1 Chrome Mar 4 (10:00Z), e8 Chrome Mar 4 (23:30Z on Mar 3), e2 Chrome Mar 5 (23:30Z on Mar 4), e3 Safari
     * Mar 5, e4 no $browser Mar 5, e5 $browser "" Mar 6, e6 Safari Mar 6, e7 Chrome Mar 6 (22:59Z), e10 Firefox
     * Mar 7 (23:30Z on Mar 6: outside), e9 "signed up" (another event).
     * <ul>
     *   <li>Chrome [2, 1, 1], Safari [0, 1, 1], missing or empty (the null bucket) [0, 1, 1]; daily count [2, 3, 3];</li>
     *   <li>e3 deleted, e6 re-sent as Chrome in a batch that also sends e11 Safari Mar 4: Chrome [2, 1, 2], Safari
     *       [1, 0, 0], null [0, 1, 1]; daily [3, 2, 3]; the same after a fold;</li>
     *   <li>timezone UTC: e8 leaves (Mar 3), e2 is Mar 4, e10 enters (Mar 6): Chrome [2, 0, 2], Safari [1, 0, 0],
     *       null [0, 1, 1], Firefox [0, 0, 1]; daily [3, 1, 4].</li>
     * </ul>
     */
    @Test
    void countsByPropertyWithWorkedAnswers() throws Exception {
        Project project = TestProjects.create("Trends property counts worked", "Europe/Berlin");
        String e3 = UUID.randomUUID().toString();
        String e6 = UUID.randomUUID().toString();
        BatchSender.gzip(project, List.of(
                event(UUID.randomUUID().toString(), "$pageview", "a", "2024-03-04T10:00:00Z", Map.of("$browser", "Chrome")),
                event(UUID.randomUUID().toString(), "$pageview", "a", "2024-03-04T23:30:00Z", Map.of("$browser", "Chrome")),
                event(e3, "$pageview", "b", "2024-03-05T09:00:00Z", Map.of("$browser", "Safari")),
                event(UUID.randomUUID().toString(), "$pageview", "b", "2024-03-05T10:00:00Z", Map.of()),
                event(UUID.randomUUID().toString(), "$pageview", "c", "2024-03-06T08:00:00Z", Map.of("$browser", "")),
                event(e6, "$pageview", "c", "2024-03-06T09:00:00Z", Map.of("$browser", "Safari")),
                event(UUID.randomUUID().toString(), "$pageview", "c", "2024-03-06T22:59:00Z", Map.of("$browser", "Chrome")),
                event(UUID.randomUUID().toString(), "$pageview", "d", "2024-03-03T23:30:00Z", Map.of("$browser", "Chrome")),
                event(UUID.randomUUID().toString(), "signed up", "d", "2024-03-05T12:00:00Z", Map.of("$browser", "Chrome")),
                event(UUID.randomUUID().toString(), "$pageview", "d", "2024-03-06T23:30:00Z", Map.of("$browser", "Firefox"))));
        assertEquals(Map.of("Chrome", List.of(2, 1, 1), "Safari", List.of(0, 1, 1), NULL, List.of(0, 1, 1)),
                byBrowser(project));
        assertEquals(List.of(2, 3, 3), daily(project));

        pool.preparedQuery("DELETE FROM events WHERE team_id = $1 AND uuid = $2")
                .execute(Tuple.of(project.id(), UUID.fromString(e3))).await().indefinitely();
        BatchSender.gzip(project, List.of(
                event(e6, "$pageview", "c", "2024-03-06T09:00:00Z", Map.of("$browser", "Chrome")),
                event(UUID.randomUUID().toString(), "$pageview", "e", "2024-03-04T12:00:00Z", Map.of("$browser", "Safari"))));
        Map<String, List<Object>> changed = Map.of("Chrome", List.of(2, 1, 2), "Safari", List.of(1, 0, 0), NULL,
                List.of(0, 1, 1));
        assertEquals(changed, byBrowser(project));
        assertEquals(List.of(3, 2, 3), daily(project));

        given().header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET).post("/internal/rollups/fold")
                .then().statusCode(200);
        assertEquals(0L, pool.preparedQuery("SELECT count(*) FROM events_property_days_delta WHERE team_id = $1")
                .execute(Tuple.of(project.id())).await().indefinitely().iterator().next().getLong(0));
        assertEquals(changed, byBrowser(project));
        assertEquals(List.of(3, 2, 3), daily(project));
        JsonPath number = query(project, trends("$pageview", "$browser", null, "day", "BoldNumber", "2024-03-04",
                "2024-03-06", false));
        assertTrue(readsCounts(number));
        Map<String, Object> totals = new TreeMap<>();
        List<Map<String, Object>> results = number.getList("results");
        results.forEach(r -> totals.put((String) r.get("breakdown_value"), r.get("aggregated_value")));
        assertEquals(Map.of("Chrome", 5, "Safari", 1, NULL, 2), totals);

        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("timezone", "UTC")).patch("/api/projects/" + project.id() + "/").then().statusCode(200);
        assertEquals(Map.of("Chrome", List.of(2, 0, 2), "Safari", List.of(1, 0, 0), NULL, List.of(0, 1, 1),
                "Firefox", List.of(0, 0, 1)), byBrowser(project));
        assertEquals(List.of(3, 1, 4), daily(project));
    }

    /**
     * About 3,000 generated events (fixed seed) over 50 days in Europe/Berlin with $browser (some missing or empty),
     * $os and utm_source (12 values, so that a limit folds some into "other"), sent in gzip batches, some re-sent
     * with other values, a fold half-way, then events moved to other days and deleted in SQL, then the timezone
     * changed: every answer of the counts (series $pageview or all events; no breakdown or by $browser, $os,
     * utm_source with limit 3; day, week and month; line and number) equals the events' answer.
     */
    @Test
    void theCountsAnswerAsTheEventsOnGeneratedData() throws Exception {
        Project project = TestProjects.create("Trends property counts generated", "Europe/Berlin");
        Random random = new Random(5518);
        Instant start = Instant.parse("2024-02-20T00:00:00Z");
        String[] browsers = {"Chrome", "Chrome", "Safari", "Firefox", "", null};
        List<Map<String, Object>> sent = new ArrayList<>();
        for (int batch = 0; batch < 6; batch++) {
            List<Map<String, Object>> events = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                Map<String, Object> props = new HashMap<>();
                String browser = browsers[random.nextInt(browsers.length)];
                if (browser != null) {
                    props.put("$browser", browser);
                }
                props.put("$os", random.nextBoolean() ? "Mac OS X" : "Windows");
                props.put("utm_source", "source-" + random.nextInt(12));
                Instant at = start.plus(random.nextInt(50 * 24 * 60), ChronoUnit.MINUTES);
                Map<String, Object> e = event(UUID.randomUUID().toString(), random.nextInt(4) == 0 ? "signed up"
                        : "$pageview", "user-" + random.nextInt(30), at.toString(), props);
                events.add(e);
                sent.add(e);
            }
            if (batch == 4) {
                // re-sent events with another $browser: the capture upsert updates them
                for (int k = 0; k < 20; k++) {
                    Map<String, Object> again = new HashMap<>(sent.get(k * 7));
                    again.put("properties", Map.of("$browser", "Edge", "$os", "Linux"));
                    events.add(again);
                }
            }
            BatchSender.gzip(project, events);
            if (batch == 2) {
                given().header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET)
                        .post("/internal/rollups/fold").then().statusCode(200);
            }
        }
        long moved = pool.preparedQuery("UPDATE events SET timestamp = timestamp + interval '2 days' "
                + "WHERE team_id = $1 AND extract(minute FROM timestamp) = 7")
                .execute(Tuple.of(project.id())).await().indefinitely().rowCount();
        long deleted = pool.preparedQuery("DELETE FROM events WHERE team_id = $1 AND extract(minute FROM timestamp) = 11")
                .execute(Tuple.of(project.id())).await().indefinitely().rowCount();
        assertTrue(moved > 0 && deleted > 0, moved + " moved, " + deleted + " deleted");

        assertEquals(48, compareAll(project));
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("timezone", "America/New_York")).patch("/api/projects/" + project.id() + "/")
                .then().statusCode(200);
        assertEquals(48, compareAll(project));
    }

    /** Compares every combination; returns how many were read from the counts. */
    private static int compareAll(Project project) {
        int counted = 0;
        for (String event : new String[] {"$pageview", null}) {
            for (String[] b : new String[][] {{null, null}, {"$browser", null}, {"$os", null}, {"utm_source", "3"}}) {
                for (String interval : new String[] {"day", "week", "month"}) {
                    for (String display : new String[] {"ActionsLineGraph", "BoldNumber"}) {
                        Integer limit = b[1] == null ? null : Integer.valueOf(b[1]);
                        JsonPath fast = query(project, trends(event, b[0], limit, interval, display, "2024-02-25",
                                "2024-03-31", false));
                        JsonPath raw = query(project, trends(event, b[0], limit, interval, display, "2024-02-25",
                                "2024-03-31", true));
                        assertFalse(readsCounts(raw));
                        String what = event + " by " + b[0] + " " + interval + " " + display;
                        assertEquals(raw.getList("results").toString(), fast.getList("results").toString(), what);
                        assertEquals(raw.getBoolean("hasMore"), fast.getBoolean("hasMore"), what);
                        if (readsCounts(fast)) {
                            counted++;
                        }
                    }
                }
            }
        }
        return counted;
    }
}

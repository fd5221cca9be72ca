package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.pageviews;
import static dev.quarry.insights.InsightTestSupport.query;
import static dev.quarry.insights.InsightTestSupport.range;
import static dev.quarry.testing.BatchSender.event;
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
import org.junit.jupiter.api.Test;

/**
 * Trends' unique users (dau) and weekly/monthly active users read from the person rollups ({@link TrendsRollup}):
 * hand-made answers worked out below, and a generated-data check that every answer the rollups give equals the
 * events' answer (the same query with an always-true HogQL filter, which the rollups cannot answer), after captures
 * sent as posthog-node sends them, merges, a fold, updated and deleted events.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class TrendsRollupTest {
    @Inject
    Pool pool;

    private static Map<String, Object> trends(String math, String interval, String display, String from, String to,
                                              boolean raw) {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("kind", "TrendsQuery");
        q.put("interval", interval);
        q.put("series", List.of(Map.of("kind", "EventsNode", "event", "$pageview", "math", math)));
        q.put("dateRange", range(from, to));
        q.put("trendsFilter", Map.of("display", display));
        if (raw) {
            // true for every event, but a filter: the rollups cannot answer it, the events do
            q.put("properties", List.of(Map.of("type", "hogql", "key", "1 = 1")));
        }
        return q;
    }

    private static boolean readsRollup(JsonPath answer) {
        return answer.getString("postgres").contains("events_person_");
    }

    private static List<Object> data(JsonPath answer) {
        return answer.getList("results[0].data");
    }

    /**
     * Europe/Berlin (UTC+1 in early March 2024). Local days of $pageview:
     * a: Mar 4 (10:00Z), Mar 5 (23:30Z on Mar 4), Mar 6; b: Mar 4, Mar 10 (22:30Z); anon-c: Mar 4, Mar 5, merged
     * into b by $identify; d: Mar 4 (23:30Z on Mar 3); f: Feb 28 only; e: only "signed up" on Mar 5.
     * <ul>
     *   <li>dau by day, Mar 4–10: Mar 4 {a, b, d} = 3 (c is b; 4 if the merge were ignored), Mar 5 {a, b} = 2,
     *       Mar 6 {a} = 1, Mar 7–9 0, Mar 10 {b} = 1 → [3, 2, 1, 0, 0, 0, 1];</li>
     *   <li>dau by week (weeks start on Sunday; the first read from Mar 4): Mar 3–9 {a, b, d} = 3, Mar 10 {b} = 1;</li>
     *   <li>dau as a number over Mar 4–10: {a, b, d} = 3;</li>
     *   <li>weekly active by day (the 7 days up to each day): Mar 4 (Feb 27–Mar 4) {a, b, d, f} = 4, Mar 5 4 (f on
     *       Feb 28), Mar 6 (Feb 29–Mar 6) 3, … Mar 10 (Mar 4–10) 3 → [4, 4, 3, 3, 3, 3, 3].</li>
     * </ul>
     */
    @Test
    void uniqueUsersFromTheRollupsWithWorkedAnswers() throws Exception {
        Project project = TestProjects.create("Trends rollup worked", "Europe/Berlin");
        BatchSender.gzip(project, List.of(
                event("$pageview", "a", "2024-03-04T10:00:00Z", Map.of()),
                event("$pageview", "a", "2024-03-04T23:30:00Z", Map.of()),
                event("$pageview", "a", "2024-03-06T08:00:00Z", Map.of()),
                event("$pageview", "b", "2024-03-04T12:00:00Z", Map.of()),
                event("$pageview", "b", "2024-03-10T22:30:00Z", Map.of()),
                event("$pageview", "anon-c", "2024-03-04T14:00:00Z", Map.of()),
                event("$pageview", "anon-c", "2024-03-05T09:00:00Z", Map.of()),
                event("$pageview", "d", "2024-03-03T23:30:00Z", Map.of()),
                event("$pageview", "f", "2024-02-28T12:00:00Z", Map.of()),
                event("signed up", "e", "2024-03-05T12:00:00Z", Map.of()),
                event("$identify", "b", "2024-03-10T23:00:00Z", Map.of("$anon_distinct_id", "anon-c"))));

        JsonPath daily = query(project, trends("dau", "day", "ActionsLineGraph", "2024-03-04", "2024-03-10", false));
        assertTrue(readsRollup(daily), daily.getString("postgres"));
        assertEquals(List.of(3, 2, 1, 0, 0, 0, 1), data(daily));
        assertEquals(7, daily.getInt("results[0].count"));
        assertEquals("dau", daily.getString("results[0].action.math"));

        JsonPath weekly = query(project, trends("dau", "week", "ActionsLineGraph", "2024-03-04", "2024-03-10", false));
        assertTrue(readsRollup(weekly));
        assertEquals(List.of(3, 1), data(weekly));

        JsonPath number = query(project, trends("dau", "day", "BoldNumber", "2024-03-04", "2024-03-10", false));
        assertTrue(readsRollup(number));
        assertEquals(3, number.getInt("results[0].aggregated_value"));

        JsonPath wau = query(project, trends("weekly_active", "day", "ActionsLineGraph", "2024-03-04", "2024-03-10",
                false));
        assertTrue(readsRollup(wau));
        assertEquals(List.of(4, 4, 3, 3, 3, 3, 3), data(wau));

        // the same numbers from the events
        JsonPath rawDaily = query(project, trends("dau", "day", "ActionsLineGraph", "2024-03-04", "2024-03-10", true));
        assertFalse(readsRollup(rawDaily), rawDaily.getString("postgres"));
        assertEquals(data(daily), data(rawDaily));
        JsonPath rawWau = query(project, trends("weekly_active", "day", "ActionsLineGraph", "2024-03-04",
                "2024-03-10", true));
        assertEquals(data(wau), data(rawWau));

        // after a fold the folded rows answer alike
        given().header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET).post("/internal/rollups/fold")
                .then().statusCode(200);
        assertEquals(List.of(3, 2, 1, 0, 0, 0, 1),
                data(query(project, trends("dau", "day", "ActionsLineGraph", "2024-03-04", "2024-03-10", false))));
    }

    /**
     * A few thousand generated events (fixed seed) over 80 days for 40 distinct ids in Europe/Berlin, sent in gzip
     * batches; some anonymous ids merged by $identify; a fold half-way; then events moved to other days and deleted
     * in SQL (the rollups' update and delete triggers). Every active-user maths at day, week and month intervals,
     * as a line and as a number, over a 29-day range (the bitmaps) and a 75-day range (the person-day rollup), must
     * equal the events' answer.
     */
    @Test
    void theRollupsAnswerAsTheEventsOnGeneratedData() throws Exception {
        Project project = TestProjects.create("Trends rollup generated", "Europe/Berlin");
        Random random = new Random(1818);
        Instant start = Instant.parse("2024-01-25T00:00:00Z");
        for (int batch = 0; batch < 6; batch++) {
            List<Map<String, Object>> events = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                int person = random.nextInt(40);
                String id = person < 30 ? "user-" + person : "anon-" + person;
                String name = random.nextInt(4) == 0 ? "signed up" : "$pageview";
                Instant at = start.plus(random.nextInt(80 * 24 * 60), ChronoUnit.MINUTES);
                events.add(event(name, id, at.toString(), Map.of("$browser", random.nextBoolean() ? "Chrome" : "Safari")));
            }
            if (batch == 2) {
                for (int k = 30; k < 36; k++) {
                    events.add(event("$identify", "user-" + (k - 30), "2024-02-20T10:00:00Z",
                            Map.of("$anon_distinct_id", "anon-" + k)));
                }
            }
            BatchSender.gzip(project, events);
            if (batch == 3) {
                given().header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET)
                        .post("/internal/rollups/fold").then().statusCode(200);
            }
        }
        long moved = pool.preparedQuery("UPDATE events SET timestamp = timestamp + interval '3 days' "
                + "WHERE team_id = $1 AND event = '$pageview' AND extract(minute FROM timestamp) = 7")
                .execute(Tuple.of(project.id())).await().indefinitely().rowCount();
        long deleted = pool.preparedQuery("DELETE FROM events WHERE team_id = $1 AND extract(minute FROM timestamp) = 11")
                .execute(Tuple.of(project.id())).await().indefinitely().rowCount();
        assertTrue(moved > 0 && deleted > 0, moved + " moved, " + deleted + " deleted");

        int rollupReads = 0;
        for (String[] r : new String[][] {{"2024-03-02", "2024-03-30"}, {"2024-02-01", "2024-04-15"}}) {
            for (String math : new String[] {"dau", "weekly_active", "monthly_active"}) {
                for (String interval : new String[] {"day", "week", "month"}) {
                    for (String display : new String[] {"ActionsLineGraph", "BoldNumber"}) {
                        JsonPath fast = query(project, trends(math, interval, display, r[0], r[1], false));
                        JsonPath raw = query(project, trends(math, interval, display, r[0], r[1], true));
                        assertFalse(readsRollup(raw));
                        String what = math + " " + interval + " " + display + " " + r[0] + ".." + r[1];
                        assertEquals(raw.getList("results").toString(), fast.getList("results").toString(), what);
                        if (readsRollup(fast)) {
                            rollupReads++;
                            // the day masks past bit 31 stay bigint: as HogQL's UInt64 literals they were ANDed in
                            // numeric, 1.4 s for a month of monthly active at 1 M events instead of ms
                            assertFalse(fast.getString("postgres").contains("hogql_bits_wide"), what);
                            Object total = display.equals("BoldNumber") ? fast.get("results[0].aggregated_value")
                                    : fast.get("results[0].count");
                            assertTrue(((Number) total).longValue() > 0, what);
                        }
                    }
                }
            }
        }
        // per range: dau at every interval and display (6); weekly active by day, and as dau at week and month as a
        // line and a number (5); monthly active by day, and as dau at month as a line and a number (3)
        assertEquals(28, rollupReads);
    }
}

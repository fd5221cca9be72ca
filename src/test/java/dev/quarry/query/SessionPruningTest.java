package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sessions table pruned by the outer query's time range, as PostHog prunes its raw sessions
 * (posthog/hogql/database/schema/util/where_clause_extractor.py: the sessions whose UUIDv7 id's time, in whole
 * seconds, is within SESSION_BUFFER_DAYS = 3 days of the range), and every id spelling PostHog keys.
 *
 * <p>Project "generated": 20 days (2026-03-01 … 03-20) of sessions made as PostHog's SDKs make them (the id's first
 * 48 bits the session's first event's ms, or up to an hour before it; events within 23 hours of it), a fixed seed;
 * some ids upper case or as 32 hex digits, some events with a version-4 id or "s-…". Pruned answers (the time
 * conditions at the WHERE's top level) must equal unpruned ones (the same conditions inside an {@code OR 1 = 0}, which
 * the pruning does not read), row for row.
 *
 * <p>Project "edges", by hand (ids' times worked out in the comments):
 * <ul>
 *   <li>SPAN: id time 2026-03-04 23:50:00, $pageview 23:50:00 on /a, $pageview 03-05 00:20:00 on /b — a session
 *       across the range's start 03-05: 1,800 s, entry /a, 2 pageviews.</li>
 *   <li>UPPER: id time 03-06 10:00:00 written in upper case, its second event's id in lower case and a third as 32
 *       hex digits: one session of 3 events, 10:00:00 → 10:00:30, 30 s.</li>
 *   <li>STRAY: an id whose time is 2026-02-01 (more than 3 days before its only event, 03-06 12:00): a session the
 *       unpruned table has and PostHog's pruned read drops.</li>
 *   <li>a version-4 id and "s-1": no session either way.</li>
 *   <li>WIDE: a server SDK's session id (time 2026-03-10 00:00:00) on events 6 days apart: $pageview 03-10 00:00:00
 *       on /a, $pageview 03-10 01:00:00 on /b, $autocapture 03-15 23:59:55 on /c (as "srv2", the others "srv"). PostHog's
 *       raw sessions hold every event of the id: 5 days 23:59:55 = 518,395 s, entry /a, exit /c, 2 pageviews, 3 urls,
 *       distinct id "srv2". (Read from the events within 4 days of a range of 03-10 it was 3,600 s, exit /b.)</li>
 * </ul>
 *
 * <p>Project "spread": generated sessions as a server SDK makes them (the id's time the first event's, events up to
 * 8 days after it), so that a session's events reach past any fixed window around its id. Sessions chosen by a
 * $start_timestamp range (the ids then lie within it) must equal the unpruned table's rows (every event of each id),
 * row for row.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class SessionPruningTest {
    /** 2026-03-04 23:50:00 UTC = 1,772,668,200,000 ms = 0x019cbb422440. */
    static final String SPAN = "019cbb42-2440-7000-8000-000000000001";
    /** 2026-03-06 10:00:00 UTC = 1,772,791,200,000 ms = 0x019cc296f900. */
    static final String UPPER = "019CC296-F900-7ABC-8DEF-00000000000A";
    static final String LOWER = "019cc296-f900-7abc-8def-00000000000a";
    static final String PLAIN = "019cc296f9007abc8def00000000000a";
    /** 2026-02-01 00:00:00 UTC = 1,769,904,000,000 ms = 0x019c167fcc00. */
    static final String STRAY = "019c167f-cc00-7000-8000-000000000003";
    /** 2026-03-10 00:00:00 UTC = 1,773,100,800,000 ms = 0x019cd5c0a400. */
    static final String WIDE = "019cd5c0-a400-7000-8000-000000000004";
    private static Project generated;
    private static Project edges;
    private static Project spread;

    @BeforeEach
    void data() {
        if (generated != null) {
            return;
        }
        generated = TestProjects.create("Sessions pruned, generated");
        edges = TestProjects.create("Sessions pruned, edges");
        spread = TestProjects.create("Sessions pruned, spread over days");
        Random random = new Random(19);
        Capture c = Capture.to(generated);
        long start = Instant.parse("2026-03-01T00:00:00Z").toEpochMilli();
        String[] urls = {"https://x.test/", "https://x.test/pricing", "https://x.test/blog?utm=1", null};
        for (int s = 0; s < 160; s++) {
            long first = start + (long) (random.nextDouble() * 20 * 86_400_000L);
            long idMs = first - (random.nextInt(3) == 0 ? random.nextInt(3_600_000) : 0);
            String id = uuid7(idMs, s);
            if (s % 7 == 0) {
                id = id.toUpperCase(Locale.ROOT);
            } else if (s % 11 == 0) {
                id = id.replace("-", "");
            }
            String person = "p" + random.nextInt(25);
            int events = 1 + random.nextInt(6);
            // most sessions short, some up to 23 hours
            long span = random.nextInt(4) == 0 ? random.nextInt(23 * 3_600_000) : random.nextInt(3_600_000);
            for (int k = 0; k < events; k++) {
                long t = k == 0 ? first : first + (long) (random.nextDouble() * span);
                Map<String, Object> props = new HashMap<>();
                props.put("$session_id", id);
                String url = urls[random.nextInt(urls.length)];
                if (url != null) {
                    props.put("$current_url", url);
                }
                if (k == 0 && random.nextBoolean()) {
                    props.put("$referring_domain", random.nextBoolean() ? "www.google.com" : "$direct");
                }
                String event = random.nextInt(3) == 0 ? "$autocapture" : "$pageview";
                c.event(event, person, Instant.ofEpochMilli(t).toString(), props);
            }
            if (s % 40 == 39) {
                c.send();
                c = Capture.to(generated);
            }
        }
        // events that make no session
        c.event("$pageview", "p1", "2026-03-07T08:00:00Z", Map.of("$session_id", "019cc296-f900-4abc-8def-00000000000b"))
                .event("$pageview", "p2", "2026-03-07T09:00:00Z", Map.of("$session_id", "s-1"))
                .event("$pageview", "p3", "2026-03-07T10:00:00Z").send();

        Capture.to(edges)
                .event("$pageview", "ann", "2026-03-04T23:50:00Z", Map.of("$session_id", SPAN, "$current_url", "https://x.test/a"))
                .event("$pageview", "ann", "2026-03-05T00:20:00Z", Map.of("$session_id", SPAN, "$current_url", "https://x.test/b"))
                .event("$pageview", "bob", "2026-03-06T10:00:00Z", Map.of("$session_id", UPPER))
                .event("$autocapture", "bob", "2026-03-06T10:00:10Z", Map.of("$session_id", LOWER))
                .event("$pageview", "bob", "2026-03-06T10:00:30Z", Map.of("$session_id", PLAIN))
                .event("$pageview", "cat", "2026-03-06T12:00:00Z", Map.of("$session_id", STRAY))
                .event("$pageview", "dan", "2026-03-06T13:00:00Z", Map.of("$session_id", "019cc296-f900-4abc-8def-00000000000b"))
                .event("$pageview", "eve", "2026-03-06T14:00:00Z", Map.of("$session_id", "s-1"))
                .event("$pageview", "srv", "2026-03-10T00:00:00Z", Map.of("$session_id", WIDE, "$current_url", "https://x.test/a"))
                .event("$pageview", "srv", "2026-03-10T01:00:00Z", Map.of("$session_id", WIDE, "$current_url", "https://x.test/b"))
                .event("$autocapture", "srv2", "2026-03-15T23:59:55Z", Map.of("$session_id", WIDE, "$current_url", "https://x.test/c"))
                .send();

        Random wide = new Random(97);
        Capture w = Capture.to(spread);
        for (int s = 0; s < 120; s++) {
            long first = start + (long) (wide.nextDouble() * 20 * 86_400_000L);
            String id = uuid7(first, s);
            int events = 2 + wide.nextInt(5);
            long span = wide.nextInt(8 * 86_400) * 1000L;
            for (int k = 0; k < events; k++) {
                long t = k == 0 ? first : first + (long) (wide.nextDouble() * span);
                Map<String, Object> props = new HashMap<>();
                props.put("$session_id", id);
                props.put("$current_url", urls[wide.nextInt(3)]);
                if (k == 0 && wide.nextBoolean()) {
                    props.put("utm_source", "newsletter");
                    props.put("utm_medium", "email");
                }
                w.event(wide.nextInt(3) == 0 ? "$autocapture" : "$pageview", "server-" + wide.nextInt(9),
                        Instant.ofEpochMilli(t).toString(), props);
            }
            if (s % 40 == 39) {
                w.send();
                w = Capture.to(spread);
            }
        }
    }

    /** A UUIDv7 text: {@code ms} in the first 48 bits, version 7, variant 8, {@code n} at the end. */
    static String uuid7(long ms, int n) {
        String h = String.format("%012x", ms);
        return h.substring(0, 8) + "-" + h.substring(8) + "-7000-8000-" + String.format("%012x", n);
    }

    private static Response hogql(Project p, String sql) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", sql)))
                .post("/api/environments/" + p.id() + "/query/");
    }

    private static List<Object> rows(Project p, String sql) {
        Response r = hogql(p, sql);
        r.then().statusCode(200);
        return r.jsonPath().getList("results");
    }

    private static final String COLUMNS = "session_id, distinct_id, $start_timestamp, $end_timestamp, "
            + "$session_duration, $pageview_count, $autocapture_count, $entry_current_url, $end_current_url, "
            + "$num_uniq_urls, $channel_type, $is_bounce";

    @Test
    void prunedSessionsEqualUnprunedOnGeneratedSessions() {
        // ranges: inside the data, across its start and end, one day, an equality with no session
        String[][] ranges = {{"2026-03-05", "2026-03-12"}, {"2026-02-20", "2026-03-03"}, {"2026-03-18", "2026-03-25"},
                {"2026-03-10", "2026-03-11"}};
        int nonEmpty = 0;
        for (String[] r : ranges) {
            String cond = "$start_timestamp >= '" + r[0] + "' AND $start_timestamp < '" + r[1] + "'";
            List<Object> pruned = rows(generated, "SELECT " + COLUMNS + " FROM sessions WHERE " + cond
                    + " ORDER BY session_id");
            List<Object> unpruned = rows(generated, "SELECT " + COLUMNS + " FROM sessions WHERE (" + cond
                    + ") OR 1 = 0 ORDER BY session_id");
            Assertions.assertEquals(unpruned, pruned, "sessions starting in " + r[0] + " … " + r[1]);
            nonEmpty += pruned.isEmpty() ? 0 : 1;
            // $end_timestamp bounds prune too (PostHog: a session lasts less than a day, inside the 3-day buffer)
            String end = "$end_timestamp > '" + r[0] + "' AND $end_timestamp <= '" + r[1] + "'";
            Assertions.assertEquals(rows(generated, "SELECT " + COLUMNS + " FROM sessions WHERE (" + end
                    + ") OR 1 = 0 ORDER BY session_id"), rows(generated, "SELECT " + COLUMNS + " FROM sessions WHERE "
                    + end + " ORDER BY session_id"), "sessions ending in " + r[0] + " … " + r[1]);
        }
        Assertions.assertTrue(nonEmpty >= 3, "the ranges hold sessions");
        // the events' lazy join: every event of the range with its session's columns
        String cond = "timestamp >= '2026-03-05 12:00:00' AND timestamp < '2026-03-09'";
        String select = "SELECT uuid, session.session_id, session.$session_duration, session.$entry_current_url, "
                + "session.$channel_type FROM events WHERE ";
        List<Object> pruned = rows(generated, select + cond + " ORDER BY uuid");
        Assertions.assertFalse(pruned.isEmpty());
        Assertions.assertEquals(rows(generated, select + "(" + cond + ") OR 1 = 0 ORDER BY uuid"), pruned);
        // a session filter (its subquery takes the events' range) and a breakdown by a session property, as
        // TrendsQuery runs them, against the unpruned HogQL count
        Map<String, Object> range = Map.of("date_from", "2026-03-05", "date_to", "2026-03-11");
        Response trends = given().header("Authorization", "Bearer " + generated.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "TrendsQuery", "interval", "day", "dateRange", range,
                        "series", List.of(Map.of("kind", "EventsNode", "event", "$pageview")),
                        "properties", List.of(Map.of("type", "session", "key", "$session_duration", "operator", "gt",
                                "value", 600)))))
                .post("/api/environments/" + generated.id() + "/query/");
        trends.then().statusCode(200);
        int total = trends.jsonPath().getList("results[0].data", Integer.class).stream().mapToInt(i -> i).sum();
        List<Object> expected = rows(generated, "SELECT count() FROM events WHERE event = '$pageview' AND "
                + "((timestamp >= '2026-03-05' AND timestamp < '2026-03-12') OR 1 = 0) AND session.$session_duration > 600");
        Assertions.assertEquals(List.of(List.of(total)), expected);
        Assertions.assertTrue(total > 0);
    }

    @Test
    void aSessionAcrossTheRangesStartKeepsAllItsEvents() {
        // it starts before 03-05: not a session of the range …
        hogql(edges, "SELECT count() FROM sessions WHERE $start_timestamp >= '2026-03-05' AND $start_timestamp < '2026-03-06'")
                .then().statusCode(200).body("results[0][0]", equalTo(0));
        // … but its event of 03-05 00:20 joins the whole session: from 23:50 the day before, 1,800 s, entry /a
        hogql(edges, "SELECT session.$start_timestamp, session.$session_duration, session.$entry_current_url, "
                + "session.$pageview_count FROM events WHERE timestamp >= '2026-03-05' AND timestamp < '2026-03-06'")
                .then().statusCode(200)
                .body("results", contains(contains("2026-03-04T23:50:00.000000Z", 1800, "https://x.test/a", 2)));
    }

    @Test
    void idSpellingsAreOneSessionAndOthersNone() {
        // upper case, lower case and 32 hex digits: one session, 3 events, 30 s, its id the lower-case hyphenated form
        hogql(edges, "SELECT session_id, $pageview_count, $autocapture_count, $session_duration FROM sessions "
                + "WHERE $start_timestamp >= '2026-03-06' AND $start_timestamp < '2026-03-07' ORDER BY session_id")
                .then().statusCode(200).body("results", contains(contains(LOWER, 2, 1, 30)));
        hogql(edges, "SELECT $session_id, session.session_id FROM events WHERE timestamp >= '2026-03-06 09:00:00' "
                + "AND timestamp < '2026-03-06 11:00:00' ORDER BY timestamp").then().statusCode(200)
                .body("results", contains(contains(UPPER, LOWER), contains(LOWER, LOWER), contains(PLAIN, LOWER)));
        // the version-4 id and "s-1" make none, pruned or not
        hogql(edges, "SELECT distinct_id, session.session_id FROM events WHERE distinct_id IN ('dan', 'eve') "
                + "AND timestamp >= '2026-03-06' ORDER BY distinct_id").then().statusCode(200)
                .body("results", contains(contains("dan", null), contains("eve", null)));
    }

    @Test
    void anIdFarFromItsEventsIsPrunedAsPostHogPrunesIt() {
        // unpruned: STRAY is a session of 03-06 12:00
        hogql(edges, "SELECT session_id FROM sessions WHERE ($start_timestamp >= '2026-03-06 11:00:00' "
                + "AND $start_timestamp < '2026-03-06 13:00:00') OR 1 = 0").then().statusCode(200)
                .body("results", contains(contains(STRAY)));
        // pruned: its id's time (02-01) is more than 3 days before the range, so PostHog's read leaves it out
        hogql(edges, "SELECT session_id FROM sessions WHERE $start_timestamp >= '2026-03-06 11:00:00' "
                + "AND $start_timestamp < '2026-03-06 13:00:00'").then().statusCode(200).body("results", empty());
        hogql(edges, "SELECT session.session_id FROM events WHERE distinct_id = 'cat' AND timestamp >= '2026-03-06'")
                .then().statusCode(200).body("results", contains(contains((Object) null)));
        // a session filter in a TrendsQuery of 03-06 takes the events' range: bob's 2 pageviews have a session of 0 s
        // or more; cat's, whose session is STRAY, not (unpruned it would: 3)
        given().header("Authorization", "Bearer " + edges.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "TrendsQuery", "interval", "day",
                        "dateRange", Map.of("date_from", "2026-03-06", "date_to", "2026-03-06"),
                        "series", List.of(Map.of("kind", "EventsNode", "event", "$pageview")),
                        "properties", List.of(Map.of("type", "session", "key", "$session_duration", "operator", "gte",
                                "value", 0)))))
                .post("/api/environments/" + edges.id() + "/query/").then().statusCode(200)
                .body("results[0].data", contains(2));
    }

    @Test
    void aSessionDaysLongHoldsEveryEventOfItsId() {
        // sessions starting on 03-10: WIDE, with its event 5 days 23:59:55 later (PostHog: 518,395 s)
        hogql(edges, "SELECT session_id, distinct_id, $start_timestamp, $end_timestamp, $session_duration, "
                + "$entry_current_url, $end_current_url, $pageview_count, $autocapture_count, $num_uniq_urls, $is_bounce "
                + "FROM sessions WHERE $start_timestamp >= '2026-03-10' AND $start_timestamp < '2026-03-11'")
                .then().statusCode(200).body("results", contains(contains(WIDE, "srv2", "2026-03-10T00:00:00.000000Z",
                        "2026-03-15T23:59:55.000000Z", 518395, "https://x.test/a", "https://x.test/c", 2, 1, 3, 0)));
        // an event of 03-10 joins the whole session
        hogql(edges, "SELECT session.$session_duration, session.$end_current_url FROM events "
                + "WHERE timestamp >= '2026-03-10' AND timestamp < '2026-03-11' ORDER BY timestamp")
                .then().statusCode(200).body("results", contains(contains(518395, "https://x.test/c"),
                        contains(518395, "https://x.test/c")));
        // the last event, read by a range of 03-15: the id's time (03-10) is more than 3 days before it, so PostHog's
        // pruned read leaves the session out and the event has none
        hogql(edges, "SELECT distinct_id, session.session_id FROM events WHERE timestamp >= '2026-03-15' "
                + "AND timestamp < '2026-03-16'").then().statusCode(200)
                .body("results", contains(contains("srv2", null)));
    }

    @Test
    void sessionsSpreadOverDaysEqualTheUnprunedRows() {
        String[][] ranges = {{"2026-03-01", "2026-03-05"}, {"2026-03-05", "2026-03-12"}, {"2026-03-15", "2026-03-21"},
                {"2026-03-08", "2026-03-09"}};
        int spreadRows = 0;
        for (String[] r : ranges) {
            String cond = "$start_timestamp >= '" + r[0] + "' AND $start_timestamp < '" + r[1] + "'";
            List<Object> pruned = rows(spread, "SELECT " + COLUMNS + " FROM sessions WHERE " + cond
                    + " ORDER BY session_id");
            Assertions.assertEquals(rows(spread, "SELECT " + COLUMNS + " FROM sessions WHERE (" + cond
                    + ") OR 1 = 0 ORDER BY session_id"), pruned, "sessions starting in " + r[0] + " … " + r[1]);
            // sessions longer than the 4 days the window around the range used to read past it
            List<?> longOnes = (List<?>) rows(spread, "SELECT count() FROM sessions WHERE " + cond
                    + " AND $session_duration > 5 * 86400").get(0);
            spreadRows += ((Number) longOnes.get(0)).intValue();
        }
        Assertions.assertTrue(spreadRows >= 5, "sessions longer than 5 days: " + spreadRows);
    }
}

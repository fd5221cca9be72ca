package dev.quarry.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** PostHog's staleness tables (caching/utils.py) and refresh intervals (_refresh_frequency), value by value. */
class CachePolicyTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Instant REFRESH = Instant.parse("2026-03-10T12:00:00Z");

    private static ObjectNode query(String json) throws Exception {
        return (ObjectNode) MAPPER.readTree(json);
    }

    /** The insight records this test reads (the application finds them from its runners: insights.InsightKinds). */
    private static final java.util.Map<String, Class<?>> INSIGHTS = java.util.Map.of(
            "TrendsQuery", dev.quarry.insights.TrendsQuery.class, "FunnelsQuery", dev.quarry.insights.FunnelsQuery.class,
            "RetentionQuery", dev.quarry.insights.RetentionQuery.class,
            "LifecycleQuery", dev.quarry.insights.LifecycleQuery.class);

    /** The policy as QueryService makes it: from the query's record (insights parsed as the edge parses them). */
    private static CachePolicy policy(ObjectNode query, ObjectNode answer) {
        String kind = query.get("kind").asText();
        Object record = INSIGHTS.containsKey(kind)
                ? dev.quarry.query.schema.QuerySchema.parse(query, INSIGHTS.get(kind), kind) : query;
        return CachePolicy.of(kind, record, answer);
    }

    private static ObjectNode answer(String from, String to) {
        ObjectNode body = MAPPER.createObjectNode();
        body.putObject("resolved_date_range").put("date_from", from).put("date_to", to);
        return body;
    }

    @Test
    void freshAndLazyWindowsByInterval() throws Exception {
        String[][] table = {{"minute", "PT5M", "PT15M"}, {"hour", "PT1H", "PT2H"}, {"day", "PT6H", "PT12H"},
                {"week", "P1D", "P1D"}, {"month", "P2D", "P2D"}};
        for (String[] row : table) {
            CachePolicy policy = policy(query("{\"kind\":\"TrendsQuery\",\"interval\":\"" + row[0] + "\"}"), null);
            Duration fresh = Duration.parse(row[1]);
            Duration lazy = Duration.parse(row[2]);
            assertEquals(REFRESH.plus(fresh), policy.targetAge(REFRESH), row[0]);
            assertFalse(policy.isStale(REFRESH, REFRESH.plus(fresh), false), row[0]);
            assertTrue(policy.isStale(REFRESH, REFRESH.plus(fresh).plusSeconds(1), false), row[0]);
            assertFalse(policy.isStale(REFRESH, REFRESH.plus(lazy), true), row[0]);
            assertTrue(policy.isStale(REFRESH, REFRESH.plus(lazy).plusSeconds(1), true), row[0]);
        }
    }

    @Test
    void kindsWithoutADateRangeCountAsMinuteAndHogQLReportsTheDayTarget() throws Exception {
        CachePolicy events = policy(query("{\"kind\":\"EventsQuery\"}"), null);
        assertEquals(REFRESH.plus(Duration.ofMinutes(5)), events.targetAge(REFRESH));
        assertEquals(REFRESH.plus(Duration.ofMinutes(1)), events.nextAllowedClientRefresh(REFRESH));
        CachePolicy hogql = policy(query("{\"kind\":\"HogQLQuery\",\"query\":\"select 1\"}"), null);
        assertEquals(REFRESH.plus(Duration.ofHours(6)), hogql.targetAge(REFRESH));
        assertTrue(hogql.isStale(REFRESH, REFRESH.plus(Duration.ofMinutes(6)), false));
        // an insight without interval is "day"; retention goes by its period
        assertEquals(REFRESH.plus(Duration.ofHours(6)),
                policy(query("{\"kind\":\"FunnelsQuery\"}"), null).targetAge(REFRESH));
        assertEquals(REFRESH.plus(Duration.ofDays(1)), policy(
                query("{\"kind\":\"RetentionQuery\",\"retentionFilter\":{\"period\":\"Week\"}}"), null).targetAge(REFRESH));
    }

    @Test
    void insightsMayRefreshAfter3MinutesWhenHourlyOrAtMostSevenDaysElse15() throws Exception {
        ObjectNode day = query("{\"kind\":\"TrendsQuery\",\"interval\":\"day\"}");
        // -7d by day: 2026-03-03T00:00 … 2026-03-10T23:59:59.999999 is 8 days rounded up
        assertEquals(REFRESH.plus(Duration.ofMinutes(15)), policy(day,
                answer("2026-03-03T00:00:00.000000Z", "2026-03-10T23:59:59.999999Z")).nextAllowedClientRefresh(REFRESH));
        // -6d: 7 days rounded up
        assertEquals(REFRESH.plus(Duration.ofMinutes(3)), policy(day,
                answer("2026-03-04T00:00:00.000000Z", "2026-03-10T23:59:59.999999Z")).nextAllowedClientRefresh(REFRESH));
        assertEquals(REFRESH.plus(Duration.ofMinutes(3)), policy(
                query("{\"kind\":\"LifecycleQuery\",\"interval\":\"hour\"}"),
                answer("2026-01-01T00:00:00.000000Z", "2026-03-10T23:59:59.999999Z")).nextAllowedClientRefresh(REFRESH));
    }

    @Test
    void anAnswerWhoseDateToIsPastIsNeverStale() throws Exception {
        ObjectNode day = query("{\"kind\":\"TrendsQuery\",\"interval\":\"day\"}");
        CachePolicy past = policy(day, answer("2026-01-01T00:00:00.000000Z", "2026-01-02T23:59:59.999999Z"));
        assertFalse(past.isStale(REFRESH, REFRESH.plus(Duration.ofDays(365)), false));
        // date_to within 10 s of the calculation still ages
        CachePolicy current = policy(day, answer("2026-03-01T00:00:00.000000Z", "2026-03-10T11:59:55.000000Z"));
        assertTrue(current.isStale(REFRESH, REFRESH.plus(Duration.ofHours(7)), false));
    }
}

package dev.quarry.query;

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
import io.restassured.response.Response;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Values that used to be accepted and then silently changed (issue 19's breaker): an integer past Int64 in a HogQL
 * literal, a {@code values} placeholder or a variable wrapped around (asLong); {@code 1e400} as a value came back
 * null; a regular expression that does not compile matched nothing (200 with zero counts); a trends funnel's
 * entrance period outside the funnel, or given to a steps funnel, was dropped. Now: integers are kept exactly up to
 * 256 bits (ClickHouse reads such a literal as UInt64 … UInt256 / Int128 …), past that a 400 naming the placeholder;
 * a number past Float64 is a 400 naming the value; an invalid pattern is a 400 naming it, wherever it is used
 * (ClickHouse fails with CANNOT_COMPILE_REGEXP and PostHog answers 400); the funnel fields are 400s naming them.
 *
 * <p>Data: two {@code $pageview} events on 2026-01-05 (ann on Chrome, bob on Firefox) and one {@code $pageleave} by
 * ann an hour later; {@code visit} by ann on 01-05 and 01-06 (2 days) and by bob on 01-05 (1 day).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class SilentValuesTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Silent values");
        Capture.to(team)
                .event("$pageview", "ann", "2026-01-05T10:00:00Z", Map.of("$browser", "Chrome"))
                .event("$pageview", "bob", "2026-01-05T10:30:00Z", Map.of("$browser", "Firefox"))
                .event("$pageleave", "ann", "2026-01-05T11:00:00Z")
                .event("visit", "ann", "2026-01-05T12:00:00Z").event("visit", "ann", "2026-01-06T12:00:00Z")
                .event("visit", "bob", "2026-01-05T12:00:00Z")
                .send();
    }

    private static Response query(Map<String, Object> query) {
        return given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", query, "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/");
    }

    /** The JSON body as text, so that big numbers can be sent as JSON numbers exactly as a client writes them. */
    private static Response queryJson(String queryJson) {
        return given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body("{\"query\": " + queryJson + ", \"refresh\": \"force_blocking\"}")
                .post("/api/environments/" + team.id() + "/query/");
    }

    private static Map<String, Object> hogql(String query) {
        return Map.of("kind", "HogQLQuery", "query", query);
    }

    @Test
    void integersPastInt64AreKeptExactly() {
        // 2^63 and 2^63 + 1: the first integers past Int64; 10^20 is a UInt128 in ClickHouse
        Response r = query(hogql("select 9223372036854775808, 9223372036854775808 + 1, 100000000000000000000"));
        r.then().statusCode(200).body("types[0][1]", equalTo("UInt64")).body("types[2][1]", equalTo("UInt128"));
        // read as text: a JSON reader would turn the big numbers into doubles
        assertEquals(true, r.asString().contains(
                "\"results\":[[9223372036854775808,9223372036854775809,100000000000000000000]]"), r.asString());
        // values and variables arrive as JSON numbers; asLong() used to wrap 10^20 to 7766279631452241920
        Response values = queryJson("{\"kind\": \"HogQLQuery\", \"query\": \"select {a}, {b}, {variables.big}\","
                + " \"values\": {\"a\": 100000000000000000000, \"b\": -9223372036854775809},"
                + " \"variables\": {\"v1\": {\"variableId\": \"v1\", \"code_name\": \"big\","
                + " \"value\": 18446744073709551615}}}");
        values.then().statusCode(200);
        String body = values.asString();
        assertEquals(true, body.contains("\"results\":[[100000000000000000000,-9223372036854775809,18446744073709551615]]"),
                body);
        // a value past 256 bits is no ClickHouse integer: a 400 naming the placeholder
        String huge = BigInteger.TEN.pow(90).toString();
        queryJson("{\"kind\": \"HogQLQuery\", \"query\": \"select {a}\", \"values\": {\"a\": " + huge + "}}")
                .then().statusCode(400).body("type", equalTo("validation_error")).body("detail", containsString("{a}"));
        // comparisons with stored integers use the exact value: 2^63 is above every Int64
        query(hogql("select count() from events where 9223372036854775808 > toInt64(9223372036854775807)"))
                .then().statusCode(200).body("results[0][0]", equalTo(6));
    }

    @Test
    void numbersPastFloat64AreA400NamingTheValue() {
        queryJson("{\"kind\": \"HogQLQuery\", \"query\": \"select {x}\", \"values\": {\"x\": 1e400}}")
                .then().statusCode(400).body("type", equalTo("validation_error")).body("attr", equalTo("values__x"));
        queryJson("{\"kind\": \"HogQLQuery\", \"query\": \"select {variables.x}\", \"variables\": {\"v\": "
                + "{\"variableId\": \"v\", \"code_name\": \"x\", \"value\": -1e400}}}")
                .then().statusCode(400).body("attr", equalTo("variables"));
        // a literal was already refused the same way
        query(hogql("select 1e400")).then().statusCode(400);
        // an ordinary float value is kept
        queryJson("{\"kind\": \"HogQLQuery\", \"query\": \"select {x}\", \"values\": {\"x\": 1.5e300}}")
                .then().statusCode(200).body("types[0][1]", equalTo("Float64"))
                .body(containsString("\"results\":[[1.5e+300]]"));
    }

    @Test
    void invalidRegularExpressionsAre400sNamingThePattern() {
        // HogQL match() and the =~ operator, extract, replaceRegexpAll: the constant pattern is named
        for (String q : List.of("select match(event, '(((') from events",
                "select count() from events where event =~ '(((' ",
                "select extract(event, '(((') from events",
                "select replaceRegexpAll(event, '(((', 'x') from events")) {
            query(hogql(q)).then().statusCode(400).body("type", equalTo("validation_error"))
                    .body("detail", containsString("'((('"));
        }
        // a pattern computed per row: PostgreSQL refuses it as it runs, a 400 in HogQL's words (hogql.ValueErrors)
        query(hogql("select match(event, concat(event, '(')) from events")).then().statusCode(400)
                .body("code", equalTo("cannot_compile_regexp")).body("detail", containsString("regular expression"));
        // valid patterns are unchanged
        query(hogql("select countIf(match(event, '^\\\\$page(view|leave)$')), extract('abc', 'b(c)'), "
                + "replaceRegexpAll('abc', 'b', 'x') from events")).then().statusCode(200)
                .body("results[0]", equalTo(List.of(3, "c", "axc")));
        // a property filter with regex / not_regex: Trends, EventsQuery and ActorsQuery, and the persons list
        Map<String, Object> bad = Map.of("key", "$browser", "type", "event", "operator", "regex", "value", "[Chr");
        Map<String, Object> trends = new HashMap<>(Map.of("kind", "TrendsQuery", "dateRange",
                Map.of("date_from", "2026-01-01", "date_to", "2026-01-10"), "series",
                List.of(Map.of("kind", "EventsNode", "event", "$pageview", "properties", List.of(bad)))));
        query(trends).then().statusCode(400).body("detail", containsString("'[Chr'"));
        query(Map.of("kind", "EventsQuery", "select", List.of("event"), "properties",
                List.of(Map.of("key", "$browser", "type", "event", "operator", "not_regex", "value", "(x"))))
                .then().statusCode(400).body("detail", containsString("'(x'"));
        query(Map.of("kind", "ActorsQuery", "select", List.of("id"), "properties",
                List.of(Map.of("key", "email", "type", "person", "operator", "regex", "value", "a{2,1}"))))
                .then().statusCode(400).body("detail", containsString("'a{2,1}'"));
        given().header("Authorization", "Bearer " + team.key())
                .queryParam("properties", "[{\"key\": \"email\", \"type\": \"person\", \"operator\": \"regex\", \"value\": \"[z\"}]")
                .get("/api/projects/" + team.id() + "/persons/").then().statusCode(400)
                .body("detail", containsString("'[z'"));
        // the same filter with a valid pattern counts the Chrome view
        Map<String, Object> chrome = Map.of("key", "$browser", "type", "event", "operator", "regex", "value", "^Chr");
        trends.put("series", List.of(Map.of("kind", "EventsNode", "event", "$pageview", "properties", List.of(chrome))));
        trends.put("trendsFilter", Map.of("display", "BoldNumber"));
        query(trends).then().statusCode(200).body("results[0].aggregated_value", equalTo(1));
    }

    /**
     * Patterns RE2 refuses (ClickHouse's engine; PostHog answers 400) are refused before anything runs: PostgreSQL
     * would run a backreference by backtracking, and the breaker's {@code ^(.*)(.*)(.*)(.*)\\4\\3\\2\\1$} held a
     * statement slot for 54 s on 20 k events.
     */
    @Test
    void patternsRe2RefusesAre400sBeforeAnythingRuns() {
        String backreference = "^(.*)(.*)(.*)(.*)\\4\\3\\2\\1$";
        query(hogql("select match(concat(repeat('ab', 200), 'c'), '" + backreference.replace("\\", "\\\\") + "')"))
                .then().statusCode(400).body("detail", containsString("Invalid regular expression"));
        query(hogql("select count() from events where event =~ '(?<=a)b'")).then().statusCode(400)
                .body("detail", containsString("(?<=a)b"));
        Map<String, Object> filter = Map.of("key", "$current_url", "type", "event", "operator", "regex",
                "value", backreference);
        query(Map.of("kind", "TrendsQuery", "dateRange", Map.of("date_from", "2026-01-01", "date_to", "2026-01-10"),
                "series", List.of(Map.of("kind", "EventsNode", "event", "$pageview")), "properties", List.of(filter)))
                .then().statusCode(400).body("detail", containsString("Invalid regular expression"));
        query(Map.of("kind", "PathsQuery", "dateRange", Map.of("date_from", "2026-01-01", "date_to", "2026-01-10"),
                "pathsFilter", Map.of("includeEventTypes", List.of("$pageview"), "localPathCleaningFilters",
                        List.of(Map.of("regex", backreference, "alias", "x")))))
                .then().statusCode(400).body("attr", equalTo("localPathCleaningFilters"));
        // RE2's own syntax is kept: classes, anchors, alternation, bounded repetition
        query(hogql("select match('abc123', '^[a-z]+\\\\d{3}$'), match('ab', '(a|b){2}')")).then().statusCode(200)
                .body("results[0]", equalTo(List.of(1, 1)));
    }

    /**
     * ClickHouse's answers the breaker found differing: toInt / toFloat are accurateCastOrNull (every Int64 and every
     * finite Float64 converts, past the type is NULL), and a negative array position counts from the end.
     */
    @Test
    void conversionsReachTheTypesLimitsAndNegativePositionsCountFromTheEnd() {
        query(hogql("select toInt('1000000000000000000'), toInt64('9223372036854775807'), "
                + "toInt64('-9223372036854775808'), toInt('9223372036854775808'), toInt(' 42 ')"))
                .then().statusCode(200)
                .body(containsString("[[1000000000000000000,9223372036854775807,-9223372036854775808,null,42]]"));
        query(hogql("select toFloat('1e300'), toFloat('-2.5E+100'), toFloat('1e400'), toFloat('0e0'), toFloat('x')"))
                .then().statusCode(200).body(containsString("[[1e+300,-2.5e+100,null,0.0,null]]"));
        query(hogql("select [1, 2, 3][-1], arrayElement([10, 20, 30], -2), [1, 2, 3][2], [1, 2, 3][-4], "
                + "arrayElement([10, 20, 30], 1 - 2)"))
                .then().statusCode(200).body("results[0]", equalTo(java.util.Arrays.asList(3, 20, 2, 0, 30)));
        // the bit functions give NULL for a NULL argument, as ClickHouse does (they were a 400)
        query(hogql("select bitOr(NULL, 1), bitTest(NULL, 1), bitCount(NULL), bitAnd(NULL, 3), bitXor(1, NULL), "
                + "bitShiftLeft(NULL, 2), bitOr(6, 3)"))
                .then().statusCode(200)
                .body("results[0]", equalTo(java.util.Arrays.asList(null, null, null, null, null, null, 7)));
    }

    private static Map<String, Object> funnel(String vizType) {
        Map<String, Object> f = new HashMap<>(Map.of("kind", "FunnelsQuery", "dateRange",
                Map.of("date_from", "2026-01-01", "date_to", "2026-01-07"), "series",
                List.of(Map.of("kind", "EventsNode", "event", "$pageview"), Map.of("kind", "EventsNode", "event", "$pageleave"))));
        f.put("funnelsFilter", Map.of("funnelVizType", vizType));
        return f;
    }

    private static Response funnelActors(String vizType, Map<String, Object> fields) {
        Map<String, Object> source = new HashMap<>(fields);
        source.put("kind", "FunnelsActorsQuery");
        source.put("source", funnel(vizType));
        return query(Map.of("kind", "ActorsQuery", "select", List.of("actor"), "source", source));
    }

    @Test
    void funnelTrendsEntrancePeriodIsNeverDropped() {
        // 2026-01-05 is a period of the trends funnel (2026-01-01 … 07, daily): ann converted that day
        funnelActors("trends", Map.of("funnelTrendsEntrancePeriodStart", "2026-01-05"))
                .then().statusCode(200).body("results.size()", equalTo(1))
                .body("results[0][0].distinct_ids", equalTo(List.of("ann")));
        // not a date, an impossible date, a day outside the funnel's range: 400 naming the field
        for (String start : List.of("2026-02-30", "2026-01-05T25:00:00", "1999-01-01", "2026-01-08")) {
            funnelActors("trends", Map.of("funnelTrendsEntrancePeriodStart", start))
                    .then().statusCode(400).body("attr", equalTo("funnelTrendsEntrancePeriodStart"));
        }
        // a steps funnel has no entry periods: the trends fields are refused rather than ignored
        funnelActors("steps", Map.of("funnelStep", 1, "funnelTrendsEntrancePeriodStart", "2026-01-05"))
                .then().statusCode(400).body("attr", equalTo("funnelTrendsEntrancePeriodStart"));
        funnelActors("steps", Map.of("funnelStep", 1, "funnelTrendsDropOff", true))
                .then().statusCode(400).body("attr", equalTo("funnelTrendsDropOff"));
        funnelActors("steps", Map.of("funnelStep", 1, "funnelTrendsDropOff", false)).then().statusCode(200)
                .body("results.size()", equalTo(2));
    }

    private static Response metadata(Map<String, Object> extra) {
        Map<String, Object> q = new HashMap<>(Map.of("kind", "HogQLMetadata", "language", "hogQLExpr"));
        q.putAll(extra);
        return query(q);
    }

    /**
     * HogQLMetadata's {@code sourceQuery} was parsed and dropped: an expression was only parsed, so an unknown field
     * was "valid". Now it is resolved on the source's table as in PostHog (events by default, persons for an
     * ActorsQuery), with the error at the expression's own position; {@code connectionId} is refused unless null.
     */
    @Test
    void hogQLExpressionsResolveOnTheSourceQuerysTable() {
        metadata(Map.of("query", "properties.$browser")).then().statusCode(200).body("isValid", equalTo(true));
        metadata(Map.of("query", "event", "sourceQuery", Map.of("kind", "EventsQuery", "select", List.of("*"))))
                .then().statusCode(200).body("isValid", equalTo(true));
        metadata(Map.of("query", "no_such_field")).then().statusCode(200).body("isValid", equalTo(false))
                .body("errors[0].start", equalTo(0)).body("errors[0].end", equalTo(13));
        Map<String, Object> actors = Map.of("kind", "ActorsQuery", "select", List.of("person"));
        metadata(Map.of("query", "properties.email", "sourceQuery", actors)).then().statusCode(200)
                .body("isValid", equalTo(true));
        metadata(Map.of("query", "concat(event, 'x')", "sourceQuery", actors)).then().statusCode(200)
                .body("isValid", equalTo(false)).body("errors[0].start", equalTo(7));
        metadata(Map.of("query", "1 +")).then().statusCode(200).body("isValid", equalTo(false));
        metadata(Map.of("query", "event", "connectionId", "warehouse-1")).then().statusCode(400)
                .body("attr", equalTo("connectionId"));
    }

    private static Response stickinessActors(String kind, Object operator) {
        Map<String, Object> insight = Map.of("kind", kind, "dateRange",
                Map.of("date_from", "2026-01-01", "date_to", "2026-01-07"), "series",
                List.of(Map.of("kind", "EventsNode", "event", "visit")));
        Map<String, Object> cell = new HashMap<>(Map.of("kind", "InsightActorsQuery", "source", insight, "day",
                kind.equals("StickinessQuery") ? 1 : "2026-01-05"));
        if (operator != null) {
            cell.put("operator", operator);
        }
        return query(Map.of("kind", "ActorsQuery", "select", List.of("actor"), "source", cell,
                "orderBy", List.of("actor_id")));
    }

    /**
     * StickinessActorsQuery's {@code operator} was parsed and dropped (the cell was always "exactly N" or, cumulative,
     * "N or more"): with visit on 2 days for ann and 1 for bob, day 1 is bob alone exactly, both with gte; lte 1 is
     * bob. Any other operator, and an operator on a cell of another kind, is a 400 naming it.
     */
    @Test
    void stickinessCellsReadTheirOperator() {
        assertEquals(List.of(List.of("bob")), stickinessActors("StickinessQuery", null).then().statusCode(200)
                .extract().jsonPath().getList("results.collect { it[0].distinct_ids }"));
        assertEquals(2, stickinessActors("StickinessQuery", "gte").then().statusCode(200).extract().jsonPath()
                .getList("results").size());
        assertEquals(List.of(List.of("bob")), stickinessActors("StickinessQuery", "lte").then().statusCode(200)
                .extract().jsonPath().getList("results.collect { it[0].distinct_ids }"));
        stickinessActors("StickinessQuery", "gt").then().statusCode(400).body("attr", equalTo("operator"));
        stickinessActors("TrendsQuery", "gte").then().statusCode(400).body("attr", equalTo("operator"));
        stickinessActors("TrendsQuery", null).then().statusCode(200).body("results.size()", equalTo(2));
    }
}

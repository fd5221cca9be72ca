package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.HogQLRequests;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The last values issue 19 found differing from PostHog, beside {@link SilentValuesTest}: non-integer numbers in
 * integer fields of query records (PostHog's pydantic schema refuses {@code 2.9}, takes {@code 2.0}); aggregations in
 * the HogQL slots of query records (a 400 naming them before anything runs, not PostgreSQL's GROUP BY text); captured
 * numbers stored as PostHog's ingestion writes them (JavaScript's JSON.stringify after JSON.parse); integer
 * arithmetic that wraps around and is typed as ClickHouse's; regular expressions in RE2's syntax rewritten for
 * PostgreSQL.
 *
 * <p>Data: ann views {@code /a} then {@code /b} on 2026-01-05, bob views {@code /a} the same day.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ExactValuesTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Exact values");
        Capture.to(team)
                .event("$pageview", "ann", "2026-01-05T10:00:00Z", Map.of("$current_url", "/a"))
                .event("$pageview", "ann", "2026-01-05T10:01:00Z", Map.of("$current_url", "/b"))
                .event("$pageview", "bob", "2026-01-05T10:30:00Z", Map.of("$current_url", "/a"))
                .send();
    }

    /** The query node as JSON text, so numbers go out exactly as a client writes them ({@code 2.0} stays 2.0). */
    static Response queryJson(Project p, String queryJson) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body("{\"query\": " + queryJson + ", \"refresh\": \"force_blocking\"}")
                .post("/api/environments/" + p.id() + "/query/");
    }

    private static final String RANGE = "\"dateRange\": {\"date_from\": \"2026-01-01\", \"date_to\": \"2026-01-10\"}";

    private static String paths(String filter) {
        return "{\"kind\": \"PathsQuery\", " + RANGE + ", \"pathsFilter\": {\"includeEventTypes\": [\"$pageview\"], "
                + filter + "}}";
    }

    /**
     * pydantic (lax, PostHog's default) takes a float for an int only when it is whole: 2.9 is "Input should be a
     * valid integer, got a number with a fractional part"; Jackson truncated it to 2 and answered as if 2 was sent.
     */
    @Test
    void fractionalNumbersInIntegerFieldsAre400sNamingTheField() {
        String funnelSeries = "\"series\": [{\"kind\": \"EventsNode\", \"event\": \"$pageview\"}, "
                + "{\"kind\": \"EventsNode\", \"event\": \"$pageview\"}]";
        Map<String, String> cases = Map.of(
                "stepLimit", paths("\"stepLimit\": 2.9"),
                "edgeLimit", paths("\"edgeLimit\": 1.5"),
                "minEdgeWeight", paths("\"minEdgeWeight\": 0.5"),
                "limit", "{\"kind\": \"EventsQuery\", \"select\": [\"event\"], \"limit\": 10.5}",
                "intervalCount", "{\"kind\": \"StickinessQuery\", " + RANGE + ", \"intervalCount\": 1.5, "
                        + "\"series\": [{\"kind\": \"EventsNode\", \"event\": \"$pageview\"}]}",
                "funnelWindowInterval", "{\"kind\": \"FunnelsQuery\", " + RANGE + ", " + funnelSeries
                        + ", \"funnelsFilter\": {\"funnelWindowInterval\": 2.5}}",
                "totalIntervals", "{\"kind\": \"RetentionQuery\", " + RANGE + ", \"retentionFilter\": "
                        + "{\"totalIntervals\": 7.25}}",
                "breakdown_limit", "{\"kind\": \"TrendsQuery\", " + RANGE + ", \"series\": [{\"kind\": \"EventsNode\", "
                        + "\"event\": \"$pageview\"}], \"breakdownFilter\": {\"breakdown\": \"$current_url\", "
                        + "\"breakdown_type\": \"event\", \"breakdown_limit\": 2.5}}");
        cases.forEach((field, q) -> queryJson(team, q).then().statusCode(400)
                .body("type", equalTo("validation_error")).body("attr", equalTo(field))
                .body("detail", containsString("fractional part")));
    }

    /** A whole number written as a float ({@code 2.0}, {@code 1e1}) is that integer, as in pydantic's lax mode. */
    @Test
    void wholeFloatsInIntegerFieldsAreThoseIntegers() {
        // ann's /a → /b is the only edge; stepLimit 2.0 is 2 steps
        queryJson(team, paths("\"stepLimit\": 2.0, \"edgeLimit\": 1e1")).then().statusCode(200)
                .body("results.size()", equalTo(1)).body("results[0].value", equalTo(1));
        queryJson(team, "{\"kind\": \"EventsQuery\", \"select\": [\"event\"], \"limit\": 2.0, "
                + "\"after\": \"2026-01-01\", \"before\": \"2026-01-10\"}")
                .then().statusCode(200).body("results.size()", equalTo(2));
    }

    private static String trends(String extra) {
        return "{\"kind\": \"TrendsQuery\", " + RANGE + ", \"trendsFilter\": {\"display\": \"BoldNumber\"}, " + extra + "}";
    }

    private static final String VIEWS = "{\"kind\": \"EventsNode\", \"event\": \"$pageview\"";

    /**
     * Slots evaluated per event (paths' item, a hogql breakdown, a hogql property filter) refuse an aggregation;
     * math_hogql must aggregate every column it reads. PostHog's printer words a nested aggregation "Aggregation
     * 'count' cannot be nested inside another aggregation 'sum'."; ClickHouse refuses the others (NOT_AN_AGGREGATE,
     * ILLEGAL_AGGREGATION). Quarry answered "Query failed: column … must appear in the GROUP BY clause".
     */
    @Test
    void aggregationsInPerRowSlotsAre400sNamingThem() {
        queryJson(team, "{\"kind\": \"PathsQuery\", " + RANGE + ", \"pathsFilter\": {\"includeEventTypes\": "
                + "[\"hogql\"], \"pathsHogQLExpression\": \"count()\"}}")
                .then().statusCode(400).body("attr", equalTo("pathsHogQLExpression"))
                .body("detail", containsString("Aggregation 'count' is not allowed in pathsHogQLExpression"));
        queryJson(team, trends("\"series\": [" + VIEWS + "}], \"breakdownFilter\": {\"breakdown\": "
                + "\"concat(event, toString(count()))\", \"breakdown_type\": \"hogql\"}"))
                .then().statusCode(400).body("attr", equalTo("breakdown"))
                .body("detail", containsString("Aggregation 'count' is not allowed in breakdown"));
        queryJson(team, "{\"kind\": \"FunnelsQuery\", " + RANGE + ", \"series\": [" + VIEWS + "}, " + VIEWS + "}], "
                + "\"breakdownFilter\": {\"breakdown\": \"max(timestamp)\", \"breakdown_type\": \"hogql\"}}")
                .then().statusCode(400).body("attr", equalTo("breakdown"))
                .body("detail", containsString("Aggregation 'max'"));
        queryJson(team, trends("\"series\": [" + VIEWS + ", \"properties\": [{\"type\": \"hogql\", "
                + "\"key\": \"count() > 1\"}]}]"))
                .then().statusCode(400).body("detail", containsString("Aggregation 'count' is not allowed"));
        queryJson(team, "{\"kind\": \"EventsQuery\", \"select\": [\"event\"], \"properties\": [{\"type\": \"hogql\", "
                + "\"key\": \"uniq(distinct_id) > 1\"}]}")
                .then().statusCode(400).body("detail", containsString("Aggregation 'uniq' is not allowed"));
        // math_hogql must aggregate: a bare column, a nested aggregation
        queryJson(team, trends("\"series\": [" + VIEWS + ", \"math\": \"hogql\", \"math_hogql\": "
                + "\"length(properties.$current_url)\"}]"))
                .then().statusCode(400).body("attr", equalTo("math_hogql"))
                .body("detail", containsString("properties.$current_url is read outside an aggregation"));
        queryJson(team, trends("\"series\": [" + VIEWS + ", \"math\": \"hogql\", \"math_hogql\": \"sum(count())\"}]"))
                .then().statusCode(400).body("attr", equalTo("math_hogql"))
                .body("detail", containsString("Aggregation 'count' cannot be nested inside another aggregation 'sum'."));
        // the same slots without an aggregation, and a math_hogql that aggregates, still answer: 3 views, 2 persons
        queryJson(team, trends("\"series\": [" + VIEWS + ", \"math\": \"hogql\", \"math_hogql\": "
                + "\"count() * 10 + uniq(distinct_id)\"}]"))
                .then().statusCode(200).body("results[0].aggregated_value", equalTo(32.0f));
        queryJson(team, "{\"kind\": \"PathsQuery\", " + RANGE + ", \"pathsFilter\": {\"includeEventTypes\": "
                + "[\"hogql\"], \"pathsHogQLExpression\": \"properties.$current_url\"}}")
                .then().statusCode(200).body("results.size()", equalTo(1))
                .body("results[0].source", equalTo("1_/a")).body("results[0].target", equalTo("2_/b"));
    }

    /**
     * An EventsQuery column that aggregates inside BETWEEN, IS NULL or an array groups the other columns, as
     * PostHog's aggregation finder sees it there; it was taken for a plain column (PostgreSQL's GROUP BY error).
     */
    @Test
    void eventsQueryFindsAggregationsInEveryExpression() {
        queryJson(team, "{\"kind\": \"EventsQuery\", \"select\": [\"event\", \"count() BETWEEN 1 AND 5\", "
                + "\"[count()]\"], \"after\": \"2026-01-01\", \"before\": \"2026-01-10\"}")
                .then().statusCode(200).body("results", equalTo(java.util.List.of(
                        java.util.List.of("$pageview", 1, java.util.List.of(3)))));
    }

    /**
     * posthog-node sends JSON.stringify's text; these are the numbers as a hand-written client may send them. PostHog
     * stores what JSON.stringify(JSON.parse(body).properties) gives (its Node ingestion), and HogQL reads that text:
     * 1e308 → "1e+308" (was a 309-digit integer), 1E5 → "100000", -0 → "0", 1.0 → "1" (was "1.0"),
     * 12345678901234567890 → "12345678901234567000" (a double), 1.5e-7 → "1.5e-7". (1e400 never gets that far:
     * PostHog's capture reads the body with serde_json, which refuses it — CaptureNumbersAndKeysTest.)
     */
    @Test
    void capturedNumbersRoundTripAsPostHogStoresThem() {
        Project p = TestProjects.create("Exact numbers");
        String props = "{\"big\": 1e308, \"e5\": 1E5, \"negzero\": -0, \"one\": 1.0, \"twenty\": 12345678901234567890, "
                + "\"tiny\": 1.5e-7, \"plain\": 2.5, \"int\": 42, \"list\": [1.0, 1e21], "
                + "\"$set\": {\"big\": 1e308, \"one\": 1.0}}";
        given().contentType("application/json").body("{\"api_key\": \"" + p.apiToken() + "\", \"batch\": [{\"event\": "
                + "\"num\", \"distinct_id\": \"ann\", \"timestamp\": \"2026-01-05T10:00:00Z\", \"properties\": "
                + props + "}]}").post("/batch/").then().statusCode(200);
        // the stored text (JSONExtractRaw: the property as stored, whatever its definition says); 1e308 and 1.5e-7
        // through toFloat
        queryJson(p, "{\"kind\": \"HogQLQuery\", \"query\": \"select JSONExtractRaw(properties, 'e5'), "
                + "JSONExtractRaw(properties, 'negzero'), JSONExtractRaw(properties, 'one'), "
                + "JSONExtractRaw(properties, 'twenty'), JSONExtractRaw(properties, 'plain'), "
                + "JSONExtractRaw(properties, 'int'), toFloat(properties.big), toFloat(properties.tiny), "
                + "JSONExtractRaw(person.properties, 'one') from events\"}")
                .then().statusCode(200).body(containsString("\"results\":[[\"100000\",\"0\",\"1\","
                        + "\"12345678901234567000\",\"2.5\",\"42\",1e+308,1.5e-7,\"1\"]]"));
        // read by their Numeric definitions (capture typed them from the numbers sent), as PostHog's PropertySwapper
        // reads them (posthog/hogql/transforms/property_types.py): toFloat of the stored text, Float64
        queryJson(p, "{\"kind\": \"HogQLQuery\", \"query\": \"select properties.big, properties.e5, "
                + "properties.negzero, properties.one, properties.twenty, properties.tiny, "
                + "properties.plain, properties.int, person.properties.big, person.properties.one from events\"}")
                .then().statusCode(200).body(containsString("\"results\":[[1e+308,100000.0,0.0,1.0,"
                        + "1.2345678901234567e+19,1.5e-7,2.5,42.0,1e+308,1.0]]"));
        // the property stays Numeric in the definitions (its type is read from the number that was sent)
        given().header("Authorization", "Bearer " + p.key()).queryParam("search", "big")
                .get("/api/projects/" + p.id() + "/property_definitions/").then().statusCode(200)
                .body("results.find { it.name == 'big' }.property_type", equalTo("Numeric"));
    }

    private static Response hogql(String q) {
        return queryJson(team, "{\"kind\": \"HogQLQuery\", \"query\": \"" + q + "\"}");
    }

    /**
     * ClickHouse's integer rules (docs: arithmetic functions — "overflow is handled as in C++", the result type is
     * the next wider type, 64 bits at most for plus/multiply; a non-negative literal is the smallest UInt holding
     * it): 2^63 - 1 is a UInt64 literal, so + 1 is 2^63; Int64 arithmetic wraps; UInt64 arithmetic wraps modulo
     * 2^64; toInt64 of a UInt128 literal wraps (10^20 - 5·2^64 = 7766279631452241919) where toInt
     * (accurateCastOrNull) is NULL; bit functions on UInt128 keep its width. All were "bigint out of range" 400s or
     * exact values labelled Int64.
     */
    @Test
    void integerArithmeticWrapsAndIsTypedAsClickHouses() {
        Response r = hogql("select 9223372036854775807 + 1, toInt64(9223372036854775807) + 1, "
                + "18446744073709551615 * 2, toInt64(99999999999999999999), toInt(99999999999999999999), "
                + "0 - 9223372036854775808, 2 - 5, 3 * 4");
        r.then().statusCode(200).body("types.collect { it[1] }", equalTo(java.util.List.of("UInt64", "Int64", "UInt64",
                "Int64", "Nullable(Int64)", "Int64", "Int16", "UInt16")));
        assertTrue(r.asString().contains("\"results\":[[9223372036854775808,-9223372036854775808,18446744073709551614,"
                + "7766279631452241919,null,-9223372036854775808,-3,12]]"), r.asString());
        // count() is UInt64: + a UInt64 literal stays UInt64 (3 events)
        Response counted = hogql("select count() + 9223372036854775807 from events");
        counted.then().statusCode(200).body("types[0][1]", equalTo("UInt64"));
        assertTrue(counted.asString().contains("\"results\":[[9223372036854775810]]"), counted.asString());
        // per row: Int64 + UInt64 (length) is Int64 and wraps; '$pageview' has 9 characters
        Response perRow = hogql("select toInt64(9223372036854775800) + length(event), toInt64(4611686018427387904) * "
                + "length(event), event from events limit 1");
        perRow.then().statusCode(200);
        // 2^62 · 9 = 41505174165846409216 → modulo 2^64 → 4611686018427387904
        assertTrue(perRow.asString().contains("\"results\":[[-9223372036854775807,4611686018427387904,"), perRow.asString());
        // a column (the lambda's) times a literal: the guarded form, an Int64's 2^62 · 2 wraps to -2^63; 3 * 4 of two
        // narrow literals is labelled Int64 as every narrower integer in Quarry (ClickHouse: UInt16, the same value).
        // The literal 4611686018427387904 alone is a UInt64 in ClickHouse, so its array is Array(UInt64) and 2^62 · 2
        // is 2^63 there
        hogql("select arrayMap(x -> x * 2, [toInt64(4611686018427387904), 5])").then().statusCode(200)
                .body(containsString("\"results\":[[[-9223372036854775808,10]]]"));
        hogql("select arrayMap(x -> x * 2, [4611686018427387904, 5])").then().statusCode(200)
                .body(containsString("\"results\":[[[9223372036854775808,10]]]"))
                .body("types[0][1]", equalTo("Array(UInt64)"));
        // bit functions past 64 bits keep the widest width: UInt128 | UInt8 is UInt128; below 64 bits ClickHouse's
        // ResultOfBit: UInt8 & UInt8 is UInt8
        Response bits = hogql("select bitOr(99999999999999999999, 1), bitXor(99999999999999999999, 1), "
                + "bitAnd(18446744073709551615, 255), bitAnd(6, 3)");
        bits.then().statusCode(200).body("types.collect { it[1] }",
                equalTo(java.util.List.of("UInt128", "UInt128", "UInt64", "UInt8")));
        assertTrue(bits.asString().contains("\"results\":[[99999999999999999999,99999999999999999998,255,2]]"),
                bits.asString());
    }

    /**
     * Found by the breaker: a sum of integers past Int64 was NULL (ClickHouse's sum wraps: 3 events ·
     * (2^63 − 1) = 2^64 + 2^63 − 3 → 2^63 − 3 as Int64; 3 · (2^64 − 1) → 2^64 − 3 as UInt64); Int64's smallest value
     * written as a literal, −9223372036854775808, printed a call of a function that does not exist (a 400 naming
     * Quarry's SQL); now it is the Int64 literal and − 1 wraps to 2^63 − 1.
     */
    @Test
    void sumsWrapAndInt64sSmallestLiteralComputes() {
        Response sums = hogql("select sum(toInt64(9223372036854775807)), sum(18446744073709551615), sum(1) from events");
        sums.then().statusCode(200);
        assertTrue(sums.asString().contains("\"results\":[[9223372036854775805,18446744073709551613,3]]"), sums.asString());
        Response smallest = hogql("select -9223372036854775808 - 1, -9223372036854775808 + 0, -9223372036854775808 * 2");
        smallest.then().statusCode(200);
        assertTrue(smallest.asString().contains("\"results\":[[9223372036854775807,-9223372036854775808,0]]"),
                smallest.asString());
    }

    /**
     * Found by the breaker: a 12,000-character {@code client_query_id} answered 200 while its query log row was lost
     * (the index cannot hold it); past 1,024 characters it is a 400 naming the field, before anything runs.
     */
    @Test
    void overlongClientQueryIdsAre400s() {
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select 1"),
                        "client_query_id", "q".repeat(1025)))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(400)
                .body("attr", equalTo("client_query_id"));
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select 1"),
                        "client_query_id", "q".repeat(1024), "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(200);
    }

    private static Response hogqlText(String q) {
        return HogQLRequests.post(team, q);
    }

    /**
     * Patterns RE2 accepts and PostgreSQL did not, or read differently (RE2's syntax page; PostgreSQL's ARE): named
     * groups, leading flags, {@code .} not matching a newline without {@code (?s)}, {@code \z}, {@code \Q…\E}, ASCII
     * classes ({@code [[:word:]]}, {@code \d} does not match the Arabic-Indic digit three), {@code \b} as a word
     * boundary. Constructs PostgreSQL cannot run the same way are 400s naming them.
     */
    @Test
    void re2PatternsAreRewrittenForPostgres() {
        hogqlText("select match('ab', '(?P<x>a)b'), match('ABC', '(?i)abc'), match('a\\nb', 'a.b'), "
                + "match('a\\nb', '(?s)a.b'), match('abc', 'c\\\\z'), extract('abc', '(?P<x>b)c'), "
                + "match('a.b', '\\\\Qa.b\\\\E'), match('axb', '\\\\Qa.b\\\\E'), match('a_1', '^[[:word:]]+$'), "
                + "match('\u0663', '\\\\d'), replaceRegexpAll('foo bar', '\\\\bbar\\\\b', 'x'), match('a-b', '^a\\\\x2Db$')")
                .then().statusCode(200).body("results[0]", equalTo(java.util.List.of(1, 1, 0, 1, 1, "b",
                        1, 0, 1, 0, "foo x", 1)));
        hogqlText("select count() from events where event =~ 'x(?i)y'").then().statusCode(400)
                .body("detail", containsString("(?i)"));
        hogqlText("select match(event, '\\\\p{Greek}') from events").then().statusCode(400)
                .body("detail", containsString("\\p{Greek}"));
        // a property filter and paths cleaning take RE2's syntax too
        queryJson(team, trends("\"series\": [" + VIEWS + ", \"properties\": [{\"type\": \"event\", \"key\": "
                + "\"$current_url\", \"operator\": \"regex\", \"value\": \"(?i)^/(?P<page>A)$\"}]}]"))
                .then().statusCode(200).body("results[0].aggregated_value", equalTo(2));
        queryJson(team, "{\"kind\": \"PathsQuery\", " + RANGE + ", \"pathsFilter\": {\"includeEventTypes\": "
                + "[\"$pageview\"], \"localPathCleaningFilters\": [{\"regex\": \"(?P<page>/b)\\\\z\", "
                + "\"alias\": \"/B\"}]}}")
                .then().statusCode(200).body("results[0].source", equalTo("1_/a")).body("results[0].target", equalTo("2_/B"));
    }
}

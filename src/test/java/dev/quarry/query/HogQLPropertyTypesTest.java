package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import io.restassured.specification.RequestSpecification;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HogQL reads a property by the team's definition of it, as PostHog's PropertySwapper
 * ({@code posthog/hogql/transforms/property_types.py}): a Numeric event property is {@code toFloat(properties.x)}
 * (Float64, NULL for text that is no number), a Boolean one {@code toBool(transform(toString(x), ['true', 'false'],
 * [1, 0], NULL))}, a DateTime one {@code toDateTime(x)}; person properties by the person definitions. Before, every
 * property was text: {@code max(properties.amount)} over 7 and 42 answered '7'.
 *
 * <p>Data of team A, events {@code buy} (the properties as stored, and what ClickHouse reads them as):
 * <pre>
 *   e1 u1 2026-01-05 10:00  amount 7 (JSON number)  → 7.0    flag true (JSON)     → true   at '2026-01-05 10:00:00' → that time (UTC)
 *   e2 u1 2026-01-06 10:00  amount "42" (string)    → 42.0   flag "false" (text)  → false  at '2026-01-06T12:00:00Z' → 12:00 UTC
 *   e3 u2 2026-01-07 10:00  amount "abc"            → NULL   flag "yes"           → NULL   at 'soon'               → NULL
 *   e4 u2 2026-01-08 10:00  amount 1.5              → 1.5    flag missing         → NULL   at missing              → NULL
 *   e5 u2 2026-01-09 10:00  amount missing          → NULL   flag "True"          → NULL (transform is exact)
 * </pre>
 * Definitions (PATCHed so the test does not depend on the first value seen): amount Numeric, flag Boolean, at
 * DateTime, {@code $ai_trace_id} (e5: '2026-01-09T10:00:00Z') DateTime. Persons: u1 {@code age} 30 (number), u2 {@code age} "9" (string); person definition age Numeric.
 * Team B has the same key {@code amount} (events 7 and 42) with a String definition.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class HogQLPropertyTypesTest {
    private static Project a;
    private static Project b;

    @BeforeEach
    void data() {
        if (a != null) {
            return;
        }
        a = TestProjects.create("Property types A");
        Map<String, Object> e5 = new HashMap<>();
        e5.put("flag", "True");
        e5.put("$ai_trace_id", "2026-01-09T10:00:00Z");
        Capture.to(a)
                .event("buy", "u1", "2026-01-05T10:00:00Z", Map.of("amount", 7, "flag", true,
                        "at", "2026-01-05 10:00:00", "$set", Map.of("age", 30)))
                .event("buy", "u1", "2026-01-06T10:00:00Z", Map.of("amount", "42", "flag", "false",
                        "at", "2026-01-06T12:00:00Z"))
                .event("buy", "u2", "2026-01-07T10:00:00Z", Map.of("amount", "abc", "flag", "yes", "at", "soon",
                        "$set", Map.of("age", "9")))
                .event("buy", "u2", "2026-01-08T10:00:00Z", Map.of("amount", 1.5))
                .event("buy", "u2", "2026-01-09T10:00:00Z", e5)
                .send();
        retype(a, "amount", "event", "Numeric");
        retype(a, "flag", "event", "Boolean");
        retype(a, "at", "event", "DateTime");
        retype(a, "age", "person", "Numeric");
        retype(a, "$ai_trace_id", "event", "DateTime");
        b = TestProjects.create("Property types B");
        Capture.to(b)
                .event("buy", "v1", "2026-01-05T10:00:00Z", Map.of("amount", 7))
                .event("buy", "v1", "2026-01-06T10:00:00Z", Map.of("amount", 42))
                .send();
        retype(b, "amount", "event", "String");
    }

    private static RequestSpecification as(Project p) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json");
    }

    private static void retype(Project p, String name, String type, String propertyType) {
        String base = "/api/projects/" + p.id() + "/property_definitions/";
        String id = as(p).get(base + "?properties=" + name + "&type=" + type).then().statusCode(200)
                .extract().path("results[0].id");
        as(p).body(Map.of("property_type", propertyType)).patch(base + id + "/").then().statusCode(200)
                .body("property_type", equalTo(propertyType));
    }

    private static JsonPath hogql(Project p, String query, String refresh) {
        String body = as(p).body(Map.of("query", Map.of("kind", "HogQLQuery", "query", query), "refresh", refresh))
                .post("/api/environments/" + p.id() + "/query/").then().statusCode(200).extract().asString();
        return new JsonPath(body).using(new JsonPathConfig(JsonPathConfig.NumberReturnType.DOUBLE));
    }

    /** A result row with every number as a double (JSON integers and floats alike). */
    private static List<Object> row(JsonPath r, String path) {
        return r.getList(path).stream().map(v -> v instanceof Number n ? (Object) n.doubleValue() : v).toList();
    }

    private static JsonPath hogql(Project p, String query) {
        return hogql(p, query, "force_blocking");
    }

    @Test
    void numericPropertiesAreFloatsInAggregates() {
        // typed: 7, 42, NULL ('abc'), 1.5, NULL (missing) → max 42, min 1.5, sum 50.5, avg 50.5 / 3, count 3;
        // as text, max was '7' and min '1.5'
        JsonPath r = hogql(a, "SELECT max(properties.amount), min(properties.amount), sum(properties.amount), "
                + "avg(properties.amount), count(properties.amount) FROM events WHERE event = 'buy'");
        assertEquals(Arrays.asList(42.0, 1.5, 50.5, 50.5 / 3, 3.0), row(r, "results[0]"));
        assertEquals(List.of("Nullable(Float64)", "Nullable(Float64)"), labels(r).subList(0, 2));
        assertEquals(List.of("Nullable(Float64)", "UInt64"), labels(r).subList(3, 5));
        // the property itself: Nullable(Float64), as PostHog's toFloat gives it
        assertEquals(List.of("Nullable(Float64)"), labels(hogql(a, "SELECT properties.amount FROM events LIMIT 1")));
    }

    /** The {@code types} labels of a HogQL answer, in column order. */
    private static List<Object> labels(JsonPath r) {
        return r.getList("types").stream().map(t -> (Object) ((List<?>) t).get(1)).toList();
    }

    @Test
    void numericPropertiesOrderAndCompareAsNumbers() {
        // ORDER BY the number: 1.5, 7, 42 (as text '1.5', '42', '7'); NULLs last in ClickHouse's ascending order
        JsonPath r = hogql(a, "SELECT properties.amount FROM events WHERE event = 'buy' "
                + "ORDER BY properties.amount, timestamp");
        assertEquals(Arrays.asList(1.5, 7.0, 42.0, null, null), row(r, "results.collect { it[0] }"));
        // = 42 matches the string "42"; the JSON number 7 equals 7.0; argMax by the amount is e2's distinct id
        JsonPath eq = hogql(a, "SELECT countIf(properties.amount = 42), countIf(properties.amount = 7.0), "
                + "argMax(distinct_id, properties.amount), countIf(properties.amount > 10) FROM events");
        assertEquals(Arrays.asList(1.0, 1.0, "u1", 1.0), row(eq, "results[0]"));
    }

    @Test
    void booleanPropertiesAreTrueFalseOrNull() {
        // true (JSON) → true, "false" → false, "yes", missing and "True" → NULL (PostHog's transform is exact)
        JsonPath r = hogql(a, "SELECT countIf(properties.flag = true), countIf(properties.flag = false), "
                + "countIf(properties.flag IS NULL) FROM events WHERE event = 'buy'");
        assertEquals(Arrays.asList(1.0, 1.0, 3.0), row(r, "results[0]"));
        JsonPath values = hogql(a, "SELECT properties.flag FROM events WHERE event = 'buy' ORDER BY timestamp");
        assertEquals(Arrays.asList(true, false, null, null, null), row(values, "results.collect { it[0] }"));
        assertEquals("Nullable(Bool)", values.getString("types[0][1]"));
    }

    @Test
    void dateTimePropertiesAreTimes() {
        // '2026-01-05 10:00:00' and '2026-01-06T12:00:00Z' are times (UTC project); 'soon' and missing are NULL
        JsonPath r = hogql(a, "SELECT countIf(properties.at > toDateTime('2026-01-06 00:00:00')), "
                + "countIf(properties.at IS NULL), max(properties.at) = toDateTime('2026-01-06 12:00:00') "
                + "FROM events WHERE event = 'buy'");
        assertEquals(Arrays.asList(1.0, 3.0, 1.0), row(r, "results[0]"));
        // seconds from 2026-01-05 00:00 UTC: 10 h and 36 h
        JsonPath since = hogql(a, "SELECT dateDiff('second', toDateTime('2026-01-05 00:00:00'), properties.at) "
                + "FROM events WHERE event = 'buy' ORDER BY timestamp");
        assertEquals(Arrays.asList(36000.0, 129600.0, null, null, null), row(since, "results.collect { it[0] }"));
        assertEquals(List.of("Nullable(DateTime64(6, 'UTC'))"),
                labels(hogql(a, "SELECT properties.at FROM events LIMIT 1")));
    }

    @Test
    void personPropertiesAreTypedByPersonDefinitions() {
        // u1 age 30, u2 age "9": as numbers max 30 (as text '9'); through the events' person and the persons table
        JsonPath r = hogql(a, "SELECT max(person.properties.age), max(events.person.properties.age) FROM events");
        assertEquals(Arrays.asList(30.0, 30.0), row(r, "results[0]"));
        JsonPath p = hogql(a, "SELECT max(properties.age) FROM persons");
        assertEquals(Arrays.asList(30.0), row(p, "results[0]"));
        assertEquals(List.of("Nullable(Float64)"), labels(p));
        // the person definition types person properties only: the event property 'age' does not exist, so an
        // events' properties.age stays text
        assertEquals(List.of("Nullable(String)"), labels(hogql(a, "SELECT properties.age FROM events LIMIT 1")));
    }

    @Test
    void eachTeamReadsItsOwnDefinitionAndAPatchTakesEffectOnTheNextQuery() {
        // team A: Numeric → 42; team B: the same key with a String definition → the text maximum '7'
        String q = "SELECT max(properties.amount) FROM events WHERE event = 'buy'";
        assertEquals(42.0, hogql(a, q).getDouble("results[0][0]"));
        assertEquals("7", hogql(b, q, "blocking").getString("results[0][0]"));
        // cached for B now; retyping the property drops B's cached answers, so the next blocking query is typed
        assertEquals("7", hogql(b, q, "blocking").getString("results[0][0]"));
        retype(b, "amount", "event", "Numeric");
        assertEquals(42.0, hogql(b, q, "blocking").getDouble("results[0][0]"));
        retype(b, "amount", "event", "String");
        assertEquals("7", hogql(b, q, "blocking").getString("results[0][0]"));
    }

    @Test
    void aPropertyParsedAsTextByTheCallStaysText() {
        // PostHog leaves the property's text to toFloatOrZero / toIntOrZero (they parse a string): '1.5' is not an
        // integer to toIntOrZero (0), 'abc' is 0; typed, 1.5 would have been 1
        JsonPath r = hogql(a, "SELECT sum(toIntOrZero(properties.amount)), sum(toFloatOrZero(properties.amount)) "
                + "FROM events WHERE event = 'buy'");
        assertEquals(Arrays.asList(49.0, 50.5), row(r, "results[0]"));
    }

    @Test
    void bracketAccessIsTypedAndAiIdsStayText() {
        // properties['amount'] is properties.amount (PostHog's resolver makes it the same property access)
        JsonPath r = hogql(a, "SELECT max(properties['amount']), max(person.properties['age']) FROM events");
        assertEquals(Arrays.asList(42.0, 30.0), row(r, "results[0]"));
        assertEquals(List.of("Nullable(Float64)", "Nullable(Float64)"), labels(r));
        // PostHog reads its AI id properties as text whatever the definition says (_AI_STRING_ID_PROPERTIES)
        JsonPath ai = hogql(a, "SELECT properties.$ai_trace_id FROM events WHERE properties.$ai_trace_id IS NOT NULL");
        assertEquals(Arrays.asList("2026-01-09T10:00:00Z"), row(ai, "results.collect { it[0] }"));
        assertEquals(List.of("Nullable(String)"), labels(ai));
    }
    /**
     * Texts read through a definition as ClickHouse reads what PostHog prints. Numeric is
     * {@code accurateCastOrNull(x, 'Float64')} (PostHog's toFloat): ClickHouse's float reader takes a sign, digits,
     * a point and an exponent, or inf / nan, and the whole text must be read — so "inf" is inf, "nan" nan, "1e3" 1000,
     * and "  12  " (spaces) and "0x1A" (hex) are NULL. DateTime is {@code parseDateTime64BestEffortOrNull(x, 6, tz)}
     * (PostHog's toDateTime of a string), which reads digits alone by their count (IO/parseDateTimeBestEffort.cpp):
     * 10 digits are Unix seconds, with a fraction after a point ("1700000000.25": 2023-11-14 22:13:20.250 UTC), 13
     * Unix milliseconds, 8 YYYYMMDD in the project's zone, 11 no time (NULL); a JSON number reads as its text. Quarry
     * read "  12  " as 12 and every Unix time as NULL.
     */
    @Test
    void numericAndDateTimeTextsReadAsClickHouseReadsThem() {
        Project c = TestProjects.create("Property types C");
        Capture.to(c)
                .event("v", "w1", "2026-01-05T10:00:00Z", Map.of("n", "inf", "t", "1700000000"))
                .event("v", "w1", "2026-01-05T10:01:00Z", Map.of("n", "nan", "t", "1700000000.25"))
                .event("v", "w1", "2026-01-05T10:02:00Z", Map.of("n", "  12  ", "t", 1700000000L))
                .event("v", "w1", "2026-01-05T10:03:00Z", Map.of("n", "1e3", "t", 1700000000123L))
                .event("v", "w1", "2026-01-05T10:04:00Z", Map.of("n", "0x1A", "t", "20260105"))
                .event("v", "w1", "2026-01-05T10:05:00Z", Map.of("n", 5, "t", "12345678901"))
                .send();
        retype(c, "n", "event", "Numeric");
        retype(c, "t", "event", "DateTime");
        JsonPath r = hogql(c, "SELECT toString(properties.n), toUnixTimestamp64Milli(properties.t) FROM events"
                + " ORDER BY timestamp");
        assertEquals(Arrays.asList("inf", "nan", null, "1000", null, "5"), row(r, "results.collect { it[0] }"));
        // 2026-01-05 00:00:00 UTC is 1767571200 s
        assertEquals(Arrays.asList(1700000000000.0, 1700000000250.0, 1700000000000.0, 1700000000123.0,
                1767571200000.0, null), row(r, "results.collect { it[1] }"));
    }
}

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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 19's last HogQL value differences, each with the value PostHog's HogQL gives on ClickHouse: an array position
 * past the end is the element type's default; truth values are UInt8 1/0; a column neither grouped nor aggregated is
 * ClickHouse's NOT_AN_AGGREGATE error; Float64 overflows to inf and integer negation wraps; the PostgreSQL-style
 * functions of PostHog's list run; string functions count bytes or characters as ClickHouse's do; wrong argument
 * counts are PostHog's own words.
 *
 * <p>Data: ann views {@code /a} then {@code /b} on 2026-01-05, bob views {@code /a} the same day (3 $pageview events).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ClickHouseValuesTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("ClickHouse values");
        Capture.to(team)
                .event("$pageview", "ann", "2026-01-05T10:00:00Z", Map.of("$current_url", "/a"))
                .event("$pageview", "ann", "2026-01-05T10:01:00Z", Map.of("$current_url", "/b"))
                .event("$pageview", "bob", "2026-01-05T10:30:00Z", Map.of("$current_url", "/a"))
                .send();
    }

    /** A HogQLQuery as PostHog's clients post it (the query text as JSON, a blocking refresh). */
    private static Response hogql(String q) {
        return HogQLRequests.post(team, q);
    }

    private static void refused(String q, String detail) {
        hogql(q).then().statusCode(400).body("type", equalTo("validation_error")).body("detail", equalTo(detail));
    }

    /**
     * ClickHouse's arrayElement (what {@code arr[i]} is) answers the element type's default past either end: 0 for
     * numbers, '' for strings, 1970-01-01 for dates; NULL only when the elements are Nullable. PostHog prints
     * {@code arr[i]} as it is, and refuses a constant 0 ("SQL indexes start from one").
     */
    @Test
    void arrayPositionsPastTheEndAreTheElementTypesDefault() {
        Response r = hogql("select [10, 20][5], ['a'][3], [1, NULL][5], arrayElement([10, 20], -3), [10, 20][-1], "
                + "arrayFirst(x -> x > 100, [1, 2]), [today()][2], [1.5][2], splitByChar(',', 'a,b')[3]");
        r.then().statusCode(200).body("types.collect { it[1] }", equalTo(List.of("UInt8", "String", "Nullable(UInt8)",
                "UInt8", "UInt8", "UInt8", "Date", "Float64", "String")));
        assertTrue(r.asString().contains("\"results\":[[0,\"\",null,0,20,0,\"1970-01-01\",0.0,\"\"]]"), r.asString());
        refused("select [10, 20][0]", "SQL indexes start from one, not from zero. E.g: array[1]");
    }

    /**
     * ClickHouse's comparisons, logical functions, LIKE, IN and {@code true} are UInt8, and PostHog's JSON shows
     * them as the numbers 1 and 0 (its printer writes {@code true} as 1); Quarry answered JSON true/false, typed Bool.
     */
    @Test
    void bitAggregatesKeepEverySixtyFourBits() {
        // 2^60 + 1 and 3: or = 2^60 + 3, and = 1, xor = 2^60 + 2 (through float8 the low bits were lost)
        hogql("select groupBitOr(x), groupBitAnd(x), groupBitXor(x) from (select 1152921504606846977 as x "
                + "union all select 3 as x)")
                .then().statusCode(200)
                .body("results[0].collect { it.toString() }", equalTo(List.of("1152921504606846979", "1",
                        "1152921504606846978")));
        // ClickHouse's bitwise aggregates take integers only (1.5 was read as 1 and 'a' as 0)
        refused("select groupBitOr(x) from (select 1.5 as x)",
                "Illegal type Float64 of argument for aggregate function groupBitOr");
        refused("select groupBitXor(event) from events", "Illegal type String of argument for aggregate function groupBitXor");
        hogql("select groupBitAnd(x) from (select 1 = 1 as x)").then().statusCode(200)
                .body("results[0][0]", equalTo(1));
    }

    @Test
    void truthValuesAreUInt8OnesAndZeros() {
        hogql("select 1 = 1, 2 < 1, true, 'a' like 'a', [1 = 1], isNull(NULL), event in ('$pageview'), "
                + "not(event = 'x') from events limit 1")
                .then().statusCode(200)
                .body("results[0]", equalTo(List.of(1, 0, 1, 1, List.of(1), 1, 1, 1)))
                .body("types.collect { it[1] }", equalTo(List.of("UInt8", "UInt8", "UInt8", "UInt8", "Array(UInt8)",
                        "UInt8", "UInt8", "UInt8")));
        // an EventsQuery's columns are HogQL expressions too
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "EventsQuery", "select", List.of("event = '$pageview'", "event"),
                        "after", "2026-01-01", "before", "2026-01-10", "limit", 1), "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/")
                .then().statusCode(200).body("results[0]", equalTo(List.of(1, "$pageview")));
    }

    /**
     * A column beside an aggregate that is not a GROUP BY key: ClickHouse's NOT_AN_AGGREGATE ("Column `event` is not
     * under aggregate function and not in GROUP BY keys"), checked before anything runs; Quarry answered PostgreSQL's
     * "column "events.event" must appear in the GROUP BY clause …". The same key spelled another way still groups.
     */
    @Test
    void ungroupedColumnsBesideAggregatesAreClickHousesError() {
        refused("select event, count() from events",
                "Column `event` is not under aggregate function and not in GROUP BY keys");
        refused("select properties.$current_url, count() from events group by properties.$browser",
                "Column `properties.$current_url` is not under aggregate function and not in GROUP BY keys");
        // grouped by something computed from it: the database finds it, and the answer names the column the same way
        refused("select timestamp, count() from events group by toStartOfDay(timestamp)",
                "Column `timestamp` is not under aggregate function and not in GROUP BY keys");
        for (String grouped : List.of("select events.event, count() from events group by event",
                "select event as e, count() from events group by e", "select event, count() from events group by 1",
                "select event, count(), 1 from events group by events.event")) {
            hogql(grouped).then().statusCode(200).body("results[0][0]", equalTo("$pageview"))
                    .body("results[0][1]", equalTo(3));
        }
    }

    /**
     * Float64 past the largest double is inf in ClickHouse (+, *, /, sum, avg), and below the smallest 0 — PostgreSQL
     * failed with "value out of range: overflow"/"underflow" (a 400 with its text). Quarry renders inf as JSON null
     * (JSON has no inf). Integer negation wraps as ClickHouse's: −(−2^63) is −2^63 (it was "bigint out of range").
     */
    @Test
    void floatOverflowIsInfAndNegationWraps() {
        Response r = hogql("select 1e308 + 1e308, 1e308 * 10, 1e-200 * 1e-200, 1e308 / 1e-10, 0.1 + 0.2, 7 / 2, "
                + "-(-9223372036854775808), -toInt64(5), -(1.5)");
        r.then().statusCode(200);
        assertTrue(r.asString().contains("\"results\":[[null,null,0.0,null,0.30000000000000004,3.5,"
                + "-9223372036854775808,-5,-1.5]]"), r.asString());
        // three events: a sum of 3·1e308 passes the largest double, so does the average's sum; 2.5 averages to 2.5
        Response sums = hogql("select sum(1e308), avg(1e308), avg(2.5), sum(0.5), sum(toFloat(properties.$current_url)) "
                + "from events");
        sums.then().statusCode(200);
        assertTrue(sums.asString().contains("\"results\":[[null,null,2.5,1.5,0.0]]"), sums.asString());
    }

    /**
     * PostHog's PostgreSQL-style names (posthog/hogql/functions: aggregations.py, datetime.py, strings.py) run as what
     * PostHog maps them to: string_agg = arrayStringConcat(groupArray(x), sep), json_agg = toJSONString(groupArray(x)),
     * every = toBool(min(x)), to_timestamp = fromUnixTimestamp, to_char = formatDateTime, make_date = makeDate,
     * make_timestamp = makeDateTime (project time zone), locate(needle, haystack) = ClickHouse's locate (bytes),
     * date_part with an unknown part (or 'epoch') is NULL, rand() a UInt32.
     */
    @Test
    void postgresStyleFunctionsOfPostHogsListRun() {
        // every is toBool(min(x)): ClickHouse's Bool, JSON true/false (a comparison is UInt8 1/0); min of a
        // comparison is no Nullable, so neither is every
        hogql("select string_agg(event, ','), json_agg(event), every(event = '$pageview'), every(event = 'x') "
                + "from events").then().statusCode(200).body("results[0]", equalTo(List.of(
                        "$pageview,$pageview,$pageview", "[\"$pageview\", \"$pageview\", \"$pageview\"]", true, false)))
                .body("types.collect { it[1] }", equalTo(List.of("String", "String", "Bool", "Bool")));
        hogql("select to_timestamp(1700000000), to_char(toDateTime('2024-01-05 10:20:30'), '%Y-%m-%d'), "
                + "make_date(2024, 2, 29), make_timestamp(2024, 1, 5, 10, 20, 30.5), locate('l', 'hello'), "
                + "locate('l', 'héllo'), rand() >= 0, date_part('epoch', now()), date_part('foo', now()), "
                + "date_part(concat('mo', 'nth'), toDate('2024-03-05'))")
                .then().statusCode(200).body("results[0]", equalTo(Arrays.asList("2023-11-14T22:13:20.000000Z",
                        "2024-01-05", "2024-02-29", "2024-01-05T10:20:30.500000Z", 3, 4, 1, null, null, 3)));
        hogql("select make_date(2024, 13, 1)").then().statusCode(400);
    }

    /**
     * Wrong argument counts in PostHog's words (functions/core.py validate_function_args): timezone takes two
     * arguments (PostHog: toTimeZone({1}, {0})), countDistinct one; a name PostHog does not have is its "Unsupported
     * function call" with the closest name of its list (difflib) — toUnixTimestamp64Micro is not in the list.
     */
    @Test
    void wrongCallsAreRefusedInPostHogsWords() {
        refused("select timezone()", "Function 'timezone' expects 2 arguments, found 0");
        refused("select countDistinct(event, distinct_id) from events",
                "Function 'countDistinct' expects 1 argument, found 2");
        refused("select position('a', 'b', 1, 2)", "Function 'position' expects at most 3 arguments, found 4");
        refused("select toUnixTimestamp64Micro(now())",
                "Unsupported function call 'toUnixTimestamp64Micro(...)'. Perhaps you meant 'toUnixTimestamp64Milli(...)'?");
        refused("select arrayExists(x -> x)", "The lambda of arrayExists takes 1 parameter but 0 arrays are given");
    }

    /**
     * RE2 gives each quantifier its own greediness; PostgreSQL takes the whole match's from the first one. Where the
     * matched text is the answer, a pattern mixing them is a 400 naming it (ClickHouse: extract('aaa', 'a+?a*') =
     * 'aaa', PostgreSQL 'a'); a pattern of one kind, and match() (true or false either way), run.
     */
    @Test
    void mixedGreedinessIsRefusedWhereTheMatchedTextIsTheAnswer() {
        hogql("select extract('aaa', 'a+?a*')").then().statusCode(400)
                .body("detail", containsString("greedy and lazy quantifiers"));
        hogql("select replaceRegexpAll('aaa', 'a*?a+', 'x')").then().statusCode(400)
                .body("detail", containsString("'a*?a+'"));
        hogql("select match('aaa', 'a+?a*'), extract('aaa', 'a+'), extract('aaa', 'a+?'), extract('a{b}', '[?*]|b')")
                .then().statusCode(200).body("results[0]", equalTo(List.of(1, "aaa", "a", "b")));
    }

    /**
     * ClickHouse's string functions count bytes of the UTF-8 text and their -UTF8 twins characters (left/right are
     * PostHog's leftUTF8/rightUTF8); lower/upper change ASCII letters only. A cut through a character shows as U+FFFD.
     * 'héllo' is 6 bytes: h, é (2 bytes), l, l, o.
     */
    @Test
    void stringFunctionsCountBytesOrCharactersAsClickHouses() {
        hogql("select length('héllo'), lengthUTF8('héllo'), substring('héllo', 2, 2), substringUTF8('héllo', 2, 2), "
                + "substring('héllo', 1, 2), reverse('héllo'), reverseUTF8('héllo'), position('héllo', 'l'), "
                + "positionUTF8('héllo', 'l'), left('héllo', 2), lower('ÀB'), lowerUTF8('ÀB'), leftPad('é', 3, '*'), "
                + "leftPadUTF8('é', 3, '*'), substring('hello', -3, 2), position('hello', 'l', 4)")
                .then().statusCode(200).body("results[0]", equalTo(List.of(6, 5, "é", "él", "h\uFFFD",
                        "oll\uFFFD\uFFFDh", "olléh", 4, 3, "hé", "Àb", "àb", "*é", "**é", "ll", 4)));
        hogql("select substring(event, 2, 4), upper(event) from events limit 1").then().statusCode(200)
                .body(containsString("[[\"page\",\"$PAGEVIEW\"]]"));
    }

    /**
     * ClickHouse types a UNION's column by the least supertype of every branch (getLeastSupertype): NULL then 'a' is
     * Nullable(String), so groupArray and string_agg over it keep the strings (Quarry took the first branch's type,
     * Nullable(Nothing), and lost them); numbers of both kinds are Float64; a String with a number has no supertype
     * (ClickHouse's NO_COMMON_TYPE, a 400 in PostHog) where PostgreSQL's "UNION types … cannot be matched" came back.
     */
    @Test
    void unionColumnsTakeTheSupertypeOfAllBranches() {
        hogql("select groupArray(x), string_agg(x, ',') from (select NULL as x union all select 'a' as x "
                + "union all select 'b')").then().statusCode(200)
                .body("results[0]", equalTo(List.of(List.of("a", "b"), "a,b")))
                .body("types.collect { it[1] }", equalTo(List.of("Array(String)", "String")));
        hogql("select x from (select NULL as x union all select 'a' as x) order by x").then().statusCode(200)
                .body("types[0][1]", equalTo("Nullable(String)"));
        hogql("select 1 as x union all select 2.5").then().statusCode(200)
                .body("types[0][1]", equalTo("Float64")).body(containsString("[[1.0],[2.5]]"));
        hogql("select NULL as x union all select toDate('2024-01-02')").then().statusCode(200)
                .body("types[0][1]", equalTo("Nullable(Date)"));
        hogql("select 1 as x union all select 'a'").then().statusCode(400)
                .body("detail", equalTo("There is no supertype for types UInt8, String because some of them are "
                        + "String/FixedString/Enum and some of them are not"));
    }

    /**
     * ClickHouse's substring (bytes) and substringUTF8 (characters) with a negative length stop that many units
     * before the end, also from a negative offset; a window starting before the string is cut at its start. Quarry
     * answered '' for any negative length. ('héllo': h, é (2 bytes), l, l, o.)
     */
    @Test
    void substringWithANegativeLengthStopsBeforeTheEnd() {
        hogql("select substring('hello', 2, -1), substring('hello', -4, -1), substring('hello', -7, 4), "
                + "substring('hello', -10), substring('hello', -10, 3), substring('hello', 2, -10), "
                + "substringUTF8('héllo', 2, -1), substringUTF8('héllo', -4, -1), substringUTF8('héllo', -7, 4), "
                + "substring('héllo', 1, -1), substring('héllo', -3, -1), substring(event, 2, -2) from events limit 1")
                .then().statusCode(200).body("results[0]", equalTo(List.of("ell", "ell", "he", "hello", "", "",
                        "éll", "éll", "hé", "héll", "ll", "pagevi")));
    }

    /**
     * ClickHouse fails the query where an integer is divided by zero or the smallest Int64 by -1 (intDiv, modulo,
     * positiveModulo, gcd: ILLEGAL_DIVISION) and where intDiv of floats has no Int64 quotient; PostHog shows it as a
     * 400 with the code name. Quarry answered NULL. The -OrZero forms give 0; a float modulo zero is nan (null).
     */
    @Test
    void integerDivisionByZeroIsClickHousesError() {
        for (String q : List.of("select intDiv(5, 0)", "select 5 % 0", "select modulo(event_count, 0) from "
                + "(select count() as event_count from events)", "select positiveModulo(5, 0)", "select gcd(5, 0)")) {
            hogql(q).then().statusCode(400).body("code", equalTo("illegal_division"))
                    .body("detail", equalTo("Division by zero"));
        }
        hogql("select intDiv(-9223372036854775808, -1)").then().statusCode(400)
                .body("detail", equalTo("Division of minimal signed number by minus one"));
        hogql("select intDiv(5.5, 0)").then().statusCode(400).body("detail", equalTo(
                "Cannot perform integer division, because it will produce infinite or too large number"));
        hogql("select intDivOrZero(-9223372036854775808, -1), intDivOrZero(5, 0), moduloOrZero(5, 0), intDiv(7, -2), "
                + "intDiv(7.5, 2), 7 % -3, gcd(12, 18), intDiv(count(), 2) from events")
                .then().statusCode(200).body("results[0]", equalTo(List.of(0, 0, 0, -3, 3, 1, 6, 1)));
        // a Float64 modulo 0 is nan (x - trunc(x / 0) * 0), which PostHog's JSON writes as null
        hogql("select 5.5 % 0").then().statusCode(200).body("results[0][0]", equalTo(null));
    }

    /**
     * Integers past Int64 as ClickHouse's: abs of a signed integer is unsigned (abs(-2^63) = 2^63, UInt64), negate
     * wraps (negate(-2^63) = -2^63, as -x), and a product of counts is UInt64 wrapping modulo 2^64 — each was
     * PostgreSQL's "bigint out of range".
     */
    @Test
    void absNegateAndProductsOfCountsWrapAsClickHouses() {
        Response r = hogql("select abs(-9223372036854775808), abs(toInt64(-3)) * 2, negate(-9223372036854775808), "
                + "negate(toInt64(5)), -(toInt64(-9223372036854775807) - 1), -length(event) from events limit 1");
        r.then().statusCode(200).body("types.collect { it[1] }", equalTo(List.of("UInt64", "UInt64", "Int64", "Int64",
                "Int64", "Int64")));
        assertTrue(r.asString().contains("\"results\":[[9223372036854775808,6,-9223372036854775808,-5,"
                + "-9223372036854775808,-9]]"), r.asString());
        // 3^41 = 36472996377170786403 is past 2^64: 36472996377170786403 - 18446744073709551616
        StringBuilder product = new StringBuilder("count()");
        for (int i = 1; i < 41; i++) {
            product.append(" * count()");
        }
        Response p = hogql("select " + product + " from events");
        p.then().statusCode(200).body("types[0][1]", equalTo("UInt64"));
        assertTrue(p.asString().contains("\"results\":[[18026252303461234787]]"), p.asString());
    }

    /**
     * PostHog's to_timestamp is toDateTime(fromUnixTimestamp(x)): ClickHouse's fromUnixTimestamp of one argument
     * takes an integer only (a String or Float is ILLEGAL_TYPE_OF_ARGUMENT, a 400); every(x) is toBool(min(x)), and
     * toBool of text that is no boolean is CANNOT_PARSE_BOOL, which PostHog answers with its fixed message. Quarry
     * answered NULL and false.
     */
    @Test
    void toTimestampOfTextAndEveryOfTextAreClickHousesErrors() {
        refused("select to_timestamp('2024-01-01 10:00:00')", "Illegal type String of first argument of function "
                + "fromUnixTimestamp when arguments size is 1. Should be integer");
        refused("select to_timestamp(1.5)", "Illegal type Float64 of first argument of function fromUnixTimestamp "
                + "when arguments size is 1. Should be integer");
        hogql("select every('a') from events").then().statusCode(400).body("code", equalTo("cannot_parse_bool"))
                .body("detail", equalTo("Cannot parse a boolean. Check for values other than true, false, 1, or 0."));
        hogql("select every('true'), toBool('Yes'), toBool('0'), toBool('OFF'), to_timestamp(0) from events")
                .then().statusCode(200).body("results[0]", equalTo(List.of(true, true, false, false,
                        "1970-01-01T00:00:00.000000Z")));
    }

    /**
     * ClickHouse's min, max, any, argMax of no rows give the argument type's default ('' , 0, 1970-01-01) unless the
     * argument is Nullable (a property: NULL); PostHog does not set aggregate_functions_null_for_empty. Quarry gave
     * NULL for all; count and sum are 0, avg nan (null).
     */
    @Test
    void aggregatesOfNoRowsAreTheTypesDefault() {
        hogql("select max(event), min(timestamp), any(event), max(1), argMax(event, timestamp), "
                + "max(properties.$current_url), min(uuid), count(), sum(1), avg(1) from events where 1 = 0")
                .then().statusCode(200).body("results[0]", equalTo(Arrays.asList("", "1970-01-01T00:00:00.000000Z", "",
                        0, "", null, "00000000-0000-0000-0000-000000000000", 0, 0, null)))
                .body("types.collect { it[1] }", equalTo(List.of("String", "DateTime64(6, 'UTC')", "String", "UInt8",
                        "String", "Nullable(String)", "String", "UInt64", "UInt64", "Nullable(Float64)")));
        // with rows, the values themselves
        hogql("select max(properties.$current_url), min(event) from events").then().statusCode(200)
                .body("results[0]", equalTo(List.of("/b", "$pageview")));
    }

    /**
     * Doubles as PostHog's answers write them (orjson): 1e+308, 1e-7, 0.00001, 12345678.9, 1e+16, -0.0 — Quarry
     * wrote Java's 1.0E308, 1.0E-7, 1.0E-5, 1.23456789E7, 1.0E16; the cached answer is the same text.
     */
    @Test
    void doublesAreRenderedAsPostHogsJson() {
        String q = "select 1e308 * 1, 1e-7, 0.00001, 12345678.9, 1e16, 0.1 + 0.2, toFloat('-0'), 2.5";
        String fresh = hogql(q).then().statusCode(200).extract().asString();
        assertTrue(fresh.contains("\"results\":[[1e+308,1e-7,0.00001,12345678.9,1e+16,0.30000000000000004,-0.0,2.5]]"),
                fresh);
        String cached = given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", q)))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(200)
                .body("is_cached", equalTo(true)).extract().asString();
        assertTrue(cached.contains("\"results\":[[1e+308,1e-7,0.00001,12345678.9,1e+16,0.30000000000000004,-0.0,2.5]]"),
                cached);
    }

    /**
     * ClickHouse's Float64 functions are IEEE's (C's): {@code 1/0} is inf, {@code -1/0} -inf, {@code 0/0} nan (Quarry
     * answered NULL, so {@code isNull(1/0)} was 1); exp, exp2, exp10, pow, hypot, sinh, cosh past the largest double
     * are inf (PostgreSQL's "value out of range: overflow", a 400) and below the smallest 0; a log's pole is -inf and a
     * value outside a function's domain nan (Quarry: NULL); {@code round(1e308, 2)} is the value; toString spells
     * them inf, -inf, nan (Quarry: Java's Infinity, NaN). PostHog's JSON (orjson) writes inf and nan as null.
     */
    @Test
    void floatsAreIeeeAtAZeroDivisorAndPastTheBounds() {
        hogql("select isNull(1/0), isInfinite(1/0), isNaN(0/0), 1/0 > 0, -1/0 < 0, isInfinite(x / y), isNull(NULL / 0), "
                + "isNaN(5.5 % 0), isNaN(modulo(x, 0.0)), x / 0.0 > 1e308 from (select 1 as x, 0 as y)")
                .then().statusCode(200).body("results[0]", equalTo(List.of(0, 1, 1, 1, 1, 1, 1, 1, 1, 1)));
        hogql("select toString(1/0), toString(-1/0), toString(0/0), concat('a', toString(exp(1000))), toString(1.5), "
                + "toString(log(0)), toString(sqrt(-1))")
                .then().statusCode(200).body("results[0]", equalTo(List.of("inf", "-inf", "nan", "ainf", "1.5", "-inf",
                        "nan")));
        hogql("select isInfinite(exp(1000)), isInfinite(exp2(2000)), isInfinite(pow(10, 400)), isInfinite(exp10(400)), "
                + "isInfinite(hypot(1.5e308, 1.5e308)), isInfinite(sinh(1000)), isInfinite(cosh(-1000)), exp(-1000), "
                + "pow(-10, 401) < 0, isNaN(pow(-8, 1 / 3)), isInfinite(pow(0, -1)), isNaN(asin(2)), isNaN(acosh(0)), "
                + "isNaN(sin(1/0)), pow(2, 10), hypot(3, 4)")
                .then().statusCode(200).body("results[0]", equalTo(List.of(1, 1, 1, 1, 1, 1, 1, 0.0f, 1, 1, 1, 1, 1, 1,
                        1024.0f, 5.0f)));
        // near the bounds the finite values themselves (exact numeric rounded once to a double)
        Response r = hogql("select round(1e308, 2), round(-1.7e308, 3), round(2.5), round(1.25, 1), "
                + "hypot(1e200, 1e200) between 1.4142135623e200 and 1.4142135624e200, "
                + "exp(709.7) between 1.6549840276e308 and 1.6549840277e308, "
                + "pow(10, 308.2) between 1.5848931924e308 and 1.5848931925e308, log(NULL), 1/0, 0/0");
        r.then().statusCode(200).body("types.collect { it[1] }", equalTo(List.of("Float64", "Float64", "Float64",
                "Float64", "UInt8", "UInt8", "UInt8", "Nullable(Float64)", "Float64", "Float64")));
        assertTrue(r.asString().contains("\"results\":[[1e+308,-1.7e+308,2.0,1.2,1,1,1,null,null,null]]"),
                r.asString());
    }

    /**
     * A literal {@code -0.0} keeps its sign, as ClickHouse's does, and PostHog's JSON (orjson) writes it {@code -0.0};
     * Quarry answered {@code 0.0} (the literal went through PostgreSQL's numeric, which has no negative zero).
     */
    @Test
    void aNegativeZeroLiteralKeepsItsSign() {
        Response r = hogql("select -0.0, 0.0, -0.0 * 1, 1 / -0.0 < 0");
        r.then().statusCode(200);
        assertTrue(r.asString().contains("\"results\":[[-0.0,0.0,-0.0,1]]"), r.asString());
    }

    /**
     * ClickHouse's integer modulo fails on the smallest Int64 modulo -1 ("Division of minimal signed number by minus
     * one", ILLEGAL_DIVISION: PostHog's 400 with code {@code illegal_division}) when the divisor is not a constant;
     * modulo by the constant -1 takes its absolute value and answers 0; moduloOrZero answers 0. PostgreSQL answers 0
     * for every {@code x % -1}, which Quarry passed on.
     */
    @Test
    void theSmallestInt64ModuloMinusOneIsClickHousesError() {
        hogql("select x % y from (select -9223372036854775808 as x, -1 as y)").then().statusCode(400)
                .body("code", equalTo("illegal_division"))
                .body("detail", equalTo("Division of minimal signed number by minus one"));
        hogql("select -9223372036854775808 % -1").then().statusCode(400).body("code", equalTo("illegal_division"));
        hogql("select x % -1, 7 % y, moduloOrZero(x, y), -7 % -2 from (select -9223372036854775808 as x, -1 as y)")
                .then().statusCode(200).body("results[0]", equalTo(List.of(0, 0, 0, -1)));
    }
}

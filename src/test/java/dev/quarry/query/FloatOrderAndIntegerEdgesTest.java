package dev.quarry.query;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.HogQLRequests;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 19's HogQL value differences left after V80_1, each with ClickHouse's answer (PostHog's HogQL runs on
 * ClickHouse): Float64 NaN compares as IEEE's and sorts after the numbers; NULL sorts last also in descending order;
 * the smallest Int64 modulo -1 of two constant expressions is ClickHouse's ILLEGAL_DIVISION; round / floor / ceil /
 * trunc of an integer with a negative precision keep the integer type and wrap at the bounds.
 *
 * <p>Data: three {@code $pageview} events on 2026-02-03 with a numeric property {@code n} of 0, 1 and 2 — so
 * {@code toFloat(properties.n) / toFloat(properties.n)} is NaN, 1.0 and 1.0 row by row.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FloatOrderAndIntegerEdgesTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Float order and integer edges");
        Capture.to(team)
                .event("$pageview", "ann", "2026-02-03T10:00:00Z", Map.of("n", 0))
                .event("$pageview", "bob", "2026-02-03T10:01:00Z", Map.of("n", 1))
                .event("$pageview", "cat", "2026-02-03T10:02:00Z", Map.of("n", 2))
                .send();
    }

    /** A HogQLQuery as PostHog's clients post it (the query text as JSON, a blocking refresh). */
    private static Response hogql(String q) {
        return HogQLRequests.post(team, q);
    }

    private static List<Object> row(String q) {
        Response r = hogql(q);
        r.then().statusCode(200);
        return r.jsonPath().getList("results[0]");
    }

    private static List<Object> column(String q) {
        Response r = hogql(q);
        r.then().statusCode(200);
        List<List<Object>> rows = r.jsonPath().getList("results");
        List<Object> out = new ArrayList<>();
        rows.forEach(x -> out.add(x.get(0)));
        return out;
    }

    /**
     * ClickHouse compares floats as IEEE 754: NaN equals nothing, not even itself, is unequal to everything, and is
     * neither less nor greater than anything (PostgreSQL: NaN = NaN and NaN above every number). A NULL operand still
     * gives NULL. The same through the function spellings, {@code if}, {@code BETWEEN} and a WHERE over rows.
     */
    @Test
    void nanComparesAsIeee() {
        assertEquals(Arrays.asList(0, 1, 0, 0, 0, 0, 0, 0, 0, 1, "b", 0, null, null, 1, 1),
                row("select 0/0 = 0/0, 0/0 != 0/0, 0/0 > 1, 0/0 < 1, 1 < 0/0, 1 <= 0/0, 0/0 >= 0/0,"
                        + " equals(0/0, 0/0), greater(0/0, 1), notEquals(0/0, 0/0), if(0/0 > 1, 'a', 'b'),"
                        + " 0/0 between 0 and 1, toFloat(NULL) > 0/0, 0/0 != toFloat(NULL), 1.5 < 2.5, 1/0 > 1e308"));
        // per row: 0/0 is NaN, 1/1 and 2/2 are 1.0 — only the two ones pass each test
        assertEquals(List.of(2, 0, 2, 1),
                row("select countIf(x > 0), countIf(x = x and x > 1), countIf(x >= x), countIf(x != x)"
                        + " from (select toFloat(properties.n) / toFloat(properties.n) as x from events)"));
        assertEquals(List.of(2),
                row("select count() from events where toFloat(properties.n) / toFloat(properties.n) <= 1"));
    }

    /**
     * ClickHouse sorts NaN after the numbers in both directions (by default, or NULLS LAST: the numbers, NaN, NULL;
     * NULLS FIRST: NULL, NaN, the numbers), and NULL last in descending order too (PostgreSQL: NULLS FIRST there).
     * {@code toString} tells NaN (`nan`) from NULL, which JSON would both show as null.
     */
    @Test
    void nanAndNullSortAsClickHouse() {
        String from = " from (select arrayJoin([1.0, 0/0, 3.0, NULL]) as x)";
        assertEquals(Arrays.asList("3", "1", "nan", null), column("select toString(x)" + from + " order by x desc"));
        assertEquals(Arrays.asList("1", "3", "nan", null), column("select toString(x)" + from + " order by x"));
        assertEquals(Arrays.asList(null, "nan", "1", "3"),
                column("select toString(x)" + from + " order by x asc nulls first"));
        assertEquals(Arrays.asList(null, "nan", "3", "1"),
                column("select toString(x)" + from + " order by x desc nulls first"));
        assertEquals(Arrays.asList("3", "1", "nan", null),
                column("select toString(x)" + from + " order by x desc nulls last"));
        // a select column named by position
        assertEquals(Arrays.asList(3.0f, 1.0f, null), column("select x from (select arrayJoin([1.0, 0/0, 3.0]) as x)"
                + " order by 1 desc"));
        // NULL last in descending order for integers and strings too
        assertEquals(Arrays.asList(3, 1, null), column("select x from (select arrayJoin([1, 3, NULL]) as x) order by x desc"));
        assertEquals(Arrays.asList("b", "a", null),
                column("select x from (select arrayJoin(['a', NULL, 'b']) as x) order by x desc"));
        // rows of a table: the NaN row after the numbers
        assertEquals(Arrays.asList("2", "1", "0"), column("select toString(properties.n) from events"
                + " order by toFloat(properties.n) / toFloat(properties.n) desc, toFloat(properties.n) desc"));
    }

    /**
     * {@code a % b} of two Int64 constant expressions is computed by ClickHouse before the query runs, through the
     * constant path that checks the smallest Int64 by -1: ILLEGAL_DIVISION, as the literal form already was. A
     * dividend that is no constant takes ClickHouse's modulo-by-constant path (0), and {@code moduloOrZero} is 0.
     */
    @Test
    void smallestInt64ModuloMinusOne() {
        for (String q : List.of("select (-9223372036854775807 - 1) % -1", "select toInt64(-9223372036854775807 - 1) % -1",
                "select modulo(-9223372036854775807 - 1, -1)", "select modulo(toInt64(-9223372036854775807 - 1), -1)",
                "select -9223372036854775808 % -1")) {
            hogql(q).then().statusCode(400).body("type", equalTo("validation_error"))
                    .body("code", equalTo("illegal_division"))
                    .body("detail", equalTo("Division of minimal signed number by minus one"));
        }
        assertEquals(List.of(0, 0, 1, -1),
                row("select moduloOrZero(-9223372036854775807 - 1, -1), intDivOrZero(-9223372036854775807 - 1, -1),"
                        + " 7 % -2, (-7) % 2"));
        assertEquals(List.of(0), row("select ((-9223372036854775807 - 1) + toInt64(count()) * 0) % -1 from events"));
    }

    /**
     * ClickHouse rounds an integer to a negative precision in the integer's own type with wrap-around: round adds
     * half the scale (after subtracting the scale from a negative value), floor and ceil add scale - 1 on their side,
     * then each truncates to a multiple of the scale. {@code 9223372036854775807} is a UInt64 literal there (+5 fits:
     * 9223372036854775810), {@code toInt64(9223372036854775807) + 5} wraps to -9223372036854775804 (so
     * -9223372036854775800), {@code -9223372036854775808 - 10 + 5} wraps to 9223372036854775803 (so
     * 9223372036854775800), UInt64's largest + 5 wraps to 4 (so 0); a scale of 10^19 is past Int64 (0); floor and
     * ceil take the precision PostHog's function list allows them.
     */
    @Test
    void integerRoundingWrapsAsClickHouse() {
        Response r = hogql("select round(9223372036854775807, -1), round(toInt64(9223372036854775807), -1),"
                + " round(-9223372036854775808, -1), round(18446744073709551615, -1), round(1250, -2), round(-1250, -2),"
                + " round(1249, -2), round(toInt64(5), -19)");
        r.then().statusCode(200).body("types.collect { it[1] }", equalTo(List.of("UInt64", "Int64", "Int64", "UInt64",
                "UInt16", "Int16", "UInt16", "Int64")));
        assertEquals("[[9223372036854775810,-9223372036854775800,9223372036854775800,0,1300,-1300,1200,0]]",
                r.jsonPath().getString("results").replace(" ", ""));
        assertEquals(List.of(1200, -1300, 1300, -1200, -1200, 1.2f, 1.3f, 1200.0f),
                row("select floor(1299, -2), floor(-1201, -2), ceil(1201, -2), ceil(-1299, -2), trunc(-1299, -2),"
                        + " floor(1.26, 1), ceil(1.21, 1), floor(1299.5, -2)"));
        hogql("select round(5, -20)").then().statusCode(400)
                .body("detail", equalTo("Unexpected 'scale' parameter passed to function round"));
        hogql("select round(5, -40000)").then().statusCode(400)
                .body("detail", equalTo("Scale argument for rounding function is too large"));
    }

    /**
     * PostHog's {@code types} are ClickHouse's, which types an integer literal as the smallest type holding it: a
     * non-negative one from 2^32 up is UInt64 ({@code 9223372036854775807} as much as {@code 18446744073709551615}),
     * also when read through a subquery's column. Narrower ones (ClickHouse's UInt8 … UInt32, {@code 1 + 2}'s UInt16)
     * keep Quarry's Int64 label (README).
     */
    @Test
    void largeIntegerLiteralsAreUInt64() {
        Response r = hogql("select 9223372036854775807, 18446744073709551615, 4294967296, 4294967295, -4294967296,"
                + " x, x + 1 from (select 9223372036854775807 as x)");
        r.then().statusCode(200).body("types.collect { it[1] }", equalTo(List.of("UInt64", "UInt64", "UInt64", "UInt32",
                "Int64", "UInt64", "UInt64")));
        assertEquals("[[9223372036854775807,18446744073709551615,4294967296,4294967295,-4294967296,"
                + "9223372036854775807,9223372036854775808]]", r.jsonPath().getString("results").replace(" ", ""));
        assertEquals(List.of(3, 1, 4611686018427387903L, 0),
                row("select 9223372036854775807 % 4, 4294967297 % 2, intDiv(9223372036854775807, 2), 4294967296 - 4294967296"));
    }

    /**
     * A UInt64 read through a subquery's column may be held in PostgreSQL's numeric (a sum of lengths) or bigint (a
     * count): subtracting from it failed with "function hogql_minus_i64(numeric, bigint) does not exist" (found
     * writing the events list's page bound). ClickHouse: UInt64 - integer is Int64.
     */
    @Test
    void unsignedSubqueryColumnsSubtract() {
        Response r = hogql("select s - 1, s - length(event), c - 1, s + 1 from (select event, sum(length(event)) over "
                + "(order by timestamp) as s, count() over (order by timestamp) as c from events) order by s limit 1");
        r.then().statusCode(200).body("types.collect { it[1] }", equalTo(List.of("Int64", "Int64", "Int64", "UInt64")));
        assertEquals(List.of(8, 0, 0, 10), r.jsonPath().getList("results[0]"));
        assertEquals(List.of(26), row("select s - 1 from (select sum(length(event)) as s from events)"));
    }
}

package dev.quarry.query;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.HogQLRequests;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 §4, round 3: Float64 NaN where values meet in functions, arrays, tuples and aggregates, with ClickHouse's
 * answers (PostgreSQL takes NaN as equal to itself and larger than every number; ClickHouse compares with C++'s
 * IEEE operators in most places and with its column order — NaN equal to NaN — in a few); the bit functions
 * {@code bitNot}, {@code bitRotateLeft}/{@code bitRotateRight}, {@code bitHammingDistance} and the types of
 * {@code gcd}/{@code lcm}; and Quarry's own limit on the columns of one SELECT. {@code toString} tells NaN
 * ({@code nan}) from NULL, which JSON shows alike.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class NaNCollectionsAndBitsTest {
    private static Project team;

    @BeforeEach
    void project() {
        if (team == null) {
            team = TestProjects.create("NaN in collections and bits");
        }
    }

    /** A HogQLQuery as PostHog's clients post it (the query text as JSON, a blocking refresh). */
    private static Response hogql(String q) {
        return HogQLRequests.post(team, q);
    }

    private static List<Object> row(String q) {
        return HogQLRequests.firstRow(team, q);
    }

    /** The answer's one row and its column types, as a list of [value, type] pairs flattened. */
    private static List<Object> valuesAndTypes(String q) {
        return HogQLRequests.valuesAndTypes(team, q);
    }

    /**
     * greatest/least of two numbers is ClickHouse's {@code a > b ? a : b} ({@code a < b ? a : b}): a NaN on either
     * side makes the comparison false, so the second argument is the answer — greatest(nan, 1) 1, greatest(1, nan)
     * nan (src/Functions/greatest.cpp, least.cpp). Of three or more, the generic path compares NaN as the smallest
     * value for greatest and the largest for least (IColumn::compareAt's nan_direction_hint): NaN is passed over
     * unless every argument is NaN (LeastGreatestGeneric.h). PostgreSQL's GREATEST took NaN as the largest: nan for
     * the first, second and fifth.
     */
    @Test
    void greatestAndLeastTakeNaNAsClickHouse() {
        assertEquals(List.of("1", "nan", "1", "nan", "2", "2", "nan", "3"),
                row("select toString(greatest(0/0, 1)), toString(greatest(1, 0/0)), toString(least(0/0, 1)),"
                        + " toString(least(1, 0/0)), toString(greatest(1, 0/0, 2)), toString(least(3, 0/0, 2)),"
                        + " toString(greatest(0/0, 0/0, 0/0)), toString(greatest(1.5, 3))"));
    }

    /**
     * min/max keep their first value and replace it only by a smaller/greater one, so a NaN after a number never
     * wins (ClickHouse's tests/queries/0_stateless/02406_minmax_behaviour: min and max of 1, 2, 3, nan, 4, 5 are 1
     * and 5, of 1, 2, 3, 4, nan 1 and 4, of nan, nan, nan nan); argMax/argMin likewise never pick the NaN row over a
     * number. PostgreSQL's max and argMax took NaN as the largest: nan, nan and row 2 here. (A NaN in the first row
     * ClickHouse reads is kept there; rows have no order in SQL, so Quarry passes NaN over unless every value is NaN.)
     */
    @Test
    void minMaxAndArgMaxPassNaNOver() {
        assertEquals(List.of("1", "5"), row("select toString(min(a)), toString(max(a))"
                + " from (select arrayJoin([1, 2, 3, 0/0, 4, 5]) as a)"));
        // maxIf(a, a != 2): nan != 2 is true, so the NaN row is in, and passed over: 4
        assertEquals(List.of("1", "4", "4"), row("select toString(min(a)), toString(max(a)), toString(maxIf(a, a != 2))"
                + " from (select arrayJoin([1, 2, 3, 4, 0/0]) as a)"));
        assertEquals(List.of("nan", "nan"), row("select toString(min(a)), toString(max(a))"
                + " from (select arrayJoin([0/0, 0/0, 0/0]) as a)"));
        // i = 1, 2, 3 with x = 1.0, nan, 3.0: argMax is row 3, argMin row 1
        assertEquals(List.of(3, 1), row("select argMax(i, x), argMin(i, x) from (select i, [1.0, 0/0, 3.0][i] as x"
                + " from (select arrayJoin([1, 2, 3]) as i))"));
    }

    /**
     * Arrays: arrayMin/arrayMax start from the first element and replace it only by a smaller/greater one, so a NaN
     * first stays and any other NaN is passed over (src/Functions/array/arrayAggregation.cpp); has, indexOf and
     * countEqual compare with == and never find NaN (src/Functions/array/arrayIndex.h: {@code left == right});
     * arrayDistinct keeps one NaN (a hash set, NaNs with the same bits are one key). PostgreSQL's array_position and
     * IS NOT DISTINCT FROM found NaN, and max took it as the largest.
     */
    @Test
    void arrayFunctionsTakeNaNAsClickHouse() {
        assertEquals(Arrays.asList("1", "3", "nan", "nan", 0, 0, 0, 1, 2),
                row("select toString(arrayMin([1, 0/0, 3])), toString(arrayMax([1, 0/0, 3])),"
                        + " toString(arrayMax([0/0, 1])), toString(arrayMin([0/0, 1])), has([1.0, 0/0], 0/0),"
                        + " indexOf([1.0, 0/0], 0/0), countEqual([0/0, 0/0], 0/0), has([1.0, 2.0], 2.0),"
                        + " indexOf([1.0, 2.0], 2.0)"));
        assertEquals(List.of(List.of("1", "nan")),
                row("select arrayMap(x -> toString(x), arrayDistinct([1, 0/0, 0/0, 1]))"));
    }

    /**
     * arraySort and arrayReverseSort put NaN after the numbers and before NULL in both directions — ClickHouse's
     * docs: arraySort([1, nan, 2, NULL, 3, nan, -4, NULL, inf, -inf]) is [-inf, -4, 1, 2, 3, inf, nan, nan, NULL,
     * NULL], arrayReverseSort of it [inf, 3, 2, 1, -4, -inf, nan, nan, NULL, NULL]. PostgreSQL's descending order put
     * NaN first.
     */
    @Test
    void arraySortPutsNaNAfterTheNumbersBothWays() {
        String a = "[1, 0/0, 2, NULL, 3, 0/0, -4, NULL, 1/0, -1/0]";
        assertEquals(List.of(Arrays.asList("-inf", "-4", "1", "2", "3", "inf", "nan", "nan", null, null),
                        Arrays.asList("inf", "3", "2", "1", "-4", "-inf", "nan", "nan", null, null)),
                row("select arrayMap(x -> toString(x), arraySort(" + a + ")), arrayMap(x -> toString(x),"
                        + " arrayReverseSort(" + a + "))"));
    }

    /**
     * IN matches NaN bit for bit, unlike ==: {@code nan IN (nan)} is 1 and {@code nan = nan} 0 (ClickHouse's
     * stateless test for issue 116927, "IN matches NaN bit-exactly, unlike a comparison"); arrays compare as columns
     * do, NaN equal to NaN ({@code [nan] = [nan]} 1: IColumn::compareAt). Both were already PostgreSQL's answers; the
     * test keeps them.
     */
    @Test
    void inAndArrayEqualityMatchNaN() {
        assertEquals(List.of(1, 0, 1, 0, 1), row("select nan in (nan), nan = nan, 0/0 in (0/0, 1), 0/0 in (1, 2),"
                + " [0/0] = [0/0]"));
    }

    /**
     * Tuples compare element by element with the elements' own comparisons (FunctionsComparison's executeTuple):
     * {@code (1, nan) = (1, nan)} is 0 (nan = nan is 0), {@code (nan, 1) < (nan, 2)} 0 (the first elements are
     * neither less nor equal), {@code (1, nan) < (2, nan)} 1 (decided by the first), {@code (1, nan) != (1, nan)} 1.
     */
    @Test
    void tuplesCompareNaNElementByElement() {
        assertEquals(List.of(0, 0, 1, 1, 1),
                row("select (1, 0/0) = (1, 0/0), (0/0, 1) < (0/0, 2), (1, 0/0) < (2, 0/0), (1, 0/0) != (1, 0/0),"
                        + " (1, 2) = (1, 2)"));
    }

    /**
     * bitNot is the argument's type with every bit flipped (ResultOfBitNot): bitNot(1) UInt8 254, bitNot(-1) Int8 0,
     * bitNot of Int64 5 -6, of the UInt64 2^32 2^64 - 1 - 2^32. bitRotateLeft/Right are the wider argument's type
     * (ResultOfBit), rotated in its width: 99 is 0b01100011, rotated left by 2 0b10001101 = 141, right by 2
     * 0b11011000 = 216 (ClickHouse's docs' example); Int64 1 rotated left by 63 is the sign bit; UInt64 1 rotated
     * right by 1 is 2^63. bitHammingDistance(111, 121) is 3 (its docs' example). gcd/lcm are typed as {@code +}
     * (ResultOfAdditionMultiplication, GCDLCMImpl.h): UInt8 with UInt8 UInt16, Int8 with UInt8 Int16.
     */
    @Test
    void bitFunctionsAndGcdTypes() {
        assertEquals(Arrays.asList(254, "UInt8", 0, "Int8", -6, "Int64", 18446744069414584319.0, "UInt64", 141,
                        "UInt8", 216, "UInt8", 3, "UInt8", 6, "UInt16", 12, "Int16"),
                valuesAndTypes("select bitNot(1), bitNot(-1), bitNot(toInt64(5)), bitNot(4294967296),"
                        + " bitRotateLeft(99, 2), bitRotateRight(99, 2), bitHammingDistance(111, 121), gcd(12, 18),"
                        + " lcm(-4, 6)").stream().map(v -> v instanceof java.math.BigInteger || v instanceof Long l
                        && l > Integer.MAX_VALUE ? ((Number) v).doubleValue() : v).toList());
        assertEquals(Arrays.asList(-9223372036854775808L, "Int64", 9223372036854775808.0, "UInt64", 99, "UInt8",
                        1, "UInt8"),
                valuesAndTypes("select bitRotateLeft(toInt64(1), 63), bitRotateRight(_toUInt64(1), 1),"
                        + " bitRotateLeft(99, 8), bitRotateLeft(_toInt8(-128), 1) = -1").stream()
                        .map(v -> v instanceof java.math.BigInteger b ? b.doubleValue() : v).toList());
        hogql("select bitNot(1.5)").then().statusCode(400).body("detail",
                containsString("Illegal type Float64 of argument of function bitNot"));
    }

    /**
     * ORs of equalities of one String value read as one IN list (hogql.Disjunctions) answer as the ORs do: true
     * where one matches, NULL where the value is NULL and nothing else is true.
     */
    @Test
    void orOfEqualitiesAnswersAsTheOrs() {
        assertEquals(List.of(2, 0, 1, 3), row("select countIf(x = 'a' or x = 'b' or x = 'z'), countIf(x = 'q' or x = 'r'),"
                + " countIf(isNull(x = 'a' or x = 'b')), countIf(x = 'a' or x = 'c' or x = 'b' or 1 = 2)"
                + " from (select arrayJoin(['a', 'b', 'c', NULL]) as x)"));
        // nested groups (PostHog's nested OR property groups) merge into one list and answer as the ORs:
        // a and b match (2); NULL x with no term true is NULL (1); c matches the second group only (1)
        assertEquals(List.of(2, 1, 1), row("select countIf((x = 'a' or x = 'q') or (x = 'b' or x = 'r')),"
                + " countIf(isNull((x = 'a' or x = 'b') or (x = 'c' or x = 'd'))),"
                + " countIf(((x = 'z') or (x = 'c')) or (1 = 2))"
                + " from (select arrayJoin(['a', 'b', 'c', NULL]) as x)"));
    }

    /**
     * PostgreSQL holds at most 1664 entries in a target list; ClickHouse has no such limit. A SELECT of more than
     * 1,600 columns (Quarry's limit, leaving room for the columns it adds) is a 400 that says so before anything is
     * sent, where PostgreSQL's "target lists can have at most 1664 entries" came back.
     */
    @Test
    void aSelectOfTooManyColumnsIsQuarrysOwn400() {
        StringBuilder q = new StringBuilder("select 0");
        for (int k = 1; k < 5000; k++) {
            q.append(", ").append(k);
        }
        hogql(q.toString()).then().statusCode(400).body("type", equalTo("validation_error"))
                .body("detail", containsString("at most 1600 columns in Quarry"));
        StringBuilder ok = new StringBuilder("select 0");
        for (int k = 1; k < 1600; k++) {
            ok.append(", ").append(k);
        }
        assertEquals(1600, row(ok.toString()).size());
        // sort keys count too: PostgreSQL adds them to the target list (the breaker's 1,600 columns + 70 keys)
        StringBuilder sorted = new StringBuilder(ok).append(" from events order by event");
        for (int k = 0; k < 70; k++) {
            sorted.append(", properties.p").append(k);
        }
        hogql(sorted.toString()).then().statusCode(400).body("type", equalTo("validation_error"))
                .body("detail", containsString("at most 1600 columns in Quarry, counting its ORDER BY"));
    }
}

package dev.quarry.query;

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
 * The {@code types} of a HogQL answer for constants and their arithmetic, as ClickHouse names them (PostHog's
 * HogQLQueryResponse.types are ClickHouse's result types; PostHog prints {@code 1 + 2} as {@code plus(1, 2)} and a
 * negative number literal {@code -1} as the literal, its parser folding the sign into the constant). ClickHouse's
 * rules (FieldToDataType for literals, NumberTraits' ResultOfAdditionMultiplication / ResultOfSubtraction for
 * {@code + *} / {@code -}, getLeastSupertype where values meet):
 * <ul>
 * <li>an integer literal is the smallest type holding it: 0 … 255 UInt8, … 65535 UInt16, … 2^32 - 1 UInt32, then
 * UInt64; a negative one Int8 from -128, Int16 from -32768, Int32 from -2^31, else Int64; a decimal point makes it
 * Float64;</li>
 * <li>{@code + *}: the wider operand's width doubled (up to 64 bits), unsigned when both are; {@code -} the same,
 * always signed; {@code /} Float64; a float operand makes the result Float64;</li>
 * <li>{@code abs} of IntN is UIntN;</li>
 * <li>array items and {@code if} branches meet at the least supertype: unsigned alone the widest, with a signed one
 * the widest signed width, doubled when an unsigned one is as wide.</li>
 * </ul>
 * The values stay the same: a result narrower than 64 bits cannot overflow, so Quarry still computes in bigint.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ClickHouseTypesTest {
    private static Project team;

    @BeforeEach
    void project() {
        if (team == null) {
            team = TestProjects.create("ClickHouse types");
        }
    }

    /** A HogQLQuery as PostHog's clients post it (the query text as JSON, a blocking refresh). */
    private static Response hogql(String q) {
        return HogQLRequests.post(team, q);
    }

    /** The answer's one row and its column types, as a list of [value, type] pairs flattened. */
    private static List<Object> valuesAndTypes(String q) {
        return HogQLRequests.valuesAndTypes(team, q);
    }

    @Test
    void integerLiteralsAreTheSmallestTypeHoldingThem() {
        assertEquals(Arrays.asList(0, "UInt8", 255, "UInt8", 256, "UInt16", 65535, "UInt16", 65536, "UInt32",
                        4294967295L, "UInt32", 4294967296L, "UInt64"),
                valuesAndTypes("select 0, 255, 256, 65535, 65536, 4294967295, 4294967296"));
        assertEquals(Arrays.asList(-1, "Int8", -128, "Int8", -129, "Int16", -32768, "Int16", -32769, "Int32",
                        -2147483648, "Int32", -2147483649L, "Int64", 1.5f, "Float64"),
                valuesAndTypes("select -1, -128, -129, -32768, -32769, -2147483648, -2147483649, 1.5"));
    }

    @Test
    void constantArithmeticIsTypedAsClickHouseTypesIt() {
        // UInt8+UInt8 UInt16; UInt8+UInt16 UInt32; UInt16+UInt32 UInt64; (UInt8+UInt8)+UInt8 UInt32;
        // 255 + 1 is 256 (UInt16, no UInt8 wrap)
        assertEquals(Arrays.asList(3, "UInt16", 1001, "UInt32", 71000, "UInt64", 6, "UInt32", 256, "UInt16"),
                valuesAndTypes("select 1 + 2, 1 + 1000, 1000 + 70000, 1 + 2 + 3, 255 + 1"));
        // subtraction is signed: UInt8-UInt8 Int16; Int8+UInt8 Int16; Int8*UInt16 Int32; UInt32*UInt32 UInt64
        assertEquals(Arrays.asList(-1, "Int16", 0, "Int16", -1000, "Int32", 4900000000L, "UInt64", 6, "UInt16"),
                valuesAndTypes("select 1 - 2, -1 + 1, -1 * 1000, 70000 * 70000, 2 * 3"));
        // division and any float operand: Float64
        assertEquals(Arrays.asList(2.0f, "Float64", 2.5f, "Float64", 3.0f, "Float64"),
                valuesAndTypes("select 4 / 2, 1 + 1.5, 2 * 1.5"));
        // 64 bits and past: as before (Int64 column-like values, UInt64 wrap)
        assertEquals(Arrays.asList(2, "Int64", new java.math.BigInteger("9223372036854775808"), "UInt64"),
                valuesAndTypes("select toInt64(1) + 1, 9223372036854775807 + 1"));
    }

    @Test
    void absAndMeetingValuesFollowClickHouse() {
        // abs(Int8) UInt8, abs(Int16) UInt16; -(1 + 2) is 0 - UInt16: Int32
        assertEquals(Arrays.asList(1, "UInt8", 300, "UInt16", -3, "Int32"),
                valuesAndTypes("select abs(-1), abs(-300), -(1 + 2)"));
        // least supertypes: UInt8 & UInt16 UInt16; Int8 & UInt8 Int16; Int8 & UInt16 Int32; coalesce drops the NULL literal (ClickHouse: UInt8)
        assertEquals(Arrays.asList(Arrays.asList(1, 1000), "Array(UInt16)", Arrays.asList(-1, 200), "Array(Int16)",
                        1, "Int16", -1, "Int32", 1, "UInt8"),
                valuesAndTypes("select [1, 1000], [-1, 200], if(1 = 1, 1, -1), if(1 = 2, 1000, -1),"
                        + " coalesce(NULL, 1)"));
        // a UNION's column: UInt8 and UInt16 meet at UInt16
        Response r = hogql("select 1 as x union all select 1000 as x");
        r.then().statusCode(200);
        assertEquals("UInt16", r.jsonPath().getString("types[0][1]"));
    }

    @Test
    void moduloIntDivAndBitsAreTypedAsClickHouseTypesThem() {
        // NumberTraits' ResultOfModulo: the dividend's sign, the divisor's width, doubled when the dividend is signed:
        // 7 % 3 UInt8 % UInt8 UInt8 (1); -7 % 3 Int8 % UInt8 Int16 (-1, the dividend's sign); 7 % -3 UInt8 (1);
        // toInt64(7) % 3 Int64 % UInt8 Int16; 300 % 7 UInt16 % UInt8 UInt8 (6)
        assertEquals(Arrays.asList(1, "UInt8", 1, "UInt8", -1, "Int16", 1, "UInt8", 1, "Int16", 6, "UInt8"),
                valuesAndTypes("select 7 % 3, modulo(7, 3), -7 % 3, 7 % -3, toInt64(7) % 3, 300 % 7"));
        // ResultOfIntegerDivision: the dividend's width, signed when either is: intDiv(7, 2) UInt8 3; intDiv(-7, 2)
        // Int8 -3 (toward zero); intDiv(1000, 3) UInt16 333; intDiv(200, -1) is Int8: -200 wraps to 56
        assertEquals(Arrays.asList(3, "UInt8", -3, "Int8", 333, "UInt16", 56, "Int8"),
                valuesAndTypes("select intDiv(7, 2), intDiv(-7, 2), intDiv(1000, 3), intDiv(200, -1)"));
        // ResultOfBit: the wider width, signed when either is: bitAnd(5, 3) UInt8 1, bitOr 7, bitXor 6;
        // bitAnd(-1, 200) Int8: 200 is -56 there, -1 & -56 = -56; bitXor(1000, 3) UInt16 1003; bitOr(70000, 1) UInt32
        assertEquals(Arrays.asList(1, "UInt8", 7, "UInt8", 6, "UInt8", -56, "Int8", 1003, "UInt16", 70001, "UInt32"),
                valuesAndTypes("select bitAnd(5, 3), bitOr(5, 3), bitXor(5, 3), bitAnd(-1, 200), bitXor(1000, 3),"
                        + " bitOr(70000, 1)"));
        // ResultOfPositiveModulo: the divisor's width, unsigned: positiveModulo(-7, 3) UInt8 2
        // 64 bits stay: count() % 2 is UInt64 % UInt8 UInt8; intDiv(count(), 2) UInt64; bitAnd(toInt64(5), 3) Int64
        assertEquals(Arrays.asList(2, "UInt8", 1, "UInt8", 0, "UInt64", 1, "Int64"),
                valuesAndTypes("select positiveModulo(-7, 3), count() % 2, intDiv(count(), 2), bitAnd(toInt64(5), 3)"));
    }

    @Test
    void narrowCastsWrapTruncateAndParseAsClickHouse() {
        // PostHog's _toInt8 … _toUInt128 (ClickHouse's toInt8 …): past the range an integer wraps modulo 2^bits:
        // 200 - 256 = -56; 40000 - 65536 = -25536; 3000000000 - 2^32 = -1294967296; 128 - 256 = -128;
        // -1 + 256 = 255; -1 + 2^64 = 18446744073709551615; -1 + 2^128
        assertEquals(Arrays.asList(-56, "Int8", -25536, "Int16", -1294967296, "Int32", -128, "Int8", 255, "UInt8",
                        new java.math.BigInteger("18446744073709551615"), "UInt64",
                        new java.math.BigInteger("340282366920938463463374607431768211455"), "UInt128"),
                valuesAndTypes("select _toInt8(200), _toInt16(40000), _toInt32(3000000000), _toInt8(128),"
                        + " _toUInt8(-1), _toUInt64(-1), _toUInt128(-1)"));
        // floats truncate toward zero: -1.9 → -1, 2.9 → 2, 1.9 → 1; a string is a decimal integer that wraps too
        // ('300' → 44, as CAST('300', 'Int8')); true is 1; -129 (Int64) → 127; NULL stays NULL (Nullable(Int32))
        assertEquals(Arrays.asList(-1, "Int8", 2, "UInt8", 1, "Int64", 44, "Int8", -8, "Int8", 1, "Int8", 127, "Int8",
                        null, "Nullable(Int32)"),
                valuesAndTypes("select _toInt8(-1.9), _toUInt8(2.9), _toInt64(1.9), _toInt8('300'), _toInt8('-8'),"
                        + " _toInt8(true), _toInt8(toInt64(-129)), _toInt32(NULL)"));
        // the label carries on: Int8 + UInt8 is Int16; UInt64 + UInt8 UInt64, wrapping (2^64 - 1) + 1 to 0
        assertEquals(Arrays.asList(2, "Int16", 0, "UInt64"), valuesAndTypes("select _toInt8(1) + 1, _toUInt64(-1) + 1"));
        // a Date is its days since 1970-01-01 (19723 for 2024-01-01; in Int8 19723 - 77 * 256 = 11)
        assertEquals(Arrays.asList(19723, 11), hogql("select _toInt32(toDate('2024-01-01')), _toInt8(toDate('2024-01-01'))")
                .jsonPath().getList("results[0]"));
        // text that is no decimal integer, a float's text included, and NaN fail the query as in ClickHouse
        hogql("select _toInt8('1.5')").then().statusCode(400).body("code", org.hamcrest.Matchers.equalTo(
                "cannot_parse_text")).body("detail", org.hamcrest.Matchers.equalTo(
                "Cannot parse string '1.5' as Int8: syntax error"));
        hogql("select _toUInt8(0 / 0)").then().statusCode(400).body("code", org.hamcrest.Matchers.equalTo(
                "cannot_convert_type")).body("detail", org.hamcrest.Matchers.equalTo(
                "Unexpected inf or nan to integer conversion"));
    }

    @Test
    void sumsShiftsNegateAbsAndBitCountsAreTypedAsClickHouseTypesThem() {
        // AggregateFunctionSum: a sum of unsigned integers is UInt64, of signed ones Int64, of floats Float64
        // (sum(1) over the one-row select: 1; sumIf likewise; _toUInt64(3) UInt64 3)
        assertEquals(Arrays.asList(1, "UInt64", -1, "Int64", 1.5f, "Float64", 3, "UInt64", 2, "Int64", 1, "UInt64"),
                valuesAndTypes("select sum(1), sum(-1), sum(1.5), sum(_toUInt64(3)), sum(toInt64(2)),"
                        + " sumIf(1, 1 = 1)"));
        // a shift is typed as its first argument and wraps into it: ClickHouse's docs' bitShiftLeft(99, 2) is
        // 99 x 4 = 396, 396 - 256 = 140 (UInt8); bitShiftRight(99, 2) 24; bitShiftLeft(-1, 1) Int8 -2;
        // bitShiftLeft(64, 1) is UInt8 128, bitShiftLeft(-64, 1) Int8 -128, bitShiftLeft(-65, 1) Int8 -130 + 256 = 126;
        // Int64 as before
        assertEquals(Arrays.asList(140, "UInt8", 24, "UInt8", -2, "Int8", 128, "UInt8", -128, "Int8", 126, "Int8",
                        8, "Int64"),
                valuesAndTypes("select bitShiftLeft(99, 2), bitShiftRight(99, 2), bitShiftLeft(-1, 1),"
                        + " bitShiftLeft(64, 1), bitShiftLeft(-64, 1), bitShiftLeft(-65, 1), bitShiftLeft(toInt64(1), 3)"));
        // ResultOfNegate: a signed integer keeps its type — negate(-1) Int8 1, negate(-128) Int8 wraps to -128 —,
        // an unsigned one is the signed type twice as wide (negate(1) Int16, negate(300) Int32); UInt64 Int64
        assertEquals(Arrays.asList(1, "Int8", -128, "Int8", -1, "Int16", -300, "Int32", -5, "Int64", 5, "Int64"),
                valuesAndTypes("select negate(-1), negate(-128), negate(1), negate(300), negate(_toUInt64(5)),"
                        + " negate(toInt64(-5))"));
        // ResultOfAbs: an unsigned integer keeps its type (abs(1) UInt8, abs(300) UInt16); IntN is UIntN
        assertEquals(Arrays.asList(1, "UInt8", 300, "UInt16", 128, "UInt8", 5, "UInt64"),
                valuesAndTypes("select abs(1), abs(300), abs(-128), abs(toInt64(-5))"));
        // moduloOrZero is typed as modulo (7 % 3 UInt8 1, -7 % 3 Int16 -1; by zero 0, UInt8); bitTest and bitCount
        // are UInt8 (bitTest(1, 0) 1; bitCount(7) 3)
        assertEquals(Arrays.asList(1, "UInt8", -1, "Int16", 0, "UInt8", 1, "UInt8", 3, "UInt8"),
                valuesAndTypes("select moduloOrZero(7, 3), moduloOrZero(-7, 3), moduloOrZero(7, 0), bitTest(1, 0),"
                        + " bitCount(7)"));
    }
}

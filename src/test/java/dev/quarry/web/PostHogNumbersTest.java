package dev.quarry.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.JsonFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Doubles as PostHog's answers write them: orjson's float text (the zmij crate's layout), each value checked against
 * what PostHog's renderer gives for the same Python float.
 */
class PostHogNumbersTest {
    @Test
    void doublesAreWrittenAsOrjsonWritesThem() {
        // plain while the first digit's exponent is in -5..15, with a fraction; scientific beyond, exponent signed
        assertEquals("1e+308", PostHogNumbers.format(1e308));
        assertEquals("1.7976931348623157e+308", PostHogNumbers.format(Double.MAX_VALUE));
        assertEquals("5e-324", PostHogNumbers.format(Double.MIN_VALUE));
        assertEquals("1e-7", PostHogNumbers.format(1e-7));
        assertEquals("1.5e-7", PostHogNumbers.format(1.5e-7));
        assertEquals("1e-6", PostHogNumbers.format(0.000001));
        assertEquals("0.00001", PostHogNumbers.format(0.00001));
        assertEquals("0.0001", PostHogNumbers.format(0.0001));
        assertEquals("0.30000000000000004", PostHogNumbers.format(0.1 + 0.2));
        assertEquals("12345678.9", PostHogNumbers.format(12345678.9));
        assertEquals("15000000.0", PostHogNumbers.format(1.5e7));
        assertEquals("1000000000000000.0", PostHogNumbers.format(1e15));
        assertEquals("1e+16", PostHogNumbers.format(1e16));
        assertEquals("1.2345678901234568e+17", PostHogNumbers.format(123456789012345678.0));
        assertEquals("-2.5e+100", PostHogNumbers.format(-2.5e100));
        assertEquals("1.0", PostHogNumbers.format(1.0));
        assertEquals("-1.5", PostHogNumbers.format(-1.5));
        assertEquals("0.0", PostHogNumbers.format(0.0));
        assertEquals("-0.0", PostHogNumbers.format(-0.0));
        // JSON has no inf or nan: orjson writes null
        assertEquals("null", PostHogNumbers.format(Double.POSITIVE_INFINITY));
        assertEquals("null", PostHogNumbers.format(Double.NaN));
        // the shortest digits that read back (Java 17's Double.toString writes 2.0E-3 as "0.002" but 1.0E23 as
        // "1.0E23" only by luck of its algorithm; the Schubfach digits are exact)
        assertEquals("0.002", PostHogNumbers.format(0.002));
        assertEquals("1e+23", PostHogNumbers.format(1e23));
        assertEquals("2e+22", PostHogNumbers.format(2e22));
    }

    /**
     * The one-digit check (Java 19's digits write 4.9E-324 where 5e-324 reads back the same) takes the exact binary
     * expansion only for subnormals: for every other double a one-digit decimal never reads back where the digits
     * have two. Checked against the exact rule on two-digit values across the whole exponent range (1.5e300 was the
     * float-heavy capture batch's value), and on random bit patterns.
     */
    @Test
    void theOneDigitCheckAgreesWithTheExactRuleOnEveryKindOfDouble() {
        java.util.Random random = new java.util.Random(18);
        List<Double> values = new java.util.ArrayList<>(List.of(Double.MIN_VALUE, 2 * Double.MIN_VALUE,
                Double.MIN_NORMAL, Math.nextDown(Double.MIN_NORMAL), Double.MAX_VALUE, 1.5e300, 4.9e-324, 9.5e-323));
        for (int e = -323; e <= 307; e++) {
            for (int mantissa = 10; mantissa < 100; mantissa += 7) {
                values.add(Double.parseDouble(mantissa + "e" + e));
            }
        }
        for (int i = 0; i < 100_000; i++) {
            values.add(Double.longBitsToDouble(random.nextLong()));
        }
        for (long bits = 1; bits < 2_000; bits++) {
            values.add(Double.longBitsToDouble(bits)); // the smallest subnormals, where one ulp is most of the value
        }
        for (double d : values) {
            if (!Double.isNaN(d) && !Double.isInfinite(d)) {
                assertEquals(exactRule(d), PostHogNumbers.format(d), "bits " + Double.doubleToRawLongBits(d));
            }
        }
    }

    /** The rule as first written: the one-digit check on the exact expansion of every two-digit value. */
    private static String exactRule(double d) {
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        java.math.BigDecimal v = new java.math.BigDecimal(
                com.fasterxml.jackson.core.io.schubfach.DoubleToDecimal.toString(d)).stripTrailingZeros();
        if (v.precision() == 2) {
            java.math.BigDecimal one = new java.math.BigDecimal(d).round(
                    new java.math.MathContext(1, java.math.RoundingMode.HALF_EVEN));
            if (one.doubleValue() == d) {
                v = one.stripTrailingZeros();
            }
        }
        String digits = v.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - v.scale();
        String sign = v.signum() < 0 ? "-" : "";
        if (exponent >= -5 && exponent <= 15) {
            String plain = v.abs().toPlainString();
            return sign + (plain.indexOf('.') < 0 ? plain + ".0" : plain);
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.abs(exponent);
    }

    @Test
    void aGeneratorWritesEveryDoubleOfTreesMapsAndRecordsSo() throws Exception {
        JsonFactory factory = JsonFactory.builder().addDecorator((f, g) -> new PostHogNumbers.Generator(g)).build();
        ObjectMapper mapper = new ObjectMapper(factory);
        record Row(double v, Double w, float f) {
        }
        assertEquals("{\"a\":[1e+308,1e-7,null]}", mapper.writeValueAsString(Map.of("a", List.of(1e308, 1e-7,
                Double.NaN))));
        assertEquals("{\"v\":12345678.9,\"w\":null,\"f\":0.1}", mapper.writeValueAsString(new Row(12345678.9, null,
                0.1f)));
        assertEquals("[1e+308,0.00001]", mapper.writeValueAsString(mapper.readTree("[1.0E308, 1e-5]")));
    }
}

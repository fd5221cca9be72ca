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

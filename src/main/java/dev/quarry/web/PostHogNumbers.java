package dev.quarry.web;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.schubfach.DoubleToDecimal;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Floating-point numbers in JSON answers as PostHog writes them. PostHog's API renders every response with orjson
 * ({@code posthog/renderers.py} SafeJSONRenderer), whose floats are the shortest digits that read back as the same
 * double (as Java's), laid out as the Rust {@code zmij} crate does: plain decimals while the first digit's decimal
 * exponent is in -5..15 ({@code 0.00001}, {@code 0.30000000000000004}, {@code 12345678.9},
 * {@code 1000000000000000.0}, always with a fraction), otherwise scientific with a signed, unpadded exponent
 * ({@code 1e+308}, {@code 1.5e-7}, {@code 1e+16}); {@code -0.0} keeps its sign; NaN and ±inf are {@code null}.
 * Java's own rendering ({@code 1.0E308}, {@code 1.2345678E7}, {@code 1.0E-4}) differed from 10^7 up and below 10^-3.
 */
public final class PostHogNumbers {
    private PostHogNumbers() {
    }

    /** The JSON text of a double as PostHog's answers show it; {@code null} for NaN and infinities. */
    public static String format(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return "null";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        // the shortest round-tripping digits (Java 17's Double.toString is not always shortest; this is Java 19's,
        // which still writes two digits where one would do: 4.9E-324 for 5e-324). That happens only where one ulp is
        // at least a hundredth of the value (two decimals a tenth of a digit apart both read back as d), i.e. among
        // the smallest subnormals: a normal double never takes the exact expansion below (for 1.5e300 a 997-bit
        // BigDecimal rounded by a division: ≈ 20 µs a number, which made float-heavy capture batches slow to read)
        BigDecimal v = new BigDecimal(DoubleToDecimal.toString(d)).stripTrailingZeros();
        if (v.precision() == 2 && Math.abs(d) < Double.MIN_NORMAL) {
            BigDecimal one = new BigDecimal(d).round(new MathContext(1, RoundingMode.HALF_EVEN));
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

    /**
     * A generator that writes doubles (and floats) by {@link #format}: installed on the application's ObjectMapper
     * (see {@link JsonMapperProducer}), so fresh answers, answers kept as rendered text and cached answers agree.
     */
    static final class Generator extends JsonGeneratorDelegate {
        Generator(JsonGenerator d) {
            super(d, false);
        }

        @Override
        public void writeNumber(double v) throws IOException {
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                delegate.writeNull();
            } else {
                delegate.writeNumber(format(v));
            }
        }

        @Override
        public void writeNumber(float v) throws IOException {
            // a float widened exactly and then printed shortest for a double would show binary noise (0.1f):
            // its own shortest digits, as Python holds every float as a double of those digits
            writeNumber(Double.parseDouble(Float.toString(v)));
        }
    }
}

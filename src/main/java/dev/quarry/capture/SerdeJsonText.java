package dev.quarry.capture;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.web.PostHogNumbers;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON value written back as PostHog's Rust capture writes it: capture reads the envelope with serde_json (default
 * features) and turns a distinct id that is not a string into {@code Value::to_string()}. So integers that fit a
 * 64-bit integer ({@code i64} or {@code u64}) stay exact; every other number (a fraction, an exponent, an integer past
 * {@code u64::MAX}) is an {@code f64} written by ryu — shortest round-tripping digits, plain while the decimal exponent
 * is in -5..15 and always with a fraction ({@code 23.4}, {@code 100.0} for {@code 1e2}, {@code 0.00001}), otherwise
 * scientific with an unsigned positive exponent ({@code 1.5e300}, {@code 1e-7}, {@code 1e16}); objects with their keys
 * sorted (serde_json's map is a BTreeMap), compact, strings escaped with lowercase {@code \\u00xx}.
 */
final class SerdeJsonText {
    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final BigInteger I64_MIN = BigInteger.valueOf(Long.MIN_VALUE);

    private SerdeJsonText() {
    }

    /** The compact serde_json text of a value. */
    static String of(JsonNode node) {
        StringBuilder out = new StringBuilder();
        write(node, out);
        return out.toString();
    }

    /**
     * A double as serde_json (ryu) writes it. A JSON number past the double range ({@code 1e400}, or an integer of
     * 400 digits) reads here as an infinity; serde_json refuses it ("number out of range") and PostHog's capture
     * answers 400, so this throws {@link CaptureValidationException}.
     */
    static String number(double d) {
        if (Double.isInfinite(d) || Double.isNaN(d)) {
            throw new CaptureValidationException("number out of range: a JSON number past the 64-bit float range");
        }
        return PostHogNumbers.format(d).replace("e+", "e");
    }

    private static void write(JsonNode node, StringBuilder out) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            out.append("null");
        } else if (node.isTextual()) {
            string(node.textValue(), out);
        } else if (node.isBoolean()) {
            out.append(node.booleanValue());
        } else if (node.isIntegralNumber()) {
            BigInteger value = node.bigIntegerValue();
            out.append(value.compareTo(I64_MIN) >= 0 && value.compareTo(U64_MAX) <= 0
                    ? value.toString() : number(value.doubleValue()));
        } else if (node.isNumber()) {
            out.append(number(node.doubleValue()));
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(node.get(i), out);
            }
            out.append(']');
        } else if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            // serde_json orders by the keys' UTF-8 bytes, which is code point order
            names.sort(SerdeJsonText::byCodePoints);
            out.append('{');
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                string(names.get(i), out);
                out.append(':');
                write(node.get(names.get(i)), out);
            }
            out.append('}');
        } else {
            out.append(node.toString());
        }
    }

    private static int byCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}

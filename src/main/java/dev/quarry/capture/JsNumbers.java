package dev.quarry.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * Captured property values as PostHog stores them. PostHog's ingestion (Node.js) reads an event with
 * {@code JSON.parse} and writes its properties to ClickHouse with {@code JSON.stringify}: every number becomes a
 * JavaScript double and is written back in JavaScript's form — {@code 1e308} as {@code 1e+308}, {@code 1.0} as
 * {@code 1}, {@code -0} as {@code 0}, {@code 1E5} as {@code 100000}, a 20-digit integer rounded to 17 significant
 * digits ({@code 12345678901234567890} as {@code 12345678901234567000}), a number past Float64 as {@code null}; HogQL
 * {@code properties.x} then reads that text. Quarry stores properties as PostgreSQL {@code jsonb}, whose numbers print
 * in plain notation (a 309-digit integer for {@code 1e308}) and keep trailing zeros ({@code 1.0}): so numbers are
 * written as JavaScript writes them, and the ones JavaScript writes with an exponent ({@code |x| ≥ 1e21},
 * {@code |x| < 1e-6}) are kept as that text in a JSON string, which {@code properties.x} returns and
 * {@code toFloat(properties.x)} reads back. Property types are inferred before this, so such a value stays
 * {@code Numeric} in the definitions.
 */
final class JsNumbers {
    /** 2^53: integers past it are no longer exact as doubles. */
    private static final long EXACT = 1L << 53;

    private JsNumbers() {
    }

    /** The JSON text to store for a properties object (the same as {@code toString()} when nothing changes). */
    static String json(JsonNode properties) {
        return differs(properties) ? stored(properties.deepCopy()).toString() : properties.toString();
    }

    private static boolean differs(JsonNode n) {
        if (n.isContainerNode()) {
            for (JsonNode child : n) {
                if (differs(child)) {
                    return true;
                }
            }
            return false;
        }
        if (!n.isNumber()) {
            return false;
        }
        if (n.isInt() || n.isShort()) {
            return false;
        }
        if (n.isLong()) {
            return Math.abs(n.longValue()) > EXACT;
        }
        if (n.isDouble() || n.isFloat()) {
            double d = Math.abs(n.doubleValue());
            return d == Math.rint(d) || d >= 1e21 || d < 1e-6 || Double.isNaN(d);
        }
        return true; // BigInteger, BigDecimal
    }

    private static JsonNode stored(JsonNode n) {
        if (n instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                e.setValue(stored(e.getValue()));
            }
            return o;
        }
        if (n instanceof ArrayNode a) {
            for (int k = 0; k < a.size(); k++) {
                a.set(k, stored(a.get(k)));
            }
            return a;
        }
        if (!n.isNumber() || !differs(n)) {
            return n;
        }
        double d = n.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return NullNode.getInstance(); // JSON.stringify(Infinity) is "null"
        }
        String text = text(d);
        if (text.indexOf('e') >= 0) {
            return TextNode.valueOf(text);
        }
        BigDecimal v = new BigDecimal(text);
        return v.scale() <= 0 && v.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) < 0
                ? LongNode.valueOf(v.longValueExact()) : DecimalNode.valueOf(v);
    }

    /**
     * JavaScript's {@code Number.prototype.toString()} of a finite double (ECMAScript's Number::toString): the
     * shortest digits that read back as {@code d}, plain from 1e-6 up to 1e21, else {@code d.ddde±x}.
     */
    static String text(double d) {
        if (d == 0) {
            return "0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int k = digits.length();
        int n = k - bd.scale(); // the value is 0.digits × 10^n
        String sign = d < 0 ? "-" : "";
        if (k <= n && n <= 21) {
            return sign + digits + "0".repeat(n - k);
        }
        if (0 < n && n <= 21) {
            return sign + digits.substring(0, n) + "." + digits.substring(n);
        }
        if (-6 < n && n <= 0) {
            return sign + "0." + "0".repeat(-n) + digits;
        }
        int e = n - 1;
        String mantissa = k == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (e < 0 ? "-" : "+") + Math.abs(e);
    }
}

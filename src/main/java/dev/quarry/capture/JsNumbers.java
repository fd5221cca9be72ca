package dev.quarry.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.StringWriter;
import com.fasterxml.jackson.core.io.NumberOutput;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;
import java.util.function.UnaryOperator;

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

    /** Writes what {@code JsonNode.toString()} writes: Jackson's defaults (no indentation, non-ASCII as is). */
    private static final JsonFactory FACTORY = new JsonFactory();

    /**
     * The JSON text to store for a properties object (the same as {@code toString()} when nothing changes): the
     * tree written once, each number as it is or in JavaScript's form where that differs ({@link #byTree} is the
     * same text made by copying the tree with the numbers replaced, then writing it; capture ran that for every event,
     * a walk more and Jackson's tree writer: 14% of the Java samples of a JFR profile of capture at batches of 100).
     */
    static String json(JsonNode properties) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, properties, UnaryOperator.identity());
        } catch (IOException | UnexpectedNode e) {
            return byTree(properties);
        }
        return out.toString();
    }

    /** {@link #json} by copying the tree with the numbers replaced ({@link #stored}), then writing it. */
    static String byTree(JsonNode properties) {
        return differs(properties) ? stored(properties.deepCopy()).toString() : properties.toString();
    }

    /**
     * Writes a properties object into {@code g} exactly as {@link #json} writes its text (the same walk and number
     * forms), for many objects written by one generator ({@link EventPropertiesUtf8}).
     *
     * @param asNettyWrites strings and keys as the pg client's text encoding wrote {@link #json}'s text
     *                      ({@link EventPropertiesUtf8#asNettyWrites}: a lone surrogate as {@code ?})
     * @throws UnexpectedNode for a node JSON text never parses to (then {@link #reparsed} of the object writes)
     */
    static void write(JsonGenerator g, JsonNode properties, boolean asNettyWrites) throws IOException {
        write(g, properties, asNettyWrites ? EventPropertiesUtf8::asNettyWrites : UnaryOperator.identity());
    }

    /** {@link #byTree}'s text read back as a plain tree: what {@link #write} writes when the object has a node it cannot. */
    static JsonNode reparsed(JsonNode properties) {
        try (com.fasterxml.jackson.core.JsonParser p = FACTORY.createParser(byTree(properties))) {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A node that JSON text never parses to (binary, POJO, missing): written by the tree path instead. */
    static final class UnexpectedNode extends RuntimeException {
        UnexpectedNode() {
            super(null, null, false, false);
        }
    }

    /**
     * The walk both writers share: every number by {@link #writeNumber}, every string and key as {@code text} gives it
     * (as is for {@link #json}; {@link EventPropertiesUtf8#asNettyWrites} for the events insert's bytes).
     */
    private static void write(JsonGenerator g, JsonNode n, UnaryOperator<String> text) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    g.writeFieldName(text.apply(field.getKey()));
                    write(g, field.getValue(), text);
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (int i = 0; i < n.size(); i++) {
                    write(g, n.get(i), text);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(text.apply(n.textValue()));
            case BOOLEAN -> g.writeBoolean(n.booleanValue());
            case NULL -> g.writeNull();
            case NUMBER -> writeNumber(g, n);
            default -> throw new UnexpectedNode();
        }
    }

    /** As the number's node writes itself, unless {@link #differs}: then as {@link #stored} replaces it. */
    private static void writeNumber(JsonGenerator g, JsonNode n) throws IOException {
        if (n.isInt()) {
            g.writeNumber(n.intValue());
        } else if (n.isShort()) {
            g.writeNumber(n.shortValue());
        } else if (!differs(n)) {
            if (n.isLong()) {
                g.writeNumber(n.longValue());
            } else if (n.isDouble()) {
                g.writeNumber(n.doubleValue());
            } else if (n.isFloat()) {
                g.writeNumber(n.floatValue());
            } else {
                throw new UnexpectedNode();
            }
        } else {
            JsonNode js = stored(n);
            if (js.isNull()) {
                g.writeNull();
            } else if (js.isTextual()) {
                g.writeString(js.textValue());
            } else if (js.isLong()) {
                g.writeNumber(js.longValue());
            } else {
                g.writeNumber(js.decimalValue());
            }
        }
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
        // Java 17's Double.toString is not always the shortest form that reads back (JDK-4511638, fixed in 19:
        // 2e23 is "1.9999999999999998E23", 5e-324 "4.9E-324"); Jackson's Schubfach writer is, as JavaScript is
        BigDecimal bd = new BigDecimal(NumberOutput.toString(Math.abs(d), true)).stripTrailingZeros();
        if (bd.precision() == 2) {
            // Java's form keeps two digits where one reads back too (4.9E-324); JavaScript's takes the one (5e-324)
            BigDecimal one = bd.round(new java.math.MathContext(1, java.math.RoundingMode.HALF_EVEN));
            if (Double.parseDouble(one.toString()) == Math.abs(d)) {
                bd = one.stripTrailingZeros();
            }
        }
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

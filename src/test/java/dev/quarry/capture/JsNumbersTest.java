package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link JsNumbers#json} writes the tree once with the numbers in JavaScript's form where that differs; the text must
 * be the one the tree path ({@link JsNumbers#byTree}: copy, replace the numbers, write) gives, for every node type and
 * shape capture and the person and group writes meet.
 */
class JsNumbersTest {
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final ObjectMapper DECIMALS = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    /** 1e-6 itself is not below JavaScript's plain range: written as Jackson writes it, the same jsonb number. */
    @Test
    void numbersAsJavaScriptWritesThem() throws Exception {
        String json = JsNumbers.json(PLAIN.readTree("{\"a\":1e308,\"b\":1.0,\"c\":-0.0,\"d\":1E5,"
                + "\"e\":12345678901234567890,\"f\":1.5,\"g\":[1e-7,0.000001,9007199254740993],\"h\":\"é\\u0001\\\"\","
                + "\"i\":null,\"j\":true,\"k\":{\"l\":2.50}}"));
        assertEquals("{\"a\":\"1e+308\",\"b\":1,\"c\":0,\"d\":100000,\"e\":12345678901234567000,\"f\":1.5,"
                + "\"g\":[\"1e-7\",1.0E-6,9007199254740992],\"h\":\"é\\u0001\\\"\",\"i\":null,\"j\":true,"
                + "\"k\":{\"l\":2.5}}", json);
    }

    /**
     * The shortest digits that read back, as JavaScript's Number::toString gives them (node: {@code JSON.stringify}),
     * where Java 17's Double.toString gives longer or other digits (JDK-4511638).
     */
    @Test
    void shortestDigitsWhereJava17sDoubleToStringIsNot() throws Exception {
        String json = JsNumbers.json(PLAIN.readTree("{\"a\":5e-324,\"b\":2.82879384806159e17,"
                + "\"c\":1.9400994884341945e25,\"d\":2e23,\"e\":8.41e21,\"g\":1e23}"));
        assertEquals("{\"a\":\"5e-324\",\"b\":282879384806159000,\"c\":\"1.9400994884341945e+25\","
                + "\"d\":\"2e+23\",\"e\":\"8.41e+21\",\"g\":\"1e+23\"}", json);
    }

    @Test
    void theSameTextAsTheTreePathForRandomTrees() throws Exception {
        Random random = new Random(18);
        for (int i = 0; i < 20_000; i++) {
            String text = randomJson(random, 0);
            for (ObjectMapper mapper : new ObjectMapper[]{PLAIN, DECIMALS}) {
                JsonNode tree = mapper.readTree(text);
                String expected = JsNumbers.byTree(tree);
                assertEquals(expected, JsNumbers.json(tree), text);
                assertEquals(expected, JsNumbers.byTree(tree), "the tree itself is left as it was: " + text);
            }
        }
    }

    @Test
    void nodeTypesNoParserMakes() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode object = f.objectNode();
        object.set("float", f.numberNode(1.5f));
        object.set("wholeFloat", f.numberNode(3.0f));
        object.set("tinyFloat", f.numberNode(1e-9f));
        object.set("short", f.numberNode((short) -7));
        object.set("bigInteger", f.numberNode(new BigInteger("123456789012345678901234567890")));
        object.set("decimal", f.numberNode(new BigDecimal("12.3400")));
        object.set("long", f.numberNode(Long.MIN_VALUE));
        object.set("nan", f.numberNode(Double.NaN));
        object.set("infinite", f.numberNode(Double.NEGATIVE_INFINITY));
        object.set("binary", f.binaryNode(new byte[]{1, 2}));
        object.set("pojo", f.pojoNode(java.util.List.of(1, 2)));
        ArrayNode array = object.putArray("nested");
        array.add(f.numberNode(2e21)).add(f.numberNode(-1e-7)).addObject().put("x", 0.1);
        assertEquals(JsNumbers.byTree(object), JsNumbers.json(object));
        object.remove(java.util.List.of("binary", "pojo"));
        assertEquals(JsNumbers.byTree(object), JsNumbers.json(object));
    }

    private static String randomJson(Random r, int depth) {
        int kind = depth > 3 ? 2 + r.nextInt(6) : r.nextInt(8);
        switch (kind) {
            case 0: {
                StringBuilder b = new StringBuilder("{");
                int n = r.nextInt(6);
                for (int k = 0; k < n; k++) {
                    b.append(k > 0 ? "," : "").append(randomString(r)).append(':').append(randomJson(r, depth + 1));
                }
                return b.append('}').toString();
            }
            case 1: {
                StringBuilder b = new StringBuilder("[");
                int n = r.nextInt(5);
                for (int k = 0; k < n; k++) {
                    b.append(k > 0 ? "," : "").append(randomJson(r, depth + 1));
                }
                return b.append(']').toString();
            }
            case 2:
                return randomString(r);
            case 3:
                return r.nextBoolean() ? "true" : r.nextBoolean() ? "false" : "null";
            default:
                return randomNumber(r);
        }
    }

    private static String randomNumber(Random r) {
        return switch (r.nextInt(9)) {
            case 0 -> Integer.toString(r.nextInt());
            case 1 -> Long.toString(r.nextLong() >> r.nextInt(64));
            case 2 -> (r.nextBoolean() ? "-" : "") + new BigInteger(70 + r.nextInt(60), r).toString();
            case 3 -> Double.toString(r.nextDouble() * Math.pow(10, r.nextInt(60) - 30));
            case 4 -> r.nextInt(1000) + "." + "0".repeat(r.nextInt(3)) + r.nextInt(100);
            case 5 -> r.nextInt(10) + "e" + (r.nextInt(80) - 40);
            case 6 -> r.nextBoolean() ? "-0" : "-0.0";
            case 7 -> r.nextInt(100) + ".0";
            default -> Double.toString(Double.longBitsToDouble(r.nextLong() & 0x7fefffffffffffffL));
        };
    }

    private static String randomString(Random r) {
        String[] parts = {"a", "$browser", "é", "\\u0001", "\\\"", "\\\\", "\\n", "日本", "\\ud83d\\ude00", " ", "/"};
        StringBuilder b = new StringBuilder("\"");
        int n = r.nextInt(4);
        for (int k = 0; k < n; k++) {
            b.append(parts[r.nextInt(parts.length)]);
        }
        return b.append('"').toString();
    }
}

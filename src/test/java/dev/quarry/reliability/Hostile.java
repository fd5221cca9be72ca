package dev.quarry.reliability;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Hostile values and JSON mutations for the property-based tests, all drawn from one seeded {@link Random} so a
 * failure is reproduced by its seed ({@code -Dquarry.fuzz.seed=…}), and the one verdict every answer must pass:
 * a 2xx with a JSON body, or a 4xx with PostHog's error body — never a 5xx, never a hang.
 */
final class Hostile {
    static final long SEED = Long.getLong("quarry.fuzz.seed", 20260111L);
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A request that takes longer than this is a hang. */
    static final int TIMEOUT_MS = 30_000;
    static final RestAssuredConfig CONFIG = RestAssuredConfig.config().httpClient(HttpClientConfig.httpClientConfig()
            .setParam("http.connection.timeout", 5_000)
            .setParam("http.socket.timeout", TIMEOUT_MS)
            .setParam("http.connection-manager.timeout", (long) TIMEOUT_MS));

    static final List<String> STRINGS = List.of(
            "", " ", "-1", "0", "-0", "1.5", "-2147483649", "2147483648", "9223372036854775808", "-9223372036854775809",
            "1e309", "NaN", "Infinity", "null", "true", "[]", "{}", "0x10", " 7 ", "+3",
            "2020-13-45", "0000-00-00", "9999-12-31T23:59:59Z", "-290308-01-01", "2026-02-30", "-7d", "-99999999999d",
            "dStart", "mEnd", "all", "2026-01-01T00:00:00+25:00", "yesterday",
            "'; DROP TABLE events; --", "\" OR 1=1 --", "$1", "%s%s%n", "../../../../etc/passwd", "%00", "\u0000",
            "ñandú 你好 😀", "\u202Eevil", "\uFEFF", "\uD800", "\uDFFF\uD800", "a\u0301\u0301\u0301",
            "@current", "@me", "phx_notakey", "phc_notatoken", "<script>alert(1)</script>",
            "select 1", "select * from events; select 1", "select sleep(10)", "events",
            "(((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))",
            "DEBUG", "ERROR", "INFO,WARN", "day", "hour", "minute", "week", "month", "year", "Day", "Week",
            "dau", "weekly_active", "sum", "avg", "unique_group", "hogql", "person", "cohort", "events",
            "$pageview", "$browser", "properties.$browser", "person.properties.email");

    private Hostile() {
    }

    static RequestSpecification request() {
        return given().config(CONFIG).redirects().follow(false);
    }

    static String string(Random rnd) {
        int pick = rnd.nextInt(20);
        if (pick == 0) {
            return huge(rnd, 100_000 + rnd.nextInt(200_000));
        }
        if (pick == 1) {
            return "(".repeat(2_000 + rnd.nextInt(30_000)) + "1" + ")".repeat(100);
        }
        if (pick == 2) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 1 + rnd.nextInt(40); i++) {
                s.appendCodePoint(rnd.nextBoolean() ? rnd.nextInt(0x30000) : rnd.nextInt(0x80));
            }
            return s.toString();
        }
        return STRINGS.get(rnd.nextInt(STRINGS.size()));
    }

    static String huge(Random rnd, int length) {
        String unit = rnd.nextBoolean() ? "x" : "é😀";
        return unit.repeat(Math.max(1, length / unit.length()));
    }

    static JsonNode number(Random rnd) {
        return switch (rnd.nextInt(10)) {
            case 0 -> NODES.numberNode(-1);
            case 1 -> NODES.numberNode(0);
            case 2 -> NODES.numberNode(Integer.MAX_VALUE);
            case 3 -> NODES.numberNode(Long.MIN_VALUE);
            case 4 -> NODES.numberNode(Long.MAX_VALUE);
            case 5 -> NODES.numberNode(new java.math.BigInteger("123456789012345678901234567890"));
            case 6 -> NODES.numberNode(1e300);
            case 7 -> NODES.numberNode(-0.5);
            case 8 -> NODES.numberNode(Integer.MIN_VALUE);
            default -> NODES.numberNode(rnd.nextInt(2000) - 1000);
        };
    }

    static JsonNode value(Random rnd, int depth) {
        int pick = rnd.nextInt(depth > 2 ? 5 : 10);
        return switch (pick) {
            case 0, 1 -> NODES.textNode(string(rnd));
            case 2 -> number(rnd);
            case 3 -> NODES.booleanNode(rnd.nextBoolean());
            case 4 -> NODES.nullNode();
            case 5 -> {
                ArrayNode a = NODES.arrayNode();
                for (int i = rnd.nextInt(4); i > 0; i--) {
                    a.add(value(rnd, depth + 1));
                }
                yield a;
            }
            case 6 -> {
                ObjectNode o = NODES.objectNode();
                for (int i = rnd.nextInt(4); i > 0; i--) {
                    o.set(key(rnd), value(rnd, depth + 1));
                }
                yield o;
            }
            case 7 -> deep(rnd, 50 + rnd.nextInt(depth > 0 ? 50 : 800));
            default -> NODES.textNode(string(rnd));
        };
    }

    static String key(Random rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> "ключ-" + rnd.nextInt(10);
            case 1 -> "$set";
            case 2 -> "😀\u0000key";
            case 3 -> "";
            case 4 -> huge(rnd, 5_000);
            default -> "k" + rnd.nextInt(100);
        };
    }

    /** Nested arrays or objects, below Jackson's nesting limit (1000) so the handlers themselves see them. */
    static JsonNode deep(Random rnd, int depth) {
        JsonNode node = NODES.textNode("bottom");
        boolean arrays = rnd.nextBoolean();
        for (int i = 0; i < depth; i++) {
            if (arrays) {
                node = NODES.arrayNode().add(node);
            } else {
                ObjectNode o = NODES.objectNode();
                o.set("kind", node);
                node = o;
            }
        }
        return node;
    }

    /** 1–3 mutations of a copy of a valid body: replace a value, drop a field, add a field, or change a type. */
    static JsonNode mutate(JsonNode valid, Random rnd) {
        JsonNode copy = valid.deepCopy();
        int mutations = 1 + rnd.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            List<JsonNode> containers = new ArrayList<>();
            collect(copy, containers, 0);
            JsonNode target = containers.get(rnd.nextInt(containers.size()));
            if (target instanceof ObjectNode object) {
                List<String> names = new ArrayList<>();
                object.fieldNames().forEachRemaining(names::add);
                int op = names.isEmpty() ? 2 : rnd.nextInt(4);
                switch (op) {
                    case 0, 3 -> object.set(names.get(rnd.nextInt(names.size())), value(rnd, 0));
                    case 1 -> object.remove(names.get(rnd.nextInt(names.size())));
                    default -> object.set(rnd.nextBoolean() ? key(rnd) : "limit", value(rnd, 0));
                }
            } else if (target instanceof ArrayNode array) {
                if (array.isEmpty() || rnd.nextInt(3) == 0) {
                    array.add(value(rnd, 0));
                } else if (rnd.nextBoolean()) {
                    array.remove(rnd.nextInt(array.size()));
                } else {
                    array.set(rnd.nextInt(array.size()), value(rnd, 0));
                }
            }
        }
        return copy;
    }

    private static void collect(JsonNode node, List<JsonNode> out, int depth) {
        if (node.isContainerNode() && depth < 12) { // so that nested mutations stay under Jackson's 1000 levels
            out.add(node);
            Iterator<JsonNode> children = node.elements();
            while (children.hasNext()) {
                collect(children.next(), out, depth + 1);
            }
        }
    }

    static ObjectNode json(Object value) {
        return MAPPER.valueToTree(value);
    }

    static Map<String, Object> map(Object... pairs) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /** Collects verdict failures, so one run reports every broken case with what reproduces it. */
    static final class Verdicts {
        private final List<String> failures = new ArrayList<>();
        private int checked;

        void check(String what, Response response) {
            checked++;
            String failure = verdict(response);
            if (failure != null && failures.size() < 40) {
                failures.add(what + " → " + failure);
            }
        }

        void fail(String what, Throwable e) {
            checked++;
            if (failures.size() < 40) {
                failures.add(what + " → " + e);
            }
        }

        int checked() {
            return checked;
        }

        void assertNone() {
            if (!failures.isEmpty()) {
                throw new AssertionError(failures.size() + " of " + checked + " answers broke the contract (seed "
                        + SEED + "):\n" + String.join("\n", failures));
            }
        }
    }

    /** null when the answer keeps the contract, else what is wrong with it. */
    static String verdict(Response response) {
        int status = response.statusCode();
        String body = response.asString();
        if (status >= 500 || status < 200) {
            return status + " " + abbreviate(body);
        }
        if (status >= 400) {
            try {
                JsonNode error = MAPPER.readTree(body);
                if (error == null || !error.isObject() || !error.has("type") || !error.has("code")
                        || !error.has("detail") || !error.has("attr")) {
                    return status + " without PostHog's error body: " + abbreviate(body);
                }
            } catch (Exception e) {
                return status + " with a body that is not JSON: " + abbreviate(body);
            }
        }
        return null;
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() > 300 ? s.substring(0, 300) + "…(" + s.length() + " chars)" : s;
    }
}

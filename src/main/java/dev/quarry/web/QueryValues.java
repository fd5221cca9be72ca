package dev.quarry.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.data.Numeric;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/** PostgreSQL values as PostHog's JSON shows them: ISO-8601 UTC timestamps with microseconds, uuids as strings. */
public final class QueryValues {
    public static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'");

    private QueryValues() {
    }

    /**
     * A value of a HogQL result column as PostHog's JSON shows ClickHouse's answer: as {@link #toJson}, except that a
     * truth value is ClickHouse's UInt8, 1 or 0 (also inside arrays and tuples).
     */
    public static JsonNode toClickHouseJson(Object value, ObjectMapper mapper) {
        if (value instanceof Boolean b) {
            return mapper.getNodeFactory().numberNode(b ? 1 : 0);
        }
        if (value instanceof Object[] array) {
            ArrayNode node = mapper.createArrayNode();
            for (Object item : array) {
                node.add(toClickHouseJson(item, mapper));
            }
            return node;
        }
        if (value instanceof JsonArray array) {
            ArrayNode node = mapper.createArrayNode();
            for (Object item : array) {
                node.add(item instanceof JsonObject || item instanceof JsonArray
                        ? mapper.getNodeFactory().textNode(item.toString()) : toClickHouseJson(item, mapper));
            }
            return node;
        }
        return toJson(value, mapper);
    }

    public static JsonNode toJson(Object value, ObjectMapper mapper) {
        if (value == null) {
            return mapper.nullNode();
        }
        if (value instanceof String s) {
            return mapper.getNodeFactory().textNode(s);
        }
        if (value instanceof Boolean b) {
            return mapper.getNodeFactory().booleanNode(b);
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short) {
            return mapper.getNodeFactory().numberNode(((Number) value).longValue());
        }
        if (value instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? mapper.nullNode() : mapper.getNodeFactory().numberNode(d);
        }
        if (value instanceof Float f) {
            return mapper.getNodeFactory().numberNode(f.doubleValue());
        }
        if (value instanceof Numeric n) {
            return numeric(n.bigDecimalValue(), n, mapper);
        }
        if (value instanceof BigDecimal d) {
            return numeric(d, null, mapper);
        }
        if (value instanceof BigInteger i) {
            // an integer past Int64 inside a tuple (PostgreSQL's JSON, which Vert.x reads as BigInteger): its exact
            // digits, as a number, like the same value in its own column (it was a string)
            return mapper.getNodeFactory().numberNode(i);
        }
        if (value instanceof UUID u) {
            return mapper.getNodeFactory().textNode(u.toString());
        }
        if (value instanceof OffsetDateTime t) {
            return mapper.getNodeFactory().textNode(timestamp(t));
        }
        if (value instanceof LocalDateTime t) {
            return mapper.getNodeFactory().textNode(TIMESTAMP.format(t));
        }
        if (value instanceof LocalDate d) {
            return mapper.getNodeFactory().textNode(d.toString());
        }
        if (value instanceof JsonArray array) {
            // a HogQL tuple (printed as a JSON array): a list, as PostHog shows ClickHouse tuples
            ArrayNode node = mapper.createArrayNode();
            for (Object item : array) {
                node.add(item instanceof JsonObject || item instanceof JsonArray
                        ? mapper.getNodeFactory().textNode(item.toString()) : toJson(item, mapper));
            }
            return node;
        }
        if (value instanceof JsonObject) {
            return mapper.getNodeFactory().textNode(value.toString());
        }
        if (value instanceof Object[] array) {
            ArrayNode node = mapper.createArrayNode();
            for (Object item : array) {
                node.add(toJson(item, mapper));
            }
            return node;
        }
        return mapper.getNodeFactory().textNode(value.toString());
    }

    public static String timestamp(OffsetDateTime t) {
        return TIMESTAMP.format(t.withOffsetSameInstant(ZoneOffset.UTC));
    }

    private static JsonNode numeric(BigDecimal decimal, Numeric raw, ObjectMapper mapper) {
        if (decimal == null) {
            return raw == null || raw.isNaN() ? mapper.nullNode() : mapper.getNodeFactory().textNode(raw.toString());
        }
        BigDecimal stripped = decimal.stripTrailingZeros();
        if (stripped.scale() <= 0 && stripped.precision() - stripped.scale() <= 18) {
            return mapper.getNodeFactory().numberNode(stripped.longValueExact());
        }
        if (stripped.scale() <= 0 && stripped.precision() - stripped.scale() <= 78) {
            // an integer past Int64 (a UInt64 … Int256 value): its exact digits, as ClickHouse's JSON gives them
            return mapper.getNodeFactory().numberNode(stripped.toBigIntegerExact());
        }
        return mapper.getNodeFactory().numberNode(decimal.doubleValue());
    }
}

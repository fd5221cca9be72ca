package dev.quarry.query.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.quarry.web.JsonErrors;
import dev.quarry.web.ValidationException;

/**
 * The one parser of query nodes: a node of PostHog's query schema (a {@code TrendsQuery}, its {@code dateRange}, a
 * series' {@code EventsNode} …) becomes its record here, once, at the edge. As PostHog's pydantic models
 * ({@code extra="forbid"}), a field the record does not declare is a 400 naming it in {@code attr}, and a value of
 * the wrong shape (text for a number, an object for a list) is a 400 naming its field. Records declare every field
 * of PostHog's schema for their node, the ones Quarry does not compute included, so that what PostHog's clients send
 * is accepted; the runner then refuses an unsupported field that is not at its "off" value
 * ({@link #isOff}). An integer field refuses a number with a fractional part ({@code stepLimit: 2.9}) as pydantic's
 * lax mode does, and takes {@code 2.0} as 2 ({@link WholeNumbers}).
 */
public final class QuerySchema {
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            // an enum takes its names only: pydantic refuses 1 where Jackson would take the second constant
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .addModule(WholeNumbers.module())
            // a str field of PostHog's models takes a JSON string only (pydantic: "Input should be a valid string"):
            // Jackson would read 1 as "1", true as "true"
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private QuerySchema() {
    }

    /**
     * The tag of one of PostHog's unions, read before the node is parsed into the record it names: the one place a
     * discriminator is read from JSON ({@code kind} of a query node, a series or an actors source; {@code type} of a
     * property group). Null when the node is not an object or the key is missing or null; otherwise the value as
     * text (a number as its digits, an object or list as ""), so that an unknown tag is named in the caller's 400.
     */
    public static String tag(JsonNode node, String field) {
        JsonNode value = node == null || !node.isObject() ? null : node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** As {@link #tag}, but only a JSON string counts (pydantic's discriminator reads nothing else): else null. */
    public static String textTag(JsonNode node, String field) {
        JsonNode value = node == null || !node.isObject() ? null : node.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }

    /** {@link #tag} of {@code kind}: which query node, series or actors source a node is. */
    public static String kindOf(JsonNode node) {
        return tag(node, "kind");
    }

    /**
     * @param node the JSON of the node (null or JSON null gives null)
     * @param type its record
     * @param where the node's name for messages, e.g. "LifecycleQuery" or "LifecycleQuery.dateRange"
     * @throws ValidationException 400 naming the unknown or malformed field in {@code attr}
     */
    public static <T> T parse(JsonNode node, Class<T> type, String where) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (!node.isObject()) {
            throw new ValidationException(where + " must be an object", lastName(where));
        }
        return parseValue(node, type, where);
    }

    /**
     * As {@link #parse}, for a node that may be other than an object (a list, a value), when its type reads those
     * itself (e.g. {@link PropertyFilter}: a filter, a group or a list of filters).
     */
    public static <T> T parseValue(JsonNode node, Class<T> type, String where) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isObject() && node.has("kind") && node.has("modifiers")) {
            // a query node's modifiers, PostHog's HogQLQueryModifiers: kept as sent in its record, checked here
            parse(node.get("modifiers"), HogQLQueryModifiers.class, where + ".modifiers");
        }
        if (node.isObject() && node.has("kind")) {
            // fields the insight records declare (PostHog's schema has them on its query nodes) but no runner
            // computes: a web-analytics conversion goal and the sessions-table switch; only their off value passes
            unsupported(where, "conversionGoal", node.get("conversionGoal"));
            if (Boolean.TRUE.equals(laxBoolean(where, "useSessionsTable", node.get("useSessionsTable")))) {
                unsupported(where, "useSessionsTable", node.get("useSessionsTable"));
            }
        }
        try {
            return STRICT.treeToValue(node, type);
        } catch (UnrecognizedPropertyException e) {
            String at = path(e, where);
            throw new ValidationException("Unknown or unsupported field " + at, e.getPropertyName());
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof ValidationException v) {
                throw v;
            }
            throw new ValidationException("Invalid value for " + path(e, where) + ": " + JsonErrors.describe(e),
                    lastField(e));
        } catch (JsonProcessingException e) {
            throw new ValidationException("Invalid " + where + ": " + JsonErrors.clean(e.getOriginalMessage()),
                    lastName(where));
        } catch (IllegalArgumentException e) {
            if (e.getCause() instanceof ValidationException v) {
                throw v;
            }
            throw new ValidationException("Invalid " + where + ": " + JsonErrors.clean(e.getMessage()), lastName(where));
        }
    }

    /**
     * A field PostHog's schema types {@code Optional[bool]}, read as pydantic reads it in lax mode: {@code true} /
     * {@code false}, the integers 0 and 1, and the strings (any case) "1", "on", "t", "true", "y", "yes" and "0",
     * "off", "f", "false", "n", "no". Anything else is pydantic's error, 400 naming the field: "Input should be a
     * valid boolean, unable to interpret input" for another string or number, "Input should be a valid boolean" for
     * a list or object.
     *
     * @return the value, or null when the field is absent or null
     */
    public static Boolean laxBoolean(String where, String field, JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isNumber() && (value.doubleValue() == 0 || value.doubleValue() == 1)) {
            return value.doubleValue() == 1;
        }
        if (value.isTextual()) {
            switch (value.asText().toLowerCase(java.util.Locale.ROOT)) {
                case "1", "on", "t", "true", "y", "yes" -> {
                    return true;
                }
                case "0", "off", "f", "false", "n", "no" -> {
                    return false;
                }
                default -> {
                }
            }
        }
        throw new ValidationException("Invalid value for " + where + "." + field + ": Input should be a valid boolean"
                + (value.isValueNode() ? ", unable to interpret input" : ""), field);
    }

    /** Null, false, an empty list or object: the value that means "off" for an unsupported field. */
    public static boolean isOff(Object value) {
        if (value == null || Boolean.FALSE.equals(value)) {
            return true;
        }
        if (value instanceof JsonNode n) {
            return n.isNull() || n.isMissingNode() || (n.isBoolean() && !n.asBoolean())
                    || (n.isContainerNode() && n.isEmpty());
        }
        if (value instanceof java.util.Collection<?> c) {
            return c.isEmpty();
        }
        return value instanceof java.util.Map<?, ?> m && m.isEmpty();
    }

    /**
     * Refuses an unsupported field holding anything but its off value ({@link #isOff}, or one of {@code offValues}
     * such as {@code 1} for {@code samplingFactor}): 400 naming it, as Quarry does not compute it.
     */
    public static void unsupported(String where, String field, Object value, String... offValues) {
        if (isOff(value)) {
            return;
        }
        String text = value instanceof JsonNode n ? (n.isTextual() ? n.asText() : n.toString()) : String.valueOf(value);
        for (String off : offValues) {
            if (off.equals(text)) {
                return;
            }
        }
        throw new ValidationException(where + "." + field + " is not supported by Quarry (value "
                + (text.length() > 60 ? text.substring(0, 57) + "..." : text) + ")", field);
    }

    private static String path(JsonMappingException e, String where) {
        StringBuilder b = new StringBuilder(where);
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                b.append('.').append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    /** The innermost named field of the error's path ({@code orderBy} for {@code orderBy[0]}), else none. */
    private static String lastField(JsonMappingException e) {
        for (int i = e.getPath().size() - 1; i >= 0; i--) {
            if (e.getPath().get(i).getFieldName() != null) {
                return e.getPath().get(i).getFieldName();
            }
        }
        return null;
    }

    private static String lastName(String where) {
        return where.substring(where.lastIndexOf('.') + 1);
    }
}

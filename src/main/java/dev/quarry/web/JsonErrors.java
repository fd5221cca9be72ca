package dev.quarry.web;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The words of a 400 for a JSON value that does not fit its field, as PostHog's pydantic models say them ("Input
 * should be a valid string", "… a valid integer", "… a valid list", "… a valid dictionary", "Input should be 'a', 'b'
 * or 'c'"), never Jackson's text, which names Java types ({@code java.util.LinkedHashMap},
 * Quarry's own record classes) and tokens. {@link #clean} is the last guard for any other message:
 * every Java, Jackson or Quarry class name is replaced by a plain word.
 */
public final class JsonErrors {
    /** A fully qualified Java name (in Jackson's backticks or not), with generic arguments. */
    private static final Pattern JAVA_NAME = Pattern.compile(
            "`?(?<![\\w.])(?:java|javax|jakarta|com\\.fasterxml|dev\\.quarry|io\\.vertx|io\\.quarkus|io\\.smallrye)"
                    + "\\.[\\w.$]+(?:<[^`]*?>)?`?(?:\\[\\])*");
    private static final Pattern TOKEN = Pattern.compile("\\s*\\((?:token|through reference chain|for Object starting)[^)]*\\)");

    private JsonErrors() {
    }

    /**
     * pydantic's message for a value Jackson could not bind to its field, from the field's Java type and the JSON
     * token found; a message a Quarry deserializer already wrote in pydantic's words ("Input should be …") is kept.
     */
    public static String describe(JsonMappingException e) {
        if (e instanceof ValueInstantiationException && e.getCause() != null && e.getCause().getMessage() != null) {
            return clean(e.getCause().getMessage());
        }
        String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (original.startsWith("Input should be") || original.startsWith("Field required")) {
            return clean(original);
        }
        java.util.regex.Matcher range = OUT_OF_RANGE.matcher(original);
        if (range.find()) {
            // an integer past the field's Java type, worded as pydantic words a bound
            boolean negative = range.group(1).startsWith("-");
            boolean isLong = range.group(2).equals("long");
            return negative
                    ? "Input should be greater than or equal to " + (isLong ? Long.MIN_VALUE : Integer.MIN_VALUE)
                    : "Input should be less than or equal to " + (isLong ? Long.MAX_VALUE : Integer.MAX_VALUE);
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            String words = expected(m.getTargetType(), e instanceof InvalidFormatException f ? f.getValue() : null);
            if (words != null) {
                return words;
            }
        }
        return clean(original.isEmpty() ? "Invalid value" : firstLine(original));
    }

    /** Jackson's words for an integer past {@code int} or {@code long}. */
    private static final java.util.regex.Pattern OUT_OF_RANGE =
            java.util.regex.Pattern.compile("^Numeric value \\((-?[0-9.eE+]+)\\) out of range of (int|long)");

    /** pydantic's words for a value that is not of {@code type}; null when the type has none. */
    static String expected(Class<?> type, Object given) {
        if (type.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object constant : type.getEnumConstants()) {
                names.add("'" + constant.toString() + "'");
            }
            return "Input should be " + oneOf(names);
        }
        if (type == String.class || CharSequence.class.isAssignableFrom(type)) {
            return "Input should be a valid string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "Input should be a valid boolean";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class || type == java.math.BigInteger.class) {
            return given instanceof String ? "Input should be a valid integer, unable to parse string as an integer"
                    : "Input should be a valid integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return given instanceof String ? "Input should be a valid number, unable to parse string as a number"
                    : "Input should be a valid number";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "Input should be a valid list";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord()
                || com.fasterxml.jackson.databind.node.ObjectNode.class.isAssignableFrom(type)) {
            return "Input should be a valid dictionary";
        }
        if (com.fasterxml.jackson.databind.node.ArrayNode.class.isAssignableFrom(type)) {
            return "Input should be a valid list";
        }
        if (!type.isPrimitive() && !type.getName().startsWith("java.")) {
            return "Input should be a valid dictionary";
        }
        return null;
    }

    /** {@code 'a', 'b' or 'c'}, as pydantic lists the allowed values. */
    public static String oneOf(List<String> quoted) {
        if (quoted.size() == 1) {
            return quoted.get(0);
        }
        return String.join(", ", quoted.subList(0, quoted.size() - 1)) + " or " + quoted.get(quoted.size() - 1);
    }

    /** A JSON token as pydantic names the kind of input it got (for messages that say what was sent). */
    public static String kind(JsonToken token) {
        if (token == null) {
            return "input";
        }
        return switch (token) {
            case START_ARRAY -> "a list";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> "input";
        };
    }

    /**
     * A message with every Java, Jackson or Quarry class name replaced by "value" and Jackson's token and
     * reference-chain notes removed; the first line only.
     */
    public static String clean(String message) {
        if (message == null) {
            return "Invalid value";
        }
        String text = TOKEN.matcher(firstLine(message)).replaceAll("");
        return JAVA_NAME.matcher(text).replaceAll("value");
    }

    /**
     * The message with every Java, Jackson or Quarry class name replaced by "value", all else as it is: the guard
     * every error body passes ({@link ApiException#body}), so that no detail names an implementation type.
     */
    public static String withoutJavaNames(String message) {
        return message == null ? null : JAVA_NAME.matcher(message).replaceAll("value");
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}

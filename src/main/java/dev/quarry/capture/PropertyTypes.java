package dev.quarry.capture;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Pattern;

/**
 * The property type PostHog infers from the first value it sees for a property (its property-defs service):
 * booleans and the strings "true"/"false" are {@code Boolean}; numbers are {@code Numeric}, except numbers under a
 * key that names a time ("timestamp", "time", "_at") whose value is a plausible Unix time, which are
 * {@code DateTime}; ISO-8601-looking dates and date-times are {@code DateTime}; other strings are {@code String}.
 * UTM parameters, feature flag values and survey responses are always {@code String}. Null, objects and lists give
 * no type (null).
 */
public final class PropertyTypes {
    public static final String STRING = "String";
    public static final String NUMERIC = "Numeric";
    public static final String BOOLEAN = "Boolean";
    public static final String DATETIME = "DateTime";

    private static final Pattern ISO_DATE = Pattern.compile(
            "^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}(:?\\d{2})?)?)?$");
    /** 2000-01-01 and 2100-01-01 in epoch seconds: the range of Unix times taken for dates. */
    private static final double MIN_EPOCH = 946_684_800d;
    private static final double MAX_EPOCH = 4_102_444_800d;

    private PropertyTypes() {
    }

    /** @return String, Numeric, Boolean, DateTime, or null when the value says nothing about its type */
    public static String infer(String key, JsonNode value) {
        if (value == null || value.isNull() || value.isContainerNode()) {
            return null;
        }
        String lower = key.toLowerCase();
        if (lower.startsWith("utm_") || lower.startsWith("$feature/") || lower.startsWith("$survey_response")) {
            return STRING;
        }
        if (value.isBoolean()) {
            return BOOLEAN;
        }
        if (value.isNumber()) {
            double v = value.asDouble();
            boolean timeKey = lower.contains("timestamp") || lower.contains("time") || lower.endsWith("_at");
            if (timeKey && ((v >= MIN_EPOCH && v <= MAX_EPOCH) || (v >= MIN_EPOCH * 1000 && v <= MAX_EPOCH * 1000))) {
                return DATETIME;
            }
            return NUMERIC;
        }
        String text = value.asText().trim();
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return BOOLEAN;
        }
        if (ISO_DATE.matcher(text).matches()) {
            return DATETIME;
        }
        return STRING;
    }
}

package dev.quarry.web;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/** A body field read as DRF's {@code BooleanField} reads it. */
public final class DrfBoolean {
    private DrfBoolean() {
    }

    /**
     * JSON {@code true}/{@code false}, the strings DRF takes ({@code "true"}, {@code "1"}, {@code "yes"}, {@code "on"},
     * {@code "y"}, {@code "t"} and their opposites, any case) and the integers 1 and 0.
     *
     * @throws ValidationException "Must be a valid boolean." naming {@code field} for anything else
     */
    public static boolean read(JsonNode v, String field) {
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isTextual()) {
            switch (v.asText().toLowerCase(Locale.ROOT)) {
                case "true", "1", "yes", "on", "y", "t":
                    return true;
                case "false", "0", "no", "off", "n", "f":
                    return false;
                default:
                    break;
            }
        }
        if (v.isIntegralNumber() && (v.asLong() == 0 || v.asLong() == 1)) {
            return v.asLong() == 1;
        }
        throw new ValidationException("Must be a valid boolean.", field);
    }
}

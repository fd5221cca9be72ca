package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.web.ValidationException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The guard against inputs that are parsed and then silently dropped: every field of a query node (or of one of its
 * filter objects) is either one the runner reads, one that only changes how PostHog's frontend draws the answer
 * (accepted, it does not change a number), or one Quarry does not compute — which is a 400 naming it, unless it holds
 * the value that means "off" (null, false, an empty list or PostHog's default), so that clients sending every field
 * at its default keep working.
 */
public final class QueryFields {
    private QueryFields() {
    }

    /** Fields every query node may carry without changing its numbers (bookkeeping and display). */
    public static final Set<String> COMMON = Set.of("kind", "version", "response", "modifiers", "tags", "name",
            "dataColorTheme", "useSessionsTable", "conversionGoal");

    /**
     * @param node the object to check (nothing happens when it is missing or not an object)
     * @param read fields the runner reads
     * @param display fields that change only the drawing (accepted as given)
     * @param offValues unsupported fields with the value(s) that mean "off": the field is accepted only with such a
     *                  value (null, false, [] and {} always count as off)
     * @param where prefix for the error message, e.g. "RetentionQuery.retentionFilter"
     */
    public static void check(JsonNode node, Set<String> read, Set<String> display, Map<String, Set<String>> offValues,
                             String where) {
        if (node == null || !node.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = e.getKey();
            if (read.contains(field) || display.contains(field) || COMMON.contains(field)) {
                continue;
            }
            JsonNode v = e.getValue();
            if (isOff(v)) {
                continue;
            }
            Set<String> off = offValues.get(field);
            if (off != null && off.contains(v.asText())) {
                continue;
            }
            if (off != null) {
                throw new ValidationException(where + "." + field + " is not supported by Quarry (value "
                        + abbreviate(v.toString()) + ")", field);
            }
            throw new ValidationException("Unknown or unsupported field " + where + "." + field, field);
        }
    }

    static boolean isOff(JsonNode v) {
        return v == null || v.isNull() || (v.isBoolean() && !v.asBoolean()) || (v.isContainerNode() && v.isEmpty());
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}

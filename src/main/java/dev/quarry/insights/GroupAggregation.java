package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.web.ValidationException;

/**
 * PostHog's {@code aggregation_group_type_index} on an insight query: the insight follows the groups of that type
 * ({@code $group_N} on each event) instead of persons, over the events that name one. Funnels, lifecycle and retention
 * read it; their actor lists are then lists of those groups (a correlation of such a funnel is refused).
 */
public final class GroupAggregation {
    private GroupAggregation() {
    }

    /**
     * The kind a statement of {@code kind} runs as when it joins the stored groups by key (a list of groups, a
     * lifecycle of groups): {@code <kind>/groups}, which the query log shows and which has planner settings of its
     * own (QueryExecutor's kind settings: no nested loops). PostgreSQL estimates a project's groups from table-wide
     * statistics, one row for a project newer than the last ANALYZE, and then joined 20,000 groups of a cell to the
     * 20,000 groups of their type in a nested loop, each probe reading every group of the type (27 s); as a hash
     * join it is one read of each side.
     */
    public static String statementKind(String kind) {
        return kind + "/groups";
    }

    /**
     * The index of {@code kind}'s query: null when absent, else an integer 0 … 4.
     *
     * @throws ValidationException naming {@code aggregation_group_type_index}: "Input should be a valid integer" for
     *     anything but an integer (a number or its text), and PostHog's legacy filter message for one outside 0 … 4
     */
    public static Integer index(String kind, JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        boolean integral = value.isIntegralNumber() || (value.isTextual() && value.asText().trim().matches("-?\\d{1,9}"))
                || (value.isFloatingPointNumber() && value.asDouble() == Math.rint(value.asDouble()));
        if (!integral) {
            throw new ValidationException("Invalid value for " + kind + ".aggregation_group_type_index: Input should be "
                    + "a valid integer", "aggregation_group_type_index");
        }
        long index = value.isTextual() ? Long.parseLong(value.asText().trim()) : value.asLong();
        if (index < 0 || index >= 5) {
            throw new ValidationException("aggregation_group_type_index is required to be at least 0 and less than 5",
                    "aggregation_group_type_index");
        }
        return (int) index;
    }
}

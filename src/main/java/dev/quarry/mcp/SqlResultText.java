package dev.quarry.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The text table PostHog's execute_sql tool answers with: the column names joined by "|", then one line per row
 * with its cells joined by "|". A missing value prints as {@code (null)}; with truncation on, a JSON object or list
 * (or a string that starts like one) longer than 500 characters is cut there and marked {@code ...truncated}.
 * Notes follow the table when cells were cut or rows were left out by the row limit.
 */
public final class SqlResultText {
    static final int MAX_CELL_LENGTH = 500;
    static final String TRUNCATED_MARKER = "...truncated";
    static final String NULL_MARKER = "(null)";

    private SqlResultText() {
    }

    public static String format(JsonNode columns, JsonNode results, boolean truncate, boolean hasMore, Integer limit) {
        List<String> lines = new ArrayList<>();
        List<String> header = new ArrayList<>();
        columns.forEach(c -> header.add(c.asText()));
        lines.add(String.join("|", header));
        boolean cut = false;
        for (JsonNode row : results) {
            List<String> cells = new ArrayList<>();
            for (JsonNode cell : row) {
                String text = cell == null || cell.isNull() ? NULL_MARKER : cell.isTextual() ? cell.asText() : cell.toString();
                boolean jsonLike = cell != null && (cell.isContainerNode()
                        || (cell.isTextual() && !text.isEmpty() && (text.charAt(0) == '{' || text.charAt(0) == '[')));
                if (truncate && jsonLike && text.length() > MAX_CELL_LENGTH) {
                    text = text.substring(0, MAX_CELL_LENGTH) + TRUNCATED_MARKER;
                    cut = true;
                }
                cells.add(text);
            }
            lines.add(String.join("|", cells));
        }
        StringBuilder out = new StringBuilder(String.join("\n", lines));
        if (cut) {
            out.append("\n\nSome JSON/array values were cut at ").append(MAX_CELL_LENGTH)
                    .append(" characters; select the individual properties or elements you need to see them whole.");
        }
        if (hasMore) {
            out.append("\n\nOnly the first ").append(results.size()).append(" rows are shown")
                    .append(limit == null ? "" : " (row limit " + limit + ")")
                    .append("; add filters, aggregate, or page with LIMIT/OFFSET and a stable ORDER BY to see more.");
        }
        return out.toString();
    }
}

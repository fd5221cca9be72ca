package dev.quarry.web;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * {@code ?format=csv}: a list of JSON objects as RFC 4180 CSV with a header row. Nested objects and lists are
 * flattened into dotted columns ({@code properties.email}, {@code distinct_ids.0}), as PostHog's CSV renderer does;
 * the header is every column seen, in first-seen order. Every text cell and header name that a spreadsheet would
 * read as a formula (starting with {@code = + - @}, tab or carriage return) is neutralised with a leading
 * {@code '} (OWASP's CSV-injection rule); JSON numbers are written as they are.
 * {@link #postHogResponse} renders as PostHog's own CSV renderer (djangorestframework-csv) does for its
 * endpoints: the header sorted, booleans as {@code True}/{@code False}.
 */
public final class Csv {
    public static final String MEDIA_TYPE = "text/csv; charset=utf-8";

    private Csv() {
    }

    /**
     * Whether {@code ?format=} asks for CSV; null, empty and {@code json} are JSON.
     *
     * @throws NotFoundException any other format: DRF's content negotiation answers a format no renderer of the view
     *     has with a 404 "Not found."
     */
    public static boolean requested(String format) {
        if (format == null || format.isEmpty() || format.equals("json")) {
            return false;
        }
        if (format.equals("csv")) {
            return true;
        }
        throw new NotFoundException("Not found.");
    }

    public static Response response(List<JsonNode> rows) {
        return Response.ok(render(rows)).type(MEDIA_TYPE).build();
    }

    /** PostHog's layout: the header is the sorted set of every flattened column, booleans read True/False. */
    public static Response postHogResponse(List<JsonNode> rows) {
        return Response.ok(render(rows, true)).type(MEDIA_TYPE).build();
    }

    /**
     * As djangorestframework-csv's renderer writes rows: {@link #postHogResponse}'s layout, and nothing at all (not
     * even a header) for no rows.
     */
    public static String postHog(List<JsonNode> rows) {
        return rows.isEmpty() ? "" : render(rows, true);
    }

    public static String render(List<JsonNode> rows) {
        return render(rows, false);
    }

    static String render(List<JsonNode> rows, boolean postHog) {
        List<Map<String, String>> flat = new ArrayList<>();
        Set<String> header = postHog ? new java.util.TreeSet<>() : new LinkedHashSet<>();
        // every column name and cell text made, counted as it is made: one row's object of 30,000 keys under a
        // 49,000-character name flattened into 1.5 GB of column names before anything measured the table (breaker
        // pass 9 F4: an OutOfMemoryError for the whole instance)
        long[] made = {0};
        for (JsonNode row : rows) {
            Map<String, String> cells = new LinkedHashMap<>();
            flatten("", row, cells, postHog, header, made);
            header.addAll(cells.keySet());
            flat.add(cells);
        }
        // every cell writes at least its separator: a table of more cells than an answer's bytes cannot be sent, and
        // is refused before it is written (rows of many distinct keys each made rows × keys cells, 37 s of CPU and
        // a gigabyte of heap for 200 persons, before the response limit refused the finished text)
        long cells = (long) flat.size() * header.size();
        if (cells > ResponseLimit.MAX_ENCODED_BYTES) {
            throw ResponseTooLargeException.atLeast(cells, ResponseLimit.MAX_ENCODED_BYTES);
        }
        StringWriter out = new StringWriter();
        String[] names = header.stream().map(Csv::neutralise).toArray(String[]::new);
        try (CSVPrinter printer = new CSVPrinter(out, CSVFormat.RFC4180.builder().setHeader(names).get())) {
            for (Map<String, String> row : flat) {
                List<String> record = new ArrayList<>(header.size());
                header.forEach(column -> record.add(row.getOrDefault(column, "")));
                printer.printRecord(record);
                if (out.getBuffer().length() > ResponseLimit.MAX_ENCODED_BYTES) {
                    throw ResponseTooLargeException.atLeast(out.getBuffer().length(), ResponseLimit.MAX_ENCODED_BYTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * Flattens {@code node} into {@code cells}; {@code made} counts the cells' text and each column name not yet in
     * {@code header} (the names the CSV will hold once, not once a row).
     */
    private static void flatten(String prefix, JsonNode node, Map<String, String> cells, boolean postHog,
                                Set<String> header, long[] made) {
        if (node == null || node.isNull()) {
            if (!prefix.isEmpty()) {
                put(cells, prefix, "", made);
            }
        } else if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String name = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
                if (!header.contains(name)) {
                    count(made, name.length());
                }
                flatten(name, field.getValue(), cells, postHog, header, made);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String name = prefix.isEmpty() ? Integer.toString(i) : prefix + "." + i;
                if (!header.contains(name)) {
                    count(made, name.length());
                }
                flatten(name, node.get(i), cells, postHog, header, made);
            }
        } else if (postHog && node.isBoolean()) {
            put(cells, prefix.isEmpty() ? "value" : prefix, node.asBoolean() ? "True" : "False", made);  // Python's str(bool)
        } else {
            put(cells, prefix.isEmpty() ? "value" : prefix, node.isNumber() ? node.asText() : neutralise(node.asText()),
                    made);
        }
    }

    private static void put(Map<String, String> cells, String column, String cell, long[] made) {
        count(made, cell.length());
        cells.put(column, cell);
    }

    /**
     * Adds {@code chars} to the text made so far.
     *
     * @throws ResponseTooLargeException past what an answer carries
     */
    private static void count(long[] made, long chars) {
        made[0] += chars;
        if (made[0] > ResponseLimit.MAX_ENCODED_BYTES) {
            throw ResponseTooLargeException.atLeast(made[0], ResponseLimit.MAX_ENCODED_BYTES);
        }
    }

    /** A cell a spreadsheet would evaluate ({@code =1+1}, {@code @SUM(…)}, {@code -2+3}, tab, CR) as plain text. */
    static String neutralise(String cell) {
        if (cell.isEmpty()) {
            return cell;
        }
        char c = cell.charAt(0);
        return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' ? "'" + cell : cell;
    }
}

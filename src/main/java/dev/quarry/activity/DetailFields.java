package dev.quarry.activity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * PostHog's activity log field discovery ({@code AdvancedActivityLogFieldDiscovery}): per scope, every path found in
 * the entries' {@code detail} objects (keys joined with dots, {@code []} for an array's elements, at most ten
 * elements of each array looked at) with the JSON types seen there ({@code string}, {@code number},
 * {@code boolean}, {@code null}, {@code array}, {@code object}), and under {@code General} the fields of a change
 * ({@code changes[].type}, {@code action}, {@code field}: strings; {@code before}, {@code after}: any). Answered as
 * {@code {scope: {"fields": [{"name", "types"}]}}}. Bounded: paths at most {@link #MAX_DEPTH} keys deep and
 * {@link #MAX_PATH_LENGTH} characters long (longer ones, which no filter could name, are left out: 490 names of 300 KB
 * each made the answer a 400 for good, breaker pass 2), at most {@link #MAX_FIELDS_PER_SCOPE} fields per scope.
 */
public final class DetailFields {
    static final int MAX_DEPTH = 10;
    static final int MAX_FIELDS_PER_SCOPE = 500;
    /** PostHog's {@code _MAX_FIELD_PATH_LENGTH}: a longer path could not be filtered on, so it is not offered. */
    static final int MAX_PATH_LENGTH = ActivityLogFilter.MAX_FIELD_PATH_LENGTH;
    private static final int ARRAY_SAMPLE = 10;

    private DetailFields() {
    }

    /** The discovered fields of {@code samples}. */
    public static ObjectNode of(ObjectMapper mapper, List<ActivityLogs.Sample> samples) {
        Map<String, Map<String, TreeSet<String>>> byScope = new LinkedHashMap<>();
        for (ActivityLogs.Sample sample : samples) {
            JsonNode detail;
            try {
                detail = mapper.readTree(sample.detail());
            } catch (JsonProcessingException e) {
                continue;
            }
            if (detail == null || !detail.isObject()) {
                continue;
            }
            Map<String, TreeSet<String>> fields = byScope.computeIfAbsent(sample.scope(), s -> new LinkedHashMap<>());
            paths(detail, "", 0, fields);
        }
        ObjectNode out = mapper.createObjectNode();
        byScope.forEach((scope, fields) -> {
            var list = out.putObject(scope).putArray("fields");
            fields.forEach((name, types) -> {
                ObjectNode field = list.addObject().put("name", name);
                types.forEach(field.putArray("types")::add);
            });
        });
        var general = out.has("General") ? (com.fasterxml.jackson.databind.node.ArrayNode) out.get("General").get("fields")
                : out.putObject("General").putArray("fields");
        for (String name : List.of("type", "action", "field", "before", "after")) {
            ObjectNode field = general.addObject().put("name", "changes[]." + name);
            field.putArray("types").add(name.equals("before") || name.equals("after") ? "any" : "string");
        }
        return out;
    }

    private static void paths(JsonNode node, String prefix, int depth, Map<String, TreeSet<String>> fields) {
        if (depth >= MAX_DEPTH) {
            return;
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                if (prefix.length() + 1 + entry.getKey().length() > MAX_PATH_LENGTH) {
                    continue; // neither it nor anything under it can be filtered on
                }
                String path = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
                if (!add(fields, path, type(entry.getValue()))) {
                    return;
                }
                paths(entry.getValue(), path, depth + 1, fields);
            }
        } else if (node.isArray() && !node.isEmpty() && prefix.length() + 2 <= MAX_PATH_LENGTH) {
            String path = prefix.isEmpty() ? "[]" : prefix + "[]";
            for (int i = 0; i < Math.min(node.size(), ARRAY_SAMPLE); i++) {
                JsonNode item = node.get(i);
                if (item.isNull()) {
                    continue;
                }
                if (!add(fields, path, type(item))) {
                    return;
                }
                if (item.isContainerNode()) {
                    paths(item, path, depth + 1, fields);
                }
            }
        }
    }

    /** False when the scope has all the fields it may have and this one is new. */
    private static boolean add(Map<String, TreeSet<String>> fields, String path, String type) {
        TreeSet<String> types = fields.get(path);
        if (types == null) {
            if (fields.size() >= MAX_FIELDS_PER_SCOPE) {
                return false;
            }
            types = new TreeSet<>();
            fields.put(path, types);
        }
        types.add(type);
        return true;
    }

    private static String type(JsonNode value) {
        return switch (value.getNodeType()) {
            case NULL, MISSING -> "null";
            case BOOLEAN -> "boolean";
            case NUMBER -> "number";
            case STRING -> "string";
            case ARRAY -> "array";
            case OBJECT -> "object";
            default -> "unknown";
        };
    }
}

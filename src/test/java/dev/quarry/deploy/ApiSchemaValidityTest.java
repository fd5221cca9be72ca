package dev.quarry.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document both builds serve at {@code /api/schema/} (the committed copy, which
 * {@code web.ApiSchemaDocumentTest} keeps equal to what the extension serves) is valid OpenAPI 3 in the rules a
 * client generator trips on: every templated path segment is declared as a required path parameter of each operation
 * (and no path parameter names a segment the path lacks), no two paths differ only in their parameter names (OpenAPI
 * counts them as one path: {@code persons/{id}}, {@code persons/{uuid}} and {@code persons/{action}} were three
 * spellings of one), and operation ids are unique. Before the fix: 63 operations left {@code {project_id}} undeclared.
 */
class ApiSchemaValidityTest {
    private static final Pattern TEMPLATED = Pattern.compile("\\{([^}]+)}");
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    @Test
    void theServedDocumentIsValidOpenApi3() throws IOException {
        JsonNode doc = new ObjectMapper().readTree(
                Path.of("src", "function", "resources", "META-INF", "quarry", "openapi.json").toFile());
        assertTrue(doc.path("openapi").asText().startsWith("3."), "an OpenAPI 3 document");
        List<String> problems = new ArrayList<>();
        Map<String, String> byShape = new HashMap<>();
        Set<String> operationIds = new HashSet<>();
        int operations = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            String shape = TEMPLATED.matcher(path.getKey()).replaceAll("{}");
            String same = byShape.putIfAbsent(shape, path.getKey());
            if (same != null) {
                problems.add("one path under two names: " + same + " and " + path.getKey());
            }
            Set<String> segments = new HashSet<>();
            Matcher m = TEMPLATED.matcher(path.getKey());
            while (m.find()) {
                segments.add(m.group(1));
            }
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (!METHODS.contains(op.getKey())) {
                    continue;
                }
                operations++;
                String where = op.getKey().toUpperCase() + " " + path.getKey();
                String id = op.getValue().path("operationId").asText(null);
                if (id == null || !operationIds.add(id)) {
                    problems.add(where + ": operationId missing or repeated: " + id);
                }
                Set<String> declared = new HashSet<>();
                for (JsonNode parameters : List.of(path.getValue().path("parameters"), op.getValue().path("parameters"))) {
                    for (JsonNode p : parameters) {
                        if (p.path("in").asText().equals("path")) {
                            declared.add(p.path("name").asText());
                            if (!p.path("required").asBoolean(false)) {
                                problems.add(where + ": path parameter " + p.path("name").asText() + " not required");
                            }
                            if (!segments.contains(p.path("name").asText())) {
                                problems.add(where + ": path parameter " + p.path("name").asText() + " not in the path");
                            }
                        }
                    }
                }
                for (String segment : segments) {
                    if (!declared.contains(segment)) {
                        problems.add(where + ": {" + segment + "} not declared");
                    }
                }
            }
        }
        assertTrue(operations > 60, "operations checked: " + operations);
        assertEquals(List.of(), problems);
    }
}

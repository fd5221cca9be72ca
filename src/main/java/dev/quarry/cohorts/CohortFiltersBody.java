package dev.quarry.cohorts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.web.ValidationException;
import java.util.List;
import java.util.Set;

/**
 * The shape check PostHog's cohort serializer makes of a {@code filters} it is sent, for a dynamic cohort
 * ({@code CohortSerializer.validate_filters} in posthog/api/cohort.py; a static cohort, by the body's
 * {@code is_static} or the stored cohort's, is not checked):
 * <ul>
 * <li>{@code filters} that is not an object or has no {@code properties} key ({@code {}}, {@code null}, a list, a
 * string) is 400 "Must contain a 'properties' key with type and values", {@code attr} {@code filters__detail}
 * (PostHog raises the dict {@code {"detail": …, "type": "validation_error"}} from the field validator, which
 * drf-exceptions-hog flattens to {@code filters__detail});</li>
 * <li>the criteria are then read as its pydantic {@code CohortFilters}: {@code properties} is a group
 * {@code {"type": "AND"|"OR", "values": [...]}} whose values are groups or leaves of type {@code person},
 * {@code cohort} or {@code behavioral}; a leaf missing a required key is 400 "Missing required keys for
 * &lt;kind&gt; filter: &lt;key&gt;" ({@code _cohort_error_message}: person needs {@code key}, and {@code value}
 * unless the operator is {@code is_set}/{@code is_not_set}, and {@code operator}, named together as "value,
 * operator"; cohort needs {@code key}, {@code value}; behavioral {@code key}, {@code value}, {@code event_type}),
 * the first such error in pydantic's order winning; any other malformed shape (no group, an unknown type tag, values
 * that are no list) is a 400 naming {@code filters} in Quarry's words, where PostHog prints pydantic's error list.</li>
 * </ul>
 * Extra keys on a leaf, which PostHog's models forbid, are not refused here (stored filters carry more, e.g.
 * {@code bytecode}, and are sent back by clients).
 */
final class CohortFiltersBody {
    static final String NO_PROPERTIES = "Must contain a 'properties' key with type and values";
    private static final Set<String> LEAVES = Set.of("person", "cohort", "behavioral");

    private CohortFiltersBody() {
    }

    /**
     * @param filters the body's {@code filters} as sent (present in the body; JSON null included)
     * @throws ValidationException PostHog's 400 for a shape its serializer refuses
     */
    static void check(JsonNode filters) {
        if (filters == null || !filters.isObject() || !filters.has("properties")) {
            throw new ValidationException(NO_PROPERTIES, "filters__detail");
        }
        Errors errors = new Errors();
        group(filters.get("properties"), "filters.properties", errors);
        if (errors.missing != null) {
            throw new ValidationException(errors.missing, "filters");
        }
        if (errors.other != null) {
            throw new ValidationException(errors.other, "filters");
        }
    }

    /** The first mappable error ("Missing required keys …") and the first other one, in pydantic's order. */
    private static final class Errors {
        String missing;
        String other;

        void missing(String message) {
            if (missing == null) {
                missing = message;
            }
        }

        void other(String message) {
            if (other == null) {
                other = message;
            }
        }
    }

    private static void group(JsonNode node, String at, Errors errors) {
        if (node == null || !node.isObject()) {
            errors.other(at + " must be a group {\"type\": \"AND\" or \"OR\", \"values\": [...]}");
            return;
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual() || !List.of("AND", "OR").contains(type.asText())) {
            errors.other(at + ".type must be \"AND\" or \"OR\"");
        }
        JsonNode values = node.get("values");
        if (values == null || !values.isArray()) {
            errors.other(at + ".values must be a list");
            return;
        }
        for (int i = 0; i < values.size(); i++) {
            item(values.get(i), at + ".values[" + i + "]", errors);
        }
    }

    private static void item(JsonNode node, String at, Errors errors) {
        if (node == null || !node.isObject()) {
            errors.other(at + " must be a filter or a group");
            return;
        }
        JsonNode type = node.get("type");
        String tag = type != null && type.isTextual() ? type.asText() : null;
        if ("AND".equals(tag) || "OR".equals(tag)) {
            group(node, at, errors);
        } else if (tag != null && LEAVES.contains(tag)) {
            leaf(node, tag, errors);
        } else {
            errors.other(at + ".type must be one of AND, OR, behavioral, cohort, person"
                    + (tag == null ? "" : " (got " + tag + ")"));
        }
    }

    private static void leaf(JsonNode node, String kind, Errors errors) {
        List<String> required = switch (kind) {
            case "person" -> List.of("key");
            case "cohort" -> List.of("key", "value");
            default -> List.of("key", "value", "event_type");
        };
        for (String key : required) {
            if (!node.has(key)) {
                errors.missing("Missing required keys for " + kind + " filter: " + key);
                return; // pydantic's model validator runs only once the fields passed
            }
        }
        if (kind.equals("person")) {
            JsonNode operator = node.get("operator");
            boolean noOperator = operator == null || operator.isNull();
            boolean isSet = !noOperator && List.of("is_set", "is_not_set").contains(operator.asText());
            JsonNode value = node.get("value");
            StringBuilder missing = new StringBuilder();
            if ((value == null || value.isNull()) && !isSet) {
                missing.append("value");
            }
            if (noOperator) {
                missing.append(missing.isEmpty() ? "" : ", ").append("operator");
            }
            if (!missing.isEmpty()) {
                errors.missing("Missing required keys for person filter: " + missing);
            }
        }
    }
}

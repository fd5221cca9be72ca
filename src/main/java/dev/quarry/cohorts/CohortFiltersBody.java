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

    /**
     * PostHog's {@code validate_query} and the create-time rules on a cohort's {@code query}: a falsy query (absent,
     * null, {@code {}}, "") is none; a query that is not an object is 400 "Query must be a dictionary."; one of
     * another kind than ActorsQuery or HogQLQuery is 400 "Query must be an ActorsQuery or HogQLQuery. Got: &lt;kind&gt;"
     * (both attr {@code query}); an ActorsQuery or HogQLQuery is read as the {@code /query} API reads it (a field of
     * the wrong shape is a 400 naming it). Then, on create: a query beside truthy filters is 400 "Cannot set both
     * query and filters at the same time." and a dynamic cohort with a query is 400 "Cannot create a dynamic cohort
     * with a query. Set is_static to true." (no attr, as PostHog raises them from {@code create}). A static cohort
     * created or edited with a query gets the persons it lists ({@link CohortFromQuery}).
     *
     * @param body the create or edit body
     * @param isStatic whether the cohort is static (the body's {@code is_static}, or the stored cohort's on edit)
     * @param create true on create, where PostHog checks query against filters and is_static
     */
    static void query(JsonNode body, boolean isStatic, boolean create) {
        JsonNode query = body.get("query");
        if (!truthy(query)) {
            return;
        }
        if (!query.isObject()) {
            throw new ValidationException("Query must be a dictionary.", "query");
        }
        JsonNode kind = query.get("kind");
        String name = kind == null || kind.isNull() ? "None" : kind.isTextual() ? kind.asText() : kind.toString();
        switch (name) {
            case "ActorsQuery" -> dev.quarry.query.schema.QuerySchema.parse(query, dev.quarry.insights.ActorsQuery.class,
                    "ActorsQuery");
            case "HogQLQuery" -> dev.quarry.query.schema.QuerySchema.parse(query, dev.quarry.query.HogQLQuery.class,
                    "HogQLQuery");
            default -> throw new ValidationException("Query must be an ActorsQuery or HogQLQuery. Got: " + name,
                    "query");
        }
        if (create && truthy(body.get("filters"))) {
            throw new ValidationException("Cannot set both query and filters at the same time.", null);
        }
        if (create && !isStatic) {
            throw new ValidationException("Cannot create a dynamic cohort with a query. Set is_static to true.", null);
        }
        if (isStatic) {
            return; // its persons are added from the query (CohortFromQuery), on create and on edit
        }
        // an edit storing a query on a dynamic cohort: PostHog stores it and still calculates from the filters
        throw new ValidationException("A query on a dynamic cohort is not supported by Quarry (PostHog stores it "
                + "unread; its members come from the filters)", "query");
    }

    /** Python's truthiness of a JSON value: null, {@code {}}, {@code []}, "", 0 and false are falsy. */
    static boolean truthy(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return false;
        }
        if (node.isContainerNode() || node.isTextual()) {
            return node.isContainerNode() ? !node.isEmpty() : !node.asText().isEmpty();
        }
        if (node.isNumber()) {
            return node.doubleValue() != 0;
        }
        return !node.isBoolean() || node.booleanValue();
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

package dev.quarry.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.web.ParseErrorException;
import dev.quarry.web.ValidationException;


/**
 * The body of POST query, validated as PostHog's QueryRequest model is: {@code client_query_id} and {@code name}
 * are any strings (no pattern, no length limit), {@code refresh} one of PostHog's RefreshType values or a boolean.
 */
public record QueryRequest(ObjectNode query, String kind, String clientQueryId, RefreshMode refresh,
                           JsonNode filtersOverride, JsonNode variablesOverride, String name) {
    /** Nodes that only wrap the query to run, in {@code source}. */
    static final java.util.Set<String> WRAPPERS = java.util.Set.of("InsightVizNode", "DataTableNode", "DataVisualizationNode");

    public static QueryRequest parse(JsonNode body, String pathKind) {
        if (body == null || !body.isObject()) {
            throw new ParseErrorException("JSON parse error - 1 validation error for QueryRequest: Input should be an object");
        }
        JsonNode query = body.get("query");
        if (query == null || query.isNull()) {
            throw new ParseErrorException("JSON parse error - 1 validation error for QueryRequest\nquery\n  Field required");
        }
        if (!query.isObject()) {
            throw new ParseErrorException("JSON parse error - 1 validation error for QueryRequest\nquery\n  Input should be an object");
        }
        JsonNode kindNode = query.get("kind");
        if (kindNode == null || !kindNode.isTextual()) {
            throw new ParseErrorException("JSON parse error - 1 validation error for QueryRequest\nquery\n"
                    + "  Unable to extract tag using discriminator 'kind'");
        }
        String kind = kindNode.asText();
        // PostHog runs a node's source: an insight's saved query is an InsightVizNode (or a data table or
        // visualization node) around the query itself.
        while (WRAPPERS.contains(kind) && query.path("source").isObject() && query.path("source").path("kind").isTextual()) {
            query = query.get("source");
            kind = query.get("kind").asText();
        }
        if (!QueryKinds.SCHEMA_KINDS.contains(kind)) {
            throw new ParseErrorException("JSON parse error - 1 validation error for QueryRequest\nquery\n  Input tag '"
                    + kind + "' found using 'kind' does not match any of the expected tags");
        }
        if (pathKind != null && !pathKind.equals(kind)) {
            throw new ValidationException("Query kind mismatch: path kind \"" + pathKind
                    + "\" does not match body kind \"" + kind + "\".", null);
        }
        // Any string is an id, as PostHog's `client_query_id: str | None`; "" is falsy there and gets a new id.
        JsonNode clientQueryId = body.get("client_query_id");
        if (clientQueryId != null && !clientQueryId.isNull() && !clientQueryId.isTextual()) {
            throw new ParseErrorException("JSON parse error - 1 validation error for QueryRequest\nclient_query_id\n"
                    + "  Input should be a valid string");
        }
        JsonNode name = body.get("name");
        if (name != null && !name.isNull() && !name.isTextual()) {
            throw new ParseErrorException("JSON parse error - 1 validation error for QueryRequest\nname\n"
                    + "  Input should be a valid string");
        }
        JsonNode async = body.get("async");
        return new QueryRequest((ObjectNode) query, kind,
                clientQueryId == null || clientQueryId.isNull() || clientQueryId.asText().isEmpty()
                        ? null : clientQueryId.asText(),
                RefreshMode.parse(body.get("refresh"), async != null && async.asBoolean(false)),
                body.get("filters_override"), body.get("variables_override"),
                name != null && name.isTextual() ? name.asText() : null);
    }

    /** POST query/upgrade: {@code {"query": <the query>}}; a body without a query object is 400 as POST query's. */
    public static com.fasterxml.jackson.databind.node.ObjectNode upgrade(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ParseErrorException("JSON parse error - 1 validation error for QueryUpgradeRequest: Input should be an object");
        }
        JsonNode query = body.get("query");
        if (query == null || !query.isObject()) {
            throw new ParseErrorException("JSON parse error - 1 validation error for QueryUpgradeRequest\nquery\n  Field required");
        }
        com.fasterxml.jackson.databind.node.ObjectNode out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        out.set("query", query);
        return out;
    }
}

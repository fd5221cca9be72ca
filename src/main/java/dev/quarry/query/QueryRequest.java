package dev.quarry.query;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.query.schema.StrictText;
import dev.quarry.web.ParseErrorException;
import dev.quarry.web.ValidationException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.Map;
import java.util.Set;

/**
 * The body of POST query, read once here as PostHog's {@code QueryRequest} model is (strict: a field it does not
 * declare, or a value of the wrong type, is a 400 {@code parse_error} naming the field in {@code attr}):
 * {@code query} (a query node, unwrapped from an {@code InsightVizNode}/{@code DataTableNode}/
 * {@code DataVisualizationNode}; its own fields are read by its kind's record, {@link QueryRunners#parse}),
 * {@code client_query_id} (any string of at most {@value #MAX_CLIENT_QUERY_ID} characters: PostHog sets no limit, but
 * the id keys the query log and the status store, whose index cannot hold a longer one) and {@code name} (any
 * string), {@code refresh} (one of
 * PostHog's RefreshType values or a boolean, {@link RefreshMode}), {@code async} (legacy: true means
 * {@code refresh: async}), {@code filters_override} ({@link DashboardFilter}), {@code variables_override}
 * (variable id → the variable's value object) and {@code limit_context} (parsed, not used: Quarry has one limit).
 *
 * @param query the query node to run (JSON until its runner's record parser reads it)
 * @param kind its {@code kind}
 * @param clientQueryId the client's id for the run, or null ("" counts as none, as PostHog's falsy check)
 */
public record QueryRequest(ObjectNode query, String kind, String clientQueryId, RefreshMode refresh,
                           DashboardFilter filtersOverride, Map<String, ObjectNode> variablesOverride, String name) {
    /** Nodes that only wrap the query to run, in {@code source}. */
    public static final Set<String> WRAPPERS = Set.of("InsightVizNode", "DataTableNode", "DataVisualizationNode");

    private static final String PARSE_ERROR = "JSON parse error - 1 validation error for QueryRequest";

    /** The longest {@code client_query_id} taken, in characters. */
    public static final int MAX_CLIENT_QUERY_ID = 1024;

    /**
     * The query a node runs: an {@code InsightVizNode}, {@code DataTableNode} or {@code DataVisualizationNode} is
     * unwrapped to its {@code source} (nested wrappers too), as PostHog runs a node's source. PostHog's schema requires
     * the wrappers' {@code source} (an object with a {@code kind}), so one that is missing, null or not a query node
     * is a 400 {@code parse_error} naming {@code source}: for POST query and for a saved insight's query alike.
     */
    public static ObjectNode unwrap(ObjectNode node) {
        String kind = kindOf(node);
        while (WRAPPERS.contains(kind)) {
            if (!(node.get("source") instanceof ObjectNode source) || QuerySchema.textTag(source, "kind") == null) {
                throw new ParseErrorException(PARSE_ERROR + "\nquery." + kind + ".source\n  "
                        + (node.get("source") == null ? "Field required" : "Input should be a query node with a kind"),
                        "source");
            }
            node = source;
            kind = kindOf(node);
        }
        return node;
    }

    /** PostHog's {@code QueryRequest} fields, as sent. */
    @RegisterForReflection
    record Body(JsonNode query,
                @JsonProperty("client_query_id") @JsonDeserialize(using = StrictText.class) String clientQueryId,
                RefreshMode refresh,
                @JsonProperty("async") JsonNode async,
                @JsonProperty("filters_override") DashboardFilter filtersOverride,
                @JsonProperty("variables_override") Map<String, ObjectNode> variablesOverride,
                @JsonDeserialize(using = StrictText.class) String name,
                @JsonProperty("limit_context") @JsonDeserialize(using = StrictText.class) String limitContext) {
        @JsonCreator
        Body {
        }
    }

    /**
     * @param body the request body as parsed JSON
     * @param pathKind the kind named in the URL ({@code query/TrendsQuery/}), or null
     * @throws ParseErrorException 400 for a body PostHog's model refuses (detail in pydantic's form, attr the field)
     * @throws ValidationException 400 for a path kind other than the body's
     */
    public static QueryRequest parse(JsonNode body, String pathKind) {
        return parse(body, pathKind, kind -> false);
    }

    /**
     * As {@link #parse(JsonNode, String)}, accepting besides PostHog's kinds every kind {@code answered} says a
     * runner answers, so that a new kind needs its runner and record only.
     */
    public static QueryRequest parse(JsonNode body, String pathKind, java.util.function.Predicate<String> answered) {
        if (body == null || !body.isObject()) {
            throw new ParseErrorException(PARSE_ERROR + ": Input should be an object");
        }
        JsonNode query = body.get("query");
        if (query == null || query.isNull()) {
            throw new ParseErrorException(PARSE_ERROR + "\nquery\n  Field required", "query");
        }
        if (!query.isObject()) {
            throw new ParseErrorException(PARSE_ERROR + "\nquery\n  Input should be an object", "query");
        }
        Body fields;
        try {
            fields = QuerySchema.parse(body, Body.class, "QueryRequest");
        } catch (ParseErrorException e) {
            throw e;
        } catch (ValidationException e) {
            throw new ParseErrorException(PARSE_ERROR + (e.attr() == null ? ": " : "\n" + e.attr() + "\n  ")
                    + e.getMessage(), e.attr());
        }
        if (fields.clientQueryId() != null && fields.clientQueryId().length() > MAX_CLIENT_QUERY_ID) {
            throw new ParseErrorException(PARSE_ERROR + "\nclient_query_id\n  String should have at most "
                    + MAX_CLIENT_QUERY_ID + " characters", "client_query_id");
        }
        ObjectNode node = (ObjectNode) query;
        String kind = kindOf(node);
        // PostHog runs a node's source: an insight's saved query is an InsightVizNode (or a data table or
        // visualization node) around the query itself.
        node = unwrap(node);
        kind = kindOf(node);
        if (!QueryKinds.SCHEMA_KINDS.contains(kind) && !answered.test(kind)) {
            throw new ParseErrorException(PARSE_ERROR + "\nquery\n  Input tag '" + kind
                    + "' found using 'kind' does not match any of the expected tags", "kind");
        }
        if (pathKind != null && !pathKind.equals(kind)) {
            throw new ValidationException("Query kind mismatch: path kind \"" + pathKind
                    + "\" does not match body kind \"" + kind + "\".", null);
        }
        RefreshMode refresh = fields.refresh() == null ? RefreshMode.BLOCKING : fields.refresh();
        Boolean async;
        try {
            // pydantic's lax bool, as PostHog's model reads it: "yes", "on", 1 … are true
            async = QuerySchema.laxBoolean("QueryRequest", "async", fields.async());
        } catch (ValidationException e) {
            throw new ParseErrorException(PARSE_ERROR + "\nasync\n  " + e.getMessage(), "async");
        }
        return new QueryRequest(node, kind,
                fields.clientQueryId() == null || fields.clientQueryId().isEmpty() ? null : fields.clientQueryId(),
                Boolean.TRUE.equals(async) ? RefreshMode.ASYNC : refresh,
                fields.filtersOverride(), fields.variablesOverride(), fields.name());
    }

    private static String kindOf(ObjectNode query) {
        String kind = QuerySchema.textTag(query, "kind");
        if (kind == null) {
            throw new ParseErrorException(PARSE_ERROR + "\nquery\n  Unable to extract tag using discriminator 'kind'",
                    "kind");
        }
        return kind;
    }

    /** PostHog's {@code QueryUpgradeRequest}: {@code query} and nothing else. */
    @RegisterForReflection
    record UpgradeBody(ObjectNode query) {
        @JsonCreator
        UpgradeBody {
        }
    }

    /**
     * POST query/upgrade: {@code {"query": <the query>}} back as sent (Quarry's nodes are already current); a body
     * without a query object, or with another field, is a 400 {@code parse_error} as POST query's.
     */
    public static ObjectNode upgrade(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ParseErrorException("JSON parse error - 1 validation error for QueryUpgradeRequest: Input should be an object");
        }
        UpgradeBody upgrade;
        try {
            upgrade = QuerySchema.parse(body, UpgradeBody.class, "QueryUpgradeRequest");
        } catch (ValidationException e) {
            throw new ParseErrorException("JSON parse error - 1 validation error for QueryUpgradeRequest\n" + e.attr()
                    + "\n  " + e.getMessage(), e.attr());
        }
        if (upgrade.query() == null) {
            throw new ParseErrorException("JSON parse error - 1 validation error for QueryUpgradeRequest\nquery\n  Field required",
                    "query");
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("query", upgrade.query());
        return out;
    }
}

package dev.quarry.query;

import dev.quarry.web.QueryValues;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLCompiler;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.Parser;
import dev.quarry.hogql.SelectLike;
import dev.quarry.hogql.PropertyFilters;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.dates.RelativeDates;
import dev.quarry.web.ValidationException;

import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** HogQLQuery: the user's HogQL, compiled for the team and run; PostHog's HogQLQueryResponse. */
@ApplicationScoped
public class HogQLQueryRunner implements QueryRunner<HogQLQuery> {
    @Override
    public String kind() {
        return "HogQLQuery";
    }

    @Override
    public Class<HogQLQuery> queryType() {
        return HogQLQuery.class;
    }

    @Override
    public QueryPlan<ObjectNode> plan(QueryContext context, HogQLQuery query) {
        String text = query.query();
        if (text == null || text.isBlank()) {
            throw new ValidationException("This field is required.", "query");
        }
        if (Boolean.TRUE.equals(QuerySchema.laxBoolean("HogQLQuery", "explain", query.explain()))) {
            QuerySchema.unsupported("HogQLQuery", "explain", query.explain());
        }
        if (Boolean.TRUE.equals(QuerySchema.laxBoolean("HogQLQuery", "sendRawQuery", query.sendRawQuery()))) {
            QuerySchema.unsupported("HogQLQuery", "sendRawQuery", query.sendRawQuery());
        }
        QuerySchema.unsupported("HogQLQuery", "connectionId", query.connectionId());
        Map<String, Object> values;
        Expr filters;
        List<Object> cohortRefs;
        SelectLike ast;
        List<Object> actionRefs;
        try {
            values = values(query.values(), query.variables());
            filters = filters(query.filters(), context);
            cohortRefs = HogQLCompiler.cohortReferences(text, CompileSettings.of(context.team().id())
                    .withTimezone(context.team().timezone()).withValues(values).withFilters(filters));
            ast = dev.quarry.actions.MatchesAction.withValues(Parser.parseSelect(text), values);
            // the calls in the query and in its filters' HogQL properties (filters.properties of type hogql, which
            // PostHog resolves as it resolves where: posthog/hogql/functions/action.py)
            java.util.Set<Object> refs = new java.util.LinkedHashSet<>(dev.quarry.actions.MatchesAction.refs(ast));
            if (filters != null) {
                refs.addAll(dev.quarry.actions.MatchesAction.unresolved(filters));
            }
            actionRefs = List.copyOf(refs);
        } catch (HogQLException e) {
            throw HogQLErrors.toValidation(e);
        }
        if (!actionRefs.isEmpty()) {
            // matchesAction(id or name): the team's actions are read first, each call is given its action's condition
            return QueryPlan.actions(actionRefs).flatMap(found -> {
                try {
                    Map<Object, Expr> conditions = actionConditions(actionRefs, found);
                    return run(context, query, dev.quarry.actions.MatchesAction.replace(ast, conditions), values, text,
                            filters == null ? null : dev.quarry.actions.MatchesAction.replace(filters, conditions),
                            cohortRefs);
                } catch (HogQLException e) {
                    throw HogQLErrors.toValidation(e);
                }
            });
        }
        return run(context, query, ast, values, text, filters, cohortRefs);
    }

    /**
     * The condition of each live action the calls name, by the id or name they give (PostHog's
     * {@code matches_action}: an id finds the action, a name the one live action of that name; two of one name is
     * its "Found multiple actions with name" 400). A ref without an action is left out ({@code MatchesAction.replace}
     * names it).
     */
    static Map<Object, Expr> actionConditions(List<Object> refs, List<QueryPlan.ActionRef> found) {
        Map<Object, Expr> conditions = new java.util.HashMap<>();
        for (Object ref : refs) {
            List<QueryPlan.ActionRef> matching = found.stream().filter(a -> !a.deleted()
                    && (ref instanceof Long id ? a.id() == id : ref.equals(a.name()))).toList();
            if (matching.size() > 1) {
                throw new ValidationException("Found multiple actions with name '" + ref + "'", "query");
            }
            if (matching.size() == 1) {
                QueryPlan.ActionRef a = matching.get(0);
                conditions.put(ref, dev.quarry.actions.ActionSteps.condition(a.id(), a.steps(), "query"));
            }
        }
        return conditions;
    }

    /** The statement, with the cohorts it names read first when it names any. */
    private QueryPlan<ObjectNode> run(QueryContext context, HogQLQuery query, SelectLike ast,
                                      Map<String, Object> values, String text, Expr filters,
                                      List<Object> cohortRefs) {
        if (cohortRefs.isEmpty()) {
            return execute(context, query, HogQLStatement.user(kind(), ast, values, text, filters, null));
        }
        // IN COHORT: the named cohorts must exist (PostHog: 400 "Could not find cohort with ID …"); the statement is
        // compiled with the team's cohorts that are not deleted
        return cohorts(cohortRefs).flatMap(cohorts -> execute(context, query,
                HogQLStatement.user(kind(), ast, values, text, filters, cohorts)));
    }

    private static QueryPlan<ObjectNode> execute(QueryContext context, HogQLQuery query, HogQLStatement statement) {
        return QueryPlan.run(statement).map(result -> response(context.mapper(), query, result.compiled(),
                result.rows()));
    }

    /** The team's cohorts (not deleted) among the ids and names the query names, id → name. */
    static QueryPlan<Map<Long, String>> cohorts(List<Object> refs) {
        return QueryPlan.cohorts(refs).map(rows -> {
            Map<Long, String> found = new LinkedHashMap<>();
            for (QueryPlan.CohortRef cohort : rows) {
                if (!cohort.deleted()) {
                    found.put(cohort.id(), cohort.name());
                }
            }
            return found;
        });
    }

    static ObjectNode response(ObjectMapper mapper, HogQLQuery query, CompiledQuery compiled, RowSet<Row> rows) {
        ObjectNode body = mapper.createObjectNode();
        ArrayNode results = body.putArray("results");
        int limit = compiled.limit() == null ? Integer.MAX_VALUE : compiled.limit();
        int count = 0;
        for (Row row : rows) {
            if (count++ == limit) {
                break;
            }
            ArrayNode out = results.addArray();
            for (int i = 0; i < compiled.columns().size(); i++) {
                // truth values are ClickHouse's UInt8 1/0, a ClickHouse Bool stays true/false (hogql.HogQLTypes)
                out.add(dev.quarry.hogql.HogQLTypes.jsonBooleans(compiled.types().get(i))
                        ? QueryValues.toJson(row.getValue(i), mapper) : QueryValues.toClickHouseJson(row.getValue(i), mapper));
            }
        }
        ArrayNode columns = body.putArray("columns");
        ArrayNode types = body.putArray("types");
        for (int i = 0; i < compiled.columns().size(); i++) {
            columns.add(compiled.columns().get(i));
            types.addArray().add(compiled.columns().get(i)).add(compiled.types().get(i));
        }
        body.put("hogql", compiled.hogql());
        body.putNull("clickhouse");
        body.put("postgres", compiled.sql());
        body.put("query", query.query());
        body.put("limit", compiled.limit());
        body.put("offset", compiled.offset());
        if (compiled.ownLimit()) {
            body.putNull("hasMore"); // PostHog pages only a query without its own LIMIT: the rows asked for are all
        } else {
            body.put("hasMore", rows.size() > limit);
        }
        body.putNull("explain");
        body.putNull("metadata");
        body.putNull("modifiers"); // its place in the answer; QueryService sets the resolved ones
        body.putNull("error");
        return body;
    }

    /** {@code values} by name, plus HogQL variables ({@code {variables.code_name}}) by their code name. */
    static Map<String, Object> values(Map<String, JsonNode> values, Map<String, HogQLQuery.HogQLVariable> variables) {
        Map<String, Object> result = new LinkedHashMap<>();
        if (values != null) {
            values.forEach((name, value) -> result.put(name, plain(value, "values__" + name)));
        }
        if (variables != null) {
            for (HogQLQuery.HogQLVariable variable : variables.values()) {
                if (variable != null && variable.codeName() != null) {
                    String name = "variables." + variable.codeName();
                    // isNull asks for NULL whatever the value; Quarry keeps no saved insight variables, so a
                    // variable without a value has no default to fall back to and is NULL as well
                    result.put(name, Boolean.TRUE.equals(variable.isNull()) ? null
                            : plain(variable.value(), "variables"));
                }
            }
        }
        return result;
    }

    private static Object plain(JsonNode node, String attr) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        if (node.isIntegralNumber()) {
            // past Int64 the value is kept exactly (asLong would wrap it around); past 256 bits it is a 400
            return node.canConvertToLong() ? (Object) node.asLong() : node.bigIntegerValue();
        }
        if (node.isNumber()) {
            double d = node.asDouble();
            if (Double.isInfinite(d)) {
                throw new ValidationException("Number out of range: " + node.asText() + " is past Float64", attr);
            }
            return d;
        }
        if (node.isArray()) {
            List<Object> items = new ArrayList<>();
            node.forEach(item -> items.add(plain(item, attr)));
            return items;
        }
        throw new ValidationException("Placeholder values must be strings, numbers, booleans or lists", attr);
    }

    /**
     * The {@code filters} object as the boolean expression {@code {filters}} expands to: its property filters, its
     * date range on {@code timestamp} (both ends inclusive) and, with {@code filterTestAccounts}, the project's
     * test-account filters, as PostHog's {@code replace_filters} builds it.
     */
    static Expr filters(HogQLQuery.HogQLFilters filters, QueryContext context) {
        if (filters == null) {
            return null;
        }
        List<Expr> parts = new ArrayList<>();
        if (filters.properties() != null) {
            parts.add(PropertyFilters.toExpr(filters.properties()));
        }
        if (Boolean.TRUE.equals(filters.filterTestAccounts())) {
            parts.add(testAccounts(context));
        }
        if (filters.dateRange() != null) {
            ZonedDateTime now = context.now().atZone(ZoneId.of(context.team().timezone()));
            ZonedDateTime from = RelativeDates.parse(filters.dateRange().dateFrom(), now, false, "date_from");
            ZonedDateTime to = RelativeDates.parse(filters.dateRange().dateTo(), now, true, "date_to");
            if (from != null) {
                parts.add(new Expr.Compare(">=", Expr.Field.of("timestamp"), new Expr.Constant(from.toOffsetDateTime())));
            }
            if (to != null) {
                parts.add(new Expr.Compare("<=", Expr.Field.of("timestamp"), new Expr.Constant(to.toOffsetDateTime())));
            }
        }
        return parts.isEmpty() ? null : parts.size() == 1 ? parts.get(0) : new Expr.And(parts);
    }

    /** The project's "filter out internal and test users" filters (TRUE when it has none). */
    private static Expr testAccounts(QueryContext context) {
        String stored = context.team().testAccountFilters();
        if (stored == null || stored.isBlank()) {
            return new Expr.Constant(true);
        }
        try {
            return PropertyFilters.toExpr(context.mapper().readTree(stored));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("test_account_filters of team " + context.team().id() + " is not JSON", e);
        }
    }
}

package dev.quarry.query;

import dev.quarry.query.schema.QuerySchema;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.HogQLCompiler;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.Parser;
import dev.quarry.web.ValidationException;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * HogQLMetadata: is this HogQL valid, and where are its errors; nothing is run. The answer has PostHog's fields:
 * {@code isValid, query, errors[{message,start,end,fix}], warnings, notices, table_names} (also for an invalid
 * query that parses), {@code view_metadata, ch_table_names} (null when invalid) and {@code isUsingIndices}.
 */
@ApplicationScoped
public class HogQLMetadataRunner implements QueryRunner<HogQLMetadata> {
    @Override
    public String kind() {
        return "HogQLMetadata";
    }

    @Override
    public boolean cacheable() {
        return false;
    }

    @Override
    public Class<HogQLMetadata> queryType() {
        return HogQLMetadata.class;
    }

    @Override
    public QueryPlan<ObjectNode> plan(QueryContext context, HogQLMetadata query) {
        String text = query.query();
        if (text == null) {
            throw new ValidationException("This field is required.", "query");
        }
        String language = query.language() == null ? "hogQL" : query.language();
        if (!language.equals("hogQL") && !language.equals("hogQLExpr")) {
            throw new ValidationException("Unsupported language: " + language, "language");
        }
        dev.quarry.query.schema.QuerySchema.unsupported("HogQLMetadata", "connectionId", query.connectionId());
        if (language.equals("hogQL")) {
            java.util.Map<String, Object> values = HogQLQueryRunner.values(query.values(), query.variables());
            List<Object> refs = HogQLCompiler.cohortReferences(text,
                    dev.quarry.hogql.CompileSettings.of(context.team().id()).withValues(values));
            if (!refs.isEmpty()) {
                // IN COHORT: an unknown cohort is an error of the query, as PostHog's metadata reports it
                return HogQLQueryRunner.cohorts(refs).map(cohorts -> answer(context, text, language,
                                HogQLCompiler.validate(text, values, cohorts)));
            }
        }
        HogQLCompiler.Validation validation = language.equals("hogQL")
                ? HogQLCompiler.validate(text, HogQLQueryRunner.values(query.values(), query.variables()))
                : validateExpr(text, exprTable(query.sourceQuery()));
        return QueryPlan.of(answer(context, text, language, validation));
    }

    private static ObjectNode answer(QueryContext context, String text, String language,
            HogQLCompiler.Validation validation) {
        // PostHog's HogQLMetadataResponse, field for field; it is not a runner answer, so no cache fields or timings.
        ObjectNode body = context.mapper().createObjectNode();
        body.put("isValid", validation.isValid());
        body.put("query", text);
        ArrayNode errors = body.putArray("errors");
        validation.errors().forEach(error -> errors.addObject().put("message", error.message())
                .put("start", error.start() < 0 ? null : error.start()).put("end", error.end() < 0 ? null : error.end())
                .putNull("fix"));
        body.putArray("warnings");
        body.putArray("notices");
        if (language.equals("hogQL")) {
            ArrayNode tables = body.putArray("table_names");
            validation.tableNames().forEach(tables::add);
            // view_metadata describes saved views among the tables; Quarry has none.
            body.putObject("view_metadata");
            if (validation.isValid()) {
                ArrayNode read = body.putArray("ch_table_names");
                validation.tableNames().forEach(read::add);
                // PostHog asks ClickHouse's EXPLAIN whether indexes are used; Quarry cannot tell, as PostHog
                // answers when its analysis is not conclusive.
                body.put("isUsingIndices", "undecisive");
            } else {
                body.putNull("ch_table_names");
                body.putNull("isUsingIndices");
            }
        } else {
            body.putNull("table_names");
            body.putNull("view_metadata");
            body.putNull("ch_table_names");
            body.putNull("isUsingIndices");
        }
        return body;
    }

    /**
     * The table a {@code hogQLExpr} is resolved on, as PostHog's metadata reads {@code sourceQuery}: the persons of an
     * actors query ({@code ActorsQuery}, {@code PersonsNode}), the events of any other source and by default.
     */
    static String exprTable(JsonNode sourceQuery) {
        String kind = java.util.Objects.requireNonNullElse(QuerySchema.kindOf(sourceQuery), "");
        return kind.equals("ActorsQuery") || kind.equals("PersonsNode") ? "persons" : "events";
    }

    /**
     * A {@code hogQLExpr}: parsed, then resolved as {@code SELECT <expr> FROM <table>} so that an unknown field or
     * function is an error as in PostHog (positions stay those of the expression's own text).
     */
    static HogQLCompiler.Validation validateExpr(String expression, String table) {
        try {
            Parser.parseExpr(expression);
        } catch (HogQLException e) {
            return new HogQLCompiler.Validation(false,
                    List.of(new HogQLCompiler.ValidationError(e.getMessage(), e.start(), e.end())), List.of());
        }
        String prefix = "SELECT ";
        HogQLCompiler.Validation resolved = HogQLCompiler.validate(prefix + expression + "\nFROM " + table);
        List<HogQLCompiler.ValidationError> errors = resolved.errors().stream()
                .map(e -> new HogQLCompiler.ValidationError(e.message(), shift(e.start(), prefix, expression),
                        shift(e.end(), prefix, expression)))
                .toList();
        return new HogQLCompiler.Validation(resolved.isValid(), errors, List.of());
    }

    /** A position in the wrapped text as one in the expression (-1, unknown, when it falls outside it). */
    private static int shift(int position, String prefix, String expression) {
        int at = position - prefix.length();
        return position < 0 || at < 0 || at > expression.length() ? -1 : at;
    }
}

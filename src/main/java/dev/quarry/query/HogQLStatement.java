package dev.quarry.query;

import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.Parser;
import dev.quarry.hogql.Placeholders;
import dev.quarry.hogql.SelectLike;
import dev.quarry.web.ValidationException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import java.util.Map;

/**
 * One statement a runner hands over to run: a HogQL AST and the values of its {@code {placeholders}}. A value is a
 * constant (bound as a parameter, never SQL text) or an AST: an expression, or in {@code FROM {name}} a subquery, so
 * that queries are composed from parts as trees. The runner never compiles or executes: {@link QueryContext#execute}
 * compiles it for the team ({@link QueryService#compile}) and runs it among the run's statements.
 *
 * @param kind the query kind it runs for (query log, metering)
 * @param ast the query; placeholders are replaced from {@code values} when it is compiled
 */
@RegisterForReflection
public record HogQLStatement(String kind, SelectLike ast, Map<String, Object> values) {
    public HogQLStatement {
        values = values == null ? Map.of() : new java.util.LinkedHashMap<>(values);
    }

    /**
     * A statement from constant template text written in the runner's package (user values only ever as
     * placeholders); a template that does not parse is a bug of the runner, reported as a 400 rather than a 500.
     */
    public static HogQLStatement parse(String kind, String template, Map<String, Object> values) {
        return new HogQLStatement(kind, select(template), values);
    }

    /** A template (constant text with placeholders) as an AST, its placeholders left in. */
    public static SelectLike select(String template) {
        try {
            return Parser.parseSelect(template);
        } catch (HogQLException e) {
            throw new ValidationException(e.getMessage(), null);
        }
    }

    /**
     * A template as an AST with its placeholders replaced by {@code values} (constants, expressions, subqueries):
     * a finished part, to be given as the value of another template's placeholder, e.g. {@code FROM {cells}}.
     */
    public static SelectLike select(String template, Map<String, Object> values) {
        try {
            return Placeholders.replace(Parser.parseSelect(template), values, null);
        } catch (HogQLException e) {
            throw new ValidationException(e.getMessage(), null);
        }
    }

    /** This statement with its placeholders replaced: a finished subquery for another statement. */
    public SelectLike bound() {
        try {
            return Placeholders.replace(ast, values, null);
        } catch (HogQLException e) {
            throw new ValidationException(e.getMessage(), null);
        }
    }

    /** What a statement answered: the compiled form (for the response's {@code hogql}/timings) and its rows. */
    @RegisterForReflection
    public record Result(CompiledQuery compiled, RowSet<Row> rows) {
    }
}

package dev.quarry.query;

import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
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
 * that queries are composed from parts as trees. The runner never compiles or executes: it returns the statement in a
 * {@link QueryPlan} ({@link QueryPlan#run}), and {@link QueryPlans} compiles it for the team
 * ({@link QueryService#compile}) and runs it among the run's statements.
 *
 * @param kind the query kind it runs for (query log, metering)
 * @param ast the query; placeholders are replaced from {@code values} when it is compiled
 * @param limit for a runner's statement, the LIMIT added to a top level without one (null: every row it computes,
 *     {@link QueryService#NO_LIMIT})
 * @param user non-null for a user's own HogQL (HogQLQuery, EventsQuery): compiled with PostHog's limits
 * @param maxBytes for a runner's statement, the most of its rows' text it may return ({@link ResultBound}; null: no
 *     bound); a user's statement is always read through {@link ResultBound#MAX_BYTES}
 */
@RegisterForReflection
public record HogQLStatement(String kind, SelectLike ast, Map<String, Object> values, Integer limit, User user,
                             Long maxBytes) {
    public HogQLStatement {
        values = values == null ? Map.of() : new java.util.LinkedHashMap<>(values);
    }

    public HogQLStatement(String kind, SelectLike ast, Map<String, Object> values, Integer limit, User user) {
        this(kind, ast, values, limit, user, null);
    }

    /** A runner's statement: every row it computes. */
    public HogQLStatement(String kind, SelectLike ast, Map<String, Object> values) {
        this(kind, ast, values, null, null);
    }

    /** This statement with a LIMIT of {@code rows} added to its top level when it has none. */
    public HogQLStatement withLimit(int rows) {
        return new HogQLStatement(kind, ast, values, rows, user, maxBytes);
    }

    /** This statement run as {@code kind} (the query log's kind, and the planner settings of that kind). */
    public HogQLStatement withKind(String kind) {
        return new HogQLStatement(kind, ast, values, limit, user, maxBytes);
    }

    /** This statement read through a bound of {@code bytes} of its rows' text ({@link ResultBound#wrap(String, long)}). */
    public HogQLStatement withMaxBytes(long bytes) {
        return new HogQLStatement(kind, ast, values, limit, user, bytes);
    }

    /**
     * A user's HogQL query ({@code ast} with the user's {@code values}): compiled with PostHog's default LIMIT 100 (at
     * most 50,000) and one extra row to tell {@code hasMore}, rows read at most that limit, compile errors as
     * {@code hogql_syntax_error}/{@code hogql_query_error} ({@link HogQLErrors}).
     *
     * @param text the HogQL the query log keeps as {@code hogql} (the user's text; null: the printed HogQL)
     * @param filters what {@code {filters}} expands to (null: TRUE)
     * @param cohorts the team's cohorts IN COHORT may name, id → name (null: looked up by the statement itself)
     */
    public static HogQLStatement user(String kind, SelectLike ast, Map<String, Object> values, String text,
                                      Expr filters, Map<Long, String> cohorts) {
        return new HogQLStatement(kind, ast, values, null, new User(text, filters, cohorts));
    }

    /** How a user's HogQL is compiled; see {@link #user}. */
    @RegisterForReflection
    public record User(String text, Expr filters, Map<Long, String> cohorts) {
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

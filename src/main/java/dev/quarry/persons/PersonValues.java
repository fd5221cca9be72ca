package dev.quarry.persons;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.quarry.data.Team;
import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLCompiler;
import dev.quarry.hogql.JoinExpr;
import dev.quarry.hogql.LikePatterns;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.query.QueryExecutor;
import dev.quarry.query.QueryIds;
import dev.quarry.query.TeamLanes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * persons/values: the 20 most common values of a person property among the team's 100,000 most recent persons
 * (optionally those containing a search text), or distinct ids for the key {@code distinct_id}. Built as HogQL, so
 * the property key and the search text are only ever bound values. Values are PostHog's: the raw JSON text without
 * its quotes, parsed back and printed as Python prints it, so the number 5 and the string "5" are one value, and a
 * JSON null (like the string "null") is {@code "None"}.
 */
@ApplicationScoped
public class PersonValues {
    static final int RECENT_PERSONS = 100_000;
    static final int TOP = 20;
    /** A property's value as text when it is JSON null (or the string "null"): PostHog answers both as "None". */
    private static final String JSON_NULL = "null";

    private final QueryExecutor executor;
    private final ObjectMapper mapper;
    private final TeamLanes lanes;

    public PersonValues(QueryExecutor executor, ObjectMapper mapper, TeamLanes lanes) {
        this.executor = executor;
        this.mapper = mapper;
        this.lanes = lanes;
    }

    /** The values, compiled in the project's lane (off the event loop); an empty list for no key or a virtual one. */
    public Uni<ArrayNode> values(Team team, String key, String search) {
        if (key == null || key.isEmpty() || key.startsWith("$virt")) {
            return Uni.createFrom().item(mapper.createArrayNode());
        }
        return lanes.run(team.id(), () -> compileAndRun(team, key, search));
    }

    private Uni<ArrayNode> compileAndRun(Team team, String key, String search) {
        boolean distinctIds = key.equals("distinct_id");
        SelectQuery query = distinctIds ? distinctIdQuery(search) : propertyQuery(key, search);
        CompiledQuery compiled = HogQLCompiler.compile(query, CompileSettings.of(team.id()).withTimezone(team.timezone())
                .withLimits(TOP, TOP));
        return executor.execute(team, QueryIds.newId(), "PersonsValues", compiled.sql(), compiled.params())
                .map(rows -> {
                    ArrayNode result = mapper.createArrayNode();
                    for (Row row : rows) {
                        String value = row.getString(0);
                        result.addObject().put("name", !distinctIds && JSON_NULL.equals(value) ? "None" : value)
                                .put("count", distinctIds ? 1 : row.getLong(1));
                    }
                    return result;
                });
    }

    private static SelectQuery propertyQuery(String key, String search) {
        // a JSON null is PostHog's raw text "null" (kept, and answered as Python's "None"); a missing key is no value
        Expr jsonNull = new Expr.And(List.of(
                Expr.Call.of("JSONHas", Expr.Field.of("properties"), new Expr.Constant(key)),
                new Expr.Compare("=", Expr.Call.of("JSONType", Expr.Field.of("properties"), new Expr.Constant(key)),
                        new Expr.Constant("Null"))));
        Expr property = Expr.Call.of("if", jsonNull, new Expr.Constant(JSON_NULL), Expr.Field.of("properties", key));
        List<Expr> where = new ArrayList<>();
        where.add(new Expr.IsNull(property, true));
        where.add(new Expr.Compare("!=", property, new Expr.Constant("")));
        if (search != null && !search.isEmpty()) {
            where.add(Expr.Call.of("ilike", property, new Expr.Constant(LikePatterns.contains(search))));
        }
        SelectQuery recent = new SelectQuery(List.of(), false, List.of(new Expr.Alias(property, "value")),
                List.of(JoinExpr.table("persons", null)), new Expr.And(where), List.of(), null,
                List.of(new SelectQuery.OrderExpr(Expr.Field.of("created_at"), true, null)),
                new Expr.Constant((long) RECENT_PERSONS), null, null);
        Expr count = Expr.Call.of("count");
        return new SelectQuery(List.of(), false, List.of(Expr.Field.of("value"), new Expr.Alias(count, "c")),
                List.of(new JoinExpr(null, recent, "recent", null, List.of())), null, List.of(Expr.Field.of("value")),
                null, List.of(new SelectQuery.OrderExpr(count, true, null),
                        new SelectQuery.OrderExpr(Expr.Field.of("value"), false, null)),
                new Expr.Constant((long) TOP), null, null);
    }

    private static SelectQuery distinctIdQuery(String search) {
        Expr distinctId = Expr.Field.of("distinct_id");
        Expr where = search == null || search.isEmpty() ? null
                : Expr.Call.of("ilike", distinctId, new Expr.Constant(LikePatterns.contains(search)));
        return new SelectQuery(List.of(), false, List.of(distinctId), List.of(JoinExpr.table("person_distinct_ids", null)),
                where, List.of(), null, List.of(new SelectQuery.OrderExpr(distinctId, false, null)),
                new Expr.Constant((long) TOP), null, null);
    }
}

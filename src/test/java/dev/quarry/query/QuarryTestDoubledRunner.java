package dev.quarry.query;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.Expr;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * A query kind that exists only in the tests, added as issue 17 says a kind is added: this one file (its record and
 * its runner bean), nothing else edited. {@code QueryKindInOnePlaceTest} posts it. Answer:
 * {@code {"results": [[value * 2, events named event]], "columns": ["doubled", "events"]}}.
 */
@ApplicationScoped
public class QuarryTestDoubledRunner implements QueryRunner<QuarryTestDoubledRunner.Query> {
    static final String KIND = "QuarryTestDoubledQuery";

    /** The node: {@code {"kind": "QuarryTestDoubledQuery", "value": 21, "event": "signup"}}. */
    public record Query(String kind, Long value, String event) {
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Class<Query> queryType() {
        return Query.class;
    }

    @Override
    public QueryPlan<ObjectNode> plan(QueryContext context, Query query) {
        HogQLStatement statement = HogQLStatement.parse(KIND,
                "SELECT {value} * 2 AS doubled, count() AS events FROM events WHERE event = {event}",
                Map.of("value", new Expr.Constant(query.value() == null ? 0L : query.value()),
                        "event", new Expr.Constant(query.event() == null ? "" : query.event())));
        return QueryPlan.run(statement).map(result -> {
            ObjectNode body = context.mapper().createObjectNode();
            ArrayNode row = body.putArray("results").addArray();
            result.rows().forEach(r -> row.add(r.getLong(0)).add(r.getLong(1)));
            body.putArray("columns").add("doubled").add("events");
            return body;
        });
    }
}

package dev.quarry.query;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.insights.ActorsQueryRunner;
import dev.quarry.insights.ActorsSource;
import dev.quarry.insights.InsightActorsQuery;
import dev.quarry.insights.InsightQuery;
import dev.quarry.insights.InsightSql;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * An insight kind WITH ACTORS that exists only in the tests, added as issue 17 says one is added: this one file (its
 * record, implementing {@link InsightQuery} with its cache interval, and its runner bean, implementing
 * {@link ActorsSource} for its cells), nothing else edited, outside the {@code insights} package.
 * {@code QueryKindInOnePlaceTest} posts it and asks for its actors. Answer: {@code {"results": [[persons who did
 * event]], "columns": ["persons"]}}; its one cell's actors are those persons.
 */
@ApplicationScoped
public class QuarryTestEventersRunner implements QueryRunner<QuarryTestEventersRunner.Query>,
        ActorsSource<InsightActorsQuery> {
    static final String KIND = "QuarryTestEventersQuery";

    /** The node: {@code {"kind": "QuarryTestEventersQuery", "event": "signup", "interval": "hour"}}. */
    public record Query(String kind, String event, String interval) implements InsightQuery {
        @Override
        public String cacheInterval() {
            return interval;
        }
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Class<Query> queryType() {
        return Query.class;
    }

    private static Map<String, Object> values(Query query) {
        return Map.of("event", query.event() == null ? "" : query.event());
    }

    @Override
    public QueryPlan<ObjectNode> plan(QueryContext context, Query query) {
        HogQLStatement statement = HogQLStatement.parse(KIND,
                "SELECT count(DISTINCT person_id) AS persons FROM events WHERE event = {event}", values(query));
        return QueryPlan.run(statement).map(result -> {
            ObjectNode body = context.mapper().createObjectNode();
            result.rows().forEach(r -> body.putArray("results").addArray().add(r.getLong(0)));
            body.putArray("columns").add("persons");
            return body;
        });
    }

    @Override
    public Class<InsightActorsQuery> sourceType() {
        return InsightActorsQuery.class;
    }

    @Override
    public boolean answers(InsightActorsQuery source) {
        return source.source() instanceof Query;
    }

    @Override
    public QueryPlan<ActorsQueryRunner.Cell> actors(InsightSql sql, InsightActorsQuery source) {
        Query query = (Query) source.source();
        return QueryPlan.of(ActorsQueryRunner.Cell.of(HogQLStatement.select(
                "SELECT DISTINCT person_id FROM events WHERE event = {event}", values(query))));
    }
}

package dev.quarry.insights.funnels;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.insights.ActorsQueryRunner;
import dev.quarry.insights.ActorsQuery;
import dev.quarry.insights.ActorsSource;
import dev.quarry.insights.InsightSql;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryRunner;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.query.QueryPlan;
import jakarta.enterprise.context.ApplicationScoped;

import static dev.quarry.insights.funnels.FunnelSql.as;
import static dev.quarry.insights.funnels.FunnelSql.field;

/**
 * FunnelsActorsQuery and FunnelCorrelationActorsQuery answered directly (person ids, paginated) and as the source of
 * an ActorsQuery ({@link ActorsSource}: column {@code person_id}).
 */
public final class FunnelActorsRunners {
    private FunnelActorsRunners() {
    }

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 50_000;

    /** The actors as an ActorsQuery cell (column {@code person_id}). */
    static QueryPlan<ActorsQueryRunner.Cell> cell(QueryPlan<SelectQuery> actors) {
        return actors.map(query -> ActorsQueryRunner.Cell.of(FunnelSql.select(as(field("actor"), "person_id"))
                .from(query, "funnel_actors").build()));
    }

    static QueryPlan<ObjectNode> run(QueryContext context, String kind, QueryPlan<SelectQuery> actors, Integer limit,
                                   Integer offset) {
        int l = Math.min(limit == null ? DEFAULT_LIMIT : limit, MAX_LIMIT);
        int o = offset == null ? 0 : offset;
        return FunnelActors.page(context, kind, actors, l, o).map(page -> FunnelActors.body(context, page, l, o));
    }

    /** FunnelsActorsQuery: as its own kind, and as the source of an ActorsQuery. */
    @ApplicationScoped
    public static class Funnels implements QueryRunner<FunnelsActorsQuery>, ActorsSource<ActorsQuery.RawSource> {
        @Override
        public String kind() {
            return "FunnelsActorsQuery";
        }

        @Override
        public Class<FunnelsActorsQuery> queryType() {
            return FunnelsActorsQuery.class;
        }

        @Override
        public Class<ActorsQuery.RawSource> sourceType() {
            return ActorsQuery.RawSource.class;
        }

        @Override
        public boolean answers(ActorsQuery.RawSource source) {
            return source.kind().equals(kind());
        }

        @Override
        public QueryPlan<ActorsQueryRunner.Cell> actors(InsightSql sql, ActorsQuery.RawSource source) {
            FunnelsActorsQuery query = QuerySchema.parse(source.node(), FunnelsActorsQuery.class, kind());
            return cell(FunnelActors.query(sql.context(), "ActorsQuery", query));
        }

        @Override
        public QueryPlan<ObjectNode> plan(QueryContext context, FunnelsActorsQuery query) {
            return FunnelActorsRunners.run(context, kind(), FunnelActors.query(context, kind(), query), query.limit(),
                    query.offset());
        }
    }

    /** FunnelCorrelationActorsQuery: as its own kind, and as the source of an ActorsQuery. */
    @ApplicationScoped
    public static class Correlation implements QueryRunner<FunnelCorrelationActorsQuery>,
            ActorsSource<ActorsQuery.RawSource> {
        @Override
        public String kind() {
            return "FunnelCorrelationActorsQuery";
        }

        @Override
        public Class<FunnelCorrelationActorsQuery> queryType() {
            return FunnelCorrelationActorsQuery.class;
        }

        @Override
        public Class<ActorsQuery.RawSource> sourceType() {
            return ActorsQuery.RawSource.class;
        }

        @Override
        public boolean answers(ActorsQuery.RawSource source) {
            return source.kind().equals(kind());
        }

        @Override
        public QueryPlan<ActorsQueryRunner.Cell> actors(InsightSql sql, ActorsQuery.RawSource source) {
            FunnelCorrelationActorsQuery query = QuerySchema.parse(source.node(), FunnelCorrelationActorsQuery.class, kind());
            return cell(FunnelActors.query(sql.context(), "ActorsQuery", query));
        }

        @Override
        public QueryPlan<ObjectNode> plan(QueryContext context, FunnelCorrelationActorsQuery query) {
            return FunnelActorsRunners.run(context, kind(), FunnelActors.query(context, kind(), query), query.limit(),
                    query.offset());
        }
    }
}

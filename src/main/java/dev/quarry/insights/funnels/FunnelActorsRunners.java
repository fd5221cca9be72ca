package dev.quarry.insights.funnels;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.insights.ActorsQuery;
import dev.quarry.insights.ActorsQueryRunner;
import dev.quarry.insights.ActorsSource;
import dev.quarry.insights.FunnelCorrelationActorsQuery;
import dev.quarry.insights.FunnelsActorsQuery;
import dev.quarry.insights.GroupAggregation;
import dev.quarry.insights.InsightSql;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryPlan;
import dev.quarry.query.QueryRunner;
import jakarta.enterprise.context.ApplicationScoped;

import static dev.quarry.insights.funnels.FunnelSql.as;
import static dev.quarry.insights.funnels.FunnelSql.field;

/**
 * The funnels' actors nodes ({@code FunnelsActorsQuery}, {@code FunnelCorrelationActorsQuery}): one contract,
 * {@link Runner}, answering a node both as its own kind (person ids, paginated: {@code limit} default 100, at most
 * 50,000, and {@code offset}) and as the source of an ActorsQuery ({@link ActorsSource}: column {@code person_id}).
 * Each kind is a one-line bean naming its record and how its actors are selected.
 */
public final class FunnelActorsRunners {
    private FunnelActorsRunners() {
    }

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 50_000;

    /** A funnel actors node as its own kind and as an ActorsQuery source. */
    abstract static class Runner<Q extends ActorsQuery.FunnelActorsSource>
            implements QueryRunner<Q>, ActorsSource<Q> {
        private final Class<Q> type;

        Runner(Class<Q> type) {
            this.type = type;
        }

        /** The actors of {@code source} as a funnel query with column {@code actor}; {@code kind} runs it. */
        abstract QueryPlan<SelectQuery> actors(QueryContext context, String kind, Q source);

        /** The group type {@code source}'s actors are groups of (its funnel's aggregation_group_type_index), or null. */
        abstract Integer groupTypeIndex(Q source);

        @Override
        public String kind() {
            return type.getSimpleName();
        }

        @Override
        public Class<Q> queryType() {
            return type;
        }

        @Override
        public Class<Q> sourceType() {
            return type;
        }

        @Override
        public boolean answers(Q source) {
            return true;
        }

        @Override
        public QueryPlan<ActorsQueryRunner.Cell> actors(InsightSql sql, Q source) {
            return actors(sql.context(), "ActorsQuery", source).map(query -> ActorsQueryRunner.Cell.of(
                    FunnelSql.select(as(field("actor"), "person_id")).from(query, "funnel_actors").build())
                    .ofGroups(groupTypeIndex(source)));
        }

        @Override
        public QueryPlan<ObjectNode> plan(QueryContext context, Q query) {
            int limit = Math.min(query.limit() == null ? DEFAULT_LIMIT : query.limit(), MAX_LIMIT);
            int offset = query.offset() == null ? 0 : query.offset();
            return FunnelActors.page(context, kind(), actors(context, kind(), query), limit, offset,
                    groupTypeIndex(query) != null)
                    .map(page -> FunnelActors.body(context, page, limit, offset));
        }
    }

    /** FunnelsActorsQuery. */
    @ApplicationScoped
    public static class Funnels extends Runner<FunnelsActorsQuery> {
        public Funnels() {
            super(FunnelsActorsQuery.class);
        }

        @Override
        QueryPlan<SelectQuery> actors(QueryContext context, String kind, FunnelsActorsQuery source) {
            return FunnelActors.query(context, kind, source);
        }

        @Override
        Integer groupTypeIndex(FunnelsActorsQuery source) {
            return source.source() == null ? null
                    : GroupAggregation.index("FunnelsQuery", source.source().aggregationGroupTypeIndex());
        }
    }

    /** FunnelCorrelationActorsQuery. */
    @ApplicationScoped
    public static class Correlation extends Runner<FunnelCorrelationActorsQuery> {
        public Correlation() {
            super(FunnelCorrelationActorsQuery.class);
        }

        @Override
        QueryPlan<SelectQuery> actors(QueryContext context, String kind, FunnelCorrelationActorsQuery source) {
            return FunnelActors.query(context, kind, source);
        }

        /** None: a correlation of a funnel aggregated by groups is refused (FunnelPlan#refuseGroups). */
        @Override
        Integer groupTypeIndex(FunnelCorrelationActorsQuery source) {
            return null;
        }
    }
}

package dev.quarry.insights.funnels;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.insights.ActorsQueryRunner;
import dev.quarry.insights.ActorsQuery;
import dev.quarry.insights.ActorsSource;
import dev.quarry.insights.InsightSql;
import dev.quarry.query.QueryContext;
import dev.quarry.query.JsonQueryRunner;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** FunnelsActorsQuery and FunnelCorrelationActorsQuery answered directly: person ids, paginated. */
public final class FunnelActorsRunners {
    private FunnelActorsRunners() {
    }

    /** The funnel's actors as an ActorsQuery cell (column {@code person_id}). */
    static Uni<ActorsQueryRunner.Cell> actors(InsightSql sql, JsonNode source) {
        return FunnelActors.part(sql, source).map(part -> ActorsQueryRunner.Cell.of(part.wrap(
                "SELECT actor AS person_id FROM %s AS funnel_actors", java.util.Map.of())));
    }

    static Uni<ObjectNode> run(QueryContext context, String kind, ObjectNode query) {
        int limit = query.path("limit").asInt(100);
        int offset = query.path("offset").asInt(0);
        if (limit > 50_000) {
            limit = 50_000;
        }
        int l = limit;
        return FunnelActors.page(context, kind, query, l, offset)
                .map(page -> FunnelActors.body(context, query, page, l, offset));
    }

    @ApplicationScoped
    public static class Funnels implements JsonQueryRunner, ActorsSource<ActorsQuery.RawSource> {
        @Override
        public String kind() {
            return "FunnelsActorsQuery";
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
        public Uni<ActorsQueryRunner.Cell> actors(InsightSql sql, ActorsQuery.RawSource source) {
            return FunnelActorsRunners.actors(sql, source.node());
        }

        @Override
        public Uni<ObjectNode> run(QueryContext context, ObjectNode query) {
            return FunnelActorsRunners.run(context, kind(), query);
        }
    }

    @ApplicationScoped
    public static class Correlation implements JsonQueryRunner, ActorsSource<ActorsQuery.RawSource> {
        @Override
        public String kind() {
            return "FunnelCorrelationActorsQuery";
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
        public Uni<ActorsQueryRunner.Cell> actors(InsightSql sql, ActorsQuery.RawSource source) {
            return FunnelActorsRunners.actors(sql, source.node());
        }

        @Override
        public Uni<ObjectNode> run(QueryContext context, ObjectNode query) {
            return FunnelActorsRunners.run(context, kind(), query);
        }
    }
}

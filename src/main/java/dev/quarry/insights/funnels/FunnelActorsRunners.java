package dev.quarry.insights.funnels;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLPrinter;
import dev.quarry.hogql.JoinExpr;
import dev.quarry.hogql.SelectLike;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.hogql.SelectUnion;
import dev.quarry.insights.ActorsQueryRunner;
import dev.quarry.insights.ActorsSource;
import dev.quarry.insights.HogQLPart;
import dev.quarry.insights.InsightSql;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryRunner;
import dev.quarry.query.schema.QuerySchema;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    static Uni<ActorsQueryRunner.Cell> cell(Uni<SelectQuery> actors) {
        return actors.map(query -> ActorsQueryRunner.Cell.of(part(FunnelSql.select(as(field("actor"), "person_id"))
                .from(query, "funnel_actors").build())));
    }

    /**
     * The cell's query for {@link ActorsQueryRunner}, which still composes its statement from a {@link HogQLPart}:
     * the tree's SELECT structure printed, every expression in it a placeholder whose value is the expression node
     * itself, so that compiling the part rebuilds exactly this tree (functions HogQL text cannot name, such as the
     * funnel scans, included). Goes when the ActorsQuery runner takes the cell as a tree.
     */
    static HogQLPart part(SelectLike query) {
        Map<String, Object> values = new LinkedHashMap<>();
        return new HogQLPart(HogQLPrinter.print(shell(query, values)), values);
    }

    private static SelectLike shell(SelectLike query, Map<String, Object> values) {
        if (query instanceof SelectUnion union) {
            List<SelectLike> selects = new ArrayList<>();
            union.selects().forEach(s -> selects.add(shell(s, values)));
            return new SelectUnion(selects);
        }
        SelectQuery s = (SelectQuery) query;
        List<dev.quarry.hogql.CTE> ctes = new ArrayList<>();
        for (dev.quarry.hogql.CTE cte : s.ctes()) {
            ctes.add(new dev.quarry.hogql.CTE(cte.name(), shell((SelectLike) cte.expr(), values), true));
        }
        List<Expr> select = new ArrayList<>();
        for (Expr e : s.select()) {
            select.add(e instanceof Expr.Alias a ? new Expr.Alias(hole(a.expr(), values), a.alias()) : hole(e, values));
        }
        List<JoinExpr> from = new ArrayList<>();
        for (JoinExpr j : s.from()) {
            from.add(new JoinExpr(j.joinType(), j.table() instanceof SelectLike sub ? shell(sub, values) : j.table(),
                    j.alias(), hole(j.on(), values), j.using()));
        }
        List<Expr> groupBy = new ArrayList<>();
        s.groupBy().forEach(e -> groupBy.add(hole(e, values)));
        List<SelectQuery.OrderExpr> orderBy = new ArrayList<>();
        s.orderBy().forEach(o -> orderBy.add(new SelectQuery.OrderExpr(hole(o.expr(), values), o.desc(),
                o.nullsFirst())));
        return new SelectQuery(ctes, s.distinct(), select, from, hole(s.where(), values), groupBy,
                hole(s.having(), values), orderBy, s.limit(), s.offset(), s.limitBy());
    }

    /** A plain field stays as written (it may name a column); any other expression becomes a placeholder. */
    private static Expr hole(Expr e, Map<String, Object> values) {
        if (e == null || e instanceof Expr.Field) {
            return e;
        }
        String name = "fa_e" + values.size();
        values.put(name, e);
        return new Expr.Placeholder(name);
    }

    static Uni<ObjectNode> run(QueryContext context, String kind, Uni<SelectQuery> actors, Integer limit,
                                   Integer offset) {
        int l = Math.min(limit == null ? DEFAULT_LIMIT : limit, MAX_LIMIT);
        int o = offset == null ? 0 : offset;
        return FunnelActors.page(context, kind, actors, l, o).map(page -> FunnelActors.body(context, page, l, o));
    }

    /** FunnelsActorsQuery: as its own kind, and as the source of an ActorsQuery. */
    @ApplicationScoped
    public static class Funnels implements QueryRunner<FunnelsActorsQuery>, ActorsSource {
        @Override
        public String kind() {
            return "FunnelsActorsQuery";
        }

        @Override
        public Class<FunnelsActorsQuery> queryType() {
            return FunnelsActorsQuery.class;
        }

        @Override
        public boolean answers(String sourceKind, String insightKind) {
            return sourceKind.equals(kind());
        }

        @Override
        public Uni<ActorsQueryRunner.Cell> actors(InsightSql sql, JsonNode source) {
            FunnelsActorsQuery query = QuerySchema.parse(source, FunnelsActorsQuery.class, kind());
            return cell(FunnelActors.query(sql.context(), "ActorsQuery", query));
        }

        @Override
        public Uni<ObjectNode> run(QueryContext context, FunnelsActorsQuery query) {
            return FunnelActorsRunners.run(context, kind(), FunnelActors.query(context, kind(), query), query.limit(),
                    query.offset());
        }
    }

    /** FunnelCorrelationActorsQuery: as its own kind, and as the source of an ActorsQuery. */
    @ApplicationScoped
    public static class Correlation implements QueryRunner<FunnelCorrelationActorsQuery>, ActorsSource {
        @Override
        public String kind() {
            return "FunnelCorrelationActorsQuery";
        }

        @Override
        public Class<FunnelCorrelationActorsQuery> queryType() {
            return FunnelCorrelationActorsQuery.class;
        }

        @Override
        public boolean answers(String sourceKind, String insightKind) {
            return sourceKind.equals(kind());
        }

        @Override
        public Uni<ActorsQueryRunner.Cell> actors(InsightSql sql, JsonNode source) {
            FunnelCorrelationActorsQuery query = QuerySchema.parse(source, FunnelCorrelationActorsQuery.class, kind());
            return cell(FunnelActors.query(sql.context(), "ActorsQuery", query));
        }

        @Override
        public Uni<ObjectNode> run(QueryContext context, FunnelCorrelationActorsQuery query) {
            return FunnelActorsRunners.run(context, kind(), FunnelActors.query(context, kind(), query), query.limit(),
                    query.offset());
        }
    }
}

package dev.quarry.insights.paths;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.insights.ActorsQueryRunner;
import dev.quarry.insights.ActorsSource;
import dev.quarry.insights.InsightActorsQuery;
import dev.quarry.insights.InsightSql;
import dev.quarry.insights.PathsQuery;
import dev.quarry.insights.SeriesJson;
import dev.quarry.insights.funnels.FunnelPlan;
import dev.quarry.query.HogQLStatement;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryPlan;
import dev.quarry.query.QueryRunner;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PathsQuery, as PostHog's paths runner answers it: {@code results} is a list of edges {@code {source, target,
 * value, average_conversion_time}} — {@code source} and {@code target} are step keys {@code <step>_<item>},
 * {@code value} the walks taking that edge, {@code average_conversion_time} the average milliseconds between the two
 * items. The walks and edges are computed in PostgreSQL by one statement ({@link PathsSql}; a count of the project's
 * merged persons, up to a limit, chooses how it reads them); its answer is at most
 * {@code edgeLimit} rows, of which those not reachable from a first step ({@code 1_…}) are dropped here, as
 * PostHog's {@code validate_results} does. What bounds the statement: the project's statement timeout (60 s by
 * default), its per-statement memory and its concurrency slots, like every insight.
 */
@ApplicationScoped
public class PathsQueryRunner implements QueryRunner<PathsQuery>, ActorsSource<InsightActorsQuery> {

    @Override
    public String kind() {
        return "PathsQuery";
    }

    @Override
    public Class<PathsQuery> queryType() {
        return PathsQuery.class;
    }

    /** One edge of the answer: step keys, walks and the average milliseconds between the two items. */
    public record Edge(String source, String target, long value, double averageConversionMs) {
    }

    @Override
    public QueryPlan<ObjectNode> plan(QueryContext context, PathsQuery query) {
        InsightSql sql = new InsightSql(context, kind());
        return PathsPlan.of(sql, query).flatMap(plan -> mergedPersons(sql).flatMap(merged -> sql.run(
                new HogQLStatement(kind(), PathsSql.edges(plan, read(merged)), Map.of()))).map(result -> {
            List<Edge> edges = new ArrayList<>();
            for (Row r : result.rows()) {
                edges.add(new Edge(r.getString(0), r.getString(1), r.getLong(2),
                        ((Number) r.getValue(3)).doubleValue()));
            }
            ObjectNode body = context.mapper().createObjectNode();
            ArrayNode results = body.putArray("results");
            for (Edge e : reachable(edges)) {
                results.addObject().put("source", e.source()).put("target", e.target()).put("value", e.value())
                        .put("average_conversion_time", e.averageConversionMs());
            }
            SeriesJson.putSql(body, List.of(result.compiled()));
            body.putNull("error");
            return body;
        }));
    }

    /**
     * The edges reachable from a first step ({@code 1_…} sources), in their order: cutting to {@code edgeLimit} or
     * by edge weight can leave an edge whose source no kept edge leads to, and PostHog drops those.
     */
    static List<Edge> reachable(List<Edge> edges) {
        Map<String, List<String>> next = new HashMap<>();
        ArrayDeque<String> stack = new ArrayDeque<>();
        for (Edge e : edges) {
            next.computeIfAbsent(e.source(), k -> new ArrayList<>()).add(e.target());
            if (e.source().startsWith("1_")) {
                stack.push(e.source());
            }
        }
        Set<String> seen = new HashSet<>();
        while (!stack.isEmpty()) {
            String node = stack.pop();
            if (seen.add(node)) {
                next.getOrDefault(node, List.of()).forEach(stack::push);
            }
        }
        return edges.stream().filter(e -> seen.contains(e.source())).toList();
    }

    @Override
    public Class<InsightActorsQuery> sourceType() {
        return InsightActorsQuery.class;
    }

    @Override
    public boolean answers(InsightActorsQuery source) {
        return source.source() instanceof PathsQuery;
    }

    /**
     * The persons of a paths cell (PostHog's paths actors, an InsightActorsQuery over a PathsQuery): the cell is
     * named by the insight's {@code pathsFilter} keys (PostHog's InsightActorsQuery has none of its own):
     * {@code pathDropoffKey} — the walks ending with that step; else the steps {@code pathEndKey} reached from
     * {@code pathStartKey} (either alone, or neither: every step). One row per matching step, so
     * {@code event_count} is their number. The InsightActorsQuery's own cell fields name nothing in a paths insight:
     * a value in any of them is a 400 naming it.
     */
    @Override
    public QueryPlan<ActorsQueryRunner.Cell> actors(InsightSql sql, InsightActorsQuery source) {
        String where = "InsightActorsQuery";
        QuerySchema.unsupported(where, "day", source.day());
        QuerySchema.unsupported(where, "breakdown", source.breakdown());
        QuerySchema.unsupported(where, "status", source.status());
        QuerySchema.unsupported(where, "interval", source.interval());
        QuerySchema.unsupported(where, "compare", source.compare());
        QuerySchema.unsupported(where, "operator", source.operator());
        if (source.series() != null && source.series() != 0) {
            throw new ValidationException("A paths insight has one series", "series");
        }
        PathsQuery insight = (PathsQuery) source.source();
        PathsQuery.PathsFilter f = insight.filter();
        return PathsPlan.of(sql, insight).flatMap(plan -> mergedPersons(sql).map(merged -> ActorsQueryRunner.Cell
                .events(PathsSql.actors(plan, read(merged), blankToNull(f.pathStartKey()),
                        blankToNull(f.pathEndKey()), blankToNull(f.pathDropoffKey())))));
    }

    /** The project's person_overrides rows, counted up to the limit {@link #read} needs. */
    private QueryPlan<Long> mergedPersons(InsightSql sql) {
        return sql.run(new HogQLStatement(kind(), FunnelPlan.mergedPersonsCount(), Map.of()))
                .map(done -> done.rows().iterator().next().getLong(0));
    }

    /**
     * How the walk reads persons for a project with {@code mergedPersons} person_overrides rows: none, by the stored
     * person id alone (in index order, no sort); up to the funnels' limit, unmerged persons by their stored id and
     * merged ones through the overrides join (past the limit the {@code NOT IN} of merged ids no longer hashes, see
     * {@link FunnelPlan#SPLIT_MERGED_PERSONS_LIMIT}); above it every event through the overrides join.
     */
    static PathsSql.Read read(long mergedPersons) {
        return mergedPersons == 0 ? PathsSql.Read.STORED
                : mergedPersons <= FunnelPlan.SPLIT_MERGED_PERSONS_LIMIT ? PathsSql.Read.SPLIT : PathsSql.Read.JOINED;
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}

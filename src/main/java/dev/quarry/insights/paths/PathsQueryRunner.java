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
 * items. The walks and edges are computed in PostgreSQL ({@link PathsSql}; a count of the project's merged persons, up
 * to a limit, chooses how it reads them): by one statement, or in a project without merges by two concurrent
 * statements over halves of the persons whose edges are added up here; the answer is at most
 * {@code edgeLimit} edges, of which those not reachable from a first step ({@code 1_…}) are dropped here, as
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
        return PathsPlan.of(sql, query).flatMap(plan -> mergedPersons(sql).flatMap(merged -> edges(sql, plan,
                read(merged)))).map(answer -> {
            ObjectNode body = context.mapper().createObjectNode();
            ArrayNode results = body.putArray("results");
            for (Edge e : reachable(answer.edges())) {
                results.addObject().put("source", e.source()).put("target", e.target()).put("value", e.value())
                        .put("average_conversion_time", e.averageConversionMs());
            }
            SeriesJson.putSql(body, answer.statements());
            body.putNull("error");
            return body;
        });
    }

    /** The edges of a plan (at most {@code edgeLimit}, in the answer's order) and the statements that found them. */
    private record Answer(List<Edge> edges, List<dev.quarry.hogql.CompiledQuery> statements) {
    }

    /**
     * The edges by one statement ({@link PathsSql#edges}), or, in a project without merges, by the statements of
     * {@link PathsSql#edgeParts} run concurrently and added up ({@link #merge}).
     */
    private QueryPlan<Answer> edges(InsightSql sql, PathsPlan plan, PathsSql.Read read) {
        if (read != PathsSql.Read.STORED) {
            return sql.run(new HogQLStatement(kind(), PathsSql.edges(plan, read), Map.of())).map(result -> {
                List<Edge> edges = new ArrayList<>();
                for (Row r : result.rows()) {
                    edges.add(new Edge(r.getString(0), r.getString(1), r.getLong(2),
                            ((Number) r.getValue(3)).doubleValue()));
                }
                return new Answer(edges, List.of(result.compiled()));
            });
        }
        List<QueryPlan<HogQLStatement.Result>> parts = new ArrayList<>();
        for (var part : PathsSql.edgeParts(plan)) {
            parts.add(sql.run(new HogQLStatement(kind(), part, Map.of())));
        }
        return QueryPlan.all(parts).map(results -> {
            List<EdgePart> rows = new ArrayList<>();
            List<dev.quarry.hogql.CompiledQuery> statements = new ArrayList<>();
            for (HogQLStatement.Result result : results) {
                statements.add(result.compiled());
                for (Row r : result.rows()) {
                    rows.add(new EdgePart(r.getString(0), r.getString(1), r.getLong(2),
                            new java.math.BigDecimal(r.getValue(3).toString()).longValueExact()));
                }
            }
            return new Answer(merge(rows, plan.minEdgeWeight(), plan.maxEdgeWeight(), plan.edgeLimit()), statements);
        });
    }

    /** One part's edge ({@link PathsSql#edgeParts}): its walks and their milliseconds between the items, summed. */
    public record EdgePart(String source, String target, long value, long totalMs) {
    }

    /**
     * The parts' edges added up, as {@link PathsSql#edges} answers them in one statement: edges with fewer walks
     * than {@code min} or more than {@code max} (null: no bound) dropped, by walks (desc), source, target (text in
     * code point order, as PostgreSQL's C collation and ClickHouse compare it), at most {@code limit}; the average
     * milliseconds as PostgreSQL's {@code avg} of integers gives them ({@link #average}).
     */
    static List<Edge> merge(List<EdgePart> parts, Long min, Long max, int limit) {
        Map<List<String>, long[]> sums = new java.util.LinkedHashMap<>();
        for (EdgePart p : parts) {
            long[] s = sums.computeIfAbsent(List.of(p.source(), p.target()), k -> new long[2]);
            s[0] += p.value();
            s[1] = Math.addExact(s[1], p.totalMs());
        }
        List<Edge> edges = new ArrayList<>();
        sums.forEach((key, s) -> {
            if ((min == null || s[0] >= min) && (max == null || s[0] <= max)) {
                edges.add(new Edge(key.get(0), key.get(1), s[0], average(s[1], s[0])));
            }
        });
        java.util.Comparator<String> text = PathsQueryRunner::compareCodePoints;
        edges.sort(java.util.Comparator.comparingLong(Edge::value).reversed().thenComparing(Edge::source, text)
                .thenComparing(Edge::target, text));
        return edges.size() > limit ? List.copyOf(edges.subList(0, limit)) : edges;
    }

    /** Two texts in code point order (UTF-8 byte order; Java's compareTo orders UTF-16 units). */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /**
     * {@code sum / count} as PostgreSQL's {@code avg} of integers answers it, read as a double: the numeric quotient
     * rounded (half away from zero) at the scale PostgreSQL's numeric division chooses (select_div_scale: at least
     * 16 significant digits, from the operands' leading base-10,000 digits), then the nearest double.
     */
    static double average(long sum, long count) {
        java.math.BigInteger s = java.math.BigInteger.valueOf(sum).abs();
        java.math.BigInteger n = java.math.BigInteger.valueOf(count).abs();
        int[] a = leadingBase10000(s);
        int[] b = leadingBase10000(n);
        int qweight = a[0] - b[0];
        if (a[1] <= b[1]) {
            qweight--;
        }
        int scale = Math.min(Math.max(16 - qweight * 4, 0), 1000);
        return new java.math.BigDecimal(sum).divide(new java.math.BigDecimal(count), scale,
                java.math.RoundingMode.HALF_UP).doubleValue();
    }

    /** The weight (base-10,000 digits after the first) and first base-10,000 digit of {@code x}; 0, 0 for zero. */
    private static int[] leadingBase10000(java.math.BigInteger x) {
        java.math.BigInteger base = java.math.BigInteger.valueOf(10_000);
        int weight = 0;
        while (x.compareTo(base) >= 0) {
            x = x.divide(base);
            weight++;
        }
        return new int[] {weight, x.intValue()};
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

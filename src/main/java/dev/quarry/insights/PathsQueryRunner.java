package dev.quarry.insights;

import dev.quarry.dates.Interval;
import dev.quarry.dates.QueryDateRange;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.Parser;
import dev.quarry.query.QueryContext;
import dev.quarry.query.JsonQueryRunner;
import dev.quarry.web.ValidationException;
import dev.quarry.query.HogQLStatement;
import dev.quarry.query.QueryPlan;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * PathsQuery, following PostHog's paths runner:
 * <ol>
 * <li>Events in the range (global and test-account filters applied) become path items: a pageview is its
 * {@code $current_url} without one trailing slash, a screen its {@code $screen_name}, anything else its event name
 * (or {@code pathsHogQLExpression} when {@code includeEventTypes} has "hogql"). {@code includeEventTypes}
 * ($pageview, $screen, custom_event = events not starting with "$", hogql) picks the events (none = all);
 * {@code excludeEvents} drops items by value; {@code localPathCleaningFilters} (regex → alias, in order) rewrite
 * items; {@code pathGroupings} (wildcard {@code *}) replace an item matching a grouping by the grouping.</li>
 * <li>Per person, in time order, a gap of 30 minutes or more starts a new session; in a session, consecutive
 * repeats keep their last occurrence.</li>
 * <li>{@code startPoint}: the session from the first occurrence of the start item (sessions without it dropped);
 * {@code endPoint}: up to the first occurrence of the end item, both: from start to the first end after it.
 * {@code stepLimit} (default 5) keeps the first N items (with an end point: the last N; with both: the first and
 * last N/2 around "...").</li>
 * <li>Each step i ≥ 2 is an edge {@code (i-1)_previous → i_item}; edges are counted (value) with the average of the
 * seconds between the two items (reported in milliseconds), filtered by min/maxEdgeWeight, ordered by value desc,
 * source, target, cut to {@code edgeLimit} (default 50) and then to the edges reachable from a first step.</li>
 * </ol>
 * The per-person walk runs here over the rows of one HogQL statement (person, time, item), at most
 * {@link #MAX_EVENTS} rows: a larger range is a 400 asking to narrow it.
 */
@ApplicationScoped
public class PathsQueryRunner implements JsonQueryRunner, ActorsSource<InsightActorsQuery> {
    static final int MAX_EVENTS = 500_000;
    static final int DEFAULT_STEP_LIMIT = 5;
    static final int DEFAULT_EDGE_LIMIT = 50;
    static final long SESSION_SECONDS = 30 * 60;
    static final Set<String> QUERY_FIELDS = Set.of("kind", "dateRange", "filterTestAccounts", "properties",
            "pathsFilter");
    static final Set<String> FILTER_FIELDS = Set.of("includeEventTypes", "excludeEvents", "startPoint", "endPoint",
            "stepLimit", "edgeLimit", "minEdgeWeight", "maxEdgeWeight", "localPathCleaningFilters", "pathGroupings",
            "pathsHogQLExpression", "pathReplacements", "pathStartKey", "pathEndKey", "pathDropoffKey");

    @Override
    public String kind() {
        return "PathsQuery";
    }


    /** A checked PathsQuery. */
    public record Plan(QueryDateRange range, Expr where, Expr itemSource, boolean pageviewUrls, boolean screenNames,
                List<Pattern> cleaningRegex, List<String> cleaningAlias, List<String> groupings, List<Pattern> groupingRegex,
                Set<String> exclude, String startPoint, String endPoint, int stepLimit, int edgeLimit, Long minWeight,
                Long maxWeight) {
    }

    /** One step of a person's walk: {@code index} (1-based), item, previous item, seconds since the previous. */
    public record Step(UUID person, int index, String item, String previous, double seconds, boolean last) {
        String key() {
            return index + "_" + item;
        }

        String previousKey() {
            return index > 1 ? (index - 1) + "_" + previous : null;
        }
    }

    static QueryPlan<Plan> plan(InsightSql sql, JsonNode query) {
        QueryFields.check(query, QUERY_FIELDS, Set.of(), Map.of("funnelPathsFilter", Set.of(),
                "aggregation_group_type_index", Set.of(), "samplingFactor", Set.of("1", "1.0")), "PathsQuery");
        JsonNode f = query.path("pathsFilter");
        QueryFields.check(f, FILTER_FIELDS, Set.of(), Map.of(), "PathsQuery.pathsFilter");
        List<String> types = strings(f.get("includeEventTypes"), "includeEventTypes");
        for (String t : types) {
            if (!List.of("$pageview", "$screen", "custom_event", "hogql").contains(t)) {
                throw new ValidationException("includeEventTypes items must be $pageview, $screen, custom_event or hogql",
                        "includeEventTypes");
            }
        }
        Set<String> exclude = new HashSet<>(strings(f.get("excludeEvents"), "excludeEvents"));
        boolean all = types.isEmpty();
        boolean urls = all ? !exclude.contains("$pageview") : types.contains("$pageview");
        boolean screens = all ? !exclude.contains("$screen") : types.contains("$screen");
        Expr item = Expr.Field.of("event");
        String hogql = f.path("pathsHogQLExpression").isNull() ? null : f.path("pathsHogQLExpression").asText(null);
        if (hogql != null && !hogql.isBlank() && (all ? !exclude.contains("hogql") : types.contains("hogql"))) {
            try {
                item = Expr.Call.of("toString", Parser.parseExpr(hogql));
            } catch (HogQLException e) {
                throw new ValidationException(e.getMessage(), "pathsHogQLExpression");
            }
        }
        List<Expr> kinds = new ArrayList<>();
        if (types.contains("$pageview")) {
            kinds.add(new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant("$pageview")));
        }
        if (types.contains("$screen")) {
            kinds.add(new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant("$screen")));
        }
        if (types.contains("custom_event")) {
            kinds.add(new Expr.Not(Expr.Call.of("startsWith", Expr.Field.of("event"), new Expr.Constant("$"))));
        }
        Expr eventKinds = kinds.isEmpty() ? new Expr.Constant(true) : kinds.size() == 1 ? kinds.get(0) : new Expr.Or(kinds);
        List<Pattern> cleaning = new ArrayList<>();
        List<String> aliases = new ArrayList<>();
        JsonNode local = f.get("localPathCleaningFilters");
        if (local != null && !local.isNull()) {
            if (!local.isArray()) {
                throw new ValidationException("localPathCleaningFilters must be a list", "localPathCleaningFilters");
            }
            for (JsonNode c : local) {
                String regex = c.path("regex").asText(null);
                if (regex == null) {
                    throw new ValidationException("Each path cleaning filter needs a regex", "localPathCleaningFilters");
                }
                cleaning.add(compile(regex, "localPathCleaningFilters"));
                // ClickHouse writes groups as \1; Java as $1
                aliases.add(Matcher.quoteReplacement(c.path("alias").asText("")).replaceAll("\\\\\\\\(\\d)", "\\$$1"));
            }
        }
        List<String> groupings = strings(f.get("pathGroupings"), "pathGroupings");
        List<Pattern> groupingRegex = new ArrayList<>();
        for (String g : groupings) {
            groupingRegex.add(Pattern.compile(Pattern.quote(g).replace("*", "\\E.*\\Q")));
        }
        int stepLimit = positive(f, "stepLimit", DEFAULT_STEP_LIMIT, 100);
        int edgeLimit = positive(f, "edgeLimit", DEFAULT_EDGE_LIMIT, 10_000);
        Long min = f.path("minEdgeWeight").isNumber() ? f.get("minEdgeWeight").asLong() : null;
        Long max = f.path("maxEdgeWeight").isNumber() ? f.get("maxEdgeWeight").asLong() : null;
        String start = text(f, "startPoint");
        String end = text(f, "endPoint");
        Expr global = sql.globalFilters(query);
        Expr base = InsightSql.and(global, eventKinds);
        Expr itemExpr = item;
        return sql.dateRange(query, Interval.DAY, "-7d").map(range -> new Plan(range,
                InsightSql.and(base, InsightSql.timestampIn(range.from(), range.to())), itemExpr, urls, screens,
                cleaning, aliases, groupings, groupingRegex, exclude, start, end, stepLimit, edgeLimit, min, max));
    }

    private static Pattern compile(String regex, String attr) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new ValidationException("Invalid regex: " + e.getDescription(), attr);
        }
    }

    private static String text(JsonNode f, String field) {
        JsonNode v = f.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }

    private static int positive(JsonNode f, String field, int dflt, int max) {
        JsonNode v = f.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToInt() || v.asInt() < 1 || v.asInt() > max) {
            throw new ValidationException(field + " must be between 1 and " + max, field);
        }
        return v.asInt();
    }

    private static List<String> strings(JsonNode node, String attr) {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw new ValidationException(attr + " must be a list", attr);
        }
        node.forEach(x -> out.add(x.asText()));
        return out;
    }

    /** Every person's steps, in person and step order. */
    static QueryPlan<List<Step>> steps(InsightSql sql, Plan plan, List<CompiledQuery> statements) {
        Map<String, Object> values = new HashMap<>();
        values.put("pa_where", plan.where());
        values.put("pa_item", plan.itemSource());
        HogQLStatement q = sql.statement("SELECT person_id, timestamp, event, {pa_item}, properties.$current_url, "
                + "properties.$screen_name FROM events WHERE {pa_where} ORDER BY person_id, timestamp", values)
                .withLimit(MAX_EVENTS + 1);
        return sql.run(q).map(result -> {
            statements.add(result.compiled());
            var rows = result.rows();
            if (rows.size() > MAX_EVENTS) {
                throw new ValidationException("This paths query reads more than " + MAX_EVENTS
                        + " events; narrow the date range or the event types", "dateRange");
            }
            List<Step> out = new ArrayList<>();
            UUID person = null;
            List<String> items = new ArrayList<>();
            List<OffsetDateTime> times = new ArrayList<>();
            for (Row r : rows) {
                UUID p = r.getUUID(0);
                if (person != null && !person.equals(p)) {
                    walk(plan, person, items, times, out);
                    items.clear();
                    times.clear();
                }
                person = p;
                String item = item(plan, r.getString(2), r.getValue(3), r.getValue(4), r.getValue(5));
                if (item == null) {
                    continue;
                }
                items.add(item);
                times.add(r.getOffsetDateTime(1));
            }
            if (person != null) {
                walk(plan, person, items, times, out);
            }
            return out;
        });
    }

    private static final Pattern TRAILING_SLASH = Pattern.compile("(.)/$");

    /** The path item of one event, or null when it is excluded. */
    static String item(Plan plan, String event, Object custom, Object url, Object screen) {
        String item = custom == null ? "" : custom.toString();
        if (plan.screenNames() && "$screen".equals(event)) {
            item = screen == null ? "" : screen.toString();
        }
        if (plan.pageviewUrls() && "$pageview".equals(event)) {
            item = TRAILING_SLASH.matcher(url == null ? "" : url.toString()).replaceAll("$1");
        }
        for (int i = 0; i < plan.cleaningRegex().size(); i++) {
            item = plan.cleaningRegex().get(i).matcher(item).replaceAll(plan.cleaningAlias().get(i));
        }
        for (int i = 0; i < plan.groupingRegex().size(); i++) {
            if (plan.groupingRegex().get(i).matcher(item).find()) {
                item = plan.groupings().get(i);
                break;
            }
        }
        return plan.exclude().contains(item) ? null : item;
    }

    /** Splits one person's items into sessions and appends each session's kept steps. */
    static void walk(Plan plan, UUID person, List<String> items, List<OffsetDateTime> times, List<Step> out) {
        int from = 0;
        for (int i = 1; i <= items.size(); i++) {
            if (i == items.size() || times.get(i).toEpochSecond() - times.get(i - 1).toEpochSecond() >= SESSION_SECONDS) {
                session(plan, person, items.subList(from, i), times.subList(from, i), out);
                from = i;
            }
        }
    }

    private static void session(Plan plan, UUID person, List<String> items, List<OffsetDateTime> times,
                                List<Step> out) {
        // consecutive repeats keep the last occurrence
        List<String> path = new ArrayList<>();
        List<Double> at = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (i + 1 < items.size() && items.get(i).equals(items.get(i + 1))) {
                continue;
            }
            path.add(items.get(i));
            at.add(times.get(i).toEpochSecond() + times.get(i).getNano() / 1e9);
        }
        String start = trimSlash(plan.startPoint());
        String end = trimSlash(plan.endPoint());
        List<String> limitedPath;
        List<Double> limitedAt;
        int n = plan.stepLimit();
        if (start != null && end != null) {
            int s = path.indexOf(plan.startPoint());
            if (s < 0) {
                return;
            }
            List<String> p2 = path.subList(s, path.size());
            List<Double> a2 = at.subList(s, at.size());
            int e = p2.indexOf(plan.endPoint());
            if (e < 0) {
                return;
            }
            p2 = p2.subList(0, e + 1);
            a2 = a2.subList(0, e + 1);
            if (p2.size() > n) {
                int half = n / 2;
                limitedPath = new ArrayList<>(p2.subList(0, half));
                limitedPath.add("...");
                limitedPath.addAll(p2.subList(p2.size() - half, p2.size()));
                limitedAt = new ArrayList<>(a2.subList(0, half));
                limitedAt.add(a2.get(half));
                limitedAt.addAll(a2.subList(a2.size() - half, a2.size()));
            } else {
                limitedPath = p2;
                limitedAt = a2;
            }
        } else if (end != null) {
            int e = path.indexOf(end);
            if (e < 0) {
                return;
            }
            List<String> p2 = path.subList(0, e + 1);
            List<Double> a2 = at.subList(0, e + 1);
            limitedPath = p2.subList(Math.max(0, p2.size() - n), p2.size());
            limitedAt = a2.subList(Math.max(0, a2.size() - n), a2.size());
        } else {
            List<String> p2 = path;
            List<Double> a2 = at;
            if (start != null) {
                int s = path.indexOf(start);
                if (s < 0) {
                    return;
                }
                p2 = path.subList(s, path.size());
                a2 = at.subList(s, at.size());
            }
            limitedPath = p2.subList(0, Math.min(n, p2.size()));
            limitedAt = a2.subList(0, Math.min(n, a2.size()));
        }
        for (int i = 0; i < limitedPath.size(); i++) {
            out.add(new Step(person, i + 1, limitedPath.get(i), i == 0 ? "" : limitedPath.get(i - 1),
                    i == 0 ? 0 : limitedAt.get(i) - limitedAt.get(i - 1), i == limitedPath.size() - 1));
        }
    }

    private static String trimSlash(String point) {
        return point != null && point.length() > 1 && point.endsWith("/") ? point.substring(0, point.length() - 1)
                : point;
    }

    @Override
    public QueryPlan<ObjectNode> plan(QueryContext context, ObjectNode query) {
        InsightSql sql = new InsightSql(context, kind());
        List<CompiledQuery> statements = new ArrayList<>();
        return plan(sql, query).flatMap(plan -> steps(sql, plan, statements).map(steps -> {
            record Edge(String source, String target) {
            }
            Map<Edge, double[]> edges = new LinkedHashMap<>();
            for (Step s : steps) {
                if (s.previousKey() == null) {
                    continue;
                }
                double[] agg = edges.computeIfAbsent(new Edge(s.previousKey(), s.key()), k -> new double[2]);
                agg[0]++;
                agg[1] += s.seconds();
            }
            List<Map.Entry<Edge, double[]>> sorted = new ArrayList<>(edges.entrySet());
            sorted.removeIf(e -> (plan.minWeight() != null && e.getValue()[0] < plan.minWeight())
                    || (plan.maxWeight() != null && e.getValue()[0] > plan.maxWeight()));
            sorted.sort((a, b) -> {
                int c = Double.compare(b.getValue()[0], a.getValue()[0]);
                if (c != 0) {
                    return c;
                }
                c = a.getKey().source().compareTo(b.getKey().source());
                return c != 0 ? c : a.getKey().target().compareTo(b.getKey().target());
            });
            List<Map.Entry<Edge, double[]>> limited = sorted.subList(0, Math.min(plan.edgeLimit(), sorted.size()));
            // keep the edges reachable from a first step (PostHog's validate_results)
            Map<String, List<String>> next = new HashMap<>();
            ArrayDeque<String> stack = new ArrayDeque<>();
            for (Map.Entry<Edge, double[]> e : limited) {
                next.computeIfAbsent(e.getKey().source(), k -> new ArrayList<>()).add(e.getKey().target());
                if (e.getKey().source().startsWith("1_")) {
                    stack.push(e.getKey().source());
                }
            }
            Set<String> seen = new HashSet<>();
            while (!stack.isEmpty()) {
                String node = stack.pop();
                seen.add(node);
                for (String t : next.getOrDefault(node, List.of())) {
                    if (!seen.contains(t)) {
                        stack.push(t);
                    }
                }
            }
            ObjectNode body = context.mapper().createObjectNode();
            ArrayNode results = body.putArray("results");
            for (Map.Entry<Edge, double[]> e : limited) {
                if (!seen.contains(e.getKey().source())) {
                    continue;
                }
                results.addObject().put("source", e.getKey().source()).put("target", e.getKey().target())
                        .put("value", (long) e.getValue()[0])
                        .put("average_conversion_time", e.getValue()[1] / e.getValue()[0] * 1000.0);
            }
            SeriesJson.putSql(body, statements);
            body.putNull("error");
            return body;
        }));
    }

    /**
     * The persons of a paths cell (PostHog's paths actors): with {@code pathDropoffKey} those whose walk ends at that
     * step; else those with the step {@code pathEndKey} (reached from {@code pathStartKey} when given), or with
     * {@code pathStartKey} as a source only; neither = everyone on a path. The value is the number of matching steps
     * ({@code event_count}), persons in the order of that count (desc), then id.
     */
    public static QueryPlan<LinkedHashMap<UUID, Long>> actors(InsightSql sql, JsonNode source, JsonNode paths) {
        JsonNode f = paths.path("pathsFilter");
        String dropoff = firstText(source, f, "pathDropoffKey");
        String startKey = firstText(source, f, "pathStartKey");
        String endKey = firstText(source, f, "pathEndKey");
        return plan(sql, paths).flatMap(plan -> steps(sql, plan, new ArrayList<>()).map(steps -> {
            Map<UUID, Long> counts = new HashMap<>();
            for (Step s : steps) {
                boolean match;
                if (dropoff != null) {
                    match = s.last() && s.key().equals(dropoff);
                } else {
                    match = (startKey == null || startKey.equals(s.previousKey()))
                            && (endKey == null || endKey.equals(s.key()));
                }
                if (match) {
                    counts.merge(s.person(), 1L, Long::sum);
                }
            }
            List<Map.Entry<UUID, Long>> ordered = new ArrayList<>(counts.entrySet());
            ordered.sort((a, b) -> {
                int c = Long.compare(b.getValue(), a.getValue());
                return c != 0 ? c : b.getKey().toString().compareTo(a.getKey().toString());
            });
            LinkedHashMap<UUID, Long> out = new LinkedHashMap<>();
            ordered.forEach(e -> out.put(e.getKey(), e.getValue()));
            return out;
        }));
    }

    private static String firstText(JsonNode a, JsonNode b, String field) {
        String v = text(a, field);
        return v != null ? v : text(b, field);
    }

    @Override
    public Class<InsightActorsQuery> sourceType() {
        return InsightActorsQuery.class;
    }

    @Override
    public boolean answers(InsightActorsQuery source) {
        return source.source() instanceof InsightQuery.Paths;
    }

    /** The actors of one cell of this insight (ActorsQuery over an InsightActorsQuery). */
    @Override
    public QueryPlan<ActorsQueryRunner.Cell> actors(InsightSql sql, InsightActorsQuery source) {
        // the path keys are read from the insight's pathsFilter (PostHog's InsightActorsQuery has none of its own)
        return actors(sql, com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(),
                ((InsightQuery.Paths) source.source()).node())
                .map(counts -> {
            if (counts.size() > ActorsQueryRunner.MAX_LIMIT) {
                throw new ValidationException("This paths cell has more than " + ActorsQueryRunner.MAX_LIMIT
                        + " persons; narrow the date range or the path", "source");
            }
            return ActorsQueryRunner.Cell.counted(counts);
        });
    }
}

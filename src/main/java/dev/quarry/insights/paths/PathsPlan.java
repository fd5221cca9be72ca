package dev.quarry.insights.paths;

import dev.quarry.dates.Interval;
import dev.quarry.dates.QueryDateRange;
import dev.quarry.hogql.Aggregations;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.Functions;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.Parser;
import dev.quarry.hogql.Placeholders;
import dev.quarry.insights.InsightSql;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import dev.quarry.insights.PathsQuery;
import dev.quarry.query.QueryPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A checked {@link PathsQuery}: what {@link PathsSql} needs to build the steps, as HogQL expressions and numbers.
 *
 * @param range the events read: {@code date_from}'s day start to {@code date_to} (PostHog's QueryDateRange at day)
 * @param where the events' filter: range, insight-wide filters and the event types asked for
 * @param item an event's path item: URL, screen name, event name or the HogQL expression, cleaned
 * @param grouping the item with {@code pathGroupings} applied to {@code item} (null without groupings)
 * @param exclude path items dropped before sessions are cut
 * @param startPoint the item the walk starts at (null: the session's first)
 * @param endPoint the item the walk ends at (null: no end)
 * @param stepLimit items kept per walk (1 … 100)
 * @param edgeLimit edges answered at most (1 … 10,000)
 * @param minEdgeWeight edges with fewer walks dropped (null: none)
 * @param maxEdgeWeight edges with more walks dropped (null: none)
 */
public record PathsPlan(QueryDateRange range, Expr where, Expr item, Expr grouping, List<String> exclude,
                        String startPoint, String endPoint, int stepLimit, int edgeLimit, Long minEdgeWeight,
                        Long maxEdgeWeight) {
    static final int DEFAULT_STEP_LIMIT = 5;
    static final int MAX_STEP_LIMIT = 100;
    static final int DEFAULT_EDGE_LIMIT = 50;
    static final int MAX_EDGE_LIMIT = 10_000;
    static final List<String> EVENT_TYPES = List.of("$pageview", "$screen", "custom_event", "hogql");
    private static final String WHERE = "PathsQuery.pathsFilter";

    /**
     * Checks {@code query} and resolves its dates for {@code sql}'s project. PostHog's rules (paths_query_runner):
     * with {@code includeEventTypes}, only those events are read and a {@code $pageview} is its
     * {@code $current_url} (one trailing slash dropped), a {@code $screen} its {@code $screen_name}, any other event
     * its name, or {@code pathsHogQLExpression} when "hogql" is asked for; without it every event is read and an
     * event kind is mapped that way unless {@code excludeEvents} names it. 400 naming the field for an
     * unsupported field that is not off, a value out of range, or a cleaning regex that does not compile.
     */
    public static QueryPlan<PathsPlan> of(InsightSql sql, PathsQuery query) {
        QuerySchema.unsupported("PathsQuery", "funnelPathsFilter", query.funnelPathsFilter());
        QuerySchema.unsupported("PathsQuery", "aggregation_group_type_index", query.aggregationGroupTypeIndex());
        QuerySchema.unsupported("PathsQuery", "samplingFactor", query.samplingFactor(), "1", "1.0");
        PathsQuery.PathsFilter f = query.filter();
        List<String> types = f.includeEventTypes() == null ? List.of() : f.includeEventTypes();
        for (String t : types) {
            if (t == null || !EVENT_TYPES.contains(t)) {
                throw new ValidationException("includeEventTypes items must be $pageview, $screen, custom_event or "
                        + "hogql", "includeEventTypes");
            }
        }
        if (f.excludeEvents() != null && f.excludeEvents().contains(null)) {
            throw new ValidationException("excludeEvents items must be strings", "excludeEvents");
        }
        List<String> exclude = f.excludeEvents() == null ? List.of() : List.copyOf(f.excludeEvents());
        Expr item = item(types, exclude, f.pathsHogQLExpression());
        item = cleaned(item, f.localPathCleaningFilters());
        Expr grouping = grouping(f.pathGroupings());
        int stepLimit = bounded(f.stepLimit(), "stepLimit", DEFAULT_STEP_LIMIT, MAX_STEP_LIMIT);
        int edgeLimit = bounded(f.edgeLimit(), "edgeLimit", DEFAULT_EDGE_LIMIT, MAX_EDGE_LIMIT);
        // PostHog applies an edge weight only when it is truthy: 0 means no bound
        Long min = f.minEdgeWeight() == null || f.minEdgeWeight() == 0 ? null : f.minEdgeWeight();
        Long max = f.maxEdgeWeight() == null || f.maxEdgeWeight() == 0 ? null : f.maxEdgeWeight();
        String start = blankToNull(f.startPoint());
        String end = blankToNull(f.endPoint());
        if (start == null ^ end == null) {
            // PostHog's paths_per_person_query drops one trailing slash from a lone start or end point, as from a
            // pageview's URL ("/pricing/" finds /pricing); with both points it looks them up as written
            if (start != null) {
                start = withoutTrailingSlash(start);
            } else {
                end = withoutTrailingSlash(end);
            }
        }
        // PostHog filters path items by excludeEvents only with includeEventTypes (_get_event_query returns nothing
        // without them); without them excludeEvents only turns off an item kind it names ($pageview, $screen, hogql)
        List<String> dropped = types.isEmpty() ? List.of() : exclude;
        Expr kinds = eventKinds(types);
        Expr global = sql.globalFilters(query.properties(), query.filterTestAccounts());
        Expr finalItem = item;
        String finalStart = start;
        String finalEnd = end;
        return sql.dateRange(query.dateRange(), Interval.DAY, "-7d").map(range -> new PathsPlan(range,
                InsightSql.and(global, kinds, InsightSql.timestampIn(range.from(), range.to())), finalItem, grouping,
                dropped, finalStart, finalEnd, stepLimit, edgeLimit, min, max));
    }

    private static String withoutTrailingSlash(String point) {
        return point.length() > 1 && point.endsWith("/") ? point.substring(0, point.length() - 1) : point;
    }

    /** This plan with its events limited further by every one of {@code conditions} (e.g. a range of persons). */
    PathsPlan within(List<Expr> conditions) {
        List<Expr> all = new ArrayList<>(conditions);
        all.add(0, where);
        return new PathsPlan(range, InsightSql.and(all), item, grouping, exclude, startPoint, endPoint, stepLimit,
                edgeLimit, minEdgeWeight, maxEdgeWeight);
    }

    /** Whether PostHog maps events of {@code kind} (or reads the HogQL expression): asked for, or not excluded. */
    private static boolean queried(String kind, List<String> types, List<String> exclude) {
        return types.isEmpty() ? !exclude.contains(kind) : types.contains(kind);
    }

    /** The raw item, never null: screen name, URL without one trailing slash, HogQL expression or event name. */
    static Expr item(List<String> types, List<String> exclude, String hogql) {
        Map<String, Object> values = new HashMap<>();
        Expr item = Expr.Field.of("event");
        if (hogql != null && !hogql.isBlank() && queried("hogql", types, exclude)) {
            try {
                item = Expr.Call.of("toString", Aggregations.perRow(Parser.parseExpr(hogql), "pathsHogQLExpression"));
            } catch (HogQLException e) {
                throw new ValidationException(e.getMessage(), "pathsHogQLExpression");
            }
        }
        values.put("pa_inner", item);
        if (queried("$pageview", types, exclude)) {
            // replaceRegexpAll(url, '(.)/$', '\1') without a regex: one trailing slash off anything longer than "/"
            values.put("pa_inner", bound("if(event = '$pageview', if(length(ifNull(properties.$current_url, '')) > 1 "
                    + "AND endsWith(ifNull(properties.$current_url, ''), '/'), substring(properties.$current_url, 1, "
                    + "length(properties.$current_url) - 1), ifNull(properties.$current_url, '')), {pa_inner})",
                    values));
        }
        if (queried("$screen", types, exclude)) {
            values.put("pa_inner", bound("if(event = '$screen', properties.$screen_name, {pa_inner})", values));
        }
        return bound("ifNull(toString({pa_inner}), '')", values);
    }

    /** {@code item} with each cleaning filter's regex replaced by its alias, in order. */
    static Expr cleaned(Expr item, List<PathsQuery.PathCleaningFilter> filters) {
        if (filters == null) {
            return item;
        }
        Expr out = item;
        for (PathsQuery.PathCleaningFilter c : filters) {
            if (c == null || c.regex() == null) {
                throw new ValidationException("Each path cleaning filter needs a regex", "localPathCleaningFilters");
            }
            try {
                // RE2's syntax, as ClickHouse reads it (Java's refused RE2's (?P<name>…)); printed rewritten for
                // PostgreSQL, a construct it cannot run the same way is refused here
                dev.quarry.hogql.RegexPatterns.check(c.regex());
                dev.quarry.hogql.Re2ToPostgres.translate(c.regex());
            } catch (HogQLException e) {
                throw new ValidationException("Invalid regex in localPathCleaningFilters: " + e.getMessage(),
                        "localPathCleaningFilters");
            }
            out = Expr.Call.of(Functions.REGEXP_REPLACE_ALL, out, new Expr.Constant(c.regex()),
                    new Expr.Constant(c.alias() == null ? "" : c.alias()));
        }
        return out;
    }

    /**
     * The grouped item ({@code item} read from the column of that name): the first grouping whose wildcard pattern
     * occurs in it (anywhere, as PostHog's multiMatchAnyIndex searches), else the item; null without groupings.
     */
    static Expr grouping(List<String> groupings) {
        if (groupings == null || groupings.isEmpty()) {
            return null;
        }
        List<Expr> args = new ArrayList<>();
        for (String g : groupings) {
            if (g == null) {
                throw new ValidationException("pathGroupings items must be strings", "pathGroupings");
            }
            args.add(Expr.Call.of("like", Expr.Field.of("item"), new Expr.Constant(likePattern(g))));
            args.add(new Expr.Constant(g));
        }
        args.add(Expr.Field.of("item"));
        return new Expr.Call("multiIf", args, null, false);
    }

    /** A wildcard grouping as a LIKE pattern found anywhere: {@code *} any text, every other character itself. */
    static String likePattern(String grouping) {
        StringBuilder b = new StringBuilder("%");
        for (char ch : grouping.toCharArray()) {
            switch (ch) {
                case '*' -> b.append('%');
                case '%', '_', '\\' -> b.append('\\').append(ch);
                default -> b.append(ch);
            }
        }
        return b.append('%').toString();
    }

    /** The events read: those of the types asked for (none: every event). */
    private static Expr eventKinds(List<String> types) {
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
        return kinds.isEmpty() ? new Expr.Constant(true) : kinds.size() == 1 ? kinds.get(0) : new Expr.Or(kinds);
    }

    /** A step or edge limit: PostHog's {@code stepLimit or 5} / {@code edgeLimit or 50}, so 0 is the default too. */
    private static int bounded(Integer value, String field, int dflt, int max) {
        if (value == null || value == 0) {
            return dflt;
        }
        if (value < 1 || value > max) {
            throw new ValidationException(field + " must be between 1 and " + max, field);
        }
        return value;
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static Expr bound(String constantExpr, Map<String, Object> values) {
        return Placeholders.replace(Parser.parseExpr(constantExpr), values, null);
    }
}

package dev.quarry.insights.funnels;

import dev.quarry.insights.FunnelsQuery;
import dev.quarry.insights.FunnelsFilter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.hogql.Aggregations;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.Functions;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.Parser;
import dev.quarry.dates.QueryDateRange;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.hogql.SelectLike;
import dev.quarry.hogql.Placeholders;
import dev.quarry.hogql.Schema;
import dev.quarry.query.schema.BreakdownFilter;
import dev.quarry.query.schema.EventsNode;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.insights.InsightSql;
import dev.quarry.dates.Interval;
import dev.quarry.insights.Series;
import dev.quarry.web.ValidationException;
import dev.quarry.query.QueryPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static dev.quarry.insights.funnels.FunnelSql.as;
import static dev.quarry.insights.funnels.FunnelSql.field;

/**
 * A {@code FunnelsQuery} read and checked: its steps, order type, window, exclusions, breakdown and date range, and
 * the HogQL of the per-actor scan every funnel answer (steps, time to convert, trends, actors, correlation) is built
 * on: {@link #actors()}.
 */
public record FunnelPlan(List<Series> steps, OrderType orderType, long windowSeconds, List<Exclusion> exclusions,
        Breakdown breakdown, QueryDateRange range, Expr global, VizType vizType, int fromStep, int toStep,
        Integer binCount, Expr attributedStepMatch, Integer groupTypeIndex) {

    /**
     * A plan of persons whose steps are the series' own ({@code attributedStepMatch} none, see {@link #scanBy};
     * {@code groupTypeIndex} none).
     */
    public FunnelPlan(List<Series> steps, OrderType orderType, long windowSeconds, List<Exclusion> exclusions,
                      Breakdown breakdown, QueryDateRange range, Expr global, VizType vizType, int fromStep, int toStep,
                      Integer binCount) {
        this(steps, orderType, windowSeconds, exclusions, breakdown, range, global, vizType, fromStep, toStep,
                binCount, null, null);
    }

    /**
     * The actor a funnel follows: the person ({@code person_id}, merged persons once), or with PostHog's
     * {@code aggregation_group_type_index} N the group {@code $group_N} (every event naming one: {@link #global}
     * then holds {@code $group_N != ''}, as PostHog's funnel reads only such events).
     */
    public Expr actorField() {
        return groupTypeIndex == null ? field("person_id") : field("$group_" + groupTypeIndex);
    }

    /**
     * 400 naming {@code aggregation_group_type_index} when this funnel follows groups: {@code what} (a correlation or
     * its actors) would be of groups, which Quarry does not compute.
     */
    public void refuseGroups(String what) {
        if (groupTypeIndex != null) {
            throw new ValidationException(what + " of a funnel aggregated by groups (aggregation_group_type_index) "
                    + "would be of groups, which Quarry does not list: only persons", "aggregation_group_type_index");
        }
    }

    /** Placeholder for an empty breakdown value (PostHog shows missing values as ""). */
    public static final String NO_VALUE = "";

    public enum OrderType {
        ORDERED, STRICT, UNORDERED;

        int mode() {
            return ordinal();
        }
    }

    public enum VizType { STEPS, TIME_TO_CONVERT, TRENDS }

    public enum Attribution { FIRST_TOUCH, LAST_TOUCH, ALL_EVENTS, STEP }

    /** An exclusion event between {@code from} and {@code to} (0-based step indexes, from &lt; to). */
    public record Exclusion(Series event, int from, int to) {}

    /**
     * @param type event, person or hogql
     * @param property the property name (event / person) or the HogQL expression
     * @param attributionStep for STEP attribution: the 0-based step whose event gives the value
     */
    public record Breakdown(String type, String property, int limit, Attribution attribution, int attributionStep) {}

    /** The same funnel without its breakdown (correlation reads each actor once). */
    public FunnelPlan withoutBreakdown() {
        return new FunnelPlan(steps, orderType, windowSeconds, exclusions, null, range, global, VizType.STEPS, fromStep,
                toStep, binCount, null, groupTypeIndex);
    }

    public int n() {
        return steps.size();
    }

    /**
     * Reads and checks a FunnelsQuery: 400 (naming the field in {@code attr}) for more than 20 steps, an unknown order
     * or viz type, a window that is not a positive amount of a known unit, exclusion ranges PostHog's
     * ValidateFunnelExclusions refuses, a step range trends / time to convert cannot use, a bin count outside
     * 1 … 90, an {@code aggregation_group_type_index} outside 0 … 4, and the unsupported fields
     * ({@code samplingFactor}, {@code funnelAggregateByHogQL}) unless off.
     */
    public static QueryPlan<FunnelPlan> parse(InsightSql sql, FunnelsQuery query) {
        if (query == null) {
            throw new ValidationException("source must be a FunnelsQuery object", "source");
        }
        Integer groupTypeIndex = dev.quarry.insights.GroupAggregation.index("FunnelsQuery",
                query.aggregationGroupTypeIndex());
        QuerySchema.unsupported("FunnelsQuery", "samplingFactor", query.samplingFactor(), "1", "1.0");
        FunnelsFilter ff = query.filter();
        QuerySchema.unsupported("FunnelsQuery.funnelsFilter", "funnelAggregateByHogQL", ff.funnelAggregateByHogQL(),
                "person_id");
        List<Series> steps = Series.all(query.series(), "series");
        if (steps.size() > 20) {
            throw new ValidationException("A funnel has at most 20 steps.", "series");
        }
        OrderType order = switch (ff.funnelOrderType() == null ? "ordered" : ff.funnelOrderType()) {
            case "ordered" -> OrderType.ORDERED;
            case "strict" -> OrderType.STRICT;
            case "unordered" -> OrderType.UNORDERED;
            default -> throw new ValidationException("funnelOrderType must be ordered, strict or unordered",
                    "funnelOrderType");
        };
        VizType viz = switch (ff.funnelVizType() == null ? "steps" : ff.funnelVizType()) {
            case "steps" -> VizType.STEPS;
            case "time_to_convert" -> VizType.TIME_TO_CONVERT;
            case "trends" -> VizType.TRENDS;
            default -> throw new ValidationException("funnelVizType must be steps, time_to_convert or trends",
                    "funnelVizType");
        };
        long window = windowSeconds(ff);
        List<Exclusion> exclusions = new ArrayList<>();
        if (ff.exclusions() != null) {
            for (EventsNode e : ff.exclusions()) {
                if (e == null) {
                    throw new ValidationException("A series must be an object.", "exclusions");
                }
                if (e.kind() != null && !e.kind().equals("EventsNode") && !e.kind().equals("ActionsNode")) {
                    throw new ValidationException("Unsupported series kind: " + e.kind()
                            + " (only EventsNode and ActionsNode are supported)", "exclusions");
                }
                Series s = Series.of(e, 0, true);
                int from = e.funnelFromStep() == null ? 0 : e.funnelFromStep().asInt(0);
                int to = e.funnelToStep() == null ? steps.size() - 1 : e.funnelToStep().asInt(steps.size() - 1);
                // PostHog's ValidateFunnelExclusions, its messages and order
                if (from >= to) {
                    throw new ValidationException(
                            "Exclusion event range is invalid. End of range should be greater than start.", null);
                }
                if (from < 0 || from >= steps.size() - 1) {
                    throw new ValidationException(
                            "Exclusion event range is invalid. Start of range is greater than number of steps.", null);
                }
                if (to > steps.size() - 1) {
                    throw new ValidationException(
                            "Exclusion event range is invalid. End of range is greater than number of steps.", null);
                }
                for (int k = from; k <= to; k++) {
                    if (coversStep(e, query.series().get(k))) {
                        throw new ValidationException(
                                "Exclusion steps cannot contain an event that's part of funnel steps.", null);
                    }
                }
                exclusions.add(new Exclusion(s, from, to));
            }
        }
        if (steps.size() + exclusions.size() > 62) {
            throw new ValidationException("Too many steps and exclusions", "exclusions");
        }
        Breakdown breakdown = breakdown(query.breakdownFilter(), ff, steps.size());
        if (order == OrderType.UNORDERED) {
            // PostHog's FunnelUDF.get_query: an unordered funnel has no "between steps" for an exclusion or an attribution
            for (Exclusion x : exclusions) {
                if (x.from() != 0 || x.to() != steps.size() - 1) {
                    throw new ValidationException("Partial Exclusions not allowed in unordered funnels", null);
                }
            }
            if (breakdown != null && breakdown.attribution() == Attribution.STEP && breakdown.attributionStep() != 0) {
                throw new ValidationException(
                        "Only the first step can be used for breakdown attribution in unordered funnels", null);
            }
        }
        int fromStep = ff.funnelFromStep() == null ? 0 : ff.funnelFromStep();
        int toStep = ff.funnelToStep() == null ? steps.size() - 1 : ff.funnelToStep();
        if (fromStep < 0 || toStep <= fromStep || toStep > steps.size() - 1) {
            if (viz != VizType.STEPS) {
                throw new ValidationException("funnelFromStep and funnelToStep must satisfy 0 <= from < to <= "
                        + (steps.size() - 1), "funnelToStep");
            }
            fromStep = 0;
            toStep = steps.size() - 1;
        }
        if (viz != VizType.STEPS && steps.size() < 2) {
            throw new ValidationException("This funnel visualisation needs at least two steps.", "series");
        }
        Integer binCount = ff.binCount();
        if (binCount != null && (binCount < 1 || binCount > 90)) {
            throw new ValidationException("binCount must be between 1 and 90", "binCount");
        }
        Interval interval = Interval.parse(query.interval(), "interval");
        // the insight-wide filters: properties, and the team's test-account filter when asked
        Expr global = InsightSql.and(FunnelSql.properties(query.properties(), "properties"),
                Boolean.TRUE.equals(query.filterTestAccounts()) ? sql.testAccounts() : null,
                groupTypeIndex == null ? null : new Expr.Compare("!=", field("$group_" + groupTypeIndex),
                        new Expr.Constant("")));
        int from = fromStep;
        int to = toStep;
        // the steps' and the exclusions' actions read at once: the first steps.size() series are the steps
        List<Series> all = new ArrayList<>(steps);
        exclusions.forEach(e -> all.add(e.event()));
        return Series.withActions(all, "series", read -> {
            List<Exclusion> readExclusions = new ArrayList<>();
            for (int j = 0; j < exclusions.size(); j++) {
                Exclusion e = exclusions.get(j);
                readExclusions.add(new Exclusion(read.get(steps.size() + j), e.from(), e.to()));
            }
            return sql.dateRange(query.dateRange(), interval, "-7d")
                    .map(range -> new FunnelPlan(read.subList(0, steps.size()), order, window, readExclusions,
                            breakdown, range, global, viz, from, to, binCount, null, groupTypeIndex));
        });
    }


    /**
     * Whether an exclusion matches every event of a step (PostHog's is_equal / is_superset): the same event and no
     * property filter the step does not also have. An action covers a step of the same action (PostHog compares
     * the entities' {@code id} and {@code type}); an action and an event never cover one another.
     */
    static boolean coversStep(EventsNode exclusion, EventsNode step) {
        if (step == null || "ActionsNode".equals(exclusion.kind()) != "ActionsNode".equals(step.kind())
                || !java.util.Objects.equals(exclusion.event(), step.event())
                || "ActionsNode".equals(exclusion.kind()) && !sameId(exclusion.id(), step.id())) {
            return false;
        }
        java.util.Set<dev.quarry.query.schema.PropertyFilter> stepProps = new java.util.HashSet<>(
                andedFilters(step.properties()));
        for (dev.quarry.query.schema.PropertyFilter p : andedFilters(exclusion.properties())) {
            if (!stepProps.contains(p)) {
                return false;
            }
        }
        return true;
    }

    /** Whether two ActionsNode ids name the same action (1, 1.0 and "1" alike). */
    private static boolean sameId(com.fasterxml.jackson.databind.JsonNode a, com.fasterxml.jackson.databind.JsonNode b) {
        return a != null && b != null && a.asText().replaceAll("\\.0+$", "").equals(b.asText().replaceAll("\\.0+$", ""));
    }

    /** The filters a property field ANDs together (a list or an AND group, flattened); an OR group is one filter. */
    private static List<dev.quarry.query.schema.PropertyFilter> andedFilters(dev.quarry.query.schema.PropertyFilter f) {
        if (f == null) {
            return List.of();
        }
        if (f instanceof dev.quarry.query.schema.PropertyGroupFilter g && g.isAnd()) {
            List<dev.quarry.query.schema.PropertyFilter> out = new java.util.ArrayList<>();
            for (dev.quarry.query.schema.PropertyFilter v : g.values()) {
                out.addAll(andedFilters(v));
            }
            return out;
        }
        return List.of(f);
    }

    /**
     * The conversion window in seconds: {@code funnelWindowInterval} units (default 14 days). A zero interval (or
     * zero legacy days) is no interval, as PostHog's {@code funnelWindowInterval or 14} reads it; a negative one is
     * a 400.
     */
    static long windowSeconds(FunnelsFilter ff) {
        Long interval = ff.funnelWindowInterval() == null || ff.funnelWindowInterval() == 0 ? null
                : ff.funnelWindowInterval();
        Long days = ff.funnelWindowDays() == null || ff.funnelWindowDays() == 0 ? null : ff.funnelWindowDays();
        long amount;
        String unit;
        if (interval == null && days != null) {
            amount = days;
            unit = "day";
        } else {
            amount = interval == null ? 14 : interval;
            unit = ff.funnelWindowIntervalUnit() == null ? "day" : ff.funnelWindowIntervalUnit().toLowerCase(Locale.ROOT);
        }
        if (amount < 1) {
            throw new ValidationException("funnelWindowInterval must be a positive integer", "funnelWindowInterval");
        }
        long unitSeconds = switch (unit) {
            case "second" -> 1;
            case "minute" -> 60;
            case "hour" -> 3600;
            case "day" -> 86_400;
            case "week" -> 7 * 86_400;
            case "month" -> 30 * 86_400;
            default -> throw new ValidationException(
                    "funnelWindowIntervalUnit must be second, minute, hour, day, week or month",
                    "funnelWindowIntervalUnit");
        };
        if (amount > 100L * 365 * 86_400 / unitSeconds) {
            throw new ValidationException("funnelWindowInterval is too large", "funnelWindowInterval");
        }
        return amount * unitSeconds;
    }

    /** Funnels compute event, person, HogQL and cohort breakdowns, up to 1,000 values. */
    static final dev.quarry.insights.Breakdown.Supports SUPPORTS = new dev.quarry.insights.Breakdown.Supports(
            "FunnelsQuery", java.util.Set.of("event", "person", "hogql", "cohort"), 1000);

    /** The breakdown ({@link dev.quarry.insights.Breakdown#of}, the one parser) with its attribution. */
    static Breakdown breakdown(BreakdownFilter bf, FunnelsFilter ff, int n) {
        dev.quarry.insights.Breakdown b = bf == null ? null : dev.quarry.insights.Breakdown.of(bf, SUPPORTS);
        if (b == null) {
            return null;
        }
        if (b.isCohort()) {
            return new Breakdown("cohort", String.join(",", b.cohorts().stream().map(String::valueOf).toList()),
                    Integer.MAX_VALUE, Attribution.FIRST_TOUCH, 0);
        }
        Attribution attribution = switch (ff.breakdownAttributionType() == null ? "first_touch"
                : ff.breakdownAttributionType()) {
            case "first_touch" -> Attribution.FIRST_TOUCH;
            case "last_touch" -> Attribution.LAST_TOUCH;
            case "all_events" -> Attribution.ALL_EVENTS;
            case "step" -> Attribution.STEP;
            default -> throw new ValidationException(
                    "breakdownAttributionType must be first_touch, last_touch, all_events or step",
                    "breakdownAttributionType");
        };
        int step = ff.breakdownAttributionValue() == null ? 0 : ff.breakdownAttributionValue();
        if (attribution == Attribution.STEP && (step < 0 || step >= n)) {
            throw new ValidationException("breakdownAttributionValue must be a step index (0 to " + (n - 1) + ")",
                    "breakdownAttributionValue");
        }
        return new Breakdown(b.type(), b.property(), b.limit(), attribution, step);
    }

    // ------------------------------------------------------------------ HogQL

    /**
     * A cohort breakdown, as PostHog's cohort funnel: the funnel of each cohort's members on its own (a person in two
     * cohorts counts in both), {@code bd} = the cohort id ("0" for all users).
     */
    private SelectQuery cohortActors() {
        List<SelectQuery> parts = new ArrayList<>();
        for (String id : breakdown.property().split(",")) {
            Expr member = dev.quarry.insights.Breakdown.cohortMember(Long.parseLong(id));
            parts.add(FunnelSql.select(as(actorField(), "actor"), as(new Expr.Constant(id), "bd"),
                    as(scan(), "r")).from("events").where(InsightSql.and(where(), member))
                    .groupBy(actorField()).build());
        }
        return FunnelSql.select(field("actor"), field("bd"), field("r")).from(FunnelSql.unionAll(parts), "scan")
                .where(FunnelSql.reached(1)).build();
    }

    /**
     * Step k's condition (0-based); for the attribution step of a scan per breakdown value, only the events with that
     * value ({@link #scanBy}).
     */
    Expr step(int k) {
        Expr filter = steps.get(k).filter();
        return attributedStepMatch != null && k == breakdown.attributionStep()
                ? InsightSql.and(filter, attributedStepMatch) : filter;
    }

    Expr anyStep() {
        List<Expr> parts = new ArrayList<>();
        for (int k = 0; k < n(); k++) {
            parts.add(step(k));
        }
        return parts.size() == 1 ? parts.get(0) : new Expr.Or(parts);
    }

    /** The events the scan reads: every step and exclusion event (strict: every event) inside the date range. */
    Expr where() {
        return where(false);
    }

    /**
     * {@link #where()}; with {@code personOrder} the step events' {@code event IN (…)} is written so that no index
     * can take it ({@code coalesce(event IN (…), false)}, the same rows): PostgreSQL then reads the events from the
     * (team_id, person_id, timestamp, uuid) index (V63_1) in the order the per-actor aggregates want them, with the
     * name test as a filter, instead of reading the (team_id, event, timestamp) index and sorting every step event
     * by person and time. Since V63_1 widened the person index it planned the second (a sort spilled to disk, and
     * each person-id branch of {@link #actorsByStoredPerson()} read every step event to keep half of them): 10 M
     * events, 3-step funnel, back to back at load 17–21: 19.0 s / 22.2 s that way, 9.8 s / 12.6 s this way.
     */
    Expr where(boolean personOrder) {
        Expr events;
        if (orderType == OrderType.STRICT) {
            events = new Expr.Constant(true);
        } else {
            List<Expr> parts = new ArrayList<>();
            for (int k = 0; k < n(); k++) {
                parts.add(step(k));
            }
            for (Exclusion e : exclusions) {
                parts.add(e.event().filter());
            }
            events = parts.size() == 1 ? parts.get(0) : new Expr.Or(parts);
            List<Series> all = new ArrayList<>(steps);
            exclusions.forEach(e -> all.add(e.event()));
            Expr names = eventNamesIn(all);
            if (names != null && parts.size() > 1) {
                // event IN (…) is what lets PostgreSQL read the steps' events from the covering (team_id, event,
                // timestamp) index alone; an OR of equalities becomes a bitmap OR plus a heap scan of every page
                boolean plain = parts.stream().allMatch(FunnelPlan::isEventNameOnly);
                if (personOrder) {
                    names = Expr.Call.of("ifNull", names, new Expr.Constant(false));
                }
                events = plain ? names : InsightSql.and(names, events);
            }
        }
        return InsightSql.and(events, global, InsightSql.timestampIn(range.from(), range.to()));
    }

    /** {@code event IN (names)} over the series' distinct event names; null when one is "All events". */
    private static Expr eventNamesIn(List<Series> series) {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        for (Series s : series) {
            if (s.event() == null) {
                return null;
            }
            names.add(s.event());
        }
        List<Expr> items = names.stream().<Expr>map(Expr.Constant::new).toList();
        return new Expr.Compare("in", Expr.Field.of("event"), new Expr.TupleLit(items));
    }

    /** Whether a series condition is {@code event = 'name'} alone (no property filter). */
    private static boolean isEventNameOnly(Expr condition) {
        return condition instanceof Expr.Compare c && c.op().equals("=") && c.left() instanceof Expr.Field f
                && f.chain().equals(List.of("event"));
    }

    /** Bit k-1 for step k, bit n+j for exclusion j. */
    Expr mask() {
        Expr sum = null;
        List<Expr> conds = new ArrayList<>();
        for (int k = 0; k < n(); k++) {
            conds.add(step(k));
        }
        for (Exclusion e : exclusions) {
            conds.add(e.event().filter());
        }
        for (int i = 0; i < conds.size(); i++) {
            Expr term = Expr.Call.of("if", conds.get(i), new Expr.Constant(1L << i), new Expr.Constant(0L));
            sum = sum == null ? term : new Expr.Arithmetic("+", sum, term);
        }
        return sum;
    }

    /** The step an event does, 1-based; 0 when none. */
    Expr stepNumber() {
        List<Expr> args = new ArrayList<>();
        for (int k = 0; k < n(); k++) {
            args.add(step(k));
            args.add(new Expr.Constant((long) k + 1));
        }
        args.add(new Expr.Constant(0L));
        return args.size() == 3 ? new Expr.Call("if", args, null, false) : new Expr.Call("multiIf", args, null, false);
    }

    /** Same-timestamp events are taken in step order; other events after them. */
    Expr sameTimeOrder() {
        List<Expr> args = new ArrayList<>();
        for (int k = 0; k < n(); k++) {
            args.add(step(k));
            args.add(new Expr.Constant((long) k + 1));
        }
        args.add(new Expr.Constant(1000L));
        return args.size() == 3 ? new Expr.Call("if", args, null, false) : new Expr.Call("multiIf", args, null, false);
    }

    /**
     * Whether the funnel can use #funnel_ordered / #funnel_strict (V18_2): no exclusions, and every step an event
     * name no other step has, so no event matches two steps.
     */
    boolean disjointSteps() {
        if (!exclusions.isEmpty()) {
            return false;
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Series s : steps) {
            if (s.event() == null || !names.add(s.event())) {
                return false;
            }
        }
        return true;
    }

    Expr scan() {
        if (orderType == OrderType.ORDERED && disjointSteps()) {
            List<Expr> args = new ArrayList<>(List.of(Expr.Field.of("timestamp"), sameTimeOrder(),
                    new Expr.Constant((long) n()), new Expr.Constant((double) windowSeconds)));
            for (int k = 0; k < n(); k++) {
                args.add(step(k));
            }
            return new Expr.Call(Functions.FUNNEL_ORDERED, args, null, false);
        }
        if (orderType == OrderType.STRICT && disjointSteps()) {
            return Expr.Call.of(Functions.FUNNEL_STRICT, Expr.Field.of("timestamp"), sameTimeOrder(), stepNumber(),
                    new Expr.Constant((long) n()), new Expr.Constant((double) windowSeconds));
        }
        return fullScan();
    }

    /** The per-event scan of V7 (#funnel): every order type, exclusions, events doing several steps. */
    Expr fullScan() {
        StringBuilder ex = new StringBuilder();
        for (Exclusion e : exclusions) {
            if (ex.length() > 0) {
                ex.append(',');
            }
            ex.append(e.from()).append(',').append(e.to());
        }
        return Expr.Call.of(Functions.FUNNEL, Expr.Field.of("timestamp"), mask(), sameTimeOrder(),
                new Expr.Constant((long) n()), new Expr.Constant((double) windowSeconds),
                new Expr.Constant((long) orderType.mode()), new Expr.Constant(ex.toString()));
    }

    /** The breakdown property of one event, as a string (null when missing). */
    Expr breakdownValue() {
        Expr v = switch (breakdown.type()) {
            case "person" -> Expr.Call.of("toString", Expr.Field.of("person", "properties", breakdown.property()));
            case "hogql" -> {
                try {
                    yield Expr.Call.of("toString", Aggregations.perRow(Parser.parseExpr(breakdown.property()), "breakdown"));
                } catch (HogQLException e) {
                    throw new ValidationException(e.getMessage(), "breakdown");
                }
            }
            default -> Expr.Call.of("toString", Expr.Field.of("properties", breakdown.property()));
        };
        return orderType == OrderType.STRICT ? Expr.Call.of("if", anyStep(), v, new Expr.Constant(null)) : v;
    }

    private static Expr timestampWhen(Expr cond) {
        return Expr.Call.of("if", cond, Expr.Field.of("timestamp"), new Expr.Constant(null));
    }

    /** The actor's breakdown value under the attribution (all_events: the per-event value, grouped on). */
    Expr actorBreakdown() {
        Expr v = breakdownValue();
        Expr picked = switch (breakdown.attribution()) {
            case ALL_EVENTS -> v;
            case FIRST_TOUCH -> Expr.Call.of("argMin", v, timestampWhen(new Expr.IsNull(v, true)));
            case LAST_TOUCH -> Expr.Call.of("argMax", v, timestampWhen(new Expr.IsNull(v, true)));
            case STEP -> Expr.Call.of("argMin", Expr.Call.of("if", step(breakdown.attributionStep()), v,
                    new Expr.Constant(null)), timestampWhen(step(breakdown.attributionStep())));
        };
        return Expr.Call.of("ifNull", picked, new Expr.Constant(NO_VALUE));
    }

    /**
     * One row per actor (per actor and breakdown value with all_events attribution) that entered the funnel:
     * {@code actor} (person id, merged persons once), {@code bd} (breakdown value, '' without breakdown),
     * {@code r} = [furthest step, t1 … tn] in epoch seconds (see V7). Excluded actors are left out.
     */
    public SelectQuery actors() {
        if (breakdown != null && breakdown.type().equals("cohort")) {
            return cohortActors();
        }
        return FunnelSql.select(field("actor"), field("bd"), field("r")).from(scanBy(actorField(), where()),
                "scan").where(FunnelSql.reached(1)).build();
    }

    /**
     * {@link #actors()}, the same rows, read so that PostgreSQL can take each actor's events in (person, time) order
     * from the (team_id, person_id, timestamp) index (V49_1) instead of sorting them: actors untouched by merges are
     * grouped by the person id stored on their events (no person_overrides join, whose hash join loses the order);
     * actors with merged persons (either side of a person_overrides row) are grouped by the merged person id as in
     * {@link #actors()}. Each actor is in exactly one branch with all of its events, so the answer is the same
     * ({@code FunnelActorsSplitTest}). Unmerged actors are read in one branch per stored person id range
     * ({@link #PERSON_ID_SPLITS}), which PostgreSQL runs in a Parallel Append. Used by the steps view and the
     * correlation's population (a CTE there; the correlation once planned its joins worse on PostgreSQL's guess
     * that half the events pass the {@code NOT IN} of merged ids, before it read each actor's events by the stored
     * id: measured again at 10 M events, 24.7 s before this form, 21.1 s with it).
     */
    public SelectQuery actorsByStoredPerson() {
        if (breakdown != null && breakdown.type().equals("cohort")) {
            return cohortActors();
        }
        if (groupTypeIndex != null) {
            return actors(); // groups are not persons: no merges, no person-ordered index
        }
        SelectLike mergedIds = FunnelSql.unionAll(List.of(
                FunnelSql.select(field("old_person_id")).from(Schema.PERSON_OVERRIDES).build(),
                FunnelSql.select(field("override_person_id")).from(Schema.PERSON_OVERRIDES).build()));
        List<SelectQuery> branches = new ArrayList<>();
        // the person index holds the event name but not the breakdown's columns (those come from the event index)
        boolean personOrder = breakdown == null;
        for (int part = 0; part <= PERSON_ID_SPLITS.size(); part++) {
            Expr in = InsightSql.and(where(personOrder), new Expr.Compare("not in", field(Schema.STORED_PERSON_ID),
                    (SelectLike) Placeholders.Transformer.copy(mergedIds)));
            if (part > 0) {
                in = InsightSql.and(in, new Expr.Compare(">=", field(Schema.STORED_PERSON_ID),
                        new Expr.Constant(PERSON_ID_SPLITS.get(part - 1))));
            }
            if (part < PERSON_ID_SPLITS.size()) {
                in = InsightSql.and(in, new Expr.Compare("<", field(Schema.STORED_PERSON_ID),
                        new Expr.Constant(PERSON_ID_SPLITS.get(part))));
            }
            branches.add(scanBy(field(Schema.STORED_PERSON_ID), in));
        }
        branches.add(scanBy(field("person_id"), InsightSql.and(where(),
                new Expr.Compare("in", field(Schema.STORED_PERSON_ID),
                        (SelectLike) Placeholders.Transformer.copy(mergedIds)))));
        return FunnelSql.select(field("actor"), field("bd"), field("r"))
                .from(FunnelSql.unionAll(branches), "scan")
                .where(FunnelSql.reached(1)).build();
    }

    /**
     * Stored person ids at which {@link #actorsByStoredPerson()} splits the unmerged actors into branches of one
     * {@code UNION ALL} (each a range of the (team_id, person_id, timestamp) index, V49_1), so that PostgreSQL can
     * run them in a Parallel Append, one process per branch (the per-actor ordered aggregates cannot be partially
     * aggregated, so a single grouped scan never gets a worker). Capture gives persons random (v4) uuids, so the
     * midpoint halves the actors; another distribution only changes how the work is shared, never the rows.
     */
    static final List<String> PERSON_ID_SPLITS = List.of("80000000-0000-0000-0000-000000000000");

    /**
     * Merged persons (person_overrides rows of the project) up to which the steps view reads actors split by the
     * stored person id ({@link #actorsByStoredPerson()}). Its unmerged branch keeps events whose stored id is
     * {@code NOT IN} the merged ids (both sides of every override), which PostgreSQL evaluates with a hash of that
     * list only while the hash fits its memory (work_mem × hash_mem_multiplier); past that it compares every event
     * with the whole list (measured on 10 M events: 100 k overrides still hashed, 1 M not). Above this limit the
     * steps view reads {@link #actors()} (a hash join on the overrides), whose cost does not depend on their number.
     */
    public static final long SPLIT_MERGED_PERSONS_LIMIT = 100_000;

    /**
     * The steps view's actors for a project with {@code mergedPersons} person_overrides rows: {@link
     * #actorsByStoredPerson()} up to {@link #SPLIT_MERGED_PERSONS_LIMIT}, else {@link #actors()} (same rows).
     */
    public SelectQuery actorsForSteps(long mergedPersons) {
        return mergedPersons <= SPLIT_MERGED_PERSONS_LIMIT ? actorsByStoredPerson() : actors();
    }

    /**
     * {@code count()} of the project's person_overrides rows, counted up to {@link #SPLIT_MERGED_PERSONS_LIMIT} + 1
     * (enough to choose {@link #actorsForSteps}; a project with millions of merges is not counted through).
     */
    public static SelectQuery mergedPersonsCount() {
        return FunnelSql.select(FunnelSql.expr("count()")).from(FunnelSql.select(
                new Expr.Constant(1L)).from(Schema.PERSON_OVERRIDES).limit(SPLIT_MERGED_PERSONS_LIMIT + 1).build(),
                "o").build();
    }

    /**
     * The grouped scan with {@code actor} = {@code actorId}, over the events matching {@code where}. With step
     * attribution (ordered and strict funnels), as PostHog's funnel UDF: each actor is scanned once per value its
     * attribution-step events carry (a person counts under each of them), and in the scan for a value only an event
     * with that value can be the attribution step (the others can still be any other step); an actor without an
     * attribution-step event has no value and is left out.
     */
    private SelectQuery scanBy(Expr actorId, Expr where) {
        if (breakdown != null && breakdown.attribution() == Attribution.STEP && orderType != OrderType.UNORDERED) {
            return scanPerAttributedValue(actorId, where);
        }
        Expr bd = breakdown == null ? new Expr.Constant(NO_VALUE) : actorBreakdown();
        FunnelSql.Select scan = FunnelSql.select(as(actorId, "actor"), as(bd, "bd"), as(scan(), "r"))
                .from("events").where(where);
        if (breakdown != null && breakdown.attribution() == Attribution.ALL_EVENTS) {
            scan.groupBy(actorId, actorBreakdown());
        } else {
            scan.groupBy(actorId);
        }
        return scan.build();
    }

    /** {@link #scanBy} for step attribution: the events joined with their actor's attribution-step values. */
    private SelectQuery scanPerAttributedValue(Expr actorId, Expr where) {
        Expr value = Expr.Call.of("ifNull", breakdownValue(), new Expr.Constant(NO_VALUE));
        if (orderType == OrderType.ORDERED && disjointSteps()) {
            return orderedTimesPerAttributedValue(actorId, where, value);
        }
        Expr candidate = field("attributed", "value");
        SelectQuery values = FunnelSql.select(as(actorId, "actor"), as(value, "value")).from("events")
                .where(InsightSql.and(where, step(breakdown.attributionStep()))).groupBy(actorId, value).build();
        FunnelPlan perValue = new FunnelPlan(steps, orderType, windowSeconds, exclusions, breakdown, range, global,
                vizType, fromStep, toStep, binCount, new Expr.Compare("=", value, candidate), groupTypeIndex);
        Expr read = where;
        if (orderType == OrderType.ORDERED) {
            // an attribution-step event of another value does nothing in an ordered scan for this value unless it is
            // also another step or an exclusion: it is not read there, so a person with many values costs their
            // number times the events that matter, not times all of their events
            List<Expr> others = new ArrayList<>();
            for (int k = 0; k < n(); k++) {
                if (k != breakdown.attributionStep()) {
                    others.add(step(k));
                }
            }
            exclusions.forEach(e -> others.add(e.event().filter()));
            List<Expr> kept = new ArrayList<>(List.of(new Expr.Compare("=", value, candidate),
                    new Expr.Not(step(breakdown.attributionStep()))));
            kept.addAll(others);
            read = InsightSql.and(where, new Expr.Or(kept));
        }
        return FunnelSql.select(as(actorId, "actor"), as(candidate, "bd"), as(perValue.scan(), "r")).from("events")
                .innerJoin(values, "attributed", new Expr.Compare("=", actorId, field("attributed", "actor")))
                .where(read).groupBy(actorId, candidate).build();
    }

    /**
     * {@link #scanPerAttributedValue} for an ordered funnel of disjoint steps without exclusions (the steps
     * {@link #scan()} feeds to V41_2's function): the actor's times of every other step are gathered once, the
     * attribution step's times once per value, and each value's answer is the function of the two. The join of every
     * event with every value (the general form) read a person's other-step events once per value: a person with 5,000
     * values and 5,000 other-step events sorted 25 million rows and failed on temp_file_limit after 35 s.
     */
    private SelectQuery orderedTimesPerAttributedValue(Expr actorId, Expr where, Expr value) {
        int a = breakdown.attributionStep();
        SelectQuery perValue = FunnelSql.select(as(actorId, "actor"), as(value, "value"),
                        as(Expr.Call.of(Functions.STEP_TIMES, Expr.Field.of("timestamp"), new Expr.Constant(true)), "times"))
                .from("events").where(InsightSql.and(where, step(a))).groupBy(actorId, value).build();
        List<Expr> otherColumns = new ArrayList<>(List.of(as(actorId, "actor")));
        List<Expr> otherSteps = new ArrayList<>();
        for (int k = 0; k < n(); k++) {
            if (k != a) {
                otherColumns.add(as(Expr.Call.of(Functions.STEP_TIMES, Expr.Field.of("timestamp"), step(k)), "times_" + k));
                otherSteps.add(step(k));
            }
        }
        List<Expr> args = new ArrayList<>(List.of(new Expr.Constant((long) n()), new Expr.Constant((double) windowSeconds)));
        for (int k = 0; k < n(); k++) {
            args.add(k == a ? field("attributed", "times") : field("others", "times_" + k));
        }
        FunnelSql.Select scan = FunnelSql.select(as(field("attributed", "actor"), "actor"),
                        as(field("attributed", "value"), "bd"),
                        as(new Expr.Call(Functions.FUNNEL_ORDERED_TIMES, args, null, false), "r"))
                .from(perValue, "attributed");
        if (!otherSteps.isEmpty()) {
            SelectQuery others = FunnelSql.select(otherColumns).from("events")
                    .where(InsightSql.and(where, otherSteps.size() == 1 ? otherSteps.get(0) : new Expr.Or(otherSteps)))
                    .groupBy(actorId).build();
            scan.leftJoin(others, "others", new Expr.Compare("=", field("attributed", "actor"), field("others", "actor")));
        }
        return scan.build();
    }
}

package dev.quarry.insights;

import dev.quarry.web.ResponseTooLargeException;

import dev.quarry.dates.Interval;
import dev.quarry.dates.QueryDateRange;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.JoinExpr;
import dev.quarry.hogql.Parser;
import dev.quarry.hogql.SelectLike;
import dev.quarry.hogql.Placeholders;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.hogql.SelectUnion;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryRunner;
import dev.quarry.query.schema.DateRange;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.QueryValues;
import dev.quarry.web.ValidationException;
import dev.quarry.query.HogQLStatement;
import dev.quarry.query.QueryPlan;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * RetentionQuery, as PostHog's retention runner computes it (calendar windows):
 * <ul>
 * <li>Rows are the intervals from {@code date_from} (start of its interval) up to the interval holding
 * {@code date_to}; without {@code date_from} the first row is {@code totalIntervals - 1} intervals before the
 * last. Every row has {@code totalIntervals} values ("Day 0" … "Day n-1"); returns after the date range count 0.</li>
 * <li>A person is in row i when they did the target event in interval i (first-time retention: when their first
 * ever target event is in interval i); value j counts those who did the returning event in interval i + j (j ≥ 1),
 * in an interval with at least {@code minimumOccurrences} returning events (default 1). Cumulative counts a person
 * in every interval up to their last return.</li>
 * <li>With a breakdown, each value has its own row set (see {@link RetentionBreakdown}); every row carries
 * {@code breakdown_value} (null without a breakdown).</li>
 * </ul>
 */
@ApplicationScoped
public class RetentionQueryRunner implements QueryRunner<RetentionQuery>, ActorsSource<InsightActorsQuery> {
    /** The most counts a request's retention tables hold while rows are read (16 MB of longs). */
    static final long MAX_COUNTED_CELLS = 2_000_000;
    /**
     * The most cells a broken-down answer is built with: one whole 500 × 500 hourly table (≈ 7.5 MB of JSON; a larger
     * answer could not be carried anyway).
     */
    static final long MAX_ANSWER_CELLS = 250_000;


    @Override
    public String kind() {
        return "RetentionQuery";
    }

    @Override
    public Class<RetentionQuery> queryType() {
        return RetentionQuery.class;
    }


    /**
     * A resolved retention query.
     *
     * @param range the rows: one bucket per row, from date_from's interval to date_to's
     * @param lookahead values per row (totalIntervals)
     * @param days the local days of the rows when the person-day rollup answers for this query (see
     *     {@link #rollupDays}), else null (the events are read)
     * @param aggregation the property summed or averaged in each cell besides its count, or null
     * @param sameEntities the target and returning entities are the same ({@link #identity}): then a row's interval
     *     0 sums its target events' values; else its returning events' later that interval
     */
    public record Plan(Interval interval, QueryDateRange range, int lookahead, boolean firstTime,
            boolean cumulative, int minimumOccurrences, Expr target, Expr returning, Expr global,
            RetentionBreakdown breakdown, PersonDays.Days days, Integer groupTypeIndex,
            RetentionAggregation aggregation, boolean sameEntities) {
        /** A plan of persons, counted. */
        public Plan(Interval interval, QueryDateRange range, int lookahead, boolean firstTime, boolean cumulative,
                    int minimumOccurrences, Expr target, Expr returning, Expr global, RetentionBreakdown breakdown,
                    PersonDays.Days days) {
            this(interval, range, lookahead, firstTime, cumulative, minimumOccurrences, target, returning, global,
                    breakdown, days, null, null, true);
        }

        /**
         * The actor as HogQL over events: {@code person_id}, or with {@code aggregation_group_type_index} N the group
         * {@code $group_N} (PostHog's retention of groups). Statements read it as the column {@link #actorColumn}.
         */
        String actor() {
            return groupTypeIndex == null ? "person_id" : "$group_" + groupTypeIndex;
        }

        /**
         * The name of the actor's column in the statements' innermost selects: {@code person_id}, and for groups
         * {@code actor} (in HogQL a select alias also names its expression in WHERE, so a group's key aliased
         * {@code person_id} would stand in for the person in the filters). The cells' own column stays person_id.
         */
        String actorColumn() {
            return groupTypeIndex == null ? "person_id" : "actor";
        }

        /** {@code actor()} selected as {@link #actorColumn}. */
        String actorSelected() {
            return groupTypeIndex == null ? "person_id" : actor() + " AS actor";
        }

        String period() {
            return interval.title();
        }

        /** Start of row 0. */
        ZonedDateTime first() {
            return range.firstBucket();
        }

        /** Rows: the intervals of the range. */
        int rows() {
            return range.bucketCount();
        }

        /** End (exclusive) of the events read: the start of the interval after the last row's. */
        ZonedDateTime readTo() {
            return interval.plus(range.firstBucket(), range.bucketCount());
        }
    }

    /**
     * Resolves {@code query} for {@code sql}'s project: its intervals on the dates package's {@link QueryDateRange}
     * (PostHog's QueryDateRange rules; {@code date_from: all} looks up the first event), its entities and filters
     * as HogQL. 400 naming the field for a value out of range or an unsupported one.
     */
    public static QueryPlan<Plan> plan(InsightSql sql, RetentionQuery query) {
        // validated first, as every field; read again where the plan is made
        GroupAggregation.index("RetentionQuery",
                query.aggregationGroupTypeIndex());
        QuerySchema.unsupported("RetentionQuery", "samplingFactor", query.samplingFactor(), "1", "1.0");
        RetentionQuery.RetentionFilter f = query.retentionFilter() != null ? query.retentionFilter()
                : new RetentionQuery.RetentionFilter(null, null, null, null, null, null, null, null, null, null, null,
                        null, null, null, null, null, null, null, null, null, null, null);
        String where = "RetentionQuery.retentionFilter";
        QuerySchema.unsupported(where, "timeWindowMode", f.timeWindowMode(), "strict_calendar_dates");
        QuerySchema.unsupported(where, "retentionCustomBrackets", f.retentionCustomBrackets());
        String period = f.period() == null ? "Day" : f.period();
        Interval interval = switch (period) {
            case "Hour" -> Interval.HOUR;
            case "Day" -> Interval.DAY;
            case "Week" -> Interval.WEEK;
            case "Month" -> Interval.MONTH;
            default -> throw new ValidationException("period must be Hour, Day, Week or Month", "period");
        };
        int n = f.totalIntervals() == null ? 8 : f.totalIntervals();
        if (n < 1 || n > 500) {
            throw new ValidationException("totalIntervals must be between 1 and 500", "totalIntervals");
        }
        String type = f.retentionType() == null ? "retention_recurring" : f.retentionType();
        if (!List.of("retention_recurring", "retention_first_time").contains(type)) {
            throw new ValidationException("Unsupported retentionType: " + type, "retentionType");
        }
        int occurrences = f.minimumOccurrences() == null ? 1 : f.minimumOccurrences();
        if (occurrences < 1 || occurrences > 1_000_000) {
            throw new ValidationException("minimumOccurrences must be a positive integer", "minimumOccurrences");
        }
        // PostHog's sum and average read every returning event: one returns, whatever minimumOccurrences says
        int minimum = RetentionAggregation.of(f) == null ? occurrences : 1;
        RetentionBreakdown breakdown = RetentionBreakdown.of(query.breakdownFilter());
        Long targetAction = actionId(f.targetEntity(), "targetEntity");
        Long returningAction = actionId(f.returningEntity(), "returningEntity");
        List<Long> actionIds = java.util.stream.Stream.of(targetAction, returningAction)
                .filter(java.util.Objects::nonNull).distinct().toList();
        if (!actionIds.isEmpty()) {
            // the entities' actions read first (the team's own, live), then the plan with their conditions
            RetentionQuery.RetentionFilter filter = f;
            return QueryPlan.actions(actionIds).flatMap(found -> {
                Map<Long, Expr> conditions = new java.util.HashMap<>();
                found.stream().filter(a -> !a.deleted()).forEach(a -> conditions.put(a.id(),
                        dev.quarry.actions.ActionSteps.condition(a.id(), a.steps(), "retentionFilter")));
                return plan(sql, query, filter, interval, n, type, minimum, breakdown,
                        entity(filter.targetEntity(), "targetEntity", conditions),
                        entity(filter.returningEntity(), "returningEntity", conditions), false);
            });
        }
        return plan(sql, query, f, interval, n, type, minimum, breakdown, entity(f.targetEntity(), "targetEntity"),
                entity(f.returningEntity(), "returningEntity"), true);
    }

    /** {@link #plan(InsightSql, RetentionQuery)} once the entities' conditions are known ({@code eventsOnly}: no action). */
    private static QueryPlan<Plan> plan(InsightSql sql, RetentionQuery query, RetentionQuery.RetentionFilter f,
                                        Interval interval, int n, String type, int minimum,
                                        RetentionBreakdown breakdown, Expr target, Expr returning,
                                        boolean eventsOnly) {
        Integer groupTypeIndex = GroupAggregation.index("RetentionQuery",
                query.aggregationGroupTypeIndex());
        // a retention of groups reads only events naming a group of the type (PostHog's retention of groups)
        Expr global = InsightSql.and(sql.globalFilters(query.properties(), query.filterTestAccounts()),
                groupTypeIndex == null ? null : new Expr.Compare("!=", Expr.Field.of("$group_" + groupTypeIndex),
                        new Expr.Constant("")));
        boolean cumulative = Boolean.TRUE.equals(f.cumulative());
        boolean firstTime = type.equals("retention_first_time");
        DateRange dr = query.dateRange();
        boolean noFrom = dr == null || dr.dateFrom() == null || dr.dateFrom().isBlank();
        RetentionAggregation aggregation = RetentionAggregation.of(f);
        boolean sameEntities = identity(f.targetEntity()).equals(identity(f.returningEntity()));
        boolean plain = aggregation == null && eventsOnly && plain(f.targetEntity(), "targetEntity") && plain(f.returningEntity(), "returningEntity")
                && (global == null || global instanceof Expr.Constant c && Boolean.TRUE.equals(c.value()))
                && (breakdown == null || !breakdown.type().equals("event"))
                && PersonDays.zoneUsable(sql.context().team().timezone())
                && groupTypeIndex == null; // the person-day rollup knows persons
        java.util.function.Function<QueryDateRange, Plan> resolved = range -> new Plan(interval, range, n,
                firstTime, cumulative, minimum, target, returning, global, breakdown,
                plain ? rollupDays(interval, range) : null, groupTypeIndex, aggregation, sameEntities);
        if (noFrom) {
            // the last totalIntervals intervals up to the one holding date_to
            DateRange to = new DateRange(null, dr == null ? null : dr.dateTo(), null);
            return QueryPlan.of(QueryDateRange.lastBuckets(to, interval, sql.weekStartDay(), sql.now(), n))
                    .map(resolved);
        }
        // retention reads whole intervals whatever explicitDate says
        DateRange whole = new DateRange(dr.dateFrom(), dr.dateTo(), null);
        return sql.dateRange(whole, interval, null).map(resolved);
    }

    /** An entity that names at most an event: no property filters of its own. */
    private static boolean plain(RetentionQuery.RetentionEntity e, String attr) {
        return e == null || InsightSql.properties(e.properties(), attr) instanceof Expr.Constant c
                && Boolean.TRUE.equals(c.value());
    }

    /**
     * The local days of the rows ({@code first} … the day before {@code readTo}) when the person-day rollup can
     * answer: day, week or month rows, which start and end on the team's local midnights; null for hours.
     * Every other condition (an event name and nothing else per entity, no insight-wide filters, no event-property
     * breakdown, a zone the rollup keeps) is the caller's. With those, the rollup's rows (person, event, local day,
     * count) give the same cohorts as the events: an interval is a set of whole local days, a person's first-ever
     * target interval is their first target day's, and the returning events in an interval are the sum of its days'
     * counts (so {@code minimumOccurrences} is exact).
     */
    static PersonDays.Days rollupDays(Interval interval, QueryDateRange range) {
        if (interval != Interval.DAY && interval != Interval.WEEK && interval != Interval.MONTH) {
            return null;
        }
        ZonedDateTime from = range.firstBucket();
        ZonedDateTime to = interval.plus(from, range.bucketCount());
        if (!from.toLocalTime().equals(java.time.LocalTime.MIDNIGHT)
                || !to.toLocalTime().equals(java.time.LocalTime.MIDNIGHT)) {
            return null;
        }
        return new PersonDays.Days(from.toLocalDate(), to.toLocalDate().minusDays(1));
    }

    /**
     * The action an entity names: {@code {id, type: "actions"}} (PostHog's RetentionEntity) or an ActionsNode
     * ({@code {kind: "ActionsNode", id}}); null for an event entity. A non-integer id is a 400 naming {@code attr}.
     */
    static Long actionId(RetentionQuery.RetentionEntity e, String attr) {
        if (e == null || !("actions".equals(e.type()) || "ActionsNode".equals(e.kind()))) {
            return null;
        }
        if (e.kind() != null && !e.kind().equals("ActionsNode") || e.type() != null && !e.type().equals("actions")) {
            throw new ValidationException("An entity is an event or an action, not both", attr);
        }
        JsonNode id = e.id();
        if (id == null || !(id.isIntegralNumber() || id.isTextual() && id.asText().matches("\\d{1,18}")
                || id.isFloatingPointNumber() && id.asDouble() == Math.rint(id.asDouble()))) {
            throw new ValidationException("Input should be a valid integer: " + attr + ".id", attr);
        }
        return id.isTextual() ? Long.parseLong(id.asText()) : id.asLong();
    }

    /** The event of an entity the query leaves out (PostHog's {@code DEFAULT_ENTITY}). */
    static final String DEFAULT_EVENT = "$pageview";

    /**
     * What tells a target and a returning entity apart, as PostHog's {@code _start_and_return_entities_are_same}
     * compares them: {@code id}, {@code type} and {@code properties} as sent (and Quarry's EventsNode form, its
     * {@code kind} and {@code event}); not their names. A missing entity is {@link #DEFAULT_EVENT}'s
     * {@code {id, type: "events"}}.
     */
    static List<Object> identity(RetentionQuery.RetentionEntity e) {
        if (e == null) {
            return java.util.Arrays.asList(com.fasterxml.jackson.databind.node.TextNode.valueOf(DEFAULT_EVENT), "events",
                    null, null, null);
        }
        JsonNode id = e.id() == null || e.id().isNull() ? null : e.id();
        return java.util.Arrays.asList(id, e.type(), e.properties(), e.kind(), e.event());
    }

    /** An event entity's events ({@link #entity(RetentionQuery.RetentionEntity, String, Map)} without actions). */
    static Expr entity(RetentionQuery.RetentionEntity e, String attr) {
        return entity(e, attr, Map.of());
    }

    /**
     * An entity's events: {@code {id, type: "events"}} (id null = every event), an EventsNode, or an action
     * ({@link #actionId}: its condition from {@code actions}, the team's live actions by id; one missing is PostHog's
     * "Action … does not exist" 400), with the entity's own {@code properties}.
     */
    static Expr entity(RetentionQuery.RetentionEntity e, String attr, Map<Long, Expr> actions) {
        if (e == null) {
            return new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant(DEFAULT_EVENT));
        }
        Long action = actionId(e, attr);
        if (action != null) {
            Expr condition = actions.get(action);
            if (condition == null) {
                throw new ValidationException("Action " + action + " does not exist.", attr);
            }
            return InsightSql.and(condition, InsightSql.properties(e.properties(), attr));
        }
        String type = e.type() == null ? "events" : e.type();
        if (!type.equals("events") || (e.kind() != null && !e.kind().equals("EventsNode"))) {
            throw new ValidationException("Only event and action entities are supported", attr);
        }
        String id = e.kind() != null ? e.event() : e.id() == null || e.id().isNull() ? null : e.id().asText();
        Expr props = InsightSql.properties(e.properties(), attr);
        if (id == null) {
            return props;
        }
        return InsightSql.and(new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant(id)), props);
    }

    /**
     * Columns {@code person_id, bd, start, j}: cohort membership (j = 0) and returns (j = intervals after start,
     * 1 … lookahead-1), per breakdown value {@code bd} ('' without a breakdown). An AST: each SELECT is a constant
     * template whose placeholders are bound to constants and expressions, and subqueries are placed as nodes.
     */
    public static SelectLike cellsAst(Plan plan) {
        RetentionBreakdown b = plan.breakdown();
        if (b == null || !b.isCohort()) {
            Expr bd = b == null ? new Expr.Constant("") : b.valueExpr();
            return cells(plan, bd, new Expr.Constant(true));
        }
        List<SelectLike> perCohort = new ArrayList<>();
        for (int i = 0; i < b.cohorts().size(); i++) {
            long id = b.cohorts().get(i);
            Expr member = Breakdown.cohortMember(id);
            SelectLike cells = cells(plan, new Expr.Constant(Long.toString(id)), member);
            perCohort.add(new SelectQuery(List.of(), false, fields("person_id", "bd", "start", "j"),
                    from(cells, "rc" + i), null, List.of(), null, List.of(), null, null, null));
        }
        return new SelectUnion(perCohort);
    }

    /**
     * The placeholders both statements share: {@code anchor}, {@code look}, {@code min}, {@code rows}, {@code bd},
     * {@code idx} (an event's or rollup day's interval index), {@code first_idx} (the interval index of a
     * {@code first_seen} column), {@code range} (the rows' read range), {@code returning} and {@code target} (with
     * the range, except first-time's target: a person's first target event is looked up over all time).
     */
    private static Map<String, Object> bindings(Plan plan, Expr bd, Expr member) {
        boolean rollup = plan.days() != null;
        String time = rollup ? "day" : "timestamp";
        Map<String, Object> values = new HashMap<>();
        values.put("anchor", plan.first().toOffsetDateTime());
        values.put("look", (long) plan.lookahead());
        values.put("min", (long) plan.minimumOccurrences());
        values.put("rows", (long) plan.rows());
        values.put("bd", bd);
        values.put("idx", Placeholders.replace(Parser.parseExpr(plan.interval().indexHogQL("anchor", time)),
                values, null));
        values.put("first_idx", Placeholders.replace(Parser.parseExpr(plan.interval().indexHogQL("anchor",
                "first_seen")), values, null));
        Expr range = rollup ? new Expr.And(List.of(
                new Expr.Compare(">=", Expr.Field.of("day"), new Expr.Constant(plan.days().first())),
                new Expr.Compare("<=", Expr.Field.of("day"), new Expr.Constant(plan.days().last()))))
                : new Expr.And(List.of(
                new Expr.Compare(">=", Expr.Field.of("timestamp"), new Expr.Constant(plan.first().toOffsetDateTime())),
                new Expr.Compare("<", Expr.Field.of("timestamp"), new Expr.Constant(plan.readTo().toOffsetDateTime()))));
        values.put("returning", InsightSql.and(plan.returning(), plan.global(), member, range));
        values.put("target_in_range", InsightSql.and(plan.target(), plan.global(), member,
                Placeholders.Transformer.copy(range)));
        values.put("target", plan.firstTime() ? InsightSql.and(plan.target(), plan.global(), member)
                : InsightSql.and(plan.target(), plan.global(), member, range));
        return values;
    }

    private static SelectLike cells(Plan plan, Expr bd, Expr member) {
        boolean rollup = plan.days() != null;
        // the person-day rollup: one row per person, event and local day, its count the events of that day
        String table = rollup ? "events_person_days" : "events";
        String time = rollup ? "day" : "timestamp";
        Map<String, Object> values = bindings(plan, bd, member);
        SelectLike cohort;
        String a = plan.actorColumn();
        String selected = plan.actorSelected();
        String actor = plan.actor();
        if (plan.firstTime()) {
            SelectLike firsts = template("SELECT " + selected + ", {bd} AS bd, min(" + time + ") AS first_seen FROM "
                    + table + " WHERE {target} GROUP BY " + actor + ", {bd}", values);
            cohort = new SelectQuery(List.of(), false, List.of(Expr.Field.of(a), Expr.Field.of("bd"),
                    new Expr.Alias(bound("{first_idx}", values), "start")), from(firsts, "firsts"),
                    bound("{first_idx} >= 0 AND {first_idx} < {rows}", values), List.of(), null, List.of(), null,
                    null, null);
        } else {
            cohort = template("SELECT " + selected + ", {bd} AS bd, {idx} AS start FROM " + table + " WHERE {target} "
                    + "GROUP BY " + actor + ", {bd}, {idx}", values);
        }
        SelectLike returning = template("SELECT " + selected + ", {bd} AS bd, {idx} AS ret FROM " + table
                + " WHERE {returning} GROUP BY " + actor + ", {bd}, {idx}" + (plan.minimumOccurrences() > 1
                ? (rollup ? " HAVING sum(events) >= {min}" : " HAVING count() >= {min}") : ""), values);
        SelectQuery members = new SelectQuery(List.of(), false, List.of(
                new Expr.Alias(Expr.Field.of("c", a), "person_id"),
                new Expr.Alias(Expr.Field.of("c", "bd"), "bd"), new Expr.Alias(Expr.Field.of("c", "start"), "start"),
                new Expr.Alias(new Expr.Constant(0L), "j")), from(cohort, "c"), null, List.of(), null, List.of(),
                null, null, null);
        SelectQuery returns = new SelectQuery(List.of(), false, List.of(
                new Expr.Alias(Expr.Field.of("c", a), "person_id"),
                new Expr.Alias(Expr.Field.of("c", "bd"), "bd"), new Expr.Alias(Expr.Field.of("c", "start"), "start"),
                new Expr.Alias(bound("r.ret - c.start", values), "j")),
                List.of(new JoinExpr(null, Placeholders.Transformer.copy(cohort), "c", null, null),
                        new JoinExpr("INNER JOIN", returning, "r", bound("r." + a + " = c." + a + " AND r.bd = c.bd "
                                + "AND r.ret > c.start AND r.ret - c.start < {look}", values), null)),
                null, List.of(), null, List.of(), null, null, null);
        return new SelectUnion(List.of(members, returns));
    }

    /**
     * Columns {@code person_id, bd, start, j, v}: the values of {@link RetentionAggregation} per actor and cell —
     * interval 0 of each row an actor is in (the same entities: the values of their target events there; different
     * ones: of their returning events there after their first target event) and each later interval j they return
     * in (their returning events' values). An actor may have two rows of a cell (interval 0 from both reads; a cohort
     * named twice), so cells count actors distinct.
     */
    static SelectLike aggregatedCellsAst(Plan plan) {
        RetentionBreakdown b = plan.breakdown();
        if (b == null || !b.isCohort()) {
            return aggregatedCells(plan, b == null ? new Expr.Constant("") : b.valueExpr(), new Expr.Constant(true));
        }
        List<SelectLike> perCohort = new ArrayList<>();
        for (int i = 0; i < b.cohorts().size(); i++) {
            long id = b.cohorts().get(i);
            SelectLike cells = aggregatedCells(plan, new Expr.Constant(Long.toString(id)), Breakdown.cohortMember(id));
            perCohort.add(new SelectQuery(List.of(), false, fields("person_id", "bd", "start", "j", "v"),
                    from(cells, "rc" + i), null, List.of(), null, List.of(), null, null, null));
        }
        return new SelectUnion(perCohort);
    }

    private static SelectLike aggregatedCells(Plan plan, Expr bd, Expr member) {
        Map<String, Object> values = bindings(plan, bd, member);
        values.put("value", plan.aggregation().value());
        String selected = plan.actorSelected();
        String actor = plan.actor();
        String a = plan.actorColumn();
        SelectLike cohort;
        if (plan.firstTime()) {
            // the interval of the first target event ever; its value: the target events of that interval
            SelectLike firsts = template("SELECT " + selected + ", {bd} AS bd, min(timestamp) AS first_seen FROM events "
                    + "WHERE {target} GROUP BY " + actor + ", {bd}", values);
            SelectLike starts = template("SELECT " + selected + ", {bd} AS bd, {idx} AS i, sum({value}) AS v FROM events "
                    + "WHERE {target_in_range} GROUP BY " + actor + ", {bd}, {idx}", values);
            Map<String, Object> joined = with(with(values, "firsts", firsts), "starts", starts);
            cohort = template("SELECT f." + a + " AS " + a + ", f.bd AS bd, {first_idx} AS start, f.first_seen AS ft, "
                    + "s.v AS v FROM {firsts} AS f INNER JOIN {starts} AS s ON s." + a + " = f." + a + " AND s.bd = f.bd "
                    + "AND s.i = {first_idx} WHERE {first_idx} >= 0 AND {first_idx} < {rows}", joined);
        } else {
            cohort = template("SELECT " + selected + ", {bd} AS bd, {idx} AS start, min(timestamp) AS ft, "
                    + "sum({value}) AS v FROM events WHERE {target} GROUP BY " + actor + ", {bd}, {idx}", values);
        }
        SelectLike returns = template("SELECT " + selected + ", {bd} AS bd, {idx} AS ret, sum({value}) AS v FROM events "
                + "WHERE {returning} GROUP BY " + actor + ", {bd}, {idx}", values);
        List<SelectLike> parts = new ArrayList<>();
        // every member counts at interval 0; its target events' values only when the entities are the same (else
        // PostHog's start events add a zero-valued marker and interval 0 holds the later returning events' values)
        parts.add(template("SELECT c." + a + " AS person_id, c.bd AS bd, c.start AS start, 0 AS j, "
                + (plan.sameEntities() ? "c.v" : "0.0") + " AS v FROM {cohort} AS c",
                with(values, "cohort", Placeholders.Transformer.copy(cohort))));
        parts.add(template("SELECT c." + a + " AS person_id, c.bd AS bd, c.start AS start, r.ret - c.start AS j, "
                + "r.v AS v FROM {cohort} AS c INNER JOIN {returns} AS r ON r." + a + " = c." + a + " AND r.bd = c.bd "
                + "AND r.ret > c.start AND r.ret - c.start < {look}",
                with(with(values, "cohort", Placeholders.Transformer.copy(cohort)), "returns", returns)));
        if (!plan.sameEntities()) {
            // PostHog adds a returning event to interval 0 when it follows the row's first target event there
            SelectLike returning = template("SELECT " + selected + ", {bd} AS bd, {idx} AS i, timestamp AS t, "
                    + "{value} AS v FROM events WHERE {returning}", values);
            parts.add(template("SELECT c." + a + " AS person_id, c.bd AS bd, c.start AS start, 0 AS j, e.v AS v "
                    + "FROM {cohort} AS c INNER JOIN {returning_events} AS e ON e." + a + " = c." + a + " AND e.bd = c.bd "
                    + "AND e.i = c.start AND e.t > c.ft",
                    with(with(values, "cohort", Placeholders.Transformer.copy(cohort)), "returning_events", returning)));
        }
        return new SelectUnion(parts);
    }

    /**
     * The numbers of an aggregated retention: {@code bd, start, j}, the cell's actors and the total of their values
     * ({@link #aggregatedCellsAst}).
     */
    static SelectQuery aggregates(Plan plan) {
        return (SelectQuery) template("SELECT bd, start, j, count(DISTINCT person_id) AS c, sum(v) AS total "
                + "FROM {cells} AS cells GROUP BY bd, start, j", Map.of("cells", aggregatedCellsAst(plan)));
    }

    /** Rows a 64-bit activity mask holds (bit 63 left out: shifts stay positive). */
    static final int MASK_ROWS = 62;

    /**
     * Whether {@link #masks} answers this plan: at most {@link #MASK_ROWS} rows, and no cohort breakdown (whose
     * list may name a cohort twice; those read the cells).
     */
    static boolean masksAnswer(Plan plan) {
        return plan.rows() <= MASK_ROWS && (plan.breakdown() == null || !plan.breakdown().isCohort());
    }

    /**
     * The numbers as activity masks: columns {@code bd, tm, rm, c}: {@code c} persons of breakdown value {@code bd}
     * whose rows (cohort intervals) are the bits of {@code tm} and whose returns (intervals with at least
     * {@code minimumOccurrences} returning events) are the bits of {@code rm}. Persons with the same masks share a
     * row, so the events (or rollup days) are read once and grouped per person (per person and interval first when
     * {@code minimumOccurrences} needs counts) and per mask pair, with no join of a person's intervals
     * with each other; {@link #addMasks} turns a row into its cells. The same cohorts and returns as
     * {@link #cellsAst}: grouped per person and breakdown value, rows and returns within the read range (a
     * first-time cohort: the interval of the person's first target event ever, when it is a row).
     */
    static SelectQuery masks(Plan plan) {
        boolean rollup = plan.days() != null;
        String table = rollup ? "events_person_days" : "events";
        String time = rollup ? "day" : "timestamp";
        RetentionBreakdown b = plan.breakdown();
        Map<String, Object> values = bindings(plan, b == null ? new Expr.Constant("") : b.valueExpr(),
                new Expr.Constant(true));
        values.put("w", rollup ? Expr.Field.of("events") : new Expr.Constant(1L));
        String returns = "groupBitOr(if(r >= {min}, bitShiftLeft(toInt64(1), i), 0)) AS rm";
        SelectLike perPerson;
        if (plan.minimumOccurrences() == 1) {
            // one returning event returns: every returning row sets its interval's bit, with no count per interval
            // first (a rollup row holds at least one event), so persons are grouped once
            values.put("time", Expr.Field.of(time));
            String target = plan.firstTime() ? "min(if({target}, {time}, NULL)) AS first_seen"
                    : "groupBitOr(if({target}, bitShiftLeft(toInt64(1), {idx}), 0)) AS tm";
            SelectLike grouped = template("SELECT {bd} AS bd, " + target + ", groupBitOr(if({returning}, "
                    + "bitShiftLeft(toInt64(1), {idx}), 0)) AS rm FROM " + table + " WHERE {target} OR {returning} "
                    + "GROUP BY " + plan.actor() + ", {bd}", values);
            perPerson = plan.firstTime() ? firstTimeMasks(values, grouped) : grouped;
        } else {
            String targetColumn = plan.firstTime() ? "min(if({target}, " + time + ", NULL)) AS tf"
                    : "max(if({target}, 1, 0)) AS t";
            SelectLike perInterval = template("SELECT " + plan.actorSelected() + ", {bd} AS bd, {idx} AS i, "
                    + targetColumn + ", sum(if({returning}, {w}, 0)) AS r FROM " + table + " WHERE {target} OR "
                    + "{returning} GROUP BY " + plan.actor() + ", {bd}, {idx}", values);
            String a = plan.actorColumn();
            if (plan.firstTime()) {
                perPerson = firstTimeMasks(values, template("SELECT bd, min(tf) AS first_seen, " + returns
                        + " FROM {per_interval} AS pi GROUP BY " + a + ", bd", with(values, "per_interval",
                        perInterval)));
            } else {
                perPerson = template("SELECT bd, groupBitOr(if(t = 1, bitShiftLeft(toInt64(1), i), 0)) AS tm, " + returns
                        + " FROM {per_interval} AS pi GROUP BY " + a + ", bd", with(values, "per_interval",
                        perInterval));
            }
        }
        return (SelectQuery) template("SELECT bd, tm, rm, count() AS c FROM {per_person} AS pp WHERE tm != 0 "
                + "GROUP BY bd, tm, rm", with(values, "per_person", perPerson));
    }

    /** A first-time row mask: the bit of the interval of {@code first_seen} (the first target event), if a row. */
    private static SelectLike firstTimeMasks(Map<String, Object> values, SelectLike firsts) {
        return template("SELECT bd, if({first_idx} >= 0 AND {first_idx} < {rows}, bitShiftLeft(toInt64(1), {first_idx}), 0) "
                + "AS tm, rm FROM {firsts} AS f WHERE first_seen IS NOT NULL", with(values, "firsts", firsts));
    }

    private static Map<String, Object> with(Map<String, Object> values, String name, Object value) {
        Map<String, Object> out = new HashMap<>(values);
        out.put(name, value);
        return out;
    }

    /**
     * Adds {@code c} persons with row mask {@code tm} and return mask {@code rm} (see {@link #masks}) to
     * {@code values} (rows × lookahead): each row s they are in counts them at 0 and at every j (1 … lookahead-1)
     * with a return in interval s + j — cumulative: at every j up to their last return after s.
     *
     * @return how many cohort memberships that is (c per row), for ranking breakdown values
     */
    static long addMasks(Plan plan, long[][] values, long tm, long rm, long c) {
        long members = 0;
        int n = plan.lookahead();
        for (int s = 0; s < plan.rows(); s++) {
            if ((tm & (1L << s)) == 0) {
                continue;
            }
            members += c;
            int last = 0;
            for (int j = 1; j < n && s + j < MASK_ROWS; j++) {
                if ((rm & (1L << (s + j))) != 0) {
                    last = j;
                    if (!plan.cumulative()) {
                        values[s][j] += c;
                    }
                }
            }
            if (plan.cumulative()) {
                for (int k = 0; k <= last; k++) {
                    values[s][k] += c;
                }
            } else {
                values[s][0] += c;
            }
        }
        return members;
    }

    /** A constant SELECT template with its placeholders bound to {@code values}. */
    private static SelectLike template(String constantSelect, Map<String, Object> values) {
        return Placeholders.replace(Parser.parseSelect(constantSelect), values, null);
    }

    /** A constant expression template with its placeholders bound to {@code values}. */
    private static Expr bound(String constantExpr, Map<String, Object> values) {
        return Placeholders.replace(Parser.parseExpr(constantExpr), values, null);
    }

    /**
     * One breakdown value's table: {@code counts[row][j]} actors, and with an aggregation {@code values[row][j]} the
     * cells' {@code aggregation_value} (else null).
     */
    public record Table(long[][] counts, double[][] values) {
        static Table of(Plan plan) {
            return new Table(new long[plan.rows()][plan.lookahead()],
                    plan.aggregation() == null ? null : new double[plan.rows()][plan.lookahead()]);
        }
    }

    @Override
    public QueryPlan<ObjectNode> plan(QueryContext context, RetentionQuery query) {
        InsightSql sql = new InsightSql(context, kind());
        return plan(sql, query).flatMap(plan -> {
            RetentionAggregation aggregation = plan.aggregation();
            boolean masks = aggregation == null && masksAnswer(plan);
            SelectQuery statement = aggregation != null ? aggregates(plan) : masks ? masks(plan) : counts(plan);
            return sql.run(new HogQLStatement(kind(), statement, Map.of())).map(result -> {
                CompiledQuery compiled = result.compiled();
                var rows = result.rows();
                int n = plan.lookahead();
                int r = plan.rows();
                Map<String, Table> byValue = new LinkedHashMap<>();
                Map<String, Long> totals = new HashMap<>();
                java.util.function.Function<String, Table> table = k -> {
                    // every breakdown value's table is counted before it is made: one request must not hold the
                    // server's memory (a breaker's hourly 500 × 500 tables for 100 e-mails ran the JVM out of heap)
                    long cells = (byValue.size() + 1L) * r * n * (aggregation == null ? 1 : 2);
                    if (cells > MAX_COUNTED_CELLS) {
                        throw ResponseTooLargeException.cells("retention table (breakdown values × rows × intervals)",
                                cells, MAX_COUNTED_CELLS);
                    }
                    return Table.of(plan);
                };
                for (Row row : rows) {
                    String bd = row.getString(0);
                    if (masks) {
                        Table values = byValue.computeIfAbsent(bd, table);
                        totals.merge(bd, addMasks(plan, values.counts(), row.getLong(1), row.getLong(2),
                                row.getLong(3)), Long::sum);
                        continue;
                    }
                    int start = (int) (long) row.getLong(1);
                    int j = (int) (long) row.getLong(2);
                    long c = row.getLong(3);
                    if (start < 0 || start >= r || j < 0 || j >= n) {
                        continue;
                    }
                    Table values = byValue.computeIfAbsent(bd, table);
                    if (aggregation != null) {
                        Object total = row.getValue(4);
                        values.counts()[start][j] += c;
                        values.values()[start][j] += aggregation.cell(total == null ? 0.0
                                : ((Number) total).doubleValue(), c);
                        if (j == 0) {
                            totals.merge(bd, c, Long::sum);
                        }
                    } else if (plan.cumulative()) {
                        // c persons whose last return is j: they count in every interval 0..j
                        for (int k = 0; k <= j; k++) {
                            values.counts()[start][k] += c;
                        }
                        totals.merge(bd, c, Long::sum);
                    } else {
                        values.counts()[start][j] += c;
                        if (j == 0) {
                            totals.merge(bd, c, Long::sum);
                        }
                    }
                }
                ObjectNode body = context.mapper().createObjectNode();
                ArrayNode results = body.putArray("results");
                if (plan.breakdown() == null) {
                    addRows(results, plan, byValue.getOrDefault("", Table.of(plan)), null);
                } else {
                    Map<String, Table> shown = ranked(plan, byValue, totals);
                    long cells = (long) shown.size() * r * n;
                    if (cells > MAX_ANSWER_CELLS) {
                        throw ResponseTooLargeException.cells("retention answer (breakdown values × rows × "
                                + "intervals)", cells, MAX_ANSWER_CELLS);
                    }
                    for (Map.Entry<String, Table> e : shown.entrySet()) {
                        addRows(results, plan, e.getValue(), e.getKey());
                    }
                }
                SeriesJson.putSql(body, List.of(compiled));
                body.putNull("error");
                return body;
            });
        });
    }

    /**
     * The numbers: persons per breakdown value, row and interval ({@code bd, start, j, count}); cumulative counts
     * each person once, at their last return ({@code mj}).
     */
    static SelectQuery counts(Plan plan) {
        List<Expr> byCell = fields("bd", "start", plan.cumulative() ? "mj" : "j");
        if (!plan.cumulative()) {
            List<Expr> columns = new ArrayList<>(byCell);
            // without cohort breakdowns (whose list may name a cohort twice) a cell row is unique per
            // (person, bd, start, j): cohort and returns are each grouped by person, bd and interval, so counting
            // rows counts persons without the sort a distinct count needs
            columns.add(Parser.parseExpr(plan.breakdown() != null && plan.breakdown().isCohort()
                    ? "count(DISTINCT person_id)" : "count(person_id)"));
            return new SelectQuery(List.of(), false, columns, from(cellsAst(plan), "cells"), null, byCell, null,
                    List.of(), null, null, null);
        }
        List<Expr> byStart = fields("person_id", "bd", "start");
        List<Expr> lastColumns = new ArrayList<>(byStart);
        lastColumns.add(new Expr.Alias(Parser.parseExpr("max(j)"), "mj"));
        SelectQuery lastReturn = new SelectQuery(List.of(), false, lastColumns, from(cellsAst(plan), "cells"), null,
                byStart, null, List.of(), null, null, null);
        List<Expr> columns = new ArrayList<>(byCell);
        columns.add(Parser.parseExpr("count()"));
        return new SelectQuery(List.of(), false, columns, from(lastReturn, "last_return"), null, byCell, null,
                List.of(), null, null, null);
    }

    private static List<JoinExpr> from(SelectLike subquery, String alias) {
        return List.of(new JoinExpr(null, subquery, alias, null, null));
    }

    private static List<Expr> fields(String... names) {
        List<Expr> out = new ArrayList<>();
        for (String n : names) {
            out.add(Expr.Field.of(n));
        }
        return out;
    }

    /**
     * Values by total cohort size (desc, then value); those past the limit summed into the "other" bucket (their
     * aggregation values too, averages included, as PostHog's format_results adds them).
     */
    private static Map<String, Table> ranked(Plan plan, Map<String, Table> byValue, Map<String, Long> totals) {
        List<String> order = new ArrayList<>(byValue.keySet());
        order.sort((x, y) -> {
            int c = Long.compare(totals.getOrDefault(y, 0L), totals.getOrDefault(x, 0L));
            return c != 0 ? c : x.compareTo(y);
        });
        Map<String, Table> out = new LinkedHashMap<>();
        int limit = plan.breakdown().limit();
        Table other = null;
        for (int i = 0; i < order.size(); i++) {
            Table v = byValue.get(order.get(i));
            if (i < limit) {
                out.put(order.get(i), v);
                continue;
            }
            if (other == null) {
                other = Table.of(plan);
            }
            for (int s = 0; s < v.counts().length; s++) {
                for (int j = 0; j < v.counts()[s].length; j++) {
                    other.counts()[s][j] += v.counts()[s][j];
                    if (other.values() != null) {
                        other.values()[s][j] += v.values()[s][j];
                    }
                }
            }
        }
        if (other != null) {
            out.put(Breakdown.OTHER_VALUE, other);
        }
        return out;
    }

    private static void addRows(ArrayNode results, Plan plan, Table table, String breakdownValue) {
        for (int i = 0; i < plan.rows(); i++) {
            ObjectNode cohortRow = results.addObject();
            ArrayNode vs = cohortRow.putArray("values");
            for (int j = 0; j < plan.lookahead(); j++) {
                ObjectNode value = vs.addObject().put("count", table.counts()[i][j]);
                if (table.values() != null) {
                    value.put("aggregation_value", table.values()[i][j]);
                }
                value.put("label", plan.period() + " " + j);
            }
            cohortRow.put("label", plan.period() + " " + i);
            cohortRow.put("date", QueryValues.timestamp(plan.interval().plus(plan.first(), i).toOffsetDateTime()));
            if (breakdownValue == null) {
                cohortRow.putNull("breakdown_value");
            } else {
                cohortRow.put("breakdown_value", breakdownValue);
            }
        }
    }

    /** The selected breakdown value of a retention actors request ({@code breakdown}: a value or a one-item list). */
    static String selectedValue(JsonNode breakdown) {
        if (breakdown == null || breakdown.isNull()) {
            return null;
        }
        if (breakdown.isArray()) {
            List<String> parts = new ArrayList<>();
            breakdown.forEach(x -> parts.add(x.asText()));
            return String.join("::", parts);
        }
        return breakdown.asText();
    }

    @Override
    public Class<InsightActorsQuery> sourceType() {
        return InsightActorsQuery.class;
    }

    @Override
    public boolean answers(InsightActorsQuery source) {
        return source.source() instanceof RetentionQuery;
    }

    /** The actors of one cell of this insight (ActorsQuery over an InsightActorsQuery). */
    @Override
    public QueryPlan<ActorsQueryRunner.Cell> actors(InsightSql sql, InsightActorsQuery source) {
        RetentionQuery insight = (RetentionQuery) source.source();
        long interval = source.interval() == null ? 0 : source.interval();
        return plan(sql, insight).map(plan -> {
            String selected = selectedValue(source.breakdown());
            if (plan.breakdown() != null && plan.breakdown().isCohort() && selected == null) {
                throw new ValidationException("A cohort breakdown value is required for actors of a retention "
                        + "with cohort breakdowns", "breakdown");
            }
            List<Expr> where = new ArrayList<>();
            where.add(new Expr.Compare("=", Expr.Field.of("start"), new Expr.Constant(interval)));
            if (selected != null && plan.breakdown() != null) {
                where.add(new Expr.Compare("=", Expr.Field.of("bd"), new Expr.Constant(selected)));
            }
            // the cohort of the row, and every interval each of them appeared in
            SelectQuery cell = new SelectQuery(List.of(), false, List.of(Expr.Field.of("person_id"),
                    Expr.Field.of("j")), from(cellsAst(plan), "cells"), InsightSql.and(where), List.of(), null,
                    List.of(), null, null, null);
            // aggregated by groups, the cells' person_id holds each group's key
            return ActorsQueryRunner.Cell.retention(cell, plan.lookahead(), plan.interval().lower())
                    .ofGroups(plan.groupTypeIndex());
        });
    }
}

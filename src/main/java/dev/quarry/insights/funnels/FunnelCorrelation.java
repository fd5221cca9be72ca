package dev.quarry.insights.funnels;

import dev.quarry.insights.FunnelsQuery;
import dev.quarry.insights.FunnelsActorsQuery;
import dev.quarry.insights.FunnelCorrelationQuery;
import dev.quarry.insights.FunnelCorrelationActorsQuery;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.Functions;
import dev.quarry.hogql.Schema;
import dev.quarry.hogql.SelectLike;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.insights.InsightSql;
import dev.quarry.insights.Series;
import dev.quarry.insights.SeriesJson;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryRunner;
import dev.quarry.web.ValidationException;
import dev.quarry.query.QueryPlan;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.quarry.insights.funnels.FunnelSql.as;
import static dev.quarry.insights.funnels.FunnelSql.expr;
import static dev.quarry.insights.funnels.FunnelSql.field;

/**
 * FunnelCorrelationQuery (contract §4.4): which events (or person property values) go with converting. The
 * population is every actor who entered the funnel; success = reached the last step. An event counts for an actor
 * when it happens strictly between the actor's step-1 time and their last step's time (failures: step-1 time plus
 * the window), inside the date range. One statement: the funnel scan as a CTE, its totals and the per-name counts.
 */
@ApplicationScoped
public class FunnelCorrelation implements QueryRunner<FunnelCorrelationQuery> {
    static final int MIN_PERSON_COUNT = 25;
    static final double MIN_PERSON_PERCENTAGE = 0.02;
    static final String KIND = "FunnelCorrelationQuery";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Class<FunnelCorrelationQuery> queryType() {
        return FunnelCorrelationQuery.class;
    }

    /** The FunnelsQuery under the correlation's FunnelsActorsQuery (400 when either is missing). */
    static FunnelsQuery funnelsQuery(FunnelCorrelationQuery correlation) {
        FunnelsActorsQuery actors = correlation.source();
        if (actors == null || actors.source() == null) {
            throw new ValidationException("source must be a FunnelsActorsQuery over a FunnelsQuery", "source");
        }
        kind(actors.kind(), "FunnelsActorsQuery", "source");
        kind(actors.source().kind(), "FunnelsQuery", "source");
        return actors.source();
    }

    /** A node's {@code kind}, when given, must be the expected one: 400 naming {@code attr} otherwise. */
    static void kind(String kind, String expected, String attr) {
        if (kind != null && !kind.equals(expected)) {
            throw new ValidationException(attr + " must be a " + expected + " (got " + kind + ")", attr);
        }
    }

    static String type(FunnelCorrelationQuery correlation) {
        String type = correlation.funnelCorrelationType() == null ? "events" : correlation.funnelCorrelationType();
        if (!List.of("events", "properties", "event_with_properties").contains(type)) {
            throw new ValidationException("funnelCorrelationType must be events, properties or event_with_properties",
                    "funnelCorrelationType");
        }
        return type;
    }

    private static List<String> strings(List<String> list) {
        return list == null ? new ArrayList<>() : new ArrayList<>(list);
    }

    /**
     * {@code actor, success, t1, tend} over the funnel scan: the actors of the source's {@code funnelStep}
     * (PostHog's default: everyone who entered; N reached step N; −N dropped off before step N), success meaning
     * they reached the last step.
     */
    static SelectQuery population(FunnelPlan plan, FunnelCorrelationQuery correlation) {
        return population(plan, correlation, plan.withoutBreakdown().actors());
    }

    /**
     * {@link #population(FunnelPlan, FunnelCorrelationQuery)} over the steps view's form of the actors for a project
     * with {@code mergedPersons} overrides ({@link FunnelPlan#actorsForSteps}: the same rows, read by the stored
     * person id in branches PostgreSQL can run in parallel).
     */
    static SelectQuery population(FunnelPlan plan, FunnelCorrelationQuery correlation, long mergedPersons) {
        return population(plan, correlation, plan.withoutBreakdown().actorsForSteps(mergedPersons));
    }

    private static SelectQuery population(FunnelPlan plan, FunnelCorrelationQuery correlation, SelectQuery actors) {
        int n = plan.n();
        Integer step = correlation.source().funnelStep();
        FunnelSql.Select pop = FunnelSql.select(field("actor"), as(FunnelSql.reached(n), "success"),
                as(expr("toDateTime(r[2])"), "t1"), as(expr("toDateTime(if({reached}, r[{last}], r[2] + {window}))",
                        "reached", FunnelSql.reached(n), "last", n + 1, "window", (double) plan.windowSeconds()),
                        "tend")).from(actors, "a");
        if (step != null) {
            pop.where(FunnelActors.stepCondition(step, n));
        }
        return pop.build();
    }

    /**
     * {@code actor, success, name} for every event of each population actor ({@code f}) matching {@code condition}
     * (which reads {@code events} and {@code f}), found by the person id stored on the events: the actor's own id
     * and, for an actor other persons were merged into, each merged person's id (person_overrides is flattened, so
     * an actor is never a merged-away id). The same rows as joining {@code f.actor = events.person_id} (the id read
     * through the overrides), but PostgreSQL can fetch each actor's events of its span from the (team_id, person_id,
     * timestamp) index (V49_1) instead of reading every event of the range and joining it to the overrides: at 10 M
     * events this part of the correlation took 1.5 s of CPU instead of 3.2 s (README, issue 18). Same answers
     * ({@code FunnelActorsSplitTest}).
     */
    static SelectLike actorEvents(Expr condition) {
        SelectQuery own = FunnelSql.select(as(field("f", "actor"), "actor"), as(field("f", "success"), "success"),
                        as(field("events", "event"), "name"))
                .from("f").innerJoin("events", null, new Expr.Compare("=", field("events", Schema.STORED_PERSON_ID),
                        field("f", "actor")))
                .where(condition).build();
        SelectQuery merged = FunnelSql.select(as(field("f", "actor"), "actor"), as(field("f", "success"), "success"),
                        as(field("events", "event"), "name"))
                .from("f").innerJoin(Schema.PERSON_OVERRIDES, "o", new Expr.Compare("=",
                        field("o", "override_person_id"), field("f", "actor")))
                .innerJoin("events", null, new Expr.Compare("=", field("events", Schema.STORED_PERSON_ID),
                        field("o", "old_person_id")))
                .where(condition).build();
        return FunnelSql.unionAll(List.of(own, merged));
    }

    /**
     * The per-name counts statement: rows (is_total, name, success actors, failure actors), for a project with
     * {@code mergedPersons} person_overrides rows (which form of the funnel's actors it reads).
     */
    static SelectQuery counts(FunnelPlan plan, FunnelCorrelationQuery query, String type, long mergedPersons) {
        List<SelectQuery> branches = new ArrayList<>();
        branches.add(FunnelSql.select(as(new Expr.Constant(1L), "is_total"), as(new Expr.Constant(""), "name"),
                as(expr("countIf(success)"), "s"), as(expr("countIf(NOT success)"), "fl")).from("f").build());
        // PostHog's correlated events never include a funnel step's event (its events join excludes the step names)
        Set<String> stepNames = new LinkedHashSet<>();
        for (Series s : plan.steps()) {
            if (s.event() != null) {
                stepNames.add(s.event());
            }
        }
        Expr range = InsightSql.timestampIn(plan.range().from(), plan.range().to());
        if (type.equals("events")) {
            Set<String> excluded = new LinkedHashSet<>(stepNames);
            excluded.addAll(strings(query.funnelCorrelationExcludeEventNames()));
            Expr inSpan = expr("events.timestamp > f.t1 AND events.timestamp < f.tend AND {range} AND "
                    + "events.event NOT IN {excluded}", "range", range, "excluded", new ArrayList<>(excluded));
            SelectQuery distinct = FunnelSql.selectDistinct(field("actor"), field("success"), field("name"))
                    .from(actorEvents(inSpan), "e").build();
            branches.add(FunnelSql.select(new Expr.Constant(0L), field("name"), expr("countIf(success)"),
                    expr("countIf(NOT success)")).from(distinct, "d").groupBy(field("name")).build());
        } else if (type.equals("properties")) {
            List<String> names = strings(query.funnelCorrelationNames());
            if (names.contains("$all")) {
                // every person property: "<property>::<value>" pairs; excluded names are dropped after counting
                SelectQuery pairs = FunnelSql.select(as(field("f", "actor"), "actor"),
                                as(field("f", "success"), "success"), as(expr("arrayJoin({pairs})", "pairs",
                                        new Expr.Call(Functions.PROPERTY_PAIRS, List.of(field("persons",
                                                "properties")), null, false)), "pair"))
                        .from("persons").innerJoin("f", null, expr("f.actor = persons.id")).build();
                branches.add(FunnelSql.select(new Expr.Constant(0L), as(field("pair"), "name"),
                        expr("countIf(success)"), expr("countIf(NOT success)")).from(pairs, "pairs")
                        .groupBy(field("name")).build());
            } else {
                names.removeAll(strings(query.funnelCorrelationExcludeNames()));
                if (names.size() > 50) {
                    throw new ValidationException("At most 50 property names", "funnelCorrelationNames");
                }
                for (String name : names) {
                    // PostHog reads each named property with JSONExtractString: a person without it counts under
                    // "<property>::" (the empty value), as one with an empty string does
                    Expr value = Expr.Call.of("ifNull", Expr.Call.of("toString",
                            Expr.Field.of("persons", "properties", name)), new Expr.Constant(""));
                    branches.add(FunnelSql.select(new Expr.Constant(0L),
                                    as(expr("concat({name}, '::', {value})", "name", name, "value", value), "name"),
                                    expr("countIf(f.success)"), expr("countIf(NOT f.success)"))
                            .from("persons").innerJoin("f", null, expr("f.actor = persons.id"))
                            .groupBy(field("name")).build());
                }
            }
        } else {
            // event_with_properties: "<event>::<property>::<value>" for each property of the chosen events, counted
            // like events (distinct actors inside their funnel span); excluded property names are dropped later.
            List<String> events = strings(query.funnelCorrelationEventNames());
            if (events.isEmpty()) {
                throw new ValidationException("funnelCorrelationEventNames must name the events to correlate",
                        "funnelCorrelationEventNames");
            }
            SelectQuery pairs = FunnelSql.select(as(field("f", "actor"), "actor"), as(field("f", "success"), "success"),
                            as(field("events", "event"), "ev"), as(expr("arrayJoin({pairs})", "pairs",
                                    new Expr.Call(Functions.PROPERTY_PAIRS, List.of(field("events", "properties")),
                                            null, false)), "pair"))
                    .from("events").innerJoin("f", null, expr("f.actor = events.person_id"))
                    .where(expr("events.timestamp > f.t1 AND events.timestamp < f.tend AND {range} AND events.event "
                            + "IN {events} AND events.event NOT IN {steps}", "range", range, "events", events,
                            "steps", stepNames.isEmpty() ? List.of("") : new ArrayList<>(stepNames))).build();
            SelectQuery distinct = FunnelSql.selectDistinct(field("actor"), field("success"),
                    as(expr("concat(ev, '::', pair)"), "name")).from(pairs, "pairs").build();
            // PostHog drops the long tail: a pair needs more than 2 actors (HAVING success + failure > 2)
            branches.add(FunnelSql.select(new Expr.Constant(0L), field("name"), expr("countIf(success)"),
                    expr("countIf(NOT success)")).from(distinct, "d").groupBy(field("name"))
                    .having(expr("count() > 2")).build());
        }
        return FunnelSql.select(field("is_total"), field("name"), field("s"), field("fl"))
                .with("f", population(plan, query, mergedPersons)).from(FunnelSql.unionAll(branches), "counts")
                .build();
    }

    @Override
    public QueryPlan<ObjectNode> plan(QueryContext context, FunnelCorrelationQuery query) {
        InsightSql sql = new InsightSql(context, kind());
        String type = type(query);
        return FunnelPlan.parse(sql, funnelsQuery(query)).flatMap(plan -> FunnelsQueryRunner.mergedPersons(context,
                KIND).flatMap(merged -> {
            plan.refuseGroups("A correlation");
            SelectQuery counts = counts(plan, query, type, merged);
            Set<String> excludedProperties = type.equals("event_with_properties")
                    ? new HashSet<>(strings(query.funnelCorrelationEventExcludePropertyNames())) : Set.of();
            Set<String> excludedNames = type.equals("properties")
                    && strings(query.funnelCorrelationNames()).contains("$all")
                    ? new HashSet<>(strings(query.funnelCorrelationExcludeNames())) : Set.of();
            return FunnelSql.run(context, KIND, counts).map(done -> {
                long successTotal = 0;
                long failureTotal = 0;
                List<Object[]> named = new ArrayList<>();
                for (Row row : done.rows()) {
                    if (row.getLong(0) == 1) {
                        successTotal = row.getLong(2);
                        failureTotal = row.getLong(3);
                    } else {
                        if (!excludedProperty(row.getString(1), excludedProperties)
                                && !excludedNames.contains(row.getString(1).split("::", 2)[0])) {
                            named.add(new Object[] {row.getString(1), row.getLong(2), row.getLong(3)});
                        }
                    }
                }
                ObjectNode body = context.mapper().createObjectNode();
                body.set("results", results(context.mapper(), named, successTotal, failureTotal));
                body.putNull("columns");
                body.putNull("types");
                body.put("hasMore", false);
                body.putNull("limit");
                body.putNull("offset");
                body.putArray("timings");
                SeriesJson.putSql(body, List.of(done.compiled()));
                body.putNull("error");
                return body;
            });
        }));
    }

    /** Whether "<event>::<property>::<value>" names an excluded property. */
    static boolean excludedProperty(String name, Set<String> excluded) {
        if (excluded.isEmpty()) {
            return false;
        }
        String[] parts = name.split("::", 3);
        return parts.length == 3 && excluded.contains(parts[1]);
    }

    /**
     * One correlated event as PostHog's {@code EventOddsRatioSerialized} answers it (counts are persons; the odds
     * ratio has the +1 prior; {@code correlation_type} "success" when above 1, else "failure").
     */
    @io.quarkus.runtime.annotations.RegisterForReflection
    @com.fasterxml.jackson.annotation.JsonPropertyOrder({"event", "success_count", "failure_count", "odds_ratio",
            "correlation_type"})
    record OddsRow(RowEvent event, @com.fasterxml.jackson.annotation.JsonProperty("success_count") long successCount,
               @com.fasterxml.jackson.annotation.JsonProperty("failure_count") long failureCount,
               @com.fasterxml.jackson.annotation.JsonProperty("odds_ratio") double oddsRatio,
               @com.fasterxml.jackson.annotation.JsonProperty("correlation_type") String correlationType) {
    }

    /** PostHog's {@code EventDefinition} of a correlation row: the event name (or name::property::value), no properties or elements. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    @com.fasterxml.jackson.annotation.JsonPropertyOrder({"event", "properties", "elements"})
    record RowEvent(String event, Map<String, Object> properties, List<Object> elements) {
    }

    /** Odds ratios with the +1 prior, the significance filter, skew, top 10 each way. */
    static ObjectNode results(ObjectMapper mapper, List<Object[]> named, long successTotal, long failureTotal) {
        ObjectNode out = mapper.createObjectNode();
        ArrayNode events = out.putArray("events");
        if (successTotal == 0 || failureTotal == 0) {
            out.put("skewed", true);
            return out;
        }
        boolean skewed = successTotal / (double) failureTotal > 10 || failureTotal / (double) successTotal > 10;
        double threshold = Math.min(MIN_PERSON_COUNT, MIN_PERSON_PERCENTAGE * (successTotal + failureTotal));
        List<OddsRow> success = new ArrayList<>();
        List<OddsRow> failure = new ArrayList<>();
        for (Object[] e : named) {
            long s = (Long) e[1];
            long f = (Long) e[2];
            if (s + f < threshold) {
                continue;
            }
            double odds = ((s + 1.0) * (failureTotal - f + 1.0)) / ((successTotal - s + 1.0) * (f + 1.0));
            OddsRow row = new OddsRow(new RowEvent((String) e[0], Map.of(), List.of()), s, f, odds, odds > 1 ? "success" : "failure");
            (odds > 1 ? success : failure).add(row);
        }
        Comparator<OddsRow> byOdds = Comparator.comparingDouble(OddsRow::oddsRatio);
        Comparator<OddsRow> byName = Comparator.comparing(r -> r.event().event());
        success.sort(byOdds.reversed().thenComparing(byName));
        failure.sort(byOdds.thenComparing(byName));
        success.stream().limit(10).forEach(r -> events.add(mapper.valueToTree(r)));
        failure.stream().limit(10).forEach(r -> events.add(mapper.valueToTree(r)));
        out.put("skewed", skewed);
        return out;
    }

    /**
     * FunnelCorrelationActorsQuery: actors (column {@code actor}) of the correlation's population, converted or not
     * ({@code funnelCorrelationPersonConverted}; absent = both), who did {@code funnelCorrelationPersonEntity}
     * inside their funnel span (events types) or match {@code funnelCorrelationPropertyValues} (properties type).
     */
    static QueryPlan<SelectQuery> actors(InsightSql sql, FunnelCorrelationActorsQuery source) {
        FunnelCorrelationQuery correlation = source.source();
        if (correlation == null) {
            throw new ValidationException("source must be a FunnelCorrelationQuery", "source");
        }
        kind(correlation.kind(), KIND, "source");
        String type = type(correlation);
        return FunnelPlan.parse(sql, funnelsQuery(correlation)).map(plan -> {
            plan.refuseGroups("The actors of a correlation");
            Boolean converted = source.funnelCorrelationPersonConverted();
            String success = converted == null ? "" : converted ? " AND f.success" : " AND NOT f.success";
            Expr where;
            if (type.equals("properties")) {
                where = expr("events.timestamp >= f.t1 AND events.timestamp <= f.tend AND {props}" + success, "props",
                        FunnelSql.properties(source.funnelCorrelationPropertyValues(),
                                "funnelCorrelationPropertyValues"));
            } else {
                if (source.funnelCorrelationPersonEntity() == null) {
                    throw new ValidationException("funnelCorrelationPersonEntity is required",
                            "funnelCorrelationPersonEntity");
                }
                kind(source.funnelCorrelationPersonEntity().kind(), "EventsNode", "funnelCorrelationPersonEntity");
                Expr entity = Series.of(source.funnelCorrelationPersonEntity(), 0, false).filter();
                where = expr("events.timestamp > f.t1 AND events.timestamp < f.tend AND {range} AND {entity}" + success,
                        "range", InsightSql.timestampIn(plan.range().from(), plan.range().to()), "entity", entity);
            }
            return FunnelSql.selectDistinct(as(field("f", "actor"), "actor")).with("f", population(plan, correlation))
                    .from("events").innerJoin("f", null, expr("f.actor = events.person_id")).where(where).build();
        });
    }
}

package dev.quarry.insights.funnels;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.Functions;
import dev.quarry.insights.HogQLPart;
import dev.quarry.insights.InsightSql;
import dev.quarry.insights.Series;
import dev.quarry.insights.SeriesJson;
import dev.quarry.query.QueryContext;
import dev.quarry.query.JsonQueryRunner;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * FunnelCorrelationQuery (contract §4.4): which events (or person property values) go with converting. The
 * population is every actor who entered the funnel; success = reached the last step. An event counts for an actor
 * when it happens strictly between the actor's step-1 time and their last step's time (failures: step-1 time plus
 * the window), inside the date range. One statement: the funnel scan as a CTE, its totals and the per-name counts.
 */
@ApplicationScoped
public class FunnelCorrelation implements JsonQueryRunner {
    static final int MIN_PERSON_COUNT = 25;
    static final double MIN_PERSON_PERCENTAGE = 0.02;

    @Override
    public String kind() {
        return "FunnelCorrelationQuery";
    }

    /** The FunnelsQuery under {@code source} (a FunnelsActorsQuery, or a FunnelsQuery given directly). */
    static JsonNode funnelsQuery(JsonNode correlation) {
        JsonNode s = correlation.path("source");
        if (s.path("kind").asText("").equals("FunnelsActorsQuery")) {
            s = s.path("source");
        }
        if (!s.path("kind").asText("").equals("FunnelsQuery")) {
            throw new ValidationException("source must be a FunnelsActorsQuery over a FunnelsQuery", "source");
        }
        return s;
    }

    static String type(JsonNode correlation) {
        String type = correlation.path("funnelCorrelationType").asText("events");
        if (!List.of("events", "properties", "event_with_properties").contains(type)) {
            throw new ValidationException("funnelCorrelationType must be events, properties or event_with_properties",
                    "funnelCorrelationType");
        }
        return type;
    }

    /**
     * {@code WITH f AS (actor, success, t1, tend)} over the funnel scan: the actors of the source's
     * {@code funnelStep} (PostHog's default 1 = everyone who entered; N reached step N; −N dropped off before step
     * N), success meaning they reached the last step.
     */
    static HogQLPart population(FunnelPlan plan, JsonNode correlation) {
        int n = plan.n();
        HogQLPart actors = plan.withoutBreakdown().actors();
        JsonNode stepNode = correlation.path("source").path("kind").asText("").equals("FunnelsActorsQuery")
                ? correlation.path("source").get("funnelStep") : null;
        String where = "";
        if (stepNode != null && !stepNode.isNull()) {
            if (!stepNode.canConvertToInt()) {
                throw new ValidationException("funnelStep must be an integer", "funnelStep");
            }
            int step = stepNode.asInt();
            if (step == 0 || step > n || step < -n || step == -1) {
                throw new ValidationException("funnelStep must be 1 … " + n + " (reached) or -2 … -" + n
                        + " (dropped off before that step)", "funnelStep");
            }
            where = step > 0 ? " WHERE r[1] >= " + step : " WHERE r[1] = " + (-step - 1);
        }
        String text = "SELECT actor, r[1] >= " + n + " AS success, toDateTime(r[2]) AS t1, toDateTime(if(r[1] >= " + n
                + ", r[" + (n + 1) + "], r[2] + {fc_window})) AS tend FROM (" + actors.text() + ") AS a" + where;
        Map<String, Object> v = new HashMap<>(actors.values());
        v.put("fc_window", (double) plan.windowSeconds());
        return new HogQLPart(text, v);
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(x -> out.add(x.asText()));
        }
        return out;
    }

    /** The per-name counts statement: rows (is_total, name, success actors, failure actors). */
    static HogQLPart counts(FunnelPlan plan, JsonNode query, String type) {
        HogQLPart pop = population(plan, query);
        Map<String, Object> v = new HashMap<>(pop.values());
        StringBuilder text = new StringBuilder("SELECT 1 AS is_total, '' AS name, "
                + "countIf(success) AS s, countIf(NOT success) AS fl FROM f");
        // PostHog's correlated events never include a funnel step's event (its events join excludes the step names)
        Set<String> stepNames = new LinkedHashSet<>();
        for (Series s : plan.steps()) {
            if (s.event() != null) {
                stepNames.add(s.event());
            }
        }
        if (type.equals("events")) {
            Set<String> excluded = new LinkedHashSet<>(stepNames);
            excluded.addAll(strings(query.get("funnelCorrelationExcludeEventNames")));
            v.put("fc_excluded", new ArrayList<>(excluded));
            v.put("fc_range", InsightSql.timestampIn(plan.range().from(), plan.range().to()));
            text.append(" UNION ALL SELECT 0, name, countIf(success), countIf(NOT success) FROM (SELECT DISTINCT "
                    + "f.actor AS actor, f.success AS success, events.event AS name FROM events INNER JOIN f "
                    + "ON f.actor = events.person_id WHERE events.timestamp > f.t1 AND events.timestamp < f.tend AND "
                    + "{fc_range} AND events.event NOT IN {fc_excluded}) AS d GROUP BY name");
        } else if (type.equals("properties")) {
            List<String> names = strings(query.get("funnelCorrelationNames"));
            if (names.contains("$all")) {
                // every person property: "<property>::<value>" pairs; excluded names are dropped after counting
                v.put("fc_pairs", new Expr.Call(Functions.PROPERTY_PAIRS,
                        List.of(Expr.Field.of("persons", "properties")), null, false));
                text.append(" UNION ALL SELECT 0, pair AS name, countIf(success), countIf(NOT success) FROM (SELECT "
                        + "f.actor AS actor, f.success AS success, arrayJoin({fc_pairs}) AS pair FROM persons "
                        + "INNER JOIN f ON f.actor = persons.id) AS pairs GROUP BY name");
                return new HogQLPart("WITH f AS (" + pop.text() + ") SELECT is_total, name, s, fl FROM (" + text
                        + ") AS counts", v);
            }
            names.removeAll(strings(query.get("funnelCorrelationExcludeNames")));
            if (names.size() > 50) {
                throw new ValidationException("At most 50 property names", "funnelCorrelationNames");
            }
            for (int i = 0; i < names.size(); i++) {
                v.put("fc_pn" + i, names.get(i));
                v.put("fc_pv" + i, Expr.Call.of("toString", Expr.Field.of("persons", "properties", names.get(i))));
                v.put("fc_pw" + i, Expr.Call.of("toString", Expr.Field.of("persons", "properties", names.get(i))));
                text.append(" UNION ALL SELECT 0, concat({fc_pn").append(i).append("}, '::', {fc_pv").append(i)
                        .append("}) AS name, countIf(f.success), countIf(NOT f.success) FROM persons INNER JOIN f ON "
                                + "f.actor = persons.id WHERE isNotNull({fc_pw").append(i).append("}) GROUP BY name");
            }
        } else {
            // event_with_properties: "<event>::<property>::<value>" for each property of the chosen events, counted
            // like events (distinct actors inside their funnel span); excluded property names are dropped later.
            List<String> events = strings(query.get("funnelCorrelationEventNames"));
            if (events.isEmpty()) {
                throw new ValidationException("funnelCorrelationEventNames must name the events to correlate",
                        "funnelCorrelationEventNames");
            }
            v.put("fc_events", events);
            v.put("fc_steps", stepNames.isEmpty() ? List.of("") : new ArrayList<>(stepNames));
            v.put("fc_range", InsightSql.timestampIn(plan.range().from(), plan.range().to()));
            v.put("fc_pairs", new Expr.Call(Functions.PROPERTY_PAIRS,
                    List.of(Expr.Field.of("events", "properties")), null, false));
            // PostHog drops the long tail: a pair needs more than 2 actors (HAVING success + failure > 2)
            text.append(" UNION ALL SELECT 0, name, countIf(success), countIf(NOT success) FROM (SELECT DISTINCT "
                    + "actor, success, concat(ev, '::', pair) AS name FROM (SELECT f.actor AS actor, "
                    + "f.success AS success, events.event AS ev, arrayJoin({fc_pairs}) AS pair FROM events "
                    + "INNER JOIN f ON f.actor = events.person_id WHERE events.timestamp > f.t1 AND "
                    + "events.timestamp < f.tend AND {fc_range} AND events.event IN {fc_events} AND events.event "
                    + "NOT IN {fc_steps}) AS pairs) AS d GROUP BY name HAVING count() > 2");
        }
        return new HogQLPart("WITH f AS (" + pop.text() + ") SELECT is_total, name, s, fl FROM (" + text
                + ") AS counts", v);
    }

    @Override
    public Uni<ObjectNode> run(QueryContext context, ObjectNode query) {
        InsightSql sql = new InsightSql(context, kind());
        String type = type(query);
        return FunnelPlan.parse(sql, funnelsQuery(query)).flatMap(plan -> {
            HogQLPart part = counts(plan, query, type);
            CompiledQuery compiled = sql.compile(part.text(), part.values());
            Set<String> excludedProperties = type.equals("event_with_properties")
                    ? new HashSet<>(strings(query.get("funnelCorrelationEventExcludePropertyNames"))) : Set.of();
            Set<String> excludedNames = type.equals("properties")
                    && strings(query.get("funnelCorrelationNames")).contains("$all")
                    ? new HashSet<>(strings(query.get("funnelCorrelationExcludeNames"))) : Set.of();
            return sql.run(compiled).map(rows -> {
                long successTotal = 0;
                long failureTotal = 0;
                List<Object[]> named = new ArrayList<>();
                for (Row row : rows) {
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
                SeriesJson.putSql(body, List.of(compiled));
                body.putNull("error");
                return body;
            });
        });
    }

    /** Whether "<event>::<property>::<value>" names an excluded property. */
    static boolean excludedProperty(String name, Set<String> excluded) {
        if (excluded.isEmpty()) {
            return false;
        }
        String[] parts = name.split("::", 3);
        return parts.length == 3 && excluded.contains(parts[1]);
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
        List<ObjectNode> success = new ArrayList<>();
        List<ObjectNode> failure = new ArrayList<>();
        for (Object[] e : named) {
            long s = (Long) e[1];
            long f = (Long) e[2];
            if (s + f < threshold) {
                continue;
            }
            double odds = ((s + 1.0) * (failureTotal - f + 1.0)) / ((successTotal - s + 1.0) * (f + 1.0));
            ObjectNode o = mapper.createObjectNode();
            ObjectNode ev = o.putObject("event");
            ev.put("event", (String) e[0]);
            ev.putObject("properties");
            ev.putArray("elements");
            o.put("success_count", s);
            o.put("failure_count", f);
            o.put("odds_ratio", odds);
            o.put("correlation_type", odds > 1 ? "success" : "failure");
            (odds > 1 ? success : failure).add(o);
        }
        Comparator<ObjectNode> byOdds = Comparator.comparingDouble(o -> o.get("odds_ratio").asDouble());
        Comparator<ObjectNode> byName = Comparator.comparing(o -> o.get("event").get("event").asText());
        success.sort(byOdds.reversed().thenComparing(byName));
        failure.sort(byOdds.thenComparing(byName));
        success.stream().limit(10).forEach(events::add);
        failure.stream().limit(10).forEach(events::add);
        out.put("skewed", skewed);
        return out;
    }

    /**
     * FunnelCorrelationActorsQuery: actors of the correlation's population, converted or not
     * ({@code funnelCorrelationPersonConverted}; absent = both), who did {@code funnelCorrelationPersonEntity}
     * inside their funnel span (events types) or match {@code funnelCorrelationPropertyValues} (properties type).
     */
    static Uni<HogQLPart> actors(InsightSql sql, JsonNode source) {
        JsonNode correlation = source.get("source");
        if (correlation == null || !correlation.path("kind").asText("").equals("FunnelCorrelationQuery")) {
            throw new ValidationException("source must be a FunnelCorrelationQuery", "source");
        }
        String type = type(correlation);
        return FunnelPlan.parse(sql, funnelsQuery(correlation)).map(plan -> {
            HogQLPart pop = population(plan, correlation);
            Map<String, Object> v = new HashMap<>(pop.values());
            JsonNode converted = source.get("funnelCorrelationPersonConverted");
            String success = converted == null || converted.isNull() ? "" : converted.asBoolean()
                    ? " AND f.success" : " AND NOT f.success";
            String text;
            if (type.equals("properties")) {
                v.put("fc_props", InsightSql.properties(source.get("funnelCorrelationPropertyValues"),
                        "funnelCorrelationPropertyValues"));
                text = "WITH f AS (" + pop.text() + ") SELECT DISTINCT f.actor AS actor FROM events INNER JOIN f ON "
                        + "f.actor = events.person_id WHERE events.timestamp >= f.t1 AND events.timestamp <= f.tend "
                        + "AND {fc_props}" + success;
            } else {
                JsonNode entity = source.get("funnelCorrelationPersonEntity");
                if (entity == null || !entity.isObject()) {
                    throw new ValidationException("funnelCorrelationPersonEntity is required",
                            "funnelCorrelationPersonEntity");
                }
                if (!entity.has("event") && entity.hasNonNull("id")) {
                    // the legacy entity shape {id: "<event>", type: "events"}
                    entity = ((com.fasterxml.jackson.databind.node.ObjectNode) entity.deepCopy())
                            .put("event", entity.get("id").asText());
                }
                v.put("fc_entity", Series.parse(entity, 0, "funnelCorrelationPersonEntity").filter());
                v.put("fc_range", InsightSql.timestampIn(plan.range().from(), plan.range().to()));
                text = "WITH f AS (" + pop.text() + ") SELECT DISTINCT f.actor AS actor FROM events INNER JOIN f ON "
                        + "f.actor = events.person_id WHERE events.timestamp > f.t1 AND events.timestamp < f.tend "
                        + "AND {fc_range} AND {fc_entity}" + success;
            }
            return new HogQLPart(text, v);
        });
    }
}

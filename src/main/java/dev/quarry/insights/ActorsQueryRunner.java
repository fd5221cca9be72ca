package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.insights.funnels.FunnelActors;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryRunner;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * ActorsQuery over an {@code InsightActorsQuery}, {@code FunnelsActorsQuery} or {@code FunnelCorrelationActorsQuery}:
 * the persons of one cell of a Trends, Lifecycle, Stickiness or Retention insight, or of a funnel step or correlation,
 * read through the same HogQL part that computes the number beside it.
 */
@ApplicationScoped
public class ActorsQueryRunner implements QueryRunner {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 10_000;
    private static final Pattern PROPERTY_COLUMN = Pattern.compile("^(?:person\\.)?properties\\.([A-Za-z0-9_$@. \\-]{1,200})$");

    @Override
    public String kind() {
        return "ActorsQuery";
    }

    @Override
    public String interval(ObjectNode query) {
        return query.path("source").path("source").path("interval").asText(null);
    }

    @Override
    public Uni<ObjectNode> run(QueryContext context, ObjectNode query) {
        InsightSql sql = new InsightSql(context, kind());
        JsonNode source = query.get("source");
        if (source == null || !source.isObject()) {
            throw new ValidationException("source is required", "source");
        }
        String sourceKind = source.path("kind").asText("");
        if (!List.of("InsightActorsQuery", "StickinessActorsQuery", "FunnelsActorsQuery", "FunnelCorrelationActorsQuery")
                .contains(sourceKind)) {
            throw new ValidationException("Unsupported actors source: " + sourceKind, "source");
        }
        List<String> select = select(query.get("select"));
        int limit = query.path("limit").asInt(DEFAULT_LIMIT);
        int offset = query.path("offset").asInt(0);
        if (limit < 1 || limit > MAX_LIMIT || offset < 0) {
            throw new ValidationException("limit must be 1.." + MAX_LIMIT + " and offset ≥ 0", "limit");
        }
        Uni<HogQLPart> actors = sourceKind.startsWith("Funnel")
                ? FunnelActors.part(sql, source).map(part -> part.wrap("SELECT actor AS person_id FROM %s AS funnel_actors", Map.of()))
                : cellActors(sql, source);
        return actors.flatMap(cell -> {
            Map<String, Object> values = new HashMap<>(cell.values());
            String text = "SELECT id, created_at, properties, is_identified FROM persons WHERE id IN (" + cell.text()
                    + ") AND {ac_filter}";
            String search = query.path("search").asText("").trim();
            if (!search.isEmpty()) {
                String pattern = dev.quarry.hogql.LikePatterns.contains(search);
                values.put("ac_pattern", pattern);
                text += " AND (properties.email ilike {ac_pattern} OR properties.name ilike {ac_pattern} OR id IN "
                        + "(SELECT person_id FROM person_distinct_ids WHERE distinct_id ilike {ac_pattern}))";
            }
            values.put("ac_filter", InsightSql.properties(query.get("properties"), "properties"));
            text += " ORDER BY " + orderBy(query.get("orderBy")) + " LIMIT " + (limit + 1) + " OFFSET " + offset;
            CompiledQuery persons = sql.compile(text, values, limit + 1);
            HogQLPart missing = new HogQLPart("SELECT count(DISTINCT person_id) FROM (" + cell.text() + ") AS cell "
                    + "WHERE person_id NOT IN (SELECT id FROM persons)", cell.values());
            CompiledQuery missingQ = sql.compile(missing.text(), missing.values());
            return sql.run(persons).flatMap(rows -> {
                List<Row> people = new ArrayList<>();
                rows.forEach(people::add);
                boolean hasMore = people.size() > limit;
                List<Row> page = hasMore ? people.subList(0, limit) : people;
                List<UUID> ids = page.stream().map(r -> r.getUUID(0)).toList();
                Uni<Map<UUID, List<String>>> distinctIds = ids.isEmpty() ? Uni.createFrom().item(Map.of())
                        : sql.run("SELECT person_id, distinct_id FROM person_distinct_ids WHERE person_id IN {ids} "
                                + "ORDER BY distinct_id", Map.of("ids", ids)).map(d -> {
                                    Map<UUID, List<String>> m = new HashMap<>();
                                    for (Row r : d) {
                                        m.computeIfAbsent(r.getUUID(0), k -> new ArrayList<>()).add(r.getString(1));
                                    }
                                    return m;
                                });
                return distinctIds.flatMap(dids -> sql.run(missingQ).map(m -> {
                    ObjectNode body = context.mapper().createObjectNode();
                    ArrayNode results = body.putArray("results");
                    for (Row r : page) {
                        ArrayNode out = results.addArray();
                        ObjectNode person = Actors.person(context.mapper(), r.getUUID(0), r.getOffsetDateTime(1),
                                r.getString(2), Boolean.TRUE.equals(r.getBoolean(3)),
                                dids.getOrDefault(r.getUUID(0), List.of()), context.team().personDisplayNameProperties());
                        for (String column : select) {
                            out.add(column(context.mapper(), column, person));
                        }
                    }
                    ArrayNode columns = body.putArray("columns");
                    ArrayNode types = body.putArray("types");
                    select.forEach(c -> {
                        columns.add(c);
                        types.add(c.equals("person") ? "Tuple" : c.equals("created_at") ? "DateTime" : "String");
                    });
                    body.put("hasMore", hasMore);
                    body.put("limit", limit);
                    body.put("offset", offset);
                    body.put("missing_actors_count", m.iterator().next().getLong(0));
                    SeriesJson.putSql(body, query, List.of(persons));
                    body.putNull("error");
                    return body;
                }));
            });
        });
    }

    private static List<String> select(JsonNode select) {
        List<String> out = new ArrayList<>();
        if (select == null || select.isNull()) {
            out.add("person");
            out.add("id");
            out.add("created_at");
            return out;
        }
        if (!select.isArray()) {
            throw new ValidationException("select must be a list", "select");
        }
        for (JsonNode s : select) {
            String c = s.asText("").trim();
            if (!(List.of("person", "id", "created_at", "is_identified", "person.$delete", "properties",
                    "distinct_ids").contains(c) || PROPERTY_COLUMN.matcher(c).matches())) {
                throw new ValidationException("Unsupported actors column: " + c, "select");
            }
            out.add(c);
        }
        return out;
    }

    private static String orderBy(JsonNode orderBy) {
        List<String> parts = new ArrayList<>();
        if (orderBy != null && orderBy.isArray()) {
            for (JsonNode o : orderBy) {
                String[] words = o.asText("").trim().split("\\s+");
                String dir = words.length > 1 && words[words.length - 1].equalsIgnoreCase("DESC") ? " DESC" : " ASC";
                String col = words[0];
                if (col.equals("id") || col.equals("created_at") || col.equals("is_identified")) {
                    parts.add(col + dir);
                } else if (col.equals("person")) {
                    parts.add("properties.email" + dir);
                } else {
                    throw new ValidationException("Unsupported orderBy: " + o.asText(), "orderBy");
                }
            }
        }
        parts.add("created_at DESC");
        parts.add("id ASC");
        return String.join(", ", parts);
    }

    private static JsonNode column(ObjectMapper mapper, String column, ObjectNode person) {
        return switch (column) {
            case "person" -> person;
            case "id" -> person.get("id");
            case "created_at" -> person.get("created_at");
            case "is_identified" -> person.get("is_identified");
            case "properties" -> person.get("properties");
            case "distinct_ids" -> person.get("distinct_ids");
            case "person.$delete" -> mapper.nullNode();
            default -> {
                var m = PROPERTY_COLUMN.matcher(column);
                m.matches();
                JsonNode v = person.path("properties").get(m.group(1));
                yield v == null ? mapper.nullNode() : v;
            }
        };
    }

    /** The person ids of the requested cell, as a HogQL part with a {@code person_id} column. */
    static Uni<HogQLPart> cellActors(InsightSql sql, JsonNode source) {
        JsonNode insight = source.get("source");
        if (insight == null || !insight.isObject()) {
            throw new ValidationException("source.source is required", "source");
        }
        String kind = insight.path("kind").asText("");
        switch (kind) {
            case "LifecycleQuery": {
                String status = source.path("status").asText(null);
                if (status == null || !LifecycleQueryRunner.STATUSES.contains(status)) {
                    throw new ValidationException("status must be one of new, returning, resurrecting, dormant", "status");
                }
                return LifecycleQueryRunner.plan(sql, insight).map(plan -> {
                    long period = bucketIndex(sql, plan.range(), source.get("day"));
                    return LifecycleQueryRunner.cells(plan).wrap("SELECT person_id FROM %s AS cells WHERE period = "
                            + "{ac_period} AND status = {ac_status}", Map.of("ac_period", period, "ac_status", status));
                });
            }
            case "StickinessQuery": {
                JsonNode day = source.get("day");
                if (day == null || !day.canConvertToLong()) {
                    throw new ValidationException("day must be the number of intervals", "day");
                }
                int series = source.path("series").asInt(0);
                return StickinessQueryRunner.plans(sql, insight).map(plans -> {
                    StickinessQueryRunner.Plan plan = pick(plans, series, source.path("compare").asText(null));
                    String op = plan.cumulative() ? ">=" : "=";
                    return StickinessQueryRunner.actorIntervals(plan).wrap("SELECT person_id FROM %s AS actors WHERE "
                            + "intervals " + op + " {ac_n}", Map.of("ac_n", day.asLong()));
                });
            }
            case "TrendsQuery":
                return trendsCell(sql, source, insight);
            case "RetentionQuery": {
                RetentionQueryRunner.Plan plan = RetentionQueryRunner.plan(sql, insight);
                long interval = source.path("interval").asLong(0);
                return Uni.createFrom().item(RetentionQueryRunner.cells(plan).wrap("SELECT person_id FROM %s AS cells "
                        + "WHERE start = {ac_start} AND j = 0", Map.of("ac_start", interval)));
            }
            default:
                throw new ValidationException("Unsupported insight for actors: " + kind, "source");
        }
    }

    private static <P> P pick(List<P> plans, int series, String compare) {
        int perRange = plans.size();
        if (compare != null && (compare.equals("current") || compare.equals("previous"))) {
            perRange = plans.size() / 2;
        }
        int index = series + ("previous".equals(compare) ? perRange : 0);
        if (series < 0 || index >= plans.size()) {
            throw new ValidationException("series out of range", "series");
        }
        return plans.get(index);
    }

    private static Uni<HogQLPart> trendsCell(InsightSql sql, JsonNode source, JsonNode insight) {
        List<Series> series = Series.parseAll(insight.get("series"), "series");
        int index = source.path("series").asInt(0);
        if (index < 0 || index >= series.size()) {
            throw new ValidationException("series out of range", "series");
        }
        Series s = series.get(index);
        Interval interval = Interval.parse(insight.path("interval").asText(null), "interval");
        Breakdown breakdown = Breakdown.parse(insight.get("breakdownFilter"));
        boolean totalValue = TrendsQueryRunner.TOTAL_VALUE_DISPLAYS.contains(
                insight.path("trendsFilter").path("display").asText(""));
        String compare = source.path("compare").asText(null);
        String compareTo = insight.path("compareFilter").path("compare_to").asText(null);
        Expr where = InsightSql.and(s.filter(), sql.globalFilters(insight));
        return sql.dateRange(insight, interval, "-7d").flatMap(range -> {
            DateRange dr = "previous".equals(compare) ? range.previous(compareTo) : range;
            return TrendsQueryRunner.plan(sql, s, dr, where, breakdown, totalValue, null, new ArrayList<>())
                    .map(plan -> {
                        Long period = totalValue || source.get("day") == null || source.get("day").isNull() ? null
                                : bucketIndex(sql, dr, source.get("day"));
                        JsonNode b = source.get("breakdown");
                        String value = b == null || b.isNull() ? null : b.isArray() ? b.path(0).asText() : b.asText();
                        return TrendsQueryRunner.cellEvents(sql, plan, period, value);
                    });
        });
    }

    /** The bucket a {@code day} ("2020-01-09", or a date-time) falls in, as an index into the range. */
    static long bucketIndex(InsightSql sql, DateRange range, JsonNode day) {
        if (day == null || day.isNull() || day.asText().isBlank()) {
            throw new ValidationException("day is required", "day");
        }
        String text = day.asText().trim();
        ZonedDateTime t;
        try {
            t = text.length() == 10 ? LocalDate.parse(text).atStartOfDay(sql.zone())
                    : RelativeDates.parse(text, sql.now(), false, "day");
        } catch (java.time.format.DateTimeParseException e) {
            throw new ValidationException("Invalid day: " + text, "day");
        }
        if (t == null) {
            throw new ValidationException("Invalid day: " + text, "day");
        }
        ZonedDateTime bucket = range.interval().start(t.withZoneSameInstant(sql.zone()), range.weekStartDay());
        return range.interval().between(range.firstBucket(), bucket);
    }
}

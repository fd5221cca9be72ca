package dev.quarry.insights;

import dev.quarry.dates.Interval;
import dev.quarry.dates.QueryDateRange;
import dev.quarry.dates.RelativeDates;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.PropertyFilters;
import dev.quarry.query.QueryContext;
import dev.quarry.query.JsonQueryRunner;
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
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * ActorsQuery over an {@code InsightActorsQuery}, {@code FunnelsActorsQuery} or {@code FunnelCorrelationActorsQuery}:
 * the persons of one cell of a Trends, Lifecycle, Stickiness or Retention insight, or of a funnel step or correlation,
 * read through the same HogQL part that computes the number beside it.
 */
@ApplicationScoped
public class ActorsQueryRunner implements JsonQueryRunner {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 10_000;
    private static final Pattern PROPERTY_COLUMN = Pattern.compile("^(?:person\\.)?properties\\.([A-Za-z0-9_$@. \\-]{1,200})$");
    private static final Pattern RETENTION_COLUMN = Pattern.compile("^(hour|day|week|month)_(\\d{1,3})$");
    private static final Pattern ORDER_TERM = Pattern.compile("^(.+?)(?:\\s+(ASC|DESC))?$", Pattern.CASE_INSENSITIVE);
    static final Set<String> QUERY_FIELDS = Set.of("kind", "source", "select", "search", "properties",
            "fixedProperties", "orderBy", "limit", "offset");

    /**
     * The persons of a source: {@code part} selects {@code person_id} (one row per matching event when
     * {@code eventRows}, so that {@code event_count} is the row count), and for retention also {@code j}, the
     * intervals the person appeared in ({@code appearances}; {@code period} is "day", "week" …).
     */
    public record Cell(HogQLPart part, boolean eventRows, boolean retention, int retentionIntervals, String period,
                       boolean counted) {
        public static Cell of(HogQLPart part) {
            return new Cell(part, false, false, 0, null, false);
        }

        public static Cell events(HogQLPart part) {
            return new Cell(part, true, false, 0, null, false);
        }

        /** Persons with their event counts already known: a part with columns {@code person_id, n}. */
        public static Cell counted(Map<UUID, Long> counts) {
            Map<Long, List<UUID>> byCount = new java.util.TreeMap<>();
            counts.forEach((id, n) -> byCount.computeIfAbsent(n, k -> new ArrayList<>()).add(id));
            List<String> parts = new ArrayList<>();
            Map<String, Object> values = new HashMap<>();
            int i = 0;
            for (Map.Entry<Long, List<UUID>> e : byCount.entrySet()) {
                parts.add("SELECT id AS person_id, {pc_n" + i + "} AS n FROM persons WHERE id IN {pc_ids" + i + "}");
                values.put("pc_n" + i, e.getKey());
                values.put("pc_ids" + i, e.getValue());
                i++;
            }
            if (parts.isEmpty()) {
                parts.add("SELECT id AS person_id, 0 AS n FROM persons WHERE false");
            }
            return new Cell(new HogQLPart(String.join(" UNION ALL ", parts), values), true, false, 0, null, true);
        }
    }

    private final List<ActorsSource> sources;

    public ActorsQueryRunner(jakarta.enterprise.inject.Instance<ActorsSource> sources) {
        this.sources = sources.stream().toList();
    }

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
        QueryFields.check(query, QUERY_FIELDS, Set.of(), Map.of(), "ActorsQuery");
        JsonNode source = query.get("source");
        int limit = query.path("limit").asInt(DEFAULT_LIMIT);
        int offset = query.path("offset").asInt(0);
        if (limit < 1 || limit > MAX_LIMIT || offset < 0) {
            throw new ValidationException("limit must be 1.." + MAX_LIMIT + " and offset ≥ 0", "limit");
        }
        Uni<Cell> actors;
        if (source == null || source.isNull()) {
            actors = Uni.createFrom().nullItem();
        } else {
            if (!source.isObject()) {
                throw new ValidationException("source must be a query object", "source");
            }
            String sourceKind = source.path("kind").asText("");
            if (!List.of("InsightActorsQuery", "StickinessActorsQuery", "FunnelsActorsQuery",
                    "FunnelCorrelationActorsQuery").contains(sourceKind)) {
                throw new ValidationException("Unsupported actors source: " + sourceKind, "source");
            }
            actors = cellActors(sql, source, sourceKind);
        }
        return actors.flatMap(cell -> page(context, sql, query, cell, limit, offset));
    }

    private Uni<ObjectNode> page(QueryContext context, InsightSql sql, JsonNode query, Cell cell, int limit,
                                 int offset) {
        List<String> select = select(query.get("select"), cell);
        Map<String, Object> values = new HashMap<>();
        String text;
        String pre = cell == null ? "" : "p.";
        if (cell == null) {
            text = "SELECT id, created_at, properties, is_identified, 0 FROM persons WHERE {ac_filter}";
        } else {
            values.putAll(cell.part().values());
            String stats = cell.retention() ? "count(DISTINCT j)" : cell.counted() ? "max(n)" : "count()";
            text = "SELECT p.id, p.created_at, p.properties, p.is_identified, a.n FROM persons AS p INNER JOIN "
                    + "(SELECT person_id, " + stats + " AS n FROM (" + cell.part().text() + ") AS cell GROUP BY "
                    + "person_id) AS a ON a.person_id = p.id WHERE {ac_filter}";
        }
        String search = query.path("search").isNull() ? "" : query.path("search").asText("").trim();
        if (!search.isEmpty()) {
            values.put("ac_pattern", dev.quarry.hogql.LikePatterns.contains(search));
            text += " AND (" + pre + "properties.email ilike {ac_pattern} OR " + pre + "properties.name ilike "
                    + "{ac_pattern} OR " + pre + "id IN (SELECT person_id FROM person_distinct_ids WHERE "
                    + "distinct_id ilike {ac_pattern})";
            if (search.matches("(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")) {
                values.put("ac_uuid", UUID.fromString(search));
                text += " OR " + pre + "id = {ac_uuid}";
            }
            text += ")";
        }
        values.put("ac_filter", InsightSql.and(personFilter(query.get("properties"), "properties"),
                personFilter(query.get("fixedProperties"), "fixedProperties")));
        text += " ORDER BY " + orderBy(query.get("orderBy"), cell, pre) + " LIMIT " + (limit + 1) + " OFFSET " + offset;
        CompiledQuery persons = sql.compile(text, values, limit + 1);
        CompiledQuery missingQ = null;
        if (cell != null) {
            HogQLPart missing = new HogQLPart("SELECT count(DISTINCT person_id) FROM (" + cell.part().text()
                    + ") AS cell WHERE person_id NOT IN (SELECT id FROM persons)", cell.part().values());
            missingQ = sql.compile(missing.text(), missing.values());
        }
        CompiledQuery missingCount = missingQ;
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
            Uni<Map<UUID, List<Integer>>> appearances = cell == null || !cell.retention() || ids.isEmpty()
                    ? Uni.createFrom().item(Map.of()) : appearances(sql, cell, ids);
            Uni<Long> missingActors = missingCount == null ? Uni.createFrom().item(0L)
                    : sql.run(missingCount).map(m -> m.iterator().next().getLong(0));
            return distinctIds.flatMap(dids -> appearances.flatMap(apps -> missingActors.map(missingN -> {
                ObjectNode body = context.mapper().createObjectNode();
                ArrayNode results = body.putArray("results");
                for (Row r : page) {
                    ArrayNode out = results.addArray();
                    ObjectNode person = Actors.person(context.mapper(), r.getUUID(0), r.getOffsetDateTime(1),
                            r.getString(2), Boolean.TRUE.equals(r.getBoolean(3)),
                            dids.getOrDefault(r.getUUID(0), List.of()), context.team().personDisplayNameProperties());
                    long n = ((Number) r.getValue(4)).longValue();
                    List<Integer> app = apps.getOrDefault(r.getUUID(0), List.of());
                    for (String column : select) {
                        out.add(column(context.mapper(), column, person, n, app));
                    }
                }
                ArrayNode columns = body.putArray("columns");
                ArrayNode types = body.putArray("types");
                select.forEach(c -> {
                    columns.add(c);
                    types.add(type(c));
                });
                body.put("hasMore", hasMore);
                body.put("limit", limit);
                body.put("offset", offset);
                body.put("missing_actors_count", missingN);
                SeriesJson.putSql(body, List.of(persons));
                body.putNull("error");
                return body;
            })));
        });
    }

    /** Property filters on the persons table (person properties and cohorts; event properties are refused). */
    private static Expr personFilter(JsonNode filters, String attr) {
        try {
            return PropertyFilters.toExpr(filters, PropertyFilters.Context.PERSONS);
        } catch (HogQLException e) {
            throw new ValidationException(e.getMessage(), attr);
        }
    }

    /** Each person's distinct retention intervals, sorted (PostHog's {@code appearances}). */
    private static Uni<Map<UUID, List<Integer>>> appearances(InsightSql sql, Cell cell, List<UUID> ids) {
        HogQLPart part = cell.part().wrap("SELECT person_id, j FROM %s AS cell WHERE person_id IN {ac_ids} "
                + "GROUP BY person_id, j ORDER BY person_id, j", Map.of("ac_ids", ids));
        return sql.run(sql.compile(part.text(), part.values())).map(rows -> {
            Map<UUID, List<Integer>> m = new HashMap<>();
            for (Row r : rows) {
                m.computeIfAbsent(r.getUUID(0), k -> new ArrayList<>()).add((int) (long) r.getLong(1));
            }
            return m;
        });
    }

    private static String type(String column) {
        return switch (column) {
            case "person", "actor" -> "Tuple";
            case "created_at" -> "DateTime";
            case "event_count" -> "UInt64";
            case "matched_recordings", "appearances", "distinct_ids" -> "Array";
            case "is_identified" -> "Boolean";
            default -> RETENTION_COLUMN.matcher(column).matches() ? "UInt8" : "String";
        };
    }

    private static List<String> select(JsonNode select, Cell cell) {
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
            boolean known = List.of("person", "actor", "id", "created_at", "is_identified", "person.$delete",
                    "properties", "distinct_ids", "matched_recordings").contains(c)
                    || PROPERTY_COLUMN.matcher(c).matches();
            if (c.equals("event_count")) {
                if (cell == null || !cell.eventRows()) {
                    throw new ValidationException("event_count is only available for trends and paths actors", "select");
                }
                known = true;
            }
            var m = RETENTION_COLUMN.matcher(c);
            if (c.equals("appearances") || m.matches()) {
                if (cell == null || !cell.retention()) {
                    throw new ValidationException(c + " is only available for retention actors", "select");
                }
                if (m.matches() && (!m.group(1).equals(cell.period())
                        || Integer.parseInt(m.group(2)) >= cell.retentionIntervals())) {
                    throw new ValidationException("Unsupported retention column: " + c + " (this retention has "
                            + cell.period() + "_0 … " + cell.period() + "_" + (cell.retentionIntervals() - 1) + ")",
                            "select");
                }
                known = true;
            }
            if (!known) {
                throw new ValidationException("Unsupported actors column: " + c, "select");
            }
            out.add(c);
        }
        return out;
    }

    private static String orderBy(JsonNode orderBy, Cell cell, String pre) {
        List<String> parts = new ArrayList<>();
        if (orderBy != null && !orderBy.isNull() && !orderBy.isArray()) {
            throw new ValidationException("orderBy must be a list", "orderBy");
        }
        if (orderBy != null && orderBy.isArray()) {
            for (JsonNode o : orderBy) {
                var m = ORDER_TERM.matcher(o.asText("").trim());
                if (!m.matches()) {
                    throw new ValidationException("Unsupported orderBy: " + o.asText(), "orderBy");
                }
                String dir = m.group(2) != null && m.group(2).equalsIgnoreCase("DESC") ? " DESC" : " ASC";
                String col = m.group(1).replaceAll("\\s+", "");
                switch (col) {
                    case "id", "actor_id" -> parts.add(pre + "id" + dir);
                    case "created_at", "is_identified" -> parts.add(pre + col + dir);
                    case "person", "actor" -> parts.add(pre + "properties.email" + dir);
                    case "event_count" -> {
                        if (cell == null || !cell.eventRows()) {
                            throw new ValidationException("event_count is only available for trends and paths actors",
                                    "orderBy");
                        }
                        parts.add("a.n" + dir);
                    }
                    case "length(appearances)" -> {
                        if (cell == null || !cell.retention()) {
                            throw new ValidationException("appearances is only available for retention actors",
                                    "orderBy");
                        }
                        parts.add("a.n" + dir);
                    }
                    default -> throw new ValidationException("Unsupported orderBy: " + o.asText(), "orderBy");
                }
            }
        }
        parts.add(pre + "created_at DESC");
        parts.add(pre + "id ASC");
        return String.join(", ", parts);
    }

    private static JsonNode column(ObjectMapper mapper, String column, ObjectNode person, long n, List<Integer> app) {
        return switch (column) {
            case "person", "actor" -> person;
            case "id" -> person.get("id");
            case "created_at" -> person.get("created_at");
            case "is_identified" -> person.get("is_identified");
            case "properties" -> person.get("properties");
            case "distinct_ids" -> person.get("distinct_ids");
            case "person.$delete" -> mapper.nullNode();
            case "matched_recordings" -> mapper.createArrayNode();
            case "event_count" -> mapper.getNodeFactory().numberNode(n);
            case "appearances" -> {
                ArrayNode a = mapper.createArrayNode();
                app.forEach(a::add);
                yield a;
            }
            default -> {
                var r = RETENTION_COLUMN.matcher(column);
                if (r.matches()) {
                    yield mapper.getNodeFactory().numberNode(app.contains(Integer.parseInt(r.group(2))) ? 1 : 0);
                }
                var m = PROPERTY_COLUMN.matcher(column);
                m.matches();
                JsonNode v = person.path("properties").get(m.group(1));
                yield v == null ? mapper.nullNode() : v;
            }
        };
    }

    /** The insight kinds whose cells {@code InsightActorsQuery} and {@code StickinessActorsQuery} may name. */
    static final List<String> INSIGHT_SOURCES = List.of("InsightActorsQuery", "StickinessActorsQuery");

    /** The person ids of the requested cell, from the bean of the source's kind. */
    private Uni<Cell> cellActors(InsightSql sql, JsonNode source, String sourceKind) {
        String insightKind = "";
        if (INSIGHT_SOURCES.contains(sourceKind)) {
            JsonNode insight = source.get("source");
            if (insight == null || !insight.isObject()) {
                throw new ValidationException("source.source is required", "source");
            }
            insightKind = insight.path("kind").asText("");
        }
        for (ActorsSource s : sources) {
            if (s.answers(sourceKind, insightKind)) {
                return s.actors(sql, source);
            }
        }
        throw new ValidationException("Unsupported insight for actors: " + insightKind, "source");
    }

    /** The plan a cell's {@code series} (and {@code compare}: current/previous) names among an insight's plans. */
    static <P> P pick(List<P> plans, int series, String compare) {
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

    /** The bucket a {@code day} ("2020-01-09", or a date-time) falls in, as an index into the range. */
    static long bucketIndex(InsightSql sql, QueryDateRange range, JsonNode day) {
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

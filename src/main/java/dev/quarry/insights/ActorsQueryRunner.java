package dev.quarry.insights;

import dev.quarry.dates.QueryDateRange;
import dev.quarry.dates.RelativeDates;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.JoinExpr;
import dev.quarry.hogql.Parser;
import dev.quarry.hogql.Placeholders;
import dev.quarry.hogql.PropertyFilters;
import dev.quarry.hogql.SelectLike;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.hogql.SelectUnion;
import dev.quarry.query.HogQLStatement;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryRunner;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.web.ResponseTooLargeException;
import dev.quarry.web.ValidationException;
import dev.quarry.query.QueryPlan;
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
 * ActorsQuery: every person, or over an {@code InsightActorsQuery}, {@code FunnelsActorsQuery} or
 * {@code FunnelCorrelationActorsQuery} the persons of one cell of a Trends, Lifecycle, Stickiness, Retention or
 * Paths insight, or of a funnel step or correlation. The cell's persons come as an AST from the runner of the
 * source's kind ({@link ActorsSource}: no switch over kinds here), built by the same plan that computes the number
 * beside it; this runner wraps it in the page query (columns, search, filters, order, limit).
 */
@ApplicationScoped
public class ActorsQueryRunner implements QueryRunner<ActorsQuery> {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 10_000;
    /**
     * The most values (rows × select columns) one page's answer is built with: a full page of 100 columns. A person
     * column repeated 1,500 times over 10,000 rows is gigabytes of JSON; it is refused before it is built.
     */
    static final long MAX_ANSWER_VALUES = (long) MAX_LIMIT * 100;
    /** The longest {@code search}: longer than any distinct id (200) or a reasonable email or name. */
    static final int MAX_SEARCH_CHARS = 1000;
    private static final Pattern PROPERTY_COLUMN = Pattern.compile("^(?:person\\.)?properties\\.([A-Za-z0-9_$@. \\-]{1,200})$");
    private static final Pattern RETENTION_COLUMN = Pattern.compile("^(hour|day|week|month)_(\\d{1,3})$");
    /** PostHog's display-name column of actor lists ({@code person_display_name -- Person}). */
    private static final String DISPLAY_NAME = "person_display_name";
    private static final Pattern ORDER_TERM = Pattern.compile("^(.+?)(?:\\s+(ASC|DESC))?$", Pattern.CASE_INSENSITIVE);

    /**
     * The persons of a source: {@code select} is a HogQL AST with a {@code person_id} column (one row per matching
     * event when {@code eventRows}, so that {@code event_count} is the row count; with {@code counted}, a column
     * {@code n} holding it), and for retention also {@code j}, the intervals the person appeared in
     * ({@code appearances}; {@code period} is "day", "week" …). With {@code groupTypeIndex} set the cell's actors
     * are groups of that type (an insight aggregated by groups, or a series counting them): then {@code person_id}
     * holds each group's key, as PostHog's actor queries keep the actor id in one column whatever the actor is.
     */
    public record Cell(SelectLike select, boolean eventRows, boolean retention, int retentionIntervals, String period,
                       boolean counted, Integer groupTypeIndex) {
        public static Cell of(SelectLike select) {
            return new Cell(select, false, false, 0, null, false, null);
        }

        public static Cell events(SelectLike select) {
            return new Cell(select, true, false, 0, null, false, null);
        }

        /** Retention's cell: columns {@code person_id, j}, with the row's {@code intervals} of {@code period}. */
        public static Cell retention(SelectLike select, int intervals, String period) {
            return new Cell(select, false, true, intervals, period, false, null);
        }

        /** This cell with groups of type {@code index} as its actors (null: persons). */
        public Cell ofGroups(Integer index) {
            return new Cell(select, eventRows, retention, retentionIntervals, period, counted, index);
        }

        boolean groups() {
            return groupTypeIndex != null;
        }

        /** Persons with their event counts already known: columns {@code person_id, n}. */
        public static Cell counted(Map<UUID, Long> counts) {
            Map<Long, List<UUID>> byCount = new java.util.TreeMap<>();
            counts.forEach((id, n) -> byCount.computeIfAbsent(n, k -> new ArrayList<>()).add(id));
            List<SelectLike> parts = new ArrayList<>();
            for (Map.Entry<Long, List<UUID>> e : byCount.entrySet()) {
                List<Expr> ids = new ArrayList<>();
                e.getValue().forEach(id -> ids.add(new Expr.Constant(id)));
                parts.add(SelectQuery.of(List.of(new Expr.Alias(Expr.Field.of("id"), "person_id"),
                        new Expr.Alias(new Expr.Constant(e.getKey()), "n")), "persons",
                        new Expr.Compare("in", Expr.Field.of("id"), new Expr.TupleLit(ids))));
            }
            if (parts.isEmpty()) {
                parts.add(SelectQuery.of(List.of(new Expr.Alias(Expr.Field.of("id"), "person_id"),
                        new Expr.Alias(new Expr.Constant(0L), "n")), "persons", new Expr.Constant(false)));
            }
            SelectLike select = parts.size() == 1 ? parts.get(0) : new SelectUnion(parts);
            return new Cell(select, true, false, 0, null, true, null);
        }

        /** A fresh copy of the cell's AST, to be placed in one query (the resolver keys nodes by identity). */
        SelectLike copy() {
            return (SelectLike) Placeholders.Transformer.copy(select);
        }
    }

    private final List<ActorsSource<?>> sources;

    public ActorsQueryRunner(jakarta.enterprise.inject.Instance<ActorsSource<?>> sources) {
        this.sources = sources.stream().toList();
    }

    @Override
    public String kind() {
        return "ActorsQuery";
    }

    @Override
    public Class<ActorsQuery> queryType() {
        return ActorsQuery.class;
    }


    @Override
    public QueryPlan<ObjectNode> plan(QueryContext context, ActorsQuery query) {
        return people(context, query).map(page -> answer(context, page));
    }

    /**
     * The same page as {@link #plan}, as records: what the persons endpoints read (they never parse the answer's
     * JSON back).
     */
    public QueryPlan<Page> people(QueryContext context, ActorsQuery query) {
        InsightSql sql = new InsightSql(context, kind());
        int limit = query.limit() == null ? DEFAULT_LIMIT : query.limit();
        int offset = query.offset() == null ? 0 : query.offset();
        if (query.search() != null && query.search().codePointCount(0, query.search().length()) > MAX_SEARCH_CHARS) {
            // every actor's email, name, distinct ids (and a group's key, name) are read against it: a 400,000-character
            // search held a statement slot for a minute
            throw new ValidationException("search must be at most " + MAX_SEARCH_CHARS + " characters", "search");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ValidationException("limit must be 1.." + MAX_LIMIT, "limit");
        }
        if (offset < 0) {
            throw new ValidationException("offset must be ≥ 0", "offset");
        }
        QueryPlan<Cell> actors = query.source() == null ? QueryPlan.of(null) : cellActors(sql, query.source());
        return actors.flatMap(cell -> rows(context, sql, query, cell, limit, offset));
    }

    /**
     * One page of actors: each row's person, its count for the cell ({@code event_count}; 0 without source) and its
     * retention intervals ({@code appearances}); whether more follow; {@code missingActors}: how many rows of this
     * page are persons of the cell that the persons table no longer holds (deleted since; PostHog's per-page
     * {@code missing_actors_count}, the page's rows minus the actors found). They sort after every existing person
     * and are not in {@code rows}; with a person filter or a search they are left out (nothing is known to match).
     */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record Page(List<String> select, List<ActorRow> rows, boolean hasMore, int limit, int offset,
                       long missingActors, dev.quarry.hogql.CompiledQuery compiled) {
    }

    /**
     * One actor of a page: the person, or for a cell of groups ({@link Cell#groupTypeIndex}) the group (the other
     * one null), its count in the cell and its retention intervals (sorted).
     */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record ActorRow(Actors.Person person, Actors.Group group, long n, List<Integer> appearances) {
    }

    /**
     * The page as ActorsQuery's answer: {@code results} (a row per actor, a value per select column), {@code columns},
     * {@code types}, {@code hasMore}, {@code limit}, {@code offset}, {@code missing_actors_count}, the statement
     * ({@code hogql}, …) and {@code error}.
     */
    private static ObjectNode answer(QueryContext context, Page page) {
        long values = (long) page.rows().size() * page.select().size();
        if (values > MAX_ANSWER_VALUES) {
            throw ResponseTooLargeException.cells("actors answer (rows × select columns)", values, MAX_ANSWER_VALUES,
                    "fewer select columns, or a lower limit");
        }
        List<String> displayProperties = Actors.displayProperties(context.mapper(),
                context.team().personDisplayNameProperties());
        ObjectNode body = context.mapper().createObjectNode();
        ArrayNode results = body.putArray("results");
        for (ActorRow row : page.rows()) {
            ArrayNode out = results.addArray();
            if (row.group() != null) {
                ObjectNode group = row.group().toJson(context.mapper());
                for (String column : page.select()) {
                    out.add(groupColumn(context.mapper(), column, row.group(), group, row.n(), row.appearances()));
                }
                continue;
            }
            ObjectNode person = row.person().toJson(context.mapper());
            for (String column : page.select()) {
                out.add(column(context.mapper(), column, row.person(), person, row.n(), row.appearances(),
                        displayProperties));
            }
        }
        ArrayNode names = body.putArray("columns");
        ArrayNode types = body.putArray("types");
        page.select().forEach(c -> {
            names.add(c);
            types.add(type(c));
        });
        body.put("hasMore", page.hasMore());
        body.put("limit", page.limit());
        body.put("offset", page.offset());
        body.put("missing_actors_count", page.missingActors());
        SeriesJson.putSql(body, List.of(page.compiled()));
        body.putNull("error");
        return body;
    }

    private QueryPlan<Page> rows(QueryContext context, InsightSql sql, ActorsQuery query, Cell cell, int limit,
                                 int offset) {
        if (cell != null && cell.groups()) {
            return groupRows(context, sql, query, cell, limit, offset);
        }
        List<String> select = select(query.select(), cell);
        String pre = cell == null ? "" : "p.";
        List<Expr> columns = new ArrayList<>();
        List<JoinExpr> from = new ArrayList<>();
        for (String c : List.of("id", "created_at", "properties", "is_identified")) {
            columns.add(cell == null ? Expr.Field.of(c) : Expr.Field.of("p", c));
        }
        if (cell == null) {
            columns.add(new Expr.Constant(0L));
            from.add(JoinExpr.table("persons", null));
        } else {
            columns.add(Expr.Field.of("a", "n"));
            if (cell.retention()) {
                columns.add(Expr.Field.of("a", "intervals"));
            }
            SelectQuery perPerson = perActor(cell);
            // the cell's persons LEFT JOIN persons: a row without person is one the persons table no longer holds
            // (deleted since); it keeps its place in the page, as in PostHog, and counts as missing
            from.add(new JoinExpr(null, perPerson, "a", null, null));
            from.add(new JoinExpr("LEFT JOIN", Expr.Field.of("persons"), "p",
                    new Expr.Compare("=", Expr.Field.of("p", "id"), Expr.Field.of("a", "person_id")), null));
        }
        List<Expr> where = new ArrayList<>();
        where.add(personFilter(query.properties(), "properties"));
        where.add(personFilter(query.fixedProperties(), "fixedProperties"));
        String search = query.search() == null ? "" : query.search().trim();
        if (!search.isEmpty()) {
            where.add(search(search, pre));
        }
        boolean filtered = !(InsightSql.and(where) instanceof Expr.Constant c && Boolean.TRUE.equals(c.value()));
        if (cell != null && filtered) {
            // a deleted person's properties and distinct ids are gone: it cannot be shown to match a filter
            where.add(Expr.Call.of("isNotNull", Expr.Field.of("p", "id")));
        }
        List<SelectQuery.OrderExpr> order = new ArrayList<>();
        if (cell != null) {
            // deleted persons last, so that every existing person keeps the place it has without them
            order.add(new SelectQuery.OrderExpr(Expr.Call.of("isNull", Expr.Field.of("p", "id")), false, null));
        }
        order.addAll(orderBy(query.orderBy(), cell, pre, Actors.displayProperties(context.mapper(),
                context.team().personDisplayNameProperties())));
        if (cell != null) {
            order.add(order("a.person_id", false));
        }
        SelectQuery personsAst = new SelectQuery(List.of(), false, columns, from, InsightSql.and(where), List.of(),
                null, order, new Expr.Constant((long) limit + 1), new Expr.Constant((long) offset), null);
        // the page's rows (whole person properties) stop at what an answer carries: a page of persons of 7.2 MB each
        // was read whole before the answer was refused (1.4 GB of heap: breaker pass 9 F2); past it, PostHog's 400
        HogQLStatement persons = new HogQLStatement(kind(), personsAst, Map.of()).withLimit(limit + 1)
                .withMaxBytes(dev.quarry.web.ResponseLimit.MAX_ENCODED_BYTES);
        return sql.run(persons).flatMap(personsResult -> {
            List<Row> people = new ArrayList<>();
            personsResult.rows().forEach(people::add);
            boolean hasMore = people.size() > limit;
            List<Row> pageRows = hasMore ? people.subList(0, limit) : people;
            // PostHog's missing_actors_count: the rows of this page whose person is not found
            List<Row> page = pageRows.stream().filter(r -> r.getUUID(0) != null).toList();
            long missing = pageRows.size() - page.size();
            List<UUID> ids = page.stream().map(r -> r.getUUID(0)).toList();
            QueryPlan<Map<UUID, List<String>>> distinctIds = ids.isEmpty() ? QueryPlan.of(Map.of())
                    : sql.run(Actors.FIRST_DISTINCT_IDS, Map.of("ids", ids)).map(d -> {
                                Map<UUID, List<String>> m = new HashMap<>();
                                for (Row r : d) {
                                    m.computeIfAbsent(r.getUUID(0), k -> new ArrayList<>()).add(r.getString(1));
                                }
                                return m;
                            });
            return distinctIds.map(dids -> {
                List<ActorRow> rows = new ArrayList<>();
                for (Row r : page) {
                    Actors.Person person = Actors.of(context.mapper(), r.getUUID(0), r.getOffsetDateTime(1),
                            r.getString(2), Boolean.TRUE.equals(r.getBoolean(3)),
                            dids.getOrDefault(r.getUUID(0), List.of()), context.team().personDisplayNameProperties());
                    rows.add(new ActorRow(person, null, ((Number) r.getValue(4)).longValue(),
                            cell != null && cell.retention() ? intervals(r.getValue(5)) : List.of()));
                }
                return new Page(select, rows, hasMore, limit, offset, missing, personsResult.compiled());
            });
        });
    }

    /**
     * Columns {@code person_id} (the actor), {@code n} (its count in the cell) and for retention {@code intervals}:
     * one row per actor of the cell.
     */
    private static SelectQuery perActor(Cell cell) {
        Expr stats = cell.retention() ? parse("count(DISTINCT j)") : cell.counted() ? parse("max(n)")
                : parse("count()");
        List<Expr> perActorColumns = new ArrayList<>(List.of(Expr.Field.of("person_id"), new Expr.Alias(stats, "n")));
        if (cell.retention()) {
            // the intervals the actor appeared in, from the same evaluation of the cell (PostHog's appearances)
            perActorColumns.add(new Expr.Alias(parse("groupUniqArray(j)"), "intervals"));
        }
        return new SelectQuery(List.of(), false, perActorColumns,
                List.of(new JoinExpr(null, cell.copy(), "cell", null, null)), null,
                List.of(Expr.Field.of("person_id")), null, List.of(), null, null, null);
    }

    /**
     * One page of a cell's groups, as PostHog's GroupStrategy reads them: the cell's actors joined with the stored
     * groups of the type ({@code INNER JOIN groups}: a key no {@code $groupidentify} stored is not listed, as in
     * PostHog), {@code search} over the group's {@code name} property and its key, ordered by the requested columns
     * ({@code group}/{@code actor}: the {@code name} property; {@code id}; {@code created_at}; {@code event_count})
     * then newest first and by key. Property filters on the list are refused by name (they are person filters).
     */
    private QueryPlan<Page> groupRows(QueryContext context, InsightSql sql, ActorsQuery query, Cell cell, int limit,
                                      int offset) {
        int index = cell.groupTypeIndex();
        List<String> select = select(query.select(), cell);
        for (var filter : List.of(java.util.Map.entry("properties", personFilter(query.properties(), "properties")),
                java.util.Map.entry("fixedProperties", personFilter(query.fixedProperties(), "fixedProperties")))) {
            if (!(filter.getValue() instanceof Expr.Constant c && Boolean.TRUE.equals(c.value()))) {
                throw new ValidationException("Property filters on an actor list of groups are not supported: they "
                        + "filter persons", filter.getKey());
            }
        }
        List<Expr> columns = new ArrayList<>(List.of(Expr.Field.of("g", "key"), Expr.Field.of("g", "created_at"),
                Expr.Field.of("g", "properties"), Expr.Field.of("a", "n")));
        if (cell.retention()) {
            columns.add(Expr.Field.of("a", "intervals"));
        }
        List<JoinExpr> from = List.of(new JoinExpr(null, perActor(cell), "a", null, null),
                new JoinExpr("INNER JOIN", Expr.Field.of("groups"), "g", InsightSql.and(List.of(
                        new Expr.Compare("=", Expr.Field.of("g", "key"), Expr.Field.of("a", "person_id")),
                        new Expr.Compare("=", Expr.Field.of("g", "index"), new Expr.Constant((long) index)))), null));
        Expr where = new Expr.Constant(true);
        String search = query.search() == null ? "" : query.search().trim();
        if (!search.isEmpty()) {
            where = Placeholders.replace(parse("(g.properties.name ilike {ac_pattern} OR g.key ilike {ac_pattern})"),
                    Map.of("ac_pattern", dev.quarry.hogql.LikePatterns.contains(search)), null);
        }
        List<SelectQuery.OrderExpr> order = new ArrayList<>();
        for (String o : query.orderBy() == null ? List.<String>of() : query.orderBy()) {
            String term = o == null ? "" : o;
            var m = ORDER_TERM.matcher(term.trim());
            if (!m.matches()) {
                throw new ValidationException("Unsupported orderBy: " + term, "orderBy");
            }
            boolean desc = m.group(2) != null && m.group(2).equalsIgnoreCase("DESC");
            switch (unlabelled(m.group(1)).replaceAll("\\s+", "")) {
                case "group", "actor" -> order.add(order("g.properties.name", desc));
                case "id", "actor_id" -> order.add(order("g.key", desc));
                case "created_at" -> order.add(order("g.created_at", desc));
                case "event_count" -> {
                    if (!cell.eventRows()) {
                        throw new ValidationException("event_count is only available for trends and paths actors",
                                "orderBy");
                    }
                    order.add(order("a.n", desc));
                }
                case "length(appearances)" -> {
                    if (!cell.retention()) {
                        throw new ValidationException("appearances is only available for retention actors",
                                "orderBy");
                    }
                    order.add(order("a.n", desc));
                }
                default -> throw new ValidationException("Unsupported orderBy for an actor list of groups: " + term,
                        "orderBy");
            }
        }
        order.add(order("g.created_at", true));
        order.add(order("g.key", false));
        SelectQuery groupsAst = new SelectQuery(List.of(), false, columns, from, where, List.of(), null, order,
                new Expr.Constant((long) limit + 1), new Expr.Constant((long) offset), null);
        HogQLStatement groups = new HogQLStatement(GroupAggregation.statementKind(kind()), groupsAst, Map.of())
                .withLimit(limit + 1);
        return sql.run(groups).map(result -> {
            List<ActorRow> rows = new ArrayList<>();
            for (Row r : result.rows()) {
                rows.add(new ActorRow(null, Actors.group(context.mapper(), r.getString(0), index,
                        r.getOffsetDateTime(1), r.getString(2)), ((Number) r.getValue(3)).longValue(),
                        cell.retention() ? intervals(r.getValue(4)) : List.of()));
            }
            boolean hasMore = rows.size() > limit;
            return new Page(select, hasMore ? rows.subList(0, limit) : rows, hasMore, limit, offset, 0,
                    result.compiled());
        });
    }

    /** A person's retention intervals as the driver returns the aggregated array, sorted. */
    private static List<Integer> intervals(Object value) {
        List<Integer> out = new ArrayList<>();
        if (value instanceof Object[] array) {
            for (Object o : array) {
                if (o instanceof Number n) {
                    out.add(n.intValue());
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** {@code search}: a person's email or name contains it, one of their distinct ids does, or it is their uuid. */
    private static Expr search(String search, String pre) {
        Map<String, Object> values = new HashMap<>();
        values.put("ac_pattern", dev.quarry.hogql.LikePatterns.contains(search));
        String text = "(" + pre + "properties.email ilike {ac_pattern} OR " + pre + "properties.name ilike "
                + "{ac_pattern} OR " + pre + "id IN (SELECT person_id FROM person_distinct_ids WHERE "
                + "distinct_id ilike {ac_pattern})";
        if (search.matches("(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")) {
            values.put("ac_uuid", UUID.fromString(search));
            text += " OR " + pre + "id = {ac_uuid}";
        }
        return Placeholders.replace(parse(text + ")"), values, null);
    }

    private static Expr parse(String constantExpression) {
        return Parser.parseExpr(constantExpression);
    }

    /** Property filters on the persons table (person properties and cohorts; event properties are refused). */
    private static Expr personFilter(PropertyFilter filters, String attr) {
        try {
            return PropertyFilters.toExpr(filters, PropertyFilters.Context.PERSONS);
        } catch (HogQLException e) {
            throw new ValidationException(e.getMessage(), attr);
        }
    }

    private static String type(String labelled) {
        String column = unlabelled(labelled);
        return switch (column) {
            case "person", "actor", "group", DISPLAY_NAME -> "Tuple";
            case "created_at" -> "DateTime";
            case "event_count" -> "UInt64";
            case "matched_recordings", "appearances", "distinct_ids" -> "Array";
            case "is_identified" -> "Boolean";
            default -> RETENTION_COLUMN.matcher(column).matches() ? "UInt8" : "String";
        };
    }

    private static List<String> select(List<String> select, Cell cell) {
        List<String> out = new ArrayList<>();
        boolean groups = cell != null && cell.groups();
        if (select == null) {
            // PostHog's input columns: PersonStrategy's, or GroupStrategy's ["group"]
            out.addAll(groups ? List.of("group") : List.of("person", "id", "created_at"));
            return out;
        }
        for (String s : select) {
            String raw = s == null ? "" : s.trim();
            String c = unlabelled(raw);
            boolean known = groups
                    ? List.of("group", "actor", "id", "actor_id", "created_at", "properties", "matched_recordings")
                            .contains(c) || (PROPERTY_COLUMN.matcher(c).matches() && !c.startsWith("person."))
                    : List.of("person", "actor", "id", "actor_id", "created_at", "is_identified", "person.$delete",
                            "properties", "distinct_ids", "matched_recordings", DISPLAY_NAME).contains(c)
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
                throw new ValidationException((groups ? "Unsupported column for an actor list of groups: "
                        : "Unsupported actors column: ") + raw, "select");
            }
            out.add(raw);
        }
        return out;
    }

    private static List<SelectQuery.OrderExpr> orderBy(List<String> orderBy, Cell cell, String pre,
            List<String> displayProperties) {
        List<SelectQuery.OrderExpr> parts = new ArrayList<>();
        if (orderBy != null) {
            for (String o : orderBy) {
                String term = o == null ? "" : o;
                var m = ORDER_TERM.matcher(term.trim());
                if (!m.matches()) {
                    throw new ValidationException("Unsupported orderBy: " + term, "orderBy");
                }
                boolean desc = m.group(2) != null && m.group(2).equalsIgnoreCase("DESC");
                String col = unlabelled(m.group(1)).replaceAll("\\s+", "");
                if (col.equals(DISPLAY_NAME)) {
                    parts.add(new SelectQuery.OrderExpr(displayNameExpr(displayProperties, pre), desc, null));
                    continue;
                }
                switch (col) {
                    case "id", "actor_id" -> parts.add(order(pre + "id", desc));
                    case "created_at", "is_identified" -> parts.add(order(pre + col, desc));
                    case "person", "actor" -> parts.add(order(pre + "properties.email", desc));
                    case "event_count" -> {
                        if (cell == null || !cell.eventRows()) {
                            throw new ValidationException("event_count is only available for trends and paths actors",
                                    "orderBy");
                        }
                        parts.add(order("a.n", desc));
                    }
                    case "length(appearances)" -> {
                        if (cell == null || !cell.retention()) {
                            throw new ValidationException("appearances is only available for retention actors",
                                    "orderBy");
                        }
                        parts.add(order("a.n", desc));
                    }
                    default -> throw new ValidationException("Unsupported orderBy: " + term, "orderBy");
                }
            }
        }
        parts.add(order(pre + "created_at", true));
        parts.add(order(pre + "id", false));
        return parts;
    }

    private static SelectQuery.OrderExpr order(String dotted, boolean desc) {
        return new SelectQuery.OrderExpr(Expr.Field.of(dotted.split("\\.")), desc, null);
    }

    /** One column of an actor's row: {@code json} is {@code person} as its JSON object (the person column). */
    private static JsonNode column(ObjectMapper mapper, String labelled, Actors.Person person, ObjectNode json, long n,
            List<Integer> app, List<String> displayProperties) {
        String column = unlabelled(labelled);
        String id = person.uuid().toString();
        return switch (column) {
            case "person", "actor" -> json;
            case DISPLAY_NAME -> {
                ObjectNode o = mapper.createObjectNode();
                o.put("display_name", displayName(person.properties(), displayProperties, id));
                o.put("id", id);
                yield o;
            }
            case "id", "actor_id" -> mapper.getNodeFactory().textNode(id);
            case "created_at" -> person.createdAt() == null ? mapper.nullNode()
                    : mapper.getNodeFactory().textNode(person.createdAt());
            case "is_identified" -> mapper.getNodeFactory().booleanNode(person.identified());
            case "properties" -> person.properties();
            case "distinct_ids" -> {
                ArrayNode ids = mapper.createArrayNode();
                person.distinctIds().forEach(ids::add);
                yield ids;
            }
            case "person.$delete" -> mapper.nullNode();
            // a key of the person's own property map, or a column of the cell
            default -> cellColumn(mapper, column, person.properties(), n, app);
        };
    }

    /**
     * A column any actor's row has from its cell ({@code matched_recordings}, {@code event_count},
     * {@code appearances}, {@code <period>_N}) or {@code properties.<key>} of {@code properties}, the actor's own.
     */
    private static JsonNode cellColumn(ObjectMapper mapper, String column, JsonNode properties, long n,
                                       List<Integer> app) {
        return switch (column) {
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
                JsonNode v = properties.get(m.group(1));
                yield v == null ? mapper.nullNode() : v;
            }
        };
    }

    /** One column of a group's row: {@code json} is the group as its JSON object (the group column). */
    private static JsonNode groupColumn(ObjectMapper mapper, String labelled, Actors.Group group, ObjectNode json,
                                        long n, List<Integer> app) {
        String column = unlabelled(labelled);
        return switch (column) {
            case "group", "actor" -> json;
            case "id", "actor_id" -> mapper.getNodeFactory().textNode(group.key());
            case "created_at" -> group.createdAt() == null ? mapper.nullNode()
                    : mapper.getNodeFactory().textNode(group.createdAt());
            case "properties" -> group.properties();
            default -> cellColumn(mapper, column, group.properties(), n, app);
        };
    }

    /**
     * A select or order column without its {@code -- label} (PostHog's frontend sends {@code person_display_name --
     * Person}; PostHog reads the part before {@code --}).
     */
    private static String unlabelled(String column) {
        int dashes = column.indexOf("--");
        return dashes < 0 ? column.trim() : column.substring(0, dashes).trim();
    }

    /**
     * PostHog's {@code person_display_name}: the first of the project's display-name properties the person has (as
     * text; an empty string counts), else the person's id.
     */
    private static String displayName(JsonNode properties, List<String> displayProperties, String id) {
        for (String p : displayProperties) {
            JsonNode v = properties.get(p);
            if (v != null && !v.isNull()) {
                return v.isTextual() ? v.asText() : v.toString();
            }
        }
        return id;
    }

    /** {@code coalesce(toString(properties.<p>), …, toString(id))}, what PostHog orders {@code person_display_name} by. */
    private static Expr displayNameExpr(List<String> displayProperties, String pre) {
        List<Expr> args = new ArrayList<>();
        String[] props = (pre + "properties").split("\\.");
        for (String p : displayProperties) {
            String[] chain = java.util.Arrays.copyOf(props, props.length + 1);
            chain[props.length] = p;
            args.add(Expr.Call.of("toString", Expr.Field.of(chain)));
        }
        args.add(Expr.Call.of("toString", Expr.Field.of((pre + "id").split("\\."))));
        return new Expr.Call("coalesce", args, null, false);
    }

    /** The persons of the requested cell, from the bean that answers the source. */
    private QueryPlan<Cell> cellActors(InsightSql sql, ActorsQuery.Source source) {
        if (source instanceof InsightActorsQuery insight && !insight.insightKind().equals("StickinessQuery")) {
            // only a stickiness cell reads operator (StickinessActorsQuery's): elsewhere it would be dropped
            dev.quarry.query.schema.QuerySchema.unsupported("InsightActorsQuery", "operator", insight.operator());
        }
        for (ActorsSource<?> s : sources) {
            QueryPlan<Cell> cell = ask(s, sql, source);
            if (cell != null) {
                return cell;
            }
        }
        String what = source instanceof InsightActorsQuery insight ? insight.insightKind() : source.kind();
        throw new ValidationException("Unsupported insight for actors: " + what, "source");
    }

    /** {@code s}'s actors of {@code source}, or null when {@code s} does not read or answer it. */
    private static <S extends ActorsQuery.Source> QueryPlan<Cell> ask(ActorsSource<S> s, InsightSql sql,
                                                              ActorsQuery.Source source) {
        if (!s.sourceType().isInstance(source)) {
            return null;
        }
        S typed = s.sourceType().cast(source);
        return s.answers(typed) ? s.actors(sql, typed) : null;
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

package dev.quarry.insights;

import dev.quarry.dates.RelativeDates;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.JoinExpr;
import dev.quarry.hogql.Parser;
import dev.quarry.hogql.PropertyFilters;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.query.HogQLErrors;
import dev.quarry.query.HogQLStatement;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryRunner;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.QueryValues;
import dev.quarry.web.ValidationException;
import dev.quarry.query.QueryPlan;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * EventsQuery: the events table with a chosen select list, built as a HogQL AST from the user's expressions.
 * {@code *} is the whole event and {@code person} the event's person, each returned as one object; with aggregates
 * in the select list, the other columns are grouped by.
 */
@ApplicationScoped
public class EventsQueryRunner implements QueryRunner<EventsQuery> {
    static final List<String> EVENT_FIELDS = List.of("uuid", "event", "properties", "timestamp", "distinct_id",
            "elements_chain", "created_at");
    static final List<String> PERSON_FIELDS = List.of("person.id", "person.created_at", "person.properties", "distinct_id");

    @Override
    public String kind() {
        return "EventsQuery";
    }

    /** One column the user asked for, and how many SQL columns it takes. */
    private record Column(String name, Kind kind, int width) {
    }

    private enum Kind { VALUE, EVENT, PERSON, DISPLAY_NAME }

    /** PostHog's pseudo-column of the events table: the person's display name, with a {@code -- comment} or not. */
    static final String DISPLAY_NAME = "person_display_name";
    /** An order item's trailing NULLS clause. */
    private static final java.util.regex.Pattern NULLS = java.util.regex.Pattern.compile("(?i)\\s+NULLS\\s+(FIRST|LAST)$");

    /** Whether a select or order item names {@link #DISPLAY_NAME} (PostHog compares the text before "--"). */
    static boolean isDisplayName(String item) {
        return item.split("--", 2)[0].trim().equals(DISPLAY_NAME);
    }

    /**
     * PostHog's display-name key: the first of the project's display-name properties the event's person has (as
     * text), else the event's distinct id.
     */
    private static Expr displayNameKey(QueryContext context) {
        List<Expr> candidates = new ArrayList<>();
        for (String key : Actors.displayProperties(context.mapper(), context.team().personDisplayNameProperties())) {
            candidates.add(Expr.Call.of("toString", Expr.Field.of("person", "properties", key)));
        }
        candidates.add(field("distinct_id"));
        return new Expr.Call("coalesce", candidates, null, false);
    }

    @Override
    public Class<EventsQuery> queryType() {
        return EventsQuery.class;
    }

    @Override
    public QueryPlan<ObjectNode> plan(QueryContext context, EventsQuery query) {
        List<String> select = query.select();
        if (select == null || select.isEmpty()) {
            throw new ValidationException("select must be a non-empty list of HogQL expressions", "select");
        }
        if (query.actionId() != null && !query.actionId().isNull()) {
            // the team's action, read first: its condition joins the where clauses (PostHog's actionId)
            JsonNode id = query.actionId();
            if (!id.isIntegralNumber() || !id.canConvertToLong()) {
                throw new ValidationException("Input should be a valid integer", "actionId");
            }
            Series action = Series.of(new dev.quarry.query.schema.EventsNode("ActionsNode", null, null, null, null,
                    null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, id),
                    0, false);
            return Series.withActions(List.of(action), "actionId",
                    read -> plan(context, query, read.get(0).filter()));
        }
        return plan(context, query, null);
    }

    /** The plan, with {@code actionCondition} (an action's condition; null for none) among the where clauses. */
    private QueryPlan<ObjectNode> plan(QueryContext context, EventsQuery query, Expr actionCondition) {
        List<String> select = query.select();
        QuerySchema.unsupported("EventsQuery", "events", query.events());
        QuerySchema.unsupported("EventsQuery", "source", query.source());
        List<Column> columns = new ArrayList<>();
        List<Expr> selectExprs = new ArrayList<>();
        List<Expr> groupBy = new ArrayList<>();
        boolean aggregated = false;
        List<Expr> aggregates = new ArrayList<>();
        try {
            for (String item : select) {
                String text = item == null ? "" : item;
                switch (text.trim()) {
                    case "*" -> {
                        columns.add(new Column("*", Kind.EVENT, EVENT_FIELDS.size()));
                        EVENT_FIELDS.forEach(field -> selectExprs.add(field(field)));
                    }
                    case "person" -> {
                        columns.add(new Column("person", Kind.PERSON, PERSON_FIELDS.size()));
                        PERSON_FIELDS.forEach(field -> selectExprs.add(field(field)));
                    }
                    default -> {
                        if (isDisplayName(text)) {
                            // PostHog's (display name, person id, distinct id), answered as an object
                            columns.add(new Column(text, Kind.DISPLAY_NAME, 3));
                            selectExprs.add(displayNameKey(context));
                            selectExprs.add(Expr.Call.of("toString", field("person_id")));
                            selectExprs.add(field("distinct_id"));
                            continue;
                        }
                        Expr expr = Parser.parseExpr(text);
                        columns.add(new Column(text, Kind.VALUE, 1));
                        selectExprs.add(expr);
                        if (hasAggregate(expr)) {
                            aggregated = true;
                            aggregates.add(expr instanceof Expr.Alias alias ? alias.expr() : expr);
                        }
                    }
                }
            }
            if (aggregated) {
                for (Expr expr : selectExprs) {
                    if (!hasAggregate(expr)) {
                        groupBy.add(expr instanceof Expr.Alias alias ? alias.expr() : expr);
                    }
                }
            }
            int limit = limit(query.limit());
            int offset = query.offset() == null ? 0 : query.offset();
            if (offset < 0) {
                throw new ValidationException("offset must not be negative", "offset");
            }
            SelectQuery ast = new SelectQuery(List.of(), false, selectExprs, List.of(JoinExpr.table("events", null)),
                    actionCondition == null ? where(query, context)
                            : InsightSql.and(where(query, context), actionCondition), groupBy, null, orderBy(query, aggregated, aggregates, displayNameKey(context)),
                    new Expr.Constant((long) limit), new Expr.Constant((long) offset), null);
            return QueryPlan.run(HogQLStatement.user(kind(), ast, Map.of(), null, null, null))
                    .map(result -> response(context.mapper(), columns, result.compiled(), result.rows()));
        } catch (HogQLException e) {
            throw HogQLErrors.toValidation(e);
        }
    }

    private static int limit(Integer limit) {
        if (limit == null) {
            return CompileSettings.DEFAULT_LIMIT;
        }
        if (limit < 1) {
            throw new ValidationException("limit must be a positive integer", "limit");
        }
        return Math.min(limit, CompileSettings.MAX_LIMIT);
    }

    private static Expr where(EventsQuery query, QueryContext context) {
        List<Expr> parts = new ArrayList<>();
        if (query.where() != null) {
            query.where().forEach(clause -> parts.add(Parser.parseExpr(clause == null ? "" : clause)));
        }
        for (PropertyFilter filters : java.util.Arrays.asList(query.properties(), query.fixedProperties())) {
            if (filters != null) {
                parts.add(PropertyFilters.toExpr(filters));
            }
        }
        if (query.event() != null) {
            parts.add(new Expr.Compare("=", field("event"), new Expr.Constant(query.event())));
        }
        if (query.personId() != null) {
            UUID person;
            try {
                person = UUID.fromString(query.personId());
            } catch (IllegalArgumentException e) {
                throw new ValidationException("personId must be a person's uuid", "personId");
            }
            parts.add(new Expr.Compare("=", field("person_id"), new Expr.Constant(person)));
        }
        if (Boolean.TRUE.equals(query.filterTestAccounts())) {
            parts.add(TestAccounts.filter(context.team()));
        }
        ZonedDateTime now = context.now().atZone(ZoneId.of(context.team().timezone()));
        String after = query.after() != null ? query.after() : "-24h";
        ZonedDateTime from = RelativeDates.parse(after, now, false, "after");
        if (from != null) {
            parts.add(new Expr.Compare(">", field("timestamp"), new Expr.Constant(from.toOffsetDateTime())));
        }
        if (query.before() != null) {
            ZonedDateTime to = RelativeDates.parse(query.before(), now, true, "before");
            if (to != null) {
                parts.add(new Expr.Compare("<", field("timestamp"), new Expr.Constant(to.toOffsetDateTime())));
            }
        }
        return parts.isEmpty() ? null : parts.size() == 1 ? parts.get(0) : new Expr.And(parts);
    }

    private static List<SelectQuery.OrderExpr> orderBy(EventsQuery query, boolean aggregated, List<Expr> aggregates,
                                                       Expr displayNameKey) {
        List<SelectQuery.OrderExpr> order = new ArrayList<>();
        List<String> orderBy = query.orderBy();
        if (orderBy != null && !orderBy.isEmpty()) {
            for (String item : orderBy) {
                String text = item == null ? "" : item.trim();
                // HogQL's order item: expr [ASC|DESC] [NULLS FIRST|LAST]
                Boolean nullsFirst = null;
                java.util.regex.Matcher nulls = NULLS.matcher(text);
                if (nulls.find()) {
                    nullsFirst = nulls.group(1).equalsIgnoreCase("FIRST");
                    text = text.substring(0, nulls.start()).trim();
                }
                boolean desc = text.toUpperCase().endsWith(" DESC");
                if (desc || text.toUpperCase().endsWith(" ASC")) {
                    text = text.substring(0, text.lastIndexOf(' ')).trim();
                }
                // PostHog orders by the display name's key where the Person column is named
                order.add(new SelectQuery.OrderExpr(isDisplayName(text) ? displayNameKey : Parser.parseExpr(text), desc,
                        nullsFirst));
            }
        } else if (aggregated) {
            order.add(new SelectQuery.OrderExpr(aggregates.get(0), true, null));
        } else {
            order.add(new SelectQuery.OrderExpr(field("timestamp"), true, null));
        }
        return order;
    }

    private static ObjectNode response(ObjectMapper mapper, List<Column> columns, CompiledQuery compiled,
                                       RowSet<Row> rows) {
        ObjectNode body = mapper.createObjectNode();
        ArrayNode results = body.putArray("results");
        int count = 0;
        for (Row row : rows) {
            if (count++ == compiled.limit()) {
                break;
            }
            ArrayNode out = results.addArray();
            int index = 0;
            for (Column column : columns) {
                switch (column.kind()) {
                    case EVENT -> out.add(event(mapper, row, index));
                    case PERSON -> out.add(person(mapper, row, index));
                    case DISPLAY_NAME -> {
                        ObjectNode name = out.addObject();
                        name.set("display_name", QueryValues.toJson(row.getValue(index), mapper));
                        name.put("id", row.getString(index + 1));
                        name.put("distinct_id", row.getString(index + 2));
                    }
                    default -> out.add(dev.quarry.hogql.HogQLTypes.jsonBooleans(compiled.types().get(index))
                            ? QueryValues.toJson(row.getValue(index), mapper)
                            : QueryValues.toClickHouseJson(row.getValue(index), mapper));
                }
                index += column.width();
            }
        }
        ArrayNode names = body.putArray("columns");
        ArrayNode types = body.putArray("types");
        int index = 0;
        for (Column column : columns) {
            names.add(column.name());
            types.add(column.kind() == Kind.VALUE ? compiled.types().get(index) : "Tuple");
            index += column.width();
        }
        body.put("hogql", compiled.hogql());
        body.put("hasMore", rows.size() > compiled.limit());
        body.put("limit", compiled.limit());
        body.put("offset", compiled.offset());
        return body;
    }

    private static ObjectNode event(ObjectMapper mapper, Row row, int start) {
        ObjectNode event = mapper.createObjectNode();
        for (int i = 0; i < EVENT_FIELDS.size(); i++) {
            String name = EVENT_FIELDS.get(i);
            JsonNode value = QueryValues.toJson(row.getValue(start + i), mapper);
            event.set(name, name.equals("properties") ? parseJson(mapper, value) : value);
        }
        return event;
    }

    private static ObjectNode person(ObjectMapper mapper, Row row, int start) {
        ObjectNode person = mapper.createObjectNode();
        person.set("uuid", QueryValues.toJson(row.getValue(start), mapper));
        person.set("created_at", QueryValues.toJson(row.getValue(start + 1), mapper));
        person.set("properties", parseJson(mapper, QueryValues.toJson(row.getValue(start + 2), mapper)));
        person.set("distinct_id", QueryValues.toJson(row.getValue(start + 3), mapper));
        return person;
    }

    private static JsonNode parseJson(ObjectMapper mapper, JsonNode text) {
        if (!text.isTextual()) {
            return text;
        }
        try {
            return mapper.readTree(text.asText());
        } catch (java.io.IOException e) {
            return text;
        }
    }

    private static Expr field(String dotted) {
        return Expr.Field.of(dotted.split("\\."));
    }

    /** Whether a column aggregates (a BETWEEN, IS NULL, array or tuple around an aggregate included). */
    static boolean hasAggregate(Expr expr) {
        return dev.quarry.hogql.Aggregations.hasAggregate(expr);
    }
}

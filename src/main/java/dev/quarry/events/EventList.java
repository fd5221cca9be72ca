package dev.quarry.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.dates.RelativeDates;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.PropertyFilters;
import dev.quarry.insights.InsightSql;
import dev.quarry.query.HogQLErrors;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryPlan;
import dev.quarry.query.QueryPlans;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.web.DrfDateTime;
import dev.quarry.web.ResponseLimit;
import dev.quarry.web.ResponseTooLargeException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reads events for PostHog's events API ({@code GET events/} and {@code GET events/:id/}), as HogQL through the one
 * compiler (the printer adds the team filter). Follows PostHog's {@code EventViewSet} as PostHog Cloud runs it:
 * <ul>
 *   <li>{@code before} defaults to now + 5 s and {@code after} to 24 hours before {@code before}; each is an
 *       ISO-8601 date-time (a naive one in the project's timezone) or a relative date ({@code -7d}); a range longer
 *       than a year is refused;</li>
 *   <li>newest first, unless {@code orderBy} is anything but {@code ["-timestamp"]} (then oldest first); ties in time
 *       by uuid, so that pages are stable;</li>
 *   <li>{@code event}, {@code distinct_id} exact; {@code person_id} a person's uuid (any other value matches
 *       nothing); {@code properties} PostHog's property filters; {@code action_id} the events of the project's
 *       action (an unknown or deleted action, or one without steps, matches nothing, as PostHog answers);</li>
 *   <li>each event as PostHog's {@code ClickhouseEventSerializer}: {@code id} (the uuid), {@code distinct_id},
 *       {@code properties}, {@code event}, {@code timestamp} (Python's {@code isoformat()} in UTC, {@code +00:00}),
 *       {@code person} (null unless asked for), {@code elements} (the chain's elements, {@link ElementsChain})
 *       and {@code elements_chain}.</li>
 * </ul>
 * With {@code include_person}, an event's person is {@code {is_identified, distinct_ids: [one], properties}} with
 * only {@code email}, {@code name} and {@code username} of its properties, as PostHog sends it; the one distinct id
 * is the person's first in the order the persons endpoints list them (by text).
 */
@ApplicationScoped
public class EventList {
    /** PostHog's {@code EVENT_LIST_MAX_LIMIT}, and its default limit for CSV ({@code QUERY_DEFAULT_EXPORT_LIMIT}). */
    public static final int MAX_LIMIT = 1000;
    /** PostHog's {@code DEFAULT_RETURNED_ROWS}. */
    public static final int DEFAULT_LIMIT = 100;
    /** PostHog refuses deeper offsets ("Offset is deprecated"). */
    public static final int MAX_OFFSET = 50_000;
    static final List<String> PERSON_PROPERTIES = List.of("email", "name", "username");
    private static final Duration MAX_RANGE = Duration.ofDays(366);

    private final QueryPlans plans;
    private final ObjectMapper mapper;
    private final Clock clock;

    public EventList(QueryPlans plans, ObjectMapper mapper, Clock clock) {
        this.plans = plans;
        this.mapper = mapper;
        this.clock = clock;
    }

    /**
     * The list's filters, as sent (null when absent): {@code before}/{@code after} texts, {@code properties} the
     * parsed filters, {@code actionId} the parameter's text, {@code ascending} whether {@code orderBy} asked for
     * anything but newest first.
     */
    public record Filter(String event, String personId, String distinctId, String before, String after,
                         PropertyFilter properties, String actionId, boolean ascending) {
    }

    /** One page: the events as PostHog renders them, whether more follow, and the last event's time (or null). */
    public record Page(List<ObjectNode> events, boolean hasMore, OffsetDateTime lastTimestamp) {
    }

    /**
     * The page of events; compiled and run in the project's lane.
     *
     * @throws ValidationException (as a failed Uni) 400 for a date that does not parse, a range over a year or
     *     filters that do not compile
     */
    public Uni<Page> list(Team team, Filter filter, int limit, int offset, boolean includePerson) {
        return plans.run(team, () -> listPlan(team, filter, limit, offset, includePerson));
    }

    /** The team's event with this uuid, rendered as in the list, or null when the team has none. */
    public Uni<ObjectNode> find(Team team, UUID uuid, boolean includePerson) {
        InsightSql sql = sql(team);
        return plans.run(team, () -> sql.run(sql.statement("SELECT uuid, event, toString(properties), timestamp, "
                        + "distinct_id, elements_chain FROM events WHERE uuid = {ev_uuid} LIMIT 1", Map.of("ev_uuid", uuid)))
                .flatMap(result -> {
                    List<Row> rows = new ArrayList<>();
                    result.rows().forEach(rows::add);
                    if (rows.isEmpty()) {
                        return QueryPlan.<ObjectNode>of(null);
                    }
                    return render(sql, rows, includePerson, false).map(events -> events.get(0));
                }));
    }

    /**
     * PostHog's {@code events/values}: up to 10 distinct values of event property {@code key} (or of the events
     * column {@code key} when {@code isColumn}) among the events named {@code eventNames} from the start of the day a
     * week ago to the end of today (the project's days), null values left out; with {@code search}, only values whose
     * text contains it (case-insensitive), shortest first, else the most frequent first (ties by value). Each value as
     * PostHog's {@code convert_property_value} writes it after reading the stored text as JSON where it is JSON: a list
     * is flattened into its items, {@code true}/{@code false} stay words, numbers their text (a property typed
     * Numeric is read as a float, {@code 3.0}, as PostHog reads it), a null in a list
     * {@code None}, objects their compact JSON (PostHog: sorted keys, Python's spacing).
     *
     * @throws ValidationException (as a failed Uni) 400 when {@code key} names no column (with {@code isColumn})
     */
    public Uni<List<String>> values(Team team, String key, boolean isColumn, List<String> eventNames, String search) {
        InsightSql sql = sql(team);
        if (isColumn && key.startsWith("#")) {
            // Quarry's internal columns are no column of PostHog's events table (as a quoted #-name in HogQL text)
            return Uni.createFrom().failure(new ValidationException("Unknown field \"" + key + "\"", "key"));
        }
        return plans.run(team, () -> {
            ZonedDateTime today = sql.now().toLocalDate().atStartOfDay(sql.zone());
            Map<String, Object> values = new HashMap<>();
            values.put("ev_field", isColumn ? dev.quarry.hogql.Expr.Field.of(key)
                    : dev.quarry.hogql.Expr.Field.of("properties", key));
            values.put("ev_from", today.minusDays(7).toOffsetDateTime());
            values.put("ev_to", today.plusDays(1).minusSeconds(1).toOffsetDateTime());
            values.put("ev_names", eventNames);
            StringBuilder text = new StringBuilder("SELECT v FROM (SELECT {ev_field} AS v, count() AS c FROM events "
                    + "WHERE timestamp >= {ev_from} AND timestamp <= {ev_to} AND event IN {ev_names} "
                    + "AND {ev_field} IS NOT NULL");
            if (search != null && !search.isEmpty()) {
                values.put("ev_pattern", dev.quarry.hogql.LikePatterns.contains(search));
                text.append(" AND toString({ev_field}) ILIKE {ev_pattern} GROUP BY v) ORDER BY length(toString(v)), c DESC, v");
            } else {
                text.append(" GROUP BY v) ORDER BY c DESC, v");
            }
            text.append(" LIMIT 10");
            try {
                return sql.run(sql.statement(text.toString(), values).withLimit(10)).map(result -> {
                    List<String> out = new ArrayList<>();
                    result.rows().forEach(row -> flattenInto(row.getValue(0), out));
                    return out;
                });
            } catch (HogQLException e) {
                throw HogQLErrors.toValidation(e);
            }
        });
    }

    /**
     * PostHog's {@code key=custom_event}: the names of the project's events that are not PostHog's own (here: every
     * name not starting with {@code $}), in order.
     */
    public Uni<List<String>> customEvents(Team team) {
        InsightSql sql = sql(team);
        return plans.run(team, () -> sql.run(sql.statement("SELECT DISTINCT event FROM events "
                        + "WHERE NOT startsWith(event, '$') ORDER BY event", Map.of()))
                .map(result -> {
                    List<String> out = new ArrayList<>();
                    result.rows().forEach(row -> out.add(row.getString(0)));
                    return out;
                }));
    }

    private void flattenInto(Object stored, List<String> out) {
        if (stored == null) {
            return;
        }
        JsonNode value;
        if (stored instanceof Number || stored instanceof Boolean) {
            value = mapper.valueToTree(stored);
        } else {
            try {
                value = mapper.readTree(stored.toString());
            } catch (IOException e) {
                value = null;
            }
            if (value == null || value.isMissingNode()) {
                out.add(stored.toString());
                return;
            }
        }
        flattenJson(value, out);
    }

    private void flattenJson(JsonNode value, List<String> out) {
        if (value.isArray()) {
            value.forEach(item -> flattenJson(item, out));
        } else if (value.isTextual()) {
            out.add(value.asText());
        } else if (value.isObject()) {
            out.add(value.toString());
        } else if (value.isNull()) {
            out.add("None");
        } else {
            out.add(value.isBoolean() ? (value.asBoolean() ? "true" : "false")
                    : value.isFloatingPointNumber() ? dev.quarry.web.PostHogNumbers.format(value.asDouble()) : value.asText());
        }
    }

    private QueryPlan<Page> listPlan(Team team, Filter filter, int limit, int offset, boolean includePerson) {
        InsightSql sql = sql(team);
        ZonedDateTime now = sql.now();
        ZonedDateTime before = filter.before() == null || filter.before().isEmpty() ? now.plusSeconds(5)
                : moment(filter.before(), now, "before");
        ZonedDateTime after = filter.after() == null || filter.after().isEmpty() ? before.minusHours(24)
                : moment(filter.after(), now, "after");
        if (Duration.between(after, before).compareTo(MAX_RANGE) > 0) {
            throw new ValidationException("Date range cannot exceed 1 year", null);
        }
        Map<String, Object> values = new HashMap<>();
        StringBuilder text = new StringBuilder("SELECT uuid, event, properties, timestamp, distinct_id, elements_chain "
                + "FROM events WHERE timestamp < {ev_before} AND timestamp > {ev_after}");
        values.put("ev_before", before.toOffsetDateTime());
        values.put("ev_after", after.toOffsetDateTime());
        if (filter.event() != null && !filter.event().isEmpty()) {
            values.put("ev_event", filter.event());
            text.append(" AND event = {ev_event}");
        }
        if (filter.distinctId() != null) {
            values.put("ev_distinct_id", filter.distinctId());
            text.append(" AND distinct_id = {ev_distinct_id}");
        }
        if (filter.personId() != null && !filter.personId().isEmpty()) {
            UUID person = dev.quarry.web.PythonUuid.parse(filter.personId());
            if (person == null) {
                return QueryPlan.of(new Page(List.of(), false, null));
            }
            values.put("ev_person", person);
            text.append(" AND person_id = {ev_person}");
        }
        if (filter.properties() != null) {
            try {
                values.put("ev_properties", PropertyFilters.toExpr(filter.properties()));
            } catch (HogQLException e) {
                throw new ValidationException(e.getMessage(), "properties");
            }
            text.append(" AND {ev_properties}");
        }
        String direction = filter.ascending() ? "ASC" : "DESC";
        text.append(" ORDER BY timestamp ").append(direction).append(", uuid ").append(direction)
                .append(" LIMIT ").append(limit + 1).append(" OFFSET ").append(offset);
        if (filter.actionId() == null || filter.actionId().isEmpty()) {
            return page(sql, text.toString(), values, limit, includePerson);
        }
        long actionId;
        try {
            actionId = Long.parseLong(filter.actionId().trim());
        } catch (NumberFormatException e) {
            return QueryPlan.of(new Page(List.of(), false, null));
        }
        // PostHog answers an empty page for an action the project does not have, a deleted one and one without steps
        return QueryPlan.actions(List.of(actionId)).flatMap(found -> {
            QueryPlan.ActionRef action = found.stream().filter(a -> a.id() == actionId && !a.deleted()).findFirst()
                    .orElse(null);
            if (action == null || !hasSteps(action.steps())) {
                return QueryPlan.of(new Page(List.of(), false, null));
            }
            values.put("ev_action", dev.quarry.actions.ActionSteps.condition(action.id(), action.steps(), "action_id"));
            String withAction = text.toString().replace(" ORDER BY ", " AND {ev_action} ORDER BY ");
            return page(sql, withAction, values, limit, includePerson);
        });
    }

    private boolean hasSteps(String steps) {
        try {
            JsonNode node = steps == null ? null : mapper.readTree(steps);
            return node != null && node.isArray() && !node.isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * What one event is counted as beyond its properties' text when a page is bounded (its other fields, the JSON
     * around them): an estimate, on the high side.
     */
    private static final int EVENT_OVERHEAD_BYTES = 300;

    /** An element object's keys and punctuation ({@link ElementsChain}), on the high side. */
    private static final int ELEMENT_OVERHEAD_BYTES = 150;

    /**
     * Reads one page. The database stops the page once its events' size passes what an answer may carry
     * ({@link ResponseLimit#MAX_ENCODED_BYTES}): rows are returned up to and including the first one whose running
     * size (properties as text, the elements chain twice with its elements' keys, plus {@link #EVENT_OVERHEAD_BYTES}) crosses it, so a page of wide events is refused
     * as {@code response_too_large} after about 6 MB read, not after the whole page (1,000 events of 900 kB each
     * were 290 MB in the app, and three such requests slowed every other project's calls for seconds).
     */
    private QueryPlan<Page> page(InsightSql sql, String text, Map<String, Object> values, int limit,
                                 boolean includePerson) {
        String order = text.substring(text.lastIndexOf(" ORDER BY ") + " ORDER BY ".length(), text.lastIndexOf(" LIMIT "));
        // the chain is answered twice, as itself and as its elements, each element with ≈ 140 bytes of keys
        String size = "(length(toString(properties)) + 2 * length(elements_chain) + " + ELEMENT_OVERHEAD_BYTES
                + " * least(length(elements_chain) - length(replaceAll(elements_chain, ';', '')) + 1, "
                + ElementsChain.MAX_ELEMENTS + ") + " + EVENT_OVERHEAD_BYTES + ")";
        // properties as text: the pg client's own JSON decoding stops at 50,000-character names (a stored longer one
        // answered {}), and the text is parsed once, by the application's mapper
        String bounded = "SELECT uuid, event, toString(properties), timestamp, distinct_id, elements_chain, ev_bytes FROM (SELECT "
                + "uuid, event, properties, timestamp, distinct_id, elements_chain, sum" + size + " OVER (ORDER BY "
                + order + " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ev_bytes FROM (" + text + ")) WHERE "
                + "ev_bytes - " + size + " <= " + ResponseLimit.MAX_ENCODED_BYTES + " ORDER BY " + order;
        try {
            return sql.run(sql.statement(bounded, values).withLimit(limit + 1)).flatMap(result -> {
                List<Row> all = new ArrayList<>();
                result.rows().forEach(all::add);
                long read = all.isEmpty() ? 0 : all.get(all.size() - 1).getLong(6);
                if (read > ResponseLimit.MAX_ENCODED_BYTES) {
                    throw new ResponseTooLargeException(read, ResponseLimit.MAX_ENCODED_BYTES);
                }
                boolean hasMore = all.size() > limit;
                List<Row> rows = hasMore ? all.subList(0, limit) : all;
                OffsetDateTime last = rows.isEmpty() ? null : rows.get(rows.size() - 1).getOffsetDateTime(3);
                return render(sql, rows, includePerson, true).map(events -> new Page(events, hasMore, last));
            });
        } catch (HogQLException e) {
            throw HogQLErrors.toValidation(e);
        }
    }

    /**
     * @param bounded a page's rows, each with its running size estimate (column 6): the elements built are counted
     *                on top of it as they are built, and a page whose elements would take it past
     *                {@link ResponseLimit#MAX_ENCODED_BYTES} is refused at that event (the statement's estimate counts
     *                elements by their semicolons; whitespace separates them too, and a page of chains of spaces
     *                built 150 MB before the encoder's check refused it)
     */
    private QueryPlan<List<ObjectNode>> render(InsightSql sql, List<Row> rows, boolean includePerson, boolean bounded) {
        List<ObjectNode> events = new ArrayList<>(rows.size());
        long elements = 0;
        for (Row row : rows) {
            ObjectNode event = event(row);
            if (bounded) {
                elements += event.get("elements").size();
                long estimate = row.getLong(6) + ELEMENT_OVERHEAD_BYTES * elements;
                if (estimate > ResponseLimit.MAX_ENCODED_BYTES) {
                    throw new ResponseTooLargeException(estimate, ResponseLimit.MAX_ENCODED_BYTES);
                }
            }
            events.add(event);
        }
        if (!includePerson || rows.isEmpty()) {
            return QueryPlan.of(events);
        }
        List<String> distinctIds = List.copyOf(new LinkedHashSet<>(rows.stream().map(r -> r.getString(4)).toList()));
        return people(sql, distinctIds).map(people -> {
            for (ObjectNode event : events) {
                ObjectNode person = people.get(event.get("distinct_id").asText());
                event.set("person", person == null ? null : person.deepCopy());
            }
            return events;
        });
    }

    /** PostHog's {@code ClickhouseEventSerializer} fields, in its order. */
    private ObjectNode event(Row row) {
        ObjectNode event = mapper.createObjectNode();
        event.put("id", row.getUUID(0).toString());
        event.put("distinct_id", row.getString(4));
        event.set("properties", properties(row.getValue(2)));
        event.put("event", row.getString(1));
        event.put("timestamp", DrfDateTime.isoformat(row.getOffsetDateTime(3)));
        event.putNull("person");
        String chain = row.getString(5);
        event.set("elements", ElementsChain.elements(chain, mapper));
        event.put("elements_chain", chain == null ? "" : chain);
        return event;
    }

    private JsonNode properties(Object stored) {
        if (stored == null) {
            return mapper.createObjectNode();
        }
        try {
            JsonNode node = mapper.readTree(stored.toString());
            return node != null && node.isObject() ? node : mapper.createObjectNode();
        } catch (IOException e) {
            return mapper.createObjectNode();
        }
    }

    /** Each distinct id's person in PostHog's short form; ids without a person are absent. */
    private QueryPlan<Map<String, ObjectNode>> people(InsightSql sql, List<String> distinctIds) {
        return sql.run(sql.statement("SELECT distinct_id, person_id FROM person_distinct_ids "
                        + "WHERE distinct_id IN {ev_ids}", Map.of("ev_ids", distinctIds)))
                .flatMap(mapped -> {
                    Map<String, UUID> personOf = new LinkedHashMap<>();
                    mapped.rows().forEach(r -> personOf.put(r.getString(0), r.getUUID(1)));
                    List<UUID> ids = List.copyOf(new LinkedHashSet<>(personOf.values()));
                    if (ids.isEmpty()) {
                        return QueryPlan.of(Map.<String, ObjectNode>of());
                    }
                    // only the properties answered (email, name, username), never whole ones: a page of 600 persons
                    // of 640 KiB each read 400 MB for three keys (breaker pass 10 N7)
                    StringBuilder kept = new StringBuilder("SELECT id, is_identified");
                    PERSON_PROPERTIES.forEach(key -> kept.append(", properties.").append(key));
                    QueryPlan<Rows> persons = sql.run(sql.statement(kept + " FROM persons WHERE id IN {ev_pids}",
                            Map.of("ev_pids", ids))).map(r -> new Rows(r.rows()));
                    QueryPlan<Rows> firsts = sql.run(sql.statement(
                            "SELECT person_id, min(distinct_id) FROM person_distinct_ids WHERE person_id IN {ev_pids} "
                                    + "GROUP BY person_id", Map.of("ev_pids", ids))).map(r -> new Rows(r.rows()));
                    return QueryPlan.all(List.of(persons, firsts)).map(both -> {
                        Map<UUID, String> first = new HashMap<>();
                        both.get(1).rows().forEach(r -> first.put(r.getUUID(0), r.getString(1)));
                        Map<UUID, ObjectNode> byId = new HashMap<>();
                        both.get(0).rows().forEach(r -> byId.put(r.getUUID(0), shortPerson(r, first.get(r.getUUID(0)))));
                        Map<String, ObjectNode> out = new HashMap<>();
                        personOf.forEach((distinctId, person) -> {
                            ObjectNode found = byId.get(person);
                            if (found != null) {
                                out.put(distinctId, found);
                            }
                        });
                        return out;
                    });
                });
    }

    /** A statement's rows, as one item of a plan of parts. */
    private record Rows(Iterable<Row> rows) {
    }

    private ObjectNode shortPerson(Row row, String firstDistinctId) {
        ObjectNode person = mapper.createObjectNode();
        person.put("is_identified", Boolean.TRUE.equals(row.getBoolean(1)));
        person.putArray("distinct_ids").add(firstDistinctId);
        ObjectNode kept = person.putObject("properties");
        for (int k = 0; k < PERSON_PROPERTIES.size(); k++) {
            Object value = row.getValue(2 + k);
            if (value != null) {
                kept.set(PERSON_PROPERTIES.get(k), dev.quarry.web.QueryValues.toJson(value, mapper));
            }
        }
        return person;
    }

    /** A {@code before}/{@code after} moment; 400 naming {@code attr} for one that does not parse or is past year 9999. */
    /**
     * A date parameter as PostHog's events and elements APIs read it (absolute or relative, {@code -7d}), within
     * years 1–9999.
     *
     * @throws ValidationException "Invalid date: …" naming {@code attr}
     */
    static ZonedDateTime moment(String text, ZonedDateTime now, String attr) {
        ZonedDateTime at;
        try {
            at = RelativeDates.parse(text, now, false, attr, false);
        } catch (java.time.DateTimeException outOfRange) {
            at = null;
        }
        if (at == null || at.getYear() < 1 || at.getYear() > 9999) {
            throw new ValidationException("Invalid date: " + text, attr);
        }
        return at;
    }

    private InsightSql sql(Team team) {
        return new InsightSql(new QueryContext(team, mapper, clock.instant()), "EventsList");
    }

}
